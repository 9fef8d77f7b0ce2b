import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkModel } from '../../../src/check/check.js';
import { SeededRandom } from '../../../src/golden/random.js';
import { compileModel } from '../../../src/compile.js';
import type { NmsBoxFormat } from '../../../src/ops/yhc/yolo_nms.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { writeModel } from '../../helpers/models.js';
import { TEST_CACHE, fixture, tempDir } from '../../helpers/paths.js';

/**
 * `--decode nms` (ai.yhc.YoloNms → yolo_nms.cuh) under host emulation, against onnxruntime's
 * NonMaxSuppression on the same preds (src/check/reference_model.ts builds that reference graph,
 * src/check/assemble_nms.ts assembles its selected triples into detections and num_dets). Preds are fed directly —
 * a model whose output is its input — so boxes crowd and overlap: clusters of boxes around a few
 * centres, scores uniform, some NaN.
 */
const { dir, cleanup } = tempDir('yhc-yolo-nms-');
afterAll(cleanup);

function predsModel(name: string, nc: number, anchors: number): string {
  const b = new GraphBuilder(17);
  const preds = b.input('preds', 'float32', ['N', 4 + nc, anchors]);
  b.output(b.op('Identity', [preds]));
  return writeModel(dir, `${name}.onnx`, b.spec());
}

/**
 * Boxes in 6 clusters (heavy overlap within one), as corners or centre/size; scores in [0, 1], a
 * few NaN, and a fifth exactly at `conf` (candidates must score ABOVE it, as NonMaxSuppression
 * filters).
 */
function crowdedPreds(batch: number, nc: number, anchors: number, boxes: NmsBoxFormat, seed: number, conf: number): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(batch * (4 + nc) * anchors);
  for (let b = 0; b < batch; b++) {
    const base = b * (4 + nc) * anchors;
    for (let a = 0; a < anchors; a++) {
      const cluster = Math.floor(rng.uniform() * 6);
      const cx = 60 * cluster + 8 * rng.normal();
      const cy = 40 + 30 * (cluster % 2) + 8 * rng.normal();
      const [w, h] = [20 + 15 * rng.uniform(), 20 + 15 * rng.uniform()];
      const row = boxes === 'xywh' ? [cx, cy, w, h] : [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
      row.forEach((v, k) => (out[base + k * anchors + a] = v));
      for (let c = 0; c < nc; c++) {
        const u = rng.uniform();
        out[base + (4 + c) * anchors + a] = u < 0.02 ? NaN : u < 0.2 ? conf : rng.uniform();
      }
    }
  }
  return out;
}

const CASES = [
  { name: 'batch 1, corners, iou 0.5, 10 rows', batch: 1, nc: 3, anchors: 120, boxes: 'xyxy', iou: 0.5, conf: 0.25, maxDet: 10 },
  { name: 'batch 2, centre boxes, iou 0.7, 50 rows', batch: 2, nc: 4, anchors: 200, boxes: 'xywh', iou: 0.7, conf: 0.25, maxDet: 50 },
  { name: 'batch 8, fewer survivors than rows (zero padding), conf 0.9', batch: 8, nc: 2, anchors: 64, boxes: 'xyxy', iou: 0.3, conf: 0.9, maxDet: 40 },
  { name: 'batch 2, max_det above every candidate, iou 0', batch: 2, nc: 3, anchors: 50, boxes: 'xyxy', iou: 0, conf: 0.125, maxDet: 200 },
] as const;

describe.each(CASES)('--decode nms, $name (host emulation vs onnxruntime NonMaxSuppression)', (c) => {
  it('selects what onnxruntime selects', async () => {
    const model = predsModel(`nms_${c.anchors}_${c.nc}`, c.nc, c.anchors);
    const decode = { format: 'nms' as const, iou: c.iou, conf: c.conf, maxDet: c.maxDet, boxes: c.boxes };
    for (const seed of [1, 2]) {
      const report = await checkModel(model, {
        batch: c.batch,
        decode,
        inputs: { preds: crowdedPreds(c.batch, c.nc, c.anchors, c.boxes, seed, c.conf) },
        outDir: join(dir, `build_${c.batch}_${c.boxes}_${c.maxDet}`),
        cacheDir: TEST_CACHE,
      });
      expect(report.outputs.map((o) => o.name)).toEqual(['detections', 'num_dets']);
      for (const o of report.outputs) expect(o.ok, `${o.name}: ${o.detail}`).toBe(true);
    }
  }, 120_000);
});

it('--decode nms on the raw-output fixture: the NMS kernels after the head', async () => {
  const { manifest } = await compileModel(fixture('tiny_head_raw'), {
    outDir: join(dir, 'tiny_head_raw_nms'),
    target: 'host',
    cacheDir: TEST_CACHE,
    decode: { format: 'nms', iou: 0.6, conf: 0.3, maxDet: 25 },
  });
  expect(manifest.outputs.map((o) => [o.name, o.dtype, o.shape])).toEqual([
    ['detections', 'float32', [1, 25, 6]],
    ['num_dets', 'int32', [1]],
  ]);
  // The raw head's own decode (DFL, boxes, sigmoid) is still recognized as YoloDecode 'preds'.
  // Then NMS bitmask style: select, the IoU matrix in tiles, the sweep.
  expect(manifest.kernels.slice(-4).map((k) => k.id.replace(/^k\d+_/, ''))).toEqual(['yolodecode', 'yolonmsselect', 'yolonmsmask', 'yolonmssweep']);
  expect(manifest.kernels.length).toBe(8);
  const report = await checkModel(fixture('tiny_head_raw'), { decode: { format: 'nms', iou: 0.6, conf: 0.3, maxDet: 25 }, seed: 9, cacheDir: TEST_CACHE });
  for (const o of report.outputs) expect(o.ok, `${o.name}: ${o.detail}`).toBe(true);
}, 120_000);
