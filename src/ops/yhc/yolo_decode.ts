import { attrFloat, attrFloats, attrInt, attrString, hasAttr } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';
import { Tensor } from '../../tensor.js';
import type { OpDef } from '../op.js';
import { checkNode, requireDType, requiredTensor } from '../util/checks.js';
import { attributeError, invalidError, shapeError, shapeStr, valueLabel } from '../util/errors.js';

/**
 * ai.yhc.YoloDecode(box_0, cls_0, box_1, cls_1, …) — a YOLO head's decoder as ONE op: DFL,
 * dist2bbox, sigmoid scores and (YOLOv10 / YOLO26 one-to-one heads) the NMS-free two-stage
 * top-k; without the top-k (output 'preds') it is the raw YOLOv8 / YOLO11 output.
 *
 * Inputs, two per level, levels in anchor order:
 *   box_l  [B, 4·reg_max, H_l, W_l]   DFL logits: channel k·reg_max + i is bin i of side k
 *                                      (sides left, top, right, bottom); with reg_max 1 (YOLO26)
 *                                      channel k is the distance of side k itself
 *   cls_l  [B, nc, H_l, W_l]          class logits
 * Anchors run level by level, row-major within a level (a = y·W_l + x); A = Σ H_l·W_l.
 *
 * Attributes:
 *   nc, reg_max         class count, DFL bins (1: no DFL)
 *   strides             floats, one per level (pixels per cell)
 *   grid_cell_offset    anchor centre within its cell (default 0.5): anchor = (x + o, y + o)
 *   output              'detections' (default) or 'preds'
 *   boxes               'xyxy' (default: corners) or 'xywh' (centre, size: the raw YOLOv8 /
 *                       YOLO11 output)
 *   max_det             detections kept (output 'detections' only; 1 ≤ max_det ≤ A)
 *   conf                optional score threshold (output 'detections' only, `--conf`): rows
 *                       scoring under it are zeros, and a second output num_dets [B] (int32)
 *                       counts the rows kept — they come first, the rows being sorted
 *
 * Per image and anchor, in float32 like the exported graph:
 *   d_k    = Σ_i softmax_i(box[k·reg_max + i]) · i                          (DFL, k = 0..3)
 *          = box[k]                                                        (reg_max 1)
 *   x1y1   = (ax − d_0, ay − d_1),  x2y2 = (ax + d_2, ay + d_3)
 *   box    = (x1y1, x2y2) · stride_l                                       (xyxy, input pixels)
 *          = ((x1y1 + x2y2) / 2, x2y2 − x1y1) · stride_l                   (xywh)
 *   scores = sigmoid(cls)
 * Output 'preds': [B, 4 + nc, A] = box rows then score rows (the raw head's output).
 * Output 'detections': [B, max_det, 6] = x1, y1, x2, y2, score, class (as float), the exported
 * postprocess:
 *   1. the max_det anchors with the highest max-over-classes score (TopK: sorted descending,
 *      ties to the lower anchor index);
 *   2. their scores as a [max_det · nc] list in rank-major order; TopK(max_det) of it again;
 *   3. entry i of that list is class i % nc of the anchor of rank ⌊i / nc⌋.
 * A NaN score is never selected: the max over classes skips NaN (NaN only if every class is),
 * NaN ranks after every number, and a row whose score is NaN — there are fewer than max_det
 * numbers — is written as zeros. (onnxruntime's TopK orders NaN inconsistently; this is yhc's
 * definition, and its kernels follow it.)
 */

export const YOLO_DECODE_OUTPUTS = ['detections', 'preds'] as const;
export type YoloDecodeOutput = (typeof YOLO_DECODE_OUTPUTS)[number];
const YOLO_DECODE_BOXES = ['xyxy', 'xywh'] as const;
export type YoloDecodeBoxes = (typeof YOLO_DECODE_BOXES)[number];

/** What the decoder writes (attribute `output`, default detections). */
export function yoloDecodeOutput(node: Node): YoloDecodeOutput {
  const output = attrString(node, 'output', 'detections');
  if (!(YOLO_DECODE_OUTPUTS as readonly string[]).includes(output)) {
    throw attributeError(node, `output ${JSON.stringify(output)} is not one of ${YOLO_DECODE_OUTPUTS.join(', ')}`);
  }
  return output as YoloDecodeOutput;
}

