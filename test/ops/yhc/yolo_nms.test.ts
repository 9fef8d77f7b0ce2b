import { afterAll, expect, it } from 'vitest';
import { referenceModel } from '../../../src/check/reference_model.js';
import { checkOutput } from '../../../src/golden/check_output.js';
import { runReference } from '../../../src/check/oracle.js';
import { SeededRandom } from '../../../src/golden/random.js';
import { runGraph } from '../../../src/interp/interpreter.js';
import { loadDecodedModel } from '../../../src/decode.js';
import { suppresses } from '../../../src/ops/yhc/yolo_nms.js';
import { Tensor } from '../../../src/tensor.js';
import { typedArrayOf, type TypedArray } from '../../../src/typed_arrays.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { writeModel } from '../../helpers/models.js';
import { tempDir } from '../../helpers/paths.js';

/** ai.yhc.YoloNms in the interpreter: the same detections as onnxruntime's NonMaxSuppression, assembled. */
const { dir, cleanup } = tempDir('yhc-op-nms-');
afterAll(cleanup);

it('suppresses as onnxruntime computes IoU: strict threshold, boxes without area never', () => {
  const a = [0, 0, 10, 10];
  expect(suppresses(a, [5, 0, 15, 10], 0.33, true)).toBe(true); // IoU 50 / 150 = 0.333…
  expect(suppresses(a, [5, 0, 15, 10], 1 / 3 + 1e-3, true)).toBe(false);
  expect(suppresses(a, [10, 0, 20, 10], 0, true)).toBe(false); // touching: no intersection
  expect(suppresses(a, [2, 2, 2, 8], 0, true)).toBe(false); // no area
  expect(suppresses([10, 10, 0, 0], [5, 0, 15, 10], 0.33, true)).toBe(true); // corners in any order
});

it('the interpreter selects what onnxruntime NonMaxSuppression selects (batch 2, 3 classes)', async () => {
  const [batch, nc, anchors] = [2, 3, 80];
  const b = new GraphBuilder(17);
  b.output(b.op('Identity', [b.input('preds', 'float32', ['N', 4 + nc, anchors])]));
  const model = writeModel(dir, 'preds.onnx', b.spec());
  const decoded = loadDecodedModel(model, { batch, decode: { format: 'nms', iou: 0.45, conf: 0.2, maxDet: 30 } });
  const rng = new SeededRandom(4);
  const preds = new Float32Array(batch * (4 + nc) * anchors);
  for (let i = 0; i < batch; i++) {
    for (let a = 0; a < anchors; a++) {
      const [x, y, w, h] = [50 * Math.floor(rng.uniform() * 4) + 5 * rng.normal(), 30 + 5 * rng.normal(), 25 + 10 * rng.uniform(), 25 + 10 * rng.uniform()];
      [x, y, x + w, y + h].forEach((v, k) => (preds[(i * (4 + nc) + k) * anchors + a] = v));
      for (let c = 0; c < nc; c++) preds[(i * (4 + nc) + 4 + c) * anchors + a] = rng.uniform();
    }
  }
  const got = runGraph(decoded.graph, { preds: new Tensor('float32', [batch, 4 + nc, anchors], preds) });
  const reference = referenceModel(decoded);
  const raw = await runReference(reference.bytes(), { preds: { dtype: 'float32', shape: [batch, 4 + nc, anchors], data: preds } });
  const want = reference.assemble!(raw) as Record<string, { dims: readonly number[]; data: TypedArray }>;
  const info = { name: 'detections', dtype: 'float32', shape: [batch, 30, 6], bytes: 0 };
  const result = checkOutput(info, typedArrayOf(got['detections']!), want['detections']!);
  expect(result.ok, result.detail).toBe(true);
  expect(Array.from(typedArrayOf(got['num_dets']!) as Int32Array)).toEqual(Array.from(want['num_dets']!.data as Int32Array));
  // Suppression happened: image 0's rows are not simply its 30 best scores.
  const kept = Array.from(typedArrayOf(got['detections']!) as Float32Array).filter((_, i) => i < 180 && i % 6 === 4);
  const best = Array.from(preds.subarray(4 * anchors, (4 + nc) * anchors))
    .sort((x, y) => y - x)
    .slice(0, 30);
  expect(kept).not.toEqual(best);
});
