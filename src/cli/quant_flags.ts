/** `--dequantize`, shared by `yhc compile`, `yhc check` and `yhc inspect`. */
export const QUANT_OPTIONS = {
  dequantize: { type: 'boolean' },
} as const;

export const QUANT_HELP = `  --dequantize         run a quantized (QDQ or dynamic int8) model in float: weights
                       dequantized at compile time, activation quantizers dropped
`;

export function quantOption(values: { dequantize?: boolean }): { dequantize?: true } {
  return values.dequantize ? { dequantize: true } : {};
}