/** The box format (attribute `boxes`, default xyxy). */
function yoloDecodeBoxes(node: Node): YoloDecodeBoxes {
  const boxes = attrString(node, 'boxes', 'xyxy');
  if (!(YOLO_DECODE_BOXES as readonly string[]).includes(boxes)) {
    throw attributeError(node, `boxes ${JSON.stringify(boxes)} is not one of ${YOLO_DECODE_BOXES.join(', ')}`);
  }
  return boxes as YoloDecodeBoxes;
}

export interface YoloLevel {
  readonly height: number;
  readonly width: number;
  readonly stride: number;
  /** Index of the level's first anchor. */
  readonly firstAnchor: number;
}

/** The op's geometry, read from its attributes and input shapes (validated). */
export interface YoloDecodeLayout {
  readonly batch: number;
  readonly nc: number;
  readonly regMax: number;
  readonly levels: readonly YoloLevel[];
  readonly anchors: number;
  readonly cellOffset: number;
  readonly output: YoloDecodeOutput;
  readonly boxes: YoloDecodeBoxes;
  /** 0 with output 'preds'. */
  readonly maxDet: number;
  /** The score threshold (`conf`), or null: no threshold and no num_dets output. */
  readonly conf: number | null;
}

export function yoloDecodeLayout(node: Node): YoloDecodeLayout {
  if (node.inputs.length % 2 !== 0) throw invalidError(node, `takes a (box, class) input pair per level, got ${node.inputs.length} inputs`);
  const nc = attrInt(node, 'nc');
  const regMax = attrInt(node, 'reg_max');
  if (nc < 1) throw attributeError(node, `nc must be at least 1, got ${nc}`);
  if (regMax < 1) throw attributeError(node, `reg_max must be at least 1, got ${regMax}`);
  const strides = attrFloats(node, 'strides');
  const count = node.inputs.length / 2;
  if (strides.length !== count) throw attributeError(node, `strides has ${strides.length} values for ${count} levels`);
  if (!strides.every((s) => Number.isFinite(s) && s > 0)) throw attributeError(node, `strides must be positive, got ${shapeStr(strides)}`);
  const cellOffset = attrFloat(node, 'grid_cell_offset', 0.5);
  if (!Number.isFinite(cellOffset)) throw attributeError(node, `grid_cell_offset must be finite, got ${cellOffset}`);
  const output = yoloDecodeOutput(node);
  const boxes = yoloDecodeBoxes(node);

  const batch = node.input(0).shape[0]!;
  const levels: YoloLevel[] = [];
  let anchors = 0;
  for (let l = 0; l < count; l++) {
    const box = node.input(2 * l).shape;
    const cls = node.input(2 * l + 1).shape;
    if (box.length !== 4 || box[0] !== batch || box[1] !== 4 * regMax) {
      throw shapeError(node, `${valueLabel(node, 2 * l)} (level ${l} boxes) has shape ${shapeStr(box)}; expected [${batch}, ${4 * regMax}, H, W]`);
    }
    if (cls.length !== 4 || cls[0] !== batch || cls[1] !== nc || cls[2] !== box[2] || cls[3] !== box[3]) {
      throw shapeError(
        node,
        `${valueLabel(node, 2 * l + 1)} (level ${l} classes) has shape ${shapeStr(cls)}; expected [${batch}, ${nc}, ${box[2]}, ${box[3]}]`,
      );
    }
    levels.push({ height: box[2]!, width: box[3]!, stride: strides[l]!, firstAnchor: anchors });
    anchors += box[2]! * box[3]!;
  }

  let maxDet = 0;
  if (output === 'detections') {
    maxDet = attrInt(node, 'max_det');
    if (maxDet < 1 || maxDet > anchors) throw attributeError(node, `max_det ${maxDet} must be between 1 and the anchor count ${anchors}`);
  } else if (hasAttr(node, 'max_det')) {
    throw attributeError(node, 'max_det applies to output "detections" only');
  }
  let conf: number | null = null;
  if (hasAttr(node, 'conf')) {
    if (output !== 'detections') throw attributeError(node, 'conf applies to output "detections" only');
    conf = attrFloat(node, 'conf');
    if (!Number.isFinite(conf)) throw attributeError(node, `conf must be a number, got ${conf}`);
  }
  return { batch, nc, regMax, levels, anchors, cellOffset, output, boxes, maxDet, conf };
}

