import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poisonedOutputs } from '../../src/check/check.js';
import { checkOutput } from '../../src/golden/check_output.js';
import { FP32_RTOL } from '../../src/golden/compare.js';
import { runReference } from '../../src/check/oracle.js';
import { compileModel } from '../../src/compile.js';
import type { DType } from '../../src/dtype.js';
import { YhcError } from '../../src/errors.js';
import { runGraph } from '../../src/interp/interpreter.js';
import type { TensorInfo } from '../../src/manifest.js';
import { tensorFromTypedArray, typedArrayOf } from '../../src/typed_arrays.js';
import { randomInputs, withEngine } from '../helpers/golden.js';
import { GraphBuilder, expectTensorsClose } from '../helpers/graph_builder.js';
import { randomTensor, writeModel } from '../helpers/models.js';
import { TEST_CACHE, fixture, tempDir } from '../helpers/paths.js';
import { float, int, ints, str } from '../helpers/attrs.js';

/**
 * Dynamic batch up to the compiled maximum: an engine compiled for batch 4 runs 1, 2, 3 or 4
 * images — every kernel launching only those images' blocks — and computes what onnxruntime
 * computes on the original model for that many images.
 */
const { dir, cleanup } = tempDir('yhc-dynbatch-');
afterAll(cleanup);

const ofBatch = (infos: readonly TensorInfo[], n: number): TensorInfo[] => infos.map((i) => ({ ...i, shape: [n, ...i.shape.slice(1)] }));

describe('v10head_n_dynbatch compiled for batch 4 (host emulation)', () => {
  const outDir = join(dir, 'v10head_n_b4');

  it('is an image-major engine', async () => {
    const { manifest } = await compileModel(fixture('v10head_n_dynbatch'), { outDir, target: 'host', batch: 4, cacheDir: TEST_CACHE });
    expect(manifest.batch).toBe(4);
    expect(manifest.dynamicBatch).toBe(true);
  });

  it.each([1, 3, 2, 4])('runs %i image(s) like onnxruntime', async (n) => {
    await withEngine(outDir, async (engine) => {
      const m = engine.manifest;
      const inputs = randomInputs(ofBatch(m.inputs, n), 40 + n);
      const outputs = engine.runPositional(
        m.inputs.map((i) => inputs[i.name]!),
        poisonedOutputs(ofBatch(m.outputs, n)),
        n,
      );
      const feeds = Object.fromEntries(ofBatch(m.inputs, n).map((i) => [i.name, { dtype: i.dtype as DType, shape: i.shape, data: inputs[i.name]! }]));
      const ref = await runReference(fixture('v10head_n_dynbatch'), feeds);
      ofBatch(m.outputs, n).forEach((info, k) => {
        const result = checkOutput(info, outputs[k]!, ref[info.name]!, FP32_RTOL);
        expect(result.ok, `${info.name}: ${result.detail}`).toBe(true);
      });
    });
  });

  it('negative: a batch outside 1..4 is a typed error naming the range', async () => {
    await withEngine(outDir, async (engine) => {
      const inputs = randomInputs(ofBatch(engine.manifest.inputs, 5), 1);
      expect(() =>
        engine.runPositional(
          engine.manifest.inputs.map((i) => inputs[i.name]!),
          undefined,
          5,
        ),
      ).toThrow(/batch 5 is outside 1\.\.4/);
      expect(() =>
        engine.runPositional(
          engine.manifest.inputs.map((i) => inputs[i.name]!),
          undefined,
          0,
        ),
      ).toThrow(YhcError);
    });
  });

  it('negative: arrays sized for another batch are refused', async () => {
    await withEngine(outDir, async (engine) => {
      const inputs = randomInputs(engine.manifest.inputs, 1); // 4 images
      expect(() =>
        engine.runPositional(
          engine.manifest.inputs.map((i) => inputs[i.name]!),
          undefined,
          2,
        ),
      ).toThrow(/must hold .* elements/);
    });
  });
});

it('GroupNorm and SimAM statistics are per image: a smaller batch gets the same per-image results (interpreter oracle)', async () => {
  // DwPw with both GroupNorms → dense conv → SimAM → dense conv: every statistics kernel of the
  // improved head (group moments, plane moments, last-block counters), with a symbolic batch.
  const b = new GraphBuilder(17);
  const [C, M, HW] = [8, 16, 10];
  const x = b.input('x', 'float32', ['N', C, HW, HW]);
  const k = (shape: number[], seed: number, scale = 1) => b.constant(randomTensor(shape, seed, scale));
  const conv = (inp: string, cin: number, cout: number, seed: number) =>
    b.op(
      'Conv',
      [inp, k([cout, cin, 3, 3], seed, 0.2), k([cout], seed + 1)],
      { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]), dilations: ints([1, 1]), group: int(1), activation: str('silu') },
      { domain: 'ai.yhc' },
    );
  const dwpw = b.op(
    'DwPw',
    [x, k([C, 1, 3, 3], 1, 0.5), k([C], 2), k([C], 3), k([C], 4), k([M, C, 1, 1], 5, 0.4), k([M], 6), k([M], 7), k([M], 8)],
    {
      kernel_shape: ints([3, 3]),
      strides: ints([1, 1]),
      pads: ints([1, 1, 1, 1]),
      dilations: ints([1, 1]),
      dw_activation: str('silu'),
      pw_activation: str('silu'),
      dw_norm_groups: int(4),
      pw_norm_groups: int(4),
      dw_norm_epsilon: float(1e-5),
      pw_norm_epsilon: float(1e-5),
    },
    { domain: 'ai.yhc' },
  );
  const simam = b.op('SimAM', [conv(dwpw, M, M, 10)], { lambda: float(1e-4) }, { domain: 'ai.yhc' });
  b.output(conv(simam, M, 4, 20));
  const model = writeModel(dir, 'stats.onnx', b.spec());
  const outDir = join(dir, 'stats_b3');
  const { manifest } = await compileModel(model, { outDir, target: 'host', batch: 3, cacheDir: TEST_CACHE, passes: false });
  expect(manifest.dynamicBatch).toBe(true);
  expect(manifest.stateBytes).toBeGreaterThan(0); // last-block counters
  await withEngine(outDir, async (engine) => {
    for (const n of [3, 1, 2, 1]) {
      const [info] = ofBatch(manifest.inputs, n);
      const input = randomInputs([info!], 60 + n)[info!.name]!;
      const [got] = engine.runPositional([input], undefined, n);
      const want = Object.values(runGraph(b.build({ batch: n }), { x: tensorFromTypedArray('float32', info!.shape, input) }))[0]!;
      expect(typedArrayOf(want).length).toBe(got!.length);
      expectTensorsClose(tensorFromTypedArray('float32', want.shape, got!), want, 1e-4, `batch ${n}`);
    }
  });
});
