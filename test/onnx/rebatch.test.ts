import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkModel } from '../../src/check/check.js';
import { runReference } from '../../src/check/oracle.js';
import { YhcError } from '../../src/errors.js';
import { checkOutput } from '../../src/golden/check_output.js';
import { FP32_RTOL } from '../../src/golden/compare.js';
import { randomInputs } from '../../src/golden/random_inputs.js';
import { tensorInfo } from '../../src/ir/tensor_info.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { loadModel } from '../../src/onnx/load.js';
import { Tensor } from '../../src/tensor.js';
import { typedArrayOf } from '../../src/typed_arrays.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';

/**
 * `--batch N` on static batch-1 exports (src/onnx/rebatch.ts). Models: test/data/rebatch/make_rebatch_models.py.
 * rebatch_ok is what torch's tracer writes at batch 1 (Reshape to [1, C, -1], a Concat with a
 * constant row, x[arange(1)[:, None], idx], an Expand to [1, ...]); at batch 3 each image must
 * compute exactly what onnxruntime computes for it alone on the batch-1 model.
 */
const DIR = join(REPO, 'test', 'data', 'rebatch');
const model = (name: string) => join(DIR, `${name}.onnx`);
const { dir, cleanup } = tempDir('yhc-rebatch-');
afterAll(cleanup);

function expectBatchError(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeInstanceOf(YhcError);
  expect((caught as YhcError).code).toBe('BATCH');
  expect((caught as YhcError).message).toMatch(message);
  expect((caught as YhcError).message).not.toContain('\n');
}

describe('re-batching a static batch-1 export', () => {
  it('gives every value the batch in front and rewrites the hard-coded batch-1 constants', () => {
    const g = loadModel(model('rebatch_ok'), { batch: 3 });
    expect(g.inputs[0]!.shape).toEqual([3, 3, 8, 8]);
    expect(g.outputs[0]!.shape).toEqual([3, 10, 8]);
    // Every value has the batch in front; x[arange(1)[:, None], idx] flattens it into the rows (3 · 64).
    for (const n of g.nodes) for (const v of n.outputs) expect(v.shape[0]! % 3, `${n.opType} ${v.shape}`).toBe(0);
    const reshapes = g.nodes.filter((n) => n.opType === 'Reshape').map((n) => n.input(1).constant!.toArray()[0]);
    expect(reshapes).toContain(3);
  });

  it('computes per image what onnxruntime computes on the batch-1 model (interpreter, batch 3)', async () => {
    const g = loadModel(model('rebatch_ok'), { batch: 3 });
    const info = tensorInfo(g.inputs[0]!);
    const images = randomInputs([info], 11)['images'] as Float32Array;
    const out = runGraph(g, { images: new Tensor('float32', info.shape, images) })['out']!;
    const per = out.data.length / 3;
    for (let b = 0; b < 3; b++) {
      const one = images.subarray((b * images.length) / 3, ((b + 1) * images.length) / 3);
      const ref = await runReference(model('rebatch_ok'), { images: { dtype: 'float32', shape: [1, 3, 8, 8], data: one } });
      const got = typedArrayOf(out).subarray(b * per, (b + 1) * per);
      const r = checkOutput({ name: 'out', dtype: 'float32', shape: [1, 10, 8], bytes: per * 4 }, got, ref['out']!, FP32_RTOL);
      expect(r.ok, `image ${b}: ${r.detail}`).toBe(true);
    }
  });

  it('yhc check --batch 3 builds it and compares every image with onnxruntime on the batch-1 model', async () => {
    const report = await checkModel(model('rebatch_ok'), { batch: 3, seed: 4, outDir: join(dir, 'ok3'), cacheDir: TEST_CACHE });
    expect(report.ok, JSON.stringify(report.outputs)).toBe(true);
  }, 300_000);

  it('yhc check --decode nms --batch 2 on a static raw head: onnxruntime NMS per image, assembled per image', async () => {
    const raw = join(REPO, 'test', 'data', 'fixtures', 'tiny_head_raw.onnx');
    const report = await checkModel(raw, { batch: 2, seed: 3, decode: { format: 'nms', maxDet: 20 }, outDir: join(dir, 'nms2'), cacheDir: TEST_CACHE });
    expect(report.ok, JSON.stringify(report.outputs)).toBe(true);
  }, 300_000);

  it('names_the_reshape_that_folds_the_batch_into_another_axis', () => {
    expectBatchError(() => loadModel(model('rebatch_bad'), { batch: 2 }), /node "fold_batch" \(Reshape\).*\[4, 64\] at batch 1/);
    expect(loadModel(model('rebatch_bad')).outputs[0]!.shape).toEqual([4, 64]);
  });

  it('names_a_reduction_over_the_batch_axis', () => {
    expectBatchError(
      () => loadModel(model('rebatch_bad_reduce'), { batch: 2 }),
      /node "mean_over_batch" \(ReduceMean\): its axes \[0\] include the batch axis/,
    );
  });

  it('refuses_a_static_model_whose_batch_is_not_1', () => {
    expectBatchError(() => loadModel(model('rebatch_static2'), { batch: 4 }), /input "images" has shape \[2, 4\]; only a batch-1 input/);
  });
});
