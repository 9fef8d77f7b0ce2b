import { YhcError } from '../errors.js';
import { DECODE_FORMATS, DEFAULT_MAX_DET, DEFAULT_NMS, type DecodeFormat, type DecodeOptions } from '../onnx/decode_options.js';
import { NMS_BOX_FORMATS, type NmsBoxFormat } from '../ops/yhc/yolo_nms.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../../passes/efficientnms_outputs.js';
import { positiveInt } from './args.js';

/** `--decode FORMAT --max-det N [--iou X --boxes F]`, shared by `yhc compile`, `yhc check` and `yhc inspect`. */
export const DECODE_OPTIONS = {
  decode: { type: 'string' },
  'max-det': { type: 'string' },
  iou: { type: 'string' },
  boxes: { type: 'string' },
} as const;

export const DECODE_HELP = `  --decode yolov10     for a raw-output model (one output preds [B, 4+nc, A]): append the
                       YOLOv10 NMS-free postprocess, so the output is detections [B, N, 6]
                       (x1, y1, x2, y2, score, class)
  --decode nms         for a one-to-many head's raw output (YOLOv8 / YOLO11 style): class-aware
                       NMS (onnxruntime's NonMaxSuppression rules); outputs detections [B, N, 6]
                       and num_dets [B]; takes --iou (default ${DEFAULT_NMS.iou}), --conf (candidates
                       score above it; default ${DEFAULT_NMS.conf}) and --boxes xyxy|xywh (default xyxy)
  --max-det N          detections kept with --decode (default ${DEFAULT_MAX_DET}; yolov10: at most the anchor count)
`;

const fraction = (text: string | undefined, flag: string): number | undefined => {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1)
    throw new YhcError('USAGE', `${flag} must be a number between 0 and 1, got ${JSON.stringify(text)}`);
  return v;
};

export function decodeOptions(values: { decode?: string; 'max-det'?: string; iou?: string; boxes?: string; conf?: string }): { decode?: DecodeOptions } {
  const maxDet = positiveInt(values['max-det'], '--max-det');
  if (values.decode === undefined) {
    if (maxDet !== undefined) throw new YhcError('USAGE', '--max-det takes effect only with --decode');
  }
  if (values.decode !== 'nms') {
    for (const flag of ['iou', 'boxes'] as const) {
      if (values[flag] !== undefined) throw new YhcError('USAGE', `--${flag} takes effect only with --decode nms`);
    }
  }
  if (values.decode === undefined) return {};
  if (!(DECODE_FORMATS as readonly string[]).includes(values.decode)) {
    throw new YhcError('USAGE', `--decode must be ${DECODE_FORMATS.join(' or ')}, got ${JSON.stringify(values.decode)}`);
  }
  const format = values.decode as DecodeFormat;
  const common = { format, ...(maxDet !== undefined ? { maxDet } : {}) };
  if (format !== 'nms') return { decode: common };
  if (values.boxes !== undefined && !(NMS_BOX_FORMATS as readonly string[]).includes(values.boxes)) {
    throw new YhcError('USAGE', `--boxes must be ${NMS_BOX_FORMATS.join(' or ')}, got ${JSON.stringify(values.boxes)}`);
  }
  const iou = fraction(values.iou, '--iou');
  const conf = fraction(values.conf, '--conf');
  return {
    decode: {
      ...common,
      ...(iou !== undefined ? { iou } : {}),
      ...(conf !== undefined ? { conf } : {}),
      ...(values.boxes ? { boxes: values.boxes as NmsBoxFormat } : {}),
    },
  };
}

/** `--outputs FORMAT` (yhc compile, check and inspect): the engine's output tensors. */
export const OUTPUTS_OPTIONS = {
  outputs: { type: 'string' },
} as const;

export const OUTPUTS_HELP = `  --outputs F          detections (default: detections [B, K, 6], plus num_dets [B] with --conf or
                       --decode nms) or efficientnms (TensorRT EfficientNMS's num_detections [B, 1]
                       int32, detection_boxes [B, K, 4], detection_scores [B, K],
                       detection_classes [B, K] int32)
`;

export function outputsOption(values: { outputs?: string }): { outputs?: OutputFormat } {
  if (values.outputs === undefined) return {};
  if (!(OUTPUT_FORMATS as readonly string[]).includes(values.outputs)) {
    throw new YhcError('USAGE', `--outputs must be ${OUTPUT_FORMATS.join(' or ')}, got ${JSON.stringify(values.outputs)}`);
  }
  return { outputs: values.outputs as OutputFormat };
}

/** `--conf T` (yhc compile and check): a score threshold on the decoder's detections. */
export const CONF_OPTIONS = {
  conf: { type: 'string' },
} as const;

export const CONF_HELP = `  --conf T             keep detections scoring at least T (0..1): the rest are rows of zeros,
                       and an extra output num_dets [B] (int32) counts the rows kept (with
                       --decode nms: the NMS score threshold)
`;

/** --conf as the YOLOv10 decoder's threshold (with --decode nms it is the NMS score threshold: decodeOptions). */
export function confOption(values: { conf?: string; decode?: string }): { conf?: number } {
  if (values.decode === 'nms') return {};
  const conf = fraction(values.conf, '--conf');
  return conf === undefined ? {} : { conf };
}
