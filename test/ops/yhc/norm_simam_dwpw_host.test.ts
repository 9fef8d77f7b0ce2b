import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../../codegen/toolchain/toolchain.js';
import { compileModel } from '../../../src/compile.js';
import { opCounts } from '../../../src/ir/print.js';
import { expectMatchesOnnxRuntime, randomInputs, withEngine } from '../../helpers/golden.js';
import { writeModel } from '../../helpers/models.js';
import { TEST_CACHE, tempDir } from '../../helpers/paths.js';
import { improvedBranch, onnxNorms, stockBranch } from './small_models.js';

/**
 * End to end on the host target: small ONNX models whose patterns the passes turn into
 * ai.yhc.GroupNorm, SimAM and DwPw, compiled, run by the Engine under CPU emulation and
 * compared with onnxruntime on the original model. nvcc (when present) must accept them too.
 */
const { dir, cleanup } = tempDir('yhc-yhc-ops-');
afterAll(cleanup);

it('keeps_the_onnx_normalization_kernels_working_without_passes', async () => {
  const model = writeModel(dir, 'onnx_norms.onnx', onnxNorms());
  const outDir = join(dir, 'onnx_norms_host');
  const { graph } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE, passes: false });
  expect(opCounts(graph)).toEqual({ GroupNormalization: 1, InstanceNormalization: 1 });
  await withEngine(outDir, async (engine) => {
    await expectMatchesOnnxRuntime(model, engine, randomInputs(engine.manifest.inputs, 3));
  });
}, 120_000);

const CASES = [
  { name: 'improved_branch', spec: improvedBranch, ops: { 'ai.yhc.DwPw': 1, 'ai.yhc.SimAM': 1, 'ai.yhc.GroupNorm': 1 } },
  { name: 'stock_branch', spec: stockBranch, ops: { 'ai.yhc.DwPw': 1, 'ai.yhc.GroupNorm': 2 } },
];

describe.each(CASES)('$name', ({ name, spec, ops }) => {
  const model = writeModel(dir, `${name}.onnx`, spec());

  it('compiles_for_the_host_target_with_the_yhc_ops_and_matches_onnxruntime', async () => {
    const outDir = join(dir, `${name}_host`);
    const { graph } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE, verify: true });
    const counts = opCounts(graph);
    for (const [op, n] of Object.entries(ops)) expect(counts[op], op).toBe(n);
    await withEngine(outDir, async (engine) => {
      for (const seed of [1, 2]) await expectMatchesOnnxRuntime(model, engine, randomInputs(engine.manifest.inputs, seed));
    });
  }, 120_000);

  it.runIf(findOnPath('nvcc'))(
    'compiles_with_nvcc',
    async () => {
      const { manifest } = await compileModel(model, { outDir: join(dir, `${name}_cuda`), target: 'cuda', arch: ['sm_90'], cacheDir: TEST_CACHE });
      expect(manifest.library).toMatch(/\.so$/);
    },
    120_000,
  );
});
