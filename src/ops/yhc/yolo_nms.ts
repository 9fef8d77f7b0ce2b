import { attrFloat, attrInt, attrString } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';
import { Tensor } from '../../tensor.js';
import type { OpDef } from '../op.js';
import { checkNode, requireDType, requiredTensor } from '../util/checks.js';
import { attributeError, shapeError, shapeStr, valueLabel } from '../util/errors.js';

/**
 * ai.yhc.YoloNms(preds) — the postprocess of a one-to-many head (YOLOv8 / YOLO11 style), as one
 * op: class-aware non-maximum suppression with onnxruntime's NonMaxSuppression rules, in yhc's
 * detections contract.
 *
 * Input preds [B, 4 + nc, A]: rows 0..3 the boxes (`boxes` = 'xyxy': x1, y1, x2, y2; 'xywh':
 * centre x, centre y, width, height), rows 4.. the class scores.
 * Attributes: iou, conf, max_det, boxes ('xyxy' default), max_candidates (per image, default
 * 4096).
 *
 * Per image:
 *   1. candidates: every (class c, anchor a) whose score is above conf (strictly; NaN never),
 *      candidate index i = c·A + a (the [nc, A] order NonMaxSuppression reads scores in);
 *   2. in order of score, descending, ties to the lower candidate index, a candidate survives
 *      unless a survivor of the same class overlaps it with IoU > iou (IoU as onnxruntime
 *      computes it: boxes without area never suppress or are suppressed; onnxruntime leaves
 *      the order of EQUAL scores to its heap, yhc takes the lower index);
 *      a candidate's fate depends only on those before it, so sweeping in this order and
 *      stopping at max_det survivors gives exactly the top max_det of per-class NMS;
 *   3. only the max_candidates best candidates are considered (the selection's work bound):
 *      exact whenever fewer scores pass conf, or the max_det survivors come from them.
 * Outputs: detections [B, max_det, 6] = x1, y1, x2, y2 (corners, as xyxy), score, class (as
 * float), survivors in sweep order then rows of zeros; num_dets [B] (int32) survivors per image.
 */

export const NMS_BOX_FORMATS = ['xyxy', 'xywh'] as const;
export type NmsBoxFormat = (typeof NMS_BOX_FORMATS)[number];
export const DEFAULT_MAX_CANDIDATES = 4096;

export interface YoloNmsLayout {
  readonly batch: number;
  readonly nc: number;
  readonly anchors: number;
  readonly iou: number;
  readonly conf: number;
  readonly maxDet: number;
  readonly boxes: NmsBoxFormat;
  /** Candidates considered per image: min(max_candidates, nc · anchors). */
  readonly candidates: number;
}

export function yoloNmsLayout(node: Node): YoloNmsLayout {
  const shape = node.input(0).shape;
  if (shape.length !== 3 || shape[1]! < 5) throw shapeError(node, `${valueLabel(node, 0)} has shape ${shapeStr(shape)}; expected [B, 4 + nc, A]`);
  const [batch, rows, anchors] = shape as [number, number, number];
  const nc = rows - 4;
  const iou = attrFloat(node, 'iou');
  const conf = attrFloat(node, 'conf');
  if (!(iou >= 0 && iou <= 1)) throw attributeError(node, `iou must be between 0 and 1, got ${iou}`);
  if (!(conf >= 0 && conf <= 1)) throw attributeError(node, `conf must be between 0 and 1, got ${conf}`);
  const maxDet = attrInt(node, 'max_det');
  if (maxDet < 1) throw attributeError(node, `max_det must be at least 1, got ${maxDet}`);
  const boxes = attrString(node, 'boxes', 'xyxy');
  if (!(NMS_BOX_FORMATS as readonly string[]).includes(boxes))
    throw attributeError(node, `boxes ${JSON.stringify(boxes)} is not one of ${NMS_BOX_FORMATS.join(', ')}`);
  const maxCandidates = attrInt(node, 'max_candidates', DEFAULT_MAX_CANDIDATES);
  if (maxCandidates < 1) throw attributeError(node, `max_candidates must be at least 1, got ${maxCandidates}`);
  return { batch, nc, anchors, iou, conf, maxDet, boxes: boxes as NmsBoxFormat, candidates: Math.min(maxCandidates, nc * anchors) };
}

