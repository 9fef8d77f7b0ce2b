import { YhcError } from '../errors.js';
import { INPUT_FORMATS, type FrameInput, type InputFormat } from '../../passes/letterbox_input.js';

/** `--input-format F` and `--frame WxH` (yhc compile, check and inspect): what the engine takes. */
export const INPUT_OPTIONS = {
  'input-format': { type: 'string' },
  frame: { type: 'string' },
} as const;

export const INPUT_HELP = `  --input-format F     float (default: the model's float NCHW image input) or rgb8 / bgr8: uint8
                       frames [B, H, W, 3] plus frame_size [B, 2] (width, height), letterboxed
                       inside the stem conv, boxes mapped back to frame pixels
  --frame WxH          the largest frame (required with rgb8 / bgr8)
`;

/** The largest side --frame takes: frames stay well inside 32-bit byte offsets per image. */
const MAX_FRAME_SIDE = 16384;

export function inputOption(values: { 'input-format'?: string; frame?: string }): { frame?: FrameInput } {
  const format = values['input-format'] ?? 'float';
  if (!(INPUT_FORMATS as readonly string[]).includes(format))
    throw new YhcError('USAGE', `--input-format must be ${INPUT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  if ((format as InputFormat) === 'float') {
    if (values.frame !== undefined) throw new YhcError('USAGE', '--frame needs --input-format rgb8 or bgr8');
    return {};
  }
  if (values.frame === undefined) throw new YhcError('USAGE', `--input-format ${format} needs --frame WxH (the largest frame, e.g. 1920x1080)`);
  const m = /^([0-9]{1,5})x([0-9]{1,5})$/.exec(values.frame);
  const [width, height] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || width < 1 || height < 1 || width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE)
    throw new YhcError('USAGE', `--frame must be WxH with sides 1..${MAX_FRAME_SIDE} (e.g. 1920x1080), got ${JSON.stringify(values.frame)}`);
  return { frame: { format: format as 'rgb8' | 'bgr8', width, height } };
}
