import { looksLikeDetections } from '../golden/compare.js';
import { YhcError, q } from '../errors.js';
import type { NmsBoxFormat } from '../ops/yhc/yolo_nms.js';

/**
 * `--decode FORMAT`: a raw-output head (one output preds [B, 4 + nc, A] = boxes then sigmoid
 * scores) gets a postprocess. yolov10 appends the NMS-free postprocess as ONNX nodes
 * (yolov10_decode.ts); nms inserts one ai.yhc.YoloNms node into the IR (passes/append_nms.ts).
 * src/decode.ts loads a model either way.
 */

export const DECODE_FORMATS = ['yolov10', 'nms'] as const;
export type DecodeFormat = (typeof DECODE_FORMATS)[number];
export const DEFAULT_MAX_DET = 300;
export const DEFAULT_NMS = { iou: 0.7, conf: 0.25 } as const;

export interface DecodeOptions {
  readonly format: DecodeFormat;
  /** Detections kept per image (default 300); with yolov10 at most the anchor count. */
  readonly maxDet?: number;
  /** nms: IoU above which a box of the same class is suppressed (default 0.7). */
  readonly iou?: number;
  /** nms: scores must be above this to be candidates (default 0.25). */
  readonly conf?: number;
  /** nms: the preds' box rows, corners (xyxy, default) or centre and size (xywh). */
  readonly boxes?: NmsBoxFormat;
}

/** What a raw head outputs, as the importer typed it. */
export interface PredsOutput {
  readonly name: string;
  /** [B, 4 + nc, A] */
  readonly shape: readonly number[];
}

/** Check that `preds` can be decoded with `maxDet` detections; USAGE errors name the model. */
export function checkDecodable(source: string, outputs: readonly (PredsOutput & { dtype: string })[], maxDet: number, format: DecodeFormat = 'yolov10'): void {
  if (outputs.length !== 1) {
    throw new YhcError('USAGE', `--decode needs a model with one output preds [B, 4+nc, A]; ${source} has ${outputs.length} outputs`);
  }
  const out = outputs[0]!;
  const shape = `[${out.shape.join(', ')}]`;
  if (looksLikeDetections(out.shape, out.dtype)) {
    throw new YhcError('USAGE', `${source} already ends in detections (output ${q(out.name)} ${shape}); --decode is for raw-output models`);
  }
  if (out.dtype !== 'float32' || out.shape.length !== 3 || out.shape[1]! < 5) {
    throw new YhcError(
      'USAGE',
      `--decode ${format} needs the output to be float32 preds [B, 4+nc, A]; ${source}'s output ${q(out.name)} is ${out.dtype}${shape}`,
    );
  }
  const anchors = out.shape[2]!;
  if (format === 'yolov10' && maxDet > anchors) {
    throw new YhcError('USAGE', `--max-det ${maxDet} is larger than the model's ${anchors} anchors (output ${q(out.name)} ${shape})`);
  }
}