/** Box a of preds (image b) as corners x1, y1, x2, y2. */
function corners(preds: ArrayLike<number>, l: YoloNmsLayout, b: number, a: number): number[] {
  const at = (row: number) => preds[(b * (4 + l.nc) + row) * l.anchors + a]!;
  return boxCorners([at(0), at(1), at(2), at(3)], l.boxes);
}

/** A box's corners x1, y1, x2, y2: as given (xyxy), or from centre and size in float32 as onnxruntime converts them (xywh). */
export function boxCorners(box: readonly number[], format: NmsBoxFormat): number[] {
  if (format === 'xyxy') return [...box];
  const f = Math.fround;
  const [cx, cy, hw, hh] = [box[0]!, box[1]!, f(box[2]! / 2), f(box[3]! / 2)];
  return [f(cx - hw), f(cy - hh), f(cx + hw), f(cy + hh)];
}

/**
 * IoU > threshold, as onnxruntime's NonMaxSuppression decides it (float32 arithmetic): corner
 * boxes (xyxy) have their corners sorted first; centre boxes (xywh) are used as converted.
 */
export function suppresses(p: readonly number[], q: readonly number[], threshold: number, sortCorners: boolean): boolean {
  const f = Math.fround;
  const span = (a: number, b: number) => (sortCorners ? [Math.min(a, b), Math.max(a, b)] : [a, b]);
  const [[px1, px2], [py1, py2]] = [span(p[0]!, p[2]!), span(p[1]!, p[3]!)] as [number, number][];
  const [[qx1, qx2], [qy1, qy2]] = [span(q[0]!, q[2]!), span(q[1]!, q[3]!)] as [number, number][];
  const ix = f(Math.min(px2, qx2) - Math.max(px1, qx1));
  const iy = f(Math.min(py2, qy2) - Math.max(py1, qy1));
  if (ix <= 0 || iy <= 0) return false;
  const intersection = f(ix * iy);
  const areaP = f(f(px2 - px1) * f(py2 - py1));
  const areaQ = f(f(qx2 - qx1) * f(qy2 - qy1));
  if (areaP <= 0 || areaQ <= 0) return false;
  const union = f(f(areaP + areaQ) - intersection);
  if (union <= 0) return false;
  return f(intersection / union) > threshold;
}

function nmsImage(l: YoloNmsLayout, preds: ArrayLike<number>, b: number, out: Float32Array): number {
  const score = (i: number) => preds[(b * (4 + l.nc) + 4 + Math.floor(i / l.anchors)) * l.anchors + (i % l.anchors)]!;
  const candidates: number[] = [];
  for (let i = 0; i < l.nc * l.anchors; i++) if (score(i) > l.conf) candidates.push(i);
  candidates.sort((i, j) => score(j) - score(i) || i - j);
  const kept: { box: number[]; cls: number }[] = [];
  for (const i of candidates.slice(0, l.candidates)) {
    if (kept.length === l.maxDet) break;
    const cls = Math.floor(i / l.anchors);
    const box = corners(preds, l, b, i % l.anchors);
    if (kept.some((k) => k.cls === cls && suppresses(k.box, box, l.iou, l.boxes === 'xyxy'))) continue;
    out.set([...box, score(i), cls], (b * l.maxDet + kept.length) * 6);
    kept.push({ box, cls });
  }
  return kept.length;
}

export const YoloNms: OpDef = {
  opType: 'YoloNms',
  domain: 'ai.yhc',
  attributes: ['iou', 'conf', 'max_det', 'boxes', 'max_candidates'],
  inputs: [1, 1],
  outputs: [2, 2],
  infer(node) {
    checkNode(node, YoloNms);
    requireDType(node, 0, ['float32']);
    const l = yoloNmsLayout(node);
    return [
      { dtype: 'float32', shape: [l.batch, l.maxDet, 6] },
      { dtype: 'int32', shape: [l.batch] },
    ];
  },
  evaluate(node, inputs) {
    const l = yoloNmsLayout(node);
    const preds = requiredTensor(node, inputs, 0).data;
    const out = new Float32Array(l.batch * l.maxDet * 6);
    const numDets = new Float64Array(l.batch);
    for (let b = 0; b < l.batch; b++) numDets[b] = nmsImage(l, preds, b, out);
    return [new Tensor('float32', [l.batch, l.maxDet, 6], out), new Tensor('int32', [l.batch], numDets)];
  },
  flops(node) {
    const l = yoloNmsLayout(node);
    return l.batch * (5 * l.nc * l.anchors + l.candidates * l.candidates + 20 * l.candidates * l.maxDet);
  },
};
