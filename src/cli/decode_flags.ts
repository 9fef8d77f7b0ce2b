import { YhcError } from '../errors.js';
import { DECODE_FORMATS, DEFAULT_MAX_DET, type DecodeFormat, type DecodeOptions } from '../onnx/yolo_postprocess.js';
import { positiveInt } from './args.js';

/** `--decode FORMAT --max-det N`, shared by `yhc compile`, `yhc check` and `yhc inspect`. */
export const DECODE_OPTIONS = {
  decode: { type: 'string' },
  'max-det': { type: 'string' },
} as const;

export const DECODE_HELP = `  --decode yolov10     for a raw-output model (one output preds [B, 4+nc, A]): append the
                       YOLOv10 NMS-free postprocess, so the output is detections [B, N, 6]
                       (x1, y1, x2, y2, score, class)
  --max-det N          detections kept with --decode (default ${DEFAULT_MAX_DET}; at most the anchor count)
`;

export function decodeOptions(values: { decode?: string; 'max-det'?: string }): { decode?: DecodeOptions } {
  const maxDet = positiveInt(values['max-det'], '--max-det');
  if (values.decode === undefined) {
    if (maxDet !== undefined) throw new YhcError('USAGE', '--max-det takes effect only with --decode yolov10');
    return {};
  }
  if (!(DECODE_FORMATS as readonly string[]).includes(values.decode)) {
    throw new YhcError('USAGE', `--decode must be ${DECODE_FORMATS.join(' or ')}, got ${JSON.stringify(values.decode)}`);
  }
  return { decode: { format: values.decode as DecodeFormat, ...(maxDet !== undefined ? { maxDet } : {}) } };
}

/** `--conf T` (yhc compile and check): a score threshold on the decoder's detections. */
export const CONF_OPTIONS = {
  conf: { type: 'string' },
} as const;

export const CONF_HELP = `  --conf T             keep detections scoring at least T (0..1): the rest are rows of zeros,
                       and an extra output num_dets [B] (int32) counts the rows kept
`;

export function confOption(values: { conf?: string }): { conf?: number } {
  if (values.conf === undefined) return {};
  const t = Number(values.conf);
  if (values.conf.trim() === '' || !Number.isFinite(t) || t < 0 || t > 1) {
    throw new YhcError('USAGE', `--conf must be a number between 0 and 1, got ${JSON.stringify(values.conf)}`);
  }
  return { conf: t };
}