/** The output shape of a layout. */
export function yoloDecodeShape(l: YoloDecodeLayout): number[] {
  return l.output === 'preds' ? [l.batch, 4 + l.nc, l.anchors] : [l.batch, l.maxDet, 6];
}

/** FLOPs of one anchor's decode: DFL ≈ 9 per bin and side (none with reg_max 1), the box, ≈5 per class. */
export function yoloAnchorFlops(l: YoloDecodeLayout): number {
  return (l.regMax > 1 ? 4 * l.regMax * 9 : 0) + (l.boxes === 'xyxy' ? 8 : 14) + 5 * l.nc;
}

const f32 = Math.fround;

/** Per image and anchor: boxes [B, A, 4] (xyxy or xywh) and sigmoid scores [B, A, nc], rounded as the graph rounds. */
function decodeAnchors(l: YoloDecodeLayout, inputs: readonly Tensor[]): { boxes: Float32Array; scores: Float32Array } {
  const { batch, nc, regMax, anchors } = l;
  const boxes = new Float32Array(batch * anchors * 4);
  const scores = new Float32Array(batch * anchors * nc);
  const exps = new Float64Array(regMax);
  l.levels.forEach((level, li) => {
    const box = inputs[2 * li]!.data;
    const cls = inputs[2 * li + 1]!.data;
    const plane = level.height * level.width;
    const distance = new Float64Array(4);
    for (let b = 0; b < batch; b++) {
      for (let p = 0; p < plane; p++) {
        const a = level.firstAnchor + p;
        for (let k = 0; k < 4; k++) {
          // Softmax over the bins (float64, each probability rounded to float32), then · arange.
          const first = (b * 4 + k) * regMax * plane + p;
          if (regMax === 1) {
            distance[k] = box[first]!; // no DFL: the box channels are the distances
            continue;
          }
          let max = -Infinity;
          for (let i = 0, at = first; i < regMax; i++, at += plane) {
            const v = box[at]!;
            if (v > max || v !== v) max = v;
          }
          let sum = 0;
          for (let i = 0, at = first; i < regMax; i++, at += plane) sum += exps[i] = Math.exp(box[at]! - max);
          let d = 0;
          for (let i = 0; i < regMax; i++) d += f32(exps[i]! / sum) * i;
          distance[k] = f32(d);
        }
        const ax = f32((p % level.width) + l.cellOffset);
        const ay = f32(Math.floor(p / level.width) + l.cellOffset);
        const s = level.stride;
        const o = (b * anchors + a) * 4;
        const x1 = f32(ax - distance[0]!);
        const y1 = f32(ay - distance[1]!);
        const x2 = f32(ax + distance[2]!);
        const y2 = f32(ay + distance[3]!);
        const box4 = l.boxes === 'xyxy' ? [x1, y1, x2, y2] : [f32(f32(x1 + x2) / 2), f32(f32(y1 + y2) / 2), f32(x2 - x1), f32(y2 - y1)];
        for (let k = 0; k < 4; k++) boxes[o + k] = f32(box4[k]! * s);
        const row = (b * anchors + a) * nc;
        for (let c = 0, at = b * nc * plane + p; c < nc; c++, at += plane) {
          const x = cls[at]!;
          scores[row + c] = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
        }
      }
    }
  });
  return { boxes, scores };
}

/** Positions of the k largest of `values`: sorted descending, ties to the lower index (ONNX TopK), NaN after every number. */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((i, j) => {
    const a = values[i]!;
    const b = values[j]!;
    if (a > b) return -1;
    if (a < b) return 1;
    const an = a !== a;
    const bn = b !== b;
    return an === bn ? i - j : an ? 1 : -1;
  });
  return order.slice(0, k);
}

