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
