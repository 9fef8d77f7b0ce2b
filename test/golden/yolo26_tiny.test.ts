import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkModel } from '../../src/check/check.js';
import { compileModel, type CompileResult } from '../../src/compile.js';
import { compareDetections } from '../../src/golden/compare.js';
import { withEngine } from '../helpers/golden.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';
import { readFloats } from '../helpers/tensors.js';

/**
 * A YOLO26-like model (test/data/yolo26/make_yolo26_tiny.py: reg_max 1, no DFL, the end-to-end
 * top-k in YOLO26's arrangement with TopK / GatherElements / Mod / Tile / ReduceMax / Gather /
 * Cast / Flatten), compiled for the host target twice: with the decoder recognized (one
 * ai.yhc.YoloDecode), and with recognize-decoder skipped, so the postprocess runs as generic
 * kernels and the pass report says the pass did not run. Both must match onnxruntime and the
 * recorded output.
 */
const DATA = join(REPO, 'test', 'data', 'yolo26');
const NAME = 'yolo26_tiny';
const model = join(DATA, `${NAME}.onnx`);
const floats = readFloats;
const { dir, cleanup } = tempDir('yhc-yolo26-');
afterAll(cleanup);

const builds: Record<'recognized' | 'generic', CompileResult> = {} as never;
beforeAll(async () => {
  builds.recognized = await compileModel(model, { outDir: join(dir, 'recognized'), target: 'host', cacheDir: TEST_CACHE });
  builds.generic = await compileModel(model, {
    outDir: join(dir, 'generic'),
    target: 'host',
    cacheDir: TEST_CACHE,
    skipPasses: ['recognize-decoder'],
  });
}, 600_000);

const kernelOps = (r: CompileResult) => r.manifest.kernels.flatMap((k) => k.nodes.map((n) => n.opType));

describe(`${NAME} (fp32, host emulation)`, () => {
  it('recognizes the reg_max 1 head and its top-k as one YoloDecode without DFL', () => {
    const pass = builds.recognized.passes!.passes.find((p) => p.name === 'recognize-decoder')!;
    expect(pass.fired).toEqual({ 'YOLO26 decoder (no DFL, dist2bbox, sigmoid, two-stage top-k) → ai.yhc.YoloDecode': 1 });
    const decode = builds.recognized.graph.nodes.find((n) => n.opType === 'YoloDecode')!;
    expect(decode.attrs.get('reg_max')).toEqual({ type: 'int', value: 1 });
    expect(decode.attrs.get('max_det')).toEqual({ type: 'int', value: 40 });
    for (const op of ['TopK', 'GatherElements', 'Mod', 'Tile', 'ReduceMax']) expect(kernelOps(builds.recognized)).not.toContain(op);
  });

  it('with recognize-decoder skipped, the postprocess compiles to generic kernels and the report says so', () => {
    const pass = builds.generic.passes!.passes.find((p) => p.name === 'recognize-decoder')!;
    expect(pass.skipped).toBe(true);
    expect(pass.fired).toEqual({});
    for (const op of ['TopK', 'GatherElements', 'Mod', 'Tile', 'ReduceMax', 'Gather', 'Cast']) expect(kernelOps(builds.generic)).toContain(op);
  });

  it.each(['recognized', 'generic'] as const)('%s: matches the recorded onnxruntime output', async (which) => {
    const got = await withEngine(builds[which].outDir, (engine) => engine.run({ images: floats(join(DATA, `${NAME}.input.images.bin`)) }));
    const result = compareDetections(got['output0'] as Float32Array, floats(join(DATA, `${NAME}.output.output0.bin`)), [1, 40, 6]);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.matched).toBe(40);
  });

  it('yhc check, recognize-decoder skipped, on a seeded random input (seed 3)', async () => {
    const report = await checkModel(model, { seed: 3, skipPasses: ['recognize-decoder'], cacheDir: TEST_CACHE, outDir: join(dir, 'check') });
    expect(report.ok, JSON.stringify(report.outputs)).toBe(true);
  }, 300_000);
});
