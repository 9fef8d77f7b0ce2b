import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { Engine } from '../../src/runtime/engine.js';
import { expectMatchesOnnxRuntime, fixture, randomInputs, recordedInputs } from '../helpers/golden.js';
import { TEST_CACHE, tempDir } from '../helpers/paths.js';

/**
 * Golden tests: every shared fixture compiled for the host target (optimized by the passes,
 * and two without them: one kernel per ONNX op; every optimized one also with fp16 storage), run through the koffi Engine under CPU
 * emulation, compared with onnxruntime on the original model — on the recorded inputs where the
 * fixture has them and on fresh seeded random inputs.
 */
const { dir, cleanup } = tempDir('yhc-golden-');
afterAll(cleanup);

const CASES: { name: string; batch?: number; recorded: boolean; seed: number; passes?: false; precision?: 'fp16' }[] = [
  { name: 'tiny_head', recorded: true, seed: 11 },
  { name: 'tiny_head_raw', recorded: true, seed: 12 },
  { name: 'v10head_n', recorded: true, seed: 13 },
  { name: 'v10head_n_unfused', recorded: false, seed: 14 },
  { name: 'v10head_n_dynbatch', batch: 1, recorded: false, seed: 15 },
  { name: 'v10head_n_dynbatch', batch: 2, recorded: false, seed: 16 },
  { name: 'improved_head_s', recorded: false, seed: 17 },
  { name: 'tiny_head', recorded: true, seed: 18, passes: false },
  { name: 'v10head_n', recorded: true, seed: 19, passes: false },
  { name: 'tiny_head', recorded: true, seed: 21, precision: 'fp16' },
  { name: 'tiny_head_raw', recorded: true, seed: 22, precision: 'fp16' },
  { name: 'v10head_n', recorded: true, seed: 23, precision: 'fp16' },
  { name: 'v10head_n_unfused', recorded: false, seed: 24, precision: 'fp16' },
  { name: 'v10head_n_dynbatch', batch: 2, recorded: false, seed: 25, precision: 'fp16' },
  { name: 'improved_head_s', recorded: false, seed: 27, precision: 'fp16' },
];

describe.each(CASES)('$name (batch $batch, passes $passes, $precision)', ({ name, batch, recorded, seed, passes, precision }) => {
  const outDir = join(dir, `${name}_b${batch ?? 1}${passes === false ? '_nopasses' : ''}${precision ?? ''}`);
  let engine: Engine;

  it('compiles for the host target', async () => {
    const { manifest } = await compileModel(fixture(name), {
      outDir,
      target: 'host',
      cacheDir: TEST_CACHE,
      ...(batch ? { batch } : {}),
      ...(passes === false ? { passes } : {}),
      ...(precision ? { precision } : {}),
    });
    expect(manifest.library).toMatch(/^lib\/libyhc_.*\.so$/);
    // Optimized builds implement the decoder as one YoloDecode kernel; unoptimized ones keep TopK.
    const ops = manifest.kernels.flatMap((k) => k.nodes.map((n) => n.opType));
    expect(
      ops.some((op) => /YoloDecode/.test(op)),
      ops.join(' '),
    ).toBe(passes !== false);
    expect(manifest.passes === null).toBe(passes === false);
    expect(manifest.inputs[0]!.shape[0]).toBe(batch ?? 1);
    // fp16 storage: every conv activation between the engine's float32 inputs and outputs is half.
    expect(manifest.precision.storage).toBe(precision ?? 'fp32');
    if (precision) expect(manifest.precision.halfActivations).toBeGreaterThanOrEqual(6);
    engine = Engine.load(outDir);
  });

  if (recorded) {
    it('matches onnxruntime on the recorded inputs', async () => {
      await expectMatchesOnnxRuntime(fixture(name), engine, recordedInputs(name, engine.manifest));
    });
  }

  it(`matches onnxruntime on random inputs (seed ${seed})`, async () => {
    await expectMatchesOnnxRuntime(fixture(name), engine, randomInputs(engine.manifest.inputs, seed));
  });

  afterAll(() => engine?.dispose());
});
