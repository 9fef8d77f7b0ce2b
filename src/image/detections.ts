import { YhcError, q } from '../errors.js';
import { NUM_DETS_OUTPUT, looksLikeDetections } from '../golden/compare.js';
import type { TensorInfo } from '../manifest.js';
import type { TypedArray } from '../typed_arrays.js';
import { EFFICIENT_NMS_OUTPUTS } from '../../passes/efficientnms_outputs.js';

/** One detection of `yhc detect`, as its JSON document writes it. */
export interface Detection {
  /** x1, y1, x2, y2 in frame (image) pixels. */
  readonly box: readonly [number, number, number, number];
  readonly score: number;
  readonly class_id: number;
  /** The class's name from the model's `names` metadata, else the class id as text. */
  readonly class_name: string;
}

/** How a build's outputs hold detections. */
export type DetectionLayout =
  | { readonly kind: 'detections'; readonly detections: number; readonly numDets: number | null; readonly k: number }
  | { readonly kind: 'efficientnms'; readonly count: number; readonly boxes: number; readonly scores: number; readonly classes: number; readonly k: number };

const describe = (o: TensorInfo) => `${q(o.name)} ${o.dtype}[${o.shape.join(', ')}]`;

/**
 * Which outputs hold the detections: detections [B, K, 6] float32 (x1, y1, x2, y2, score, class;
 * with num_dets [B] int32 when the build counts them) or TensorRT EfficientNMS's four tensors
 * (--outputs efficientnms). A raw head (one output [B, 4+nc, A]) has no detections yet: error[USAGE]
 * saying to compile it with --decode.
 */
export function detectionLayout(outputs: readonly TensorInfo[]): DetectionLayout {
  const index = (name: string) => outputs.findIndex((o) => o.name === name);
  if (EFFICIENT_NMS_OUTPUTS.every((n) => index(n) >= 0)) {
    const boxes = index('detection_boxes');
    return {
      kind: 'efficientnms',
      count: index('num_detections'),
      boxes,
      scores: index('detection_scores'),
      classes: index('detection_classes'),
      k: outputs[boxes]!.shape[1]!,
    };
  }
  const dets = outputs.flatMap((o, i) => (looksLikeDetections(o.shape, o.dtype) ? [i] : []));
  if (dets.length === 1 && outputs[dets[0]!]!.dtype === 'float32') {
    const n = index(NUM_DETS_OUTPUT);
    return { kind: 'detections', detections: dets[0]!, numDets: n >= 0 && outputs[n]!.dtype === 'int32' ? n : null, k: outputs[dets[0]!]!.shape[1]! };
  }
  const raw = outputs.length === 1 && outputs[0]!.shape.length === 3 && outputs[0]!.shape[1]! > 4;
  if (raw) {
    throw new YhcError(
      'USAGE',
      `this build outputs raw predictions ${describe(outputs[0]!)} ([B, 4+nc, anchors]), not detections; compile the model with --decode nms (YOLOv8/YOLO11 heads) or --decode yolov10 (a one-to-one head) so the engine outputs detections`,
    );
  }
  throw new YhcError(
    'USAGE',
    `yhc detect needs a build whose outputs are detections [B, K, 6] float32 (+ num_dets) or --outputs efficientnms; this one outputs ${outputs.map(describe).join(', ')}`,
  );
}

/**
 * Image `b`'s detections in network-input pixels: rows of 6 (x1, y1, x2, y2, score, class), as
 * many as the build reports (num_dets / num_detections; every row of detections without a count).
 */
export function detectionRows(layout: DetectionLayout, outputs: readonly TypedArray[], b: number): Float32Array {
  const k = layout.k;
  if (layout.kind === 'detections') {
    const all = outputs[layout.detections] as Float32Array;
    const n = layout.numDets === null ? k : clampCount((outputs[layout.numDets] as Int32Array)[b]!, k);
    return all.slice(b * k * 6, (b * k + n) * 6);
  }
  const n = clampCount((outputs[layout.count] as Int32Array)[b]!, k);
  const boxes = outputs[layout.boxes] as Float32Array;
  const scores = outputs[layout.scores] as Float32Array;
  const classes = outputs[layout.classes] as Int32Array;
  const rows = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    rows.set(boxes.subarray((b * k + i) * 4, (b * k + i) * 4 + 4), i * 6);
    rows[i * 6 + 4] = scores[b * k + i]!;
    rows[i * 6 + 5] = classes[b * k + i]!;
  }
  return rows;
}

const clampCount = (n: number, k: number) => Math.max(0, Math.min(k, n));
