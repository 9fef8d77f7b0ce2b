import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import type { Manifest } from '../../src/manifest.js';
import { compareDetections } from '../../src/golden/compare.js';
import { expectMatchesOnnxRuntime, randomInputs, withEngine } from '../helpers/golden.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';
import { readFloats } from '../helpers/tensors.js';

/**
 * A whole YOLO model — backbone (SCDown, C2f, C2fCIB, SPPF's MaxPools, PSA attention in one kernel),
 * neck (nearest x2 Resizes), v10 head and its NMS-free postprocess — compiled for the host target
 * and checked against onnxruntime on the recorded input and on a seeded random one (fp32, the
 * 1e-4 rule), and against the recorded onnxruntime output.
 */
const MODELS = join(REPO, 'test', 'data', 'models');
const NAME = 'yolov10n_e2e_320';
const model = join(MODELS, `${NAME}.onnx`);
const floats = readFloats;

const { dir, cleanup } = tempDir('yhc-models-');
afterAll(cleanup);
const outDir = join(dir, NAME);
let manifest: Manifest;

beforeAll(async () => {
  ({ manifest } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE }));
}, 600_000);

describe(`${NAME} (fp32, host emulation)`, () => {
  it('lowers every op, with the decoder recognized as ai.yhc.YoloDecode', () => {
    const ops = manifest.kernels.flatMap((k) => k.nodes.map((n) => n.opType));
    for (const op of ['MaxPool', 'Attention', 'YoloDecode'])
      expect(
        ops.some((o) => o.endsWith(op)),
        op,
      ).toBe(true);
  });

  it('runs PSA attention (both MatMuls, the softmax, the positional conv) as one kernel', () => {
    const attention = manifest.kernels.filter((k) => k.template === 'attention.cuh');
    expect(attention).toHaveLength(1);
    const replaced = attention[0]!.nodes.flatMap((n) => n.replaces.map((r) => r.opType)).sort();
    expect(replaced).toEqual(['Add', 'Conv', 'MatMul', 'MatMul', 'Mul', 'Reshape', 'Reshape', 'Reshape', 'Softmax', 'Split', 'Transpose', 'Transpose']);
    expect(manifest.kernels.some((k) => ['matmul.cuh', 'softmax.cuh'].includes(k.template))).toBe(false);
  });

  it('runs no kernel for Resize or Concat, SPPF in one kernel (channel-range views)', () => {
    const kernelsOf = (op: string) => manifest.kernels.filter((k) => k.nodes.some((n) => n.opType === op));
    expect(kernelsOf('Resize')).toEqual([]);
    expect(kernelsOf('Concat')).toEqual([]);
    expect(kernelsOf('MaxPool')).toHaveLength(1);
    expect(kernelsOf('MaxPool')[0]!.template).toContain('sppf.cuh');
    expect(manifest.kernels.some((k) => k.template.includes('max_pool.cuh'))).toBe(false);
    // Split: attention's q/k/v split is read by index inside the attention kernel; the rest are views.
    expect(kernelsOf('Split')).toEqual([]);
  });

  it('matches onnxruntime on the recorded input', async () => {
    await withEngine(outDir, (engine) => expectMatchesOnnxRuntime(model, engine, { images: floats(join(MODELS, `${NAME}.input.images.bin`)) }));
  });

  it('matches the recorded onnxruntime output', async () => {
    const got = await withEngine(outDir, (engine) => engine.run({ images: floats(join(MODELS, `${NAME}.input.images.bin`)) }));
    const recorded = floats(join(MODELS, `${NAME}.output.output0.bin`));
    const result = compareDetections(got['output0'] as Float32Array, recorded, [1, 300, 6]);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.matched).toBe(300);
  });

  it('matches onnxruntime on a seeded random input (seed 5)', async () => {
    await withEngine(outDir, (engine) => expectMatchesOnnxRuntime(model, engine, randomInputs(engine.manifest.inputs, 5)));
  });
});

describe(`${NAME} (fp16 storage, host emulation)`, () => {
  const fp16Dir = join(dir, `${NAME}_fp16`);
  let fp16: Awaited<ReturnType<typeof compileModel>>;
  beforeAll(async () => {
    fp16 = await compileModel(model, { outDir: fp16Dir, target: 'host', precision: 'fp16', cacheDir: TEST_CACHE });
  }, 600_000);

  it('stores the body in half: SPPF and the residual convs read and write __half too (Split, Concat, Resize are views)', () => {
    const half = (k: (typeof fp16.plan.kernels)[number]) => k.spec.params.some((p) => p.kind === 'type' && p.cType === '__half');
    const halfKernels = fp16.plan.kernels.filter(half);
    expect(halfKernels.some((k) => k.spec.family === 'sppf')).toBe(true);
    expect(halfKernels.some((k) => k.spec.kernel.includes('residual'))).toBe(true);
    expect(fp16.manifest.precision.halfActivations).toBeGreaterThan(100);
  });

  it('matches onnxruntime on the recorded input (1e-2 rule, detection scores 3e-2: docs/golden_rules.md)', async () => {
    await withEngine(fp16Dir, (engine) => expectMatchesOnnxRuntime(model, engine, { images: floats(join(MODELS, `${NAME}.input.images.bin`)) }));
  });
});
