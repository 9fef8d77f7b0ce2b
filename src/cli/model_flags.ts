import {
  CONF_HELP,
  CONF_OPTIONS,
  DECODE_HELP,
  DECODE_OPTIONS,
  OUTPUTS_HELP,
  OUTPUTS_OPTIONS,
  confOption,
  decodeOptions,
  outputsOption,
} from './decode_flags.js';
import { QUANT_HELP, QUANT_OPTIONS, quantOption } from './quant_flags.js';
import { INPUT_HELP, INPUT_OPTIONS, inputOption } from './input_flags.js';

/**
 * The flags that shape the model's graph, identically in `yhc compile`, `yhc check` and
 * `yhc inspect`: --decode (with --max-det, --iou, --boxes), --conf, --outputs, --dequantize, --input-format, --frame.
 */
export const MODEL_OPTIONS = { ...DECODE_OPTIONS, ...CONF_OPTIONS, ...OUTPUTS_OPTIONS, ...QUANT_OPTIONS, ...INPUT_OPTIONS } as const;

export const MODEL_HELP = `${DECODE_HELP}${CONF_HELP}${OUTPUTS_HELP}${QUANT_HELP}${INPUT_HELP}`;

type ModelValues = Parameters<typeof decodeOptions>[0] &
  Parameters<typeof outputsOption>[0] &
  Parameters<typeof quantOption>[0] &
  Parameters<typeof inputOption>[0];

/** The compile options the model flags ask for (USAGE errors for bad values, in flag order). */
export function modelOptions(values: ModelValues) {
  return { ...decodeOptions(values), ...confOption(values), ...outputsOption(values), ...quantOption(values), ...inputOption(values) };
}