/** The two-stage top-k of one image: rows x1, y1, x2, y2, score, class; returns the rows kept. */
function detect(l: YoloDecodeLayout, boxes: Float32Array, scores: Float32Array, b: number, out: Float32Array): number {
  const { nc, anchors, maxDet } = l;
  const best = new Float32Array(anchors);
  for (let a = 0; a < anchors; a++) {
    let m = NaN;
    for (let c = 0; c < nc; c++) {
      const v = scores[(b * anchors + a) * nc + c]!;
      if (v > m || (m !== m && v === v)) m = v; // the largest number; NaN only if all are
    }
    best[a] = m;
  }
  const ranked = topIndices(best, maxDet);
  const candidates = new Float32Array(maxDet * nc);
  ranked.forEach((a, r) => candidates.set(scores.subarray((b * anchors + a) * nc, (b * anchors + a + 1) * nc), r * nc));
  let kept = 0;
  topIndices(candidates, maxDet).forEach((i, j) => {
    const anchor = ranked[Math.floor(i / nc)]!;
    const o = (b * maxDet + j) * 6;
    // A NaN score is never selected, nor one under the threshold: the row stays zeros.
    if (candidates[i] !== candidates[i] || (l.conf !== null && !(candidates[i]! >= l.conf))) return;
    kept++;
    out.set(boxes.subarray((b * anchors + anchor) * 4, (b * anchors + anchor) * 4 + 4), o);
    out[o + 4] = candidates[i]!;
    out[o + 5] = i % nc;
  });
  return kept;
}

export const YoloDecode: OpDef = {
  opType: 'YoloDecode',
  domain: 'ai.yhc',
  attributes: ['nc', 'reg_max', 'strides', 'grid_cell_offset', 'output', 'boxes', 'max_det', 'conf'],
  inputs: [2, 64],
  outputs: [1, 2],
  infer(node) {
    checkNode(node, YoloDecode);
    node.inputs.forEach((_, i) => requireDType(node, i, ['float32']));
    const l = yoloDecodeLayout(node);
    const detections = { dtype: 'float32' as const, shape: yoloDecodeShape(l) };
    return l.conf === null ? [detections] : [detections, { dtype: 'int32' as const, shape: [l.batch] }];
  },
  evaluate(node, inputs) {
    const l = yoloDecodeLayout(node);
    const tensors = node.inputs.map((_, i) => requiredTensor(node, inputs, i));
    const { boxes, scores } = decodeAnchors(l, tensors);
    const shape = yoloDecodeShape(l);
    const out = new Float32Array(shape[0]! * shape[1]! * shape[2]!);
    const numDets = new Float64Array(l.batch);
    for (let b = 0; b < l.batch; b++) {
      if (l.output === 'detections') {
        numDets[b] = detect(l, boxes, scores, b, out);
        continue;
      }
      // preds: box rows, then score rows, anchors along the last axis.
      const rows = 4 + l.nc;
      for (let a = 0; a < l.anchors; a++) {
        for (let k = 0; k < 4; k++) out[(b * rows + k) * l.anchors + a] = boxes[(b * l.anchors + a) * 4 + k]!;
        for (let c = 0; c < l.nc; c++) out[(b * rows + 4 + c) * l.anchors + a] = scores[(b * l.anchors + a) * l.nc + c]!;
      }
    }
    const detections = new Tensor('float32', shape, out);
    return l.conf === null ? [detections] : [detections, new Tensor('int32', [l.batch], numDets)];
  },
  flops(node) {
    const l = yoloDecodeLayout(node);
    // Per anchor: DFL (max, exp≈4, sum, divide, multiply-add per bin), 8 for the box (12 for xywh), sigmoid≈4 and a max per class.
    const perAnchor = yoloAnchorFlops(l);
    const decode = l.batch * l.anchors * perAnchor;
    if (l.output === 'preds') return decode;
    const log2 = (n: number) => Math.max(1, Math.ceil(Math.log2(Math.max(2, n))));
    return decode + l.batch * (l.anchors * log2(l.anchors) + l.maxDet * l.nc * log2(l.maxDet * l.nc));
  },
};
