import type { CliIO } from './io.js';
import { YhcError } from '../errors.js';
import { PASS_NAMES } from '../../passes/index.js';

/** Flags that steer the pass pipeline, shared by `yhc compile` and `yhc inspect`. */
export const PASS_OPTIONS = {
  'no-passes': { type: 'boolean' },
  'skip-pass': { type: 'string', multiple: true },
  verify: { type: 'boolean' },
  'print-after': { type: 'string', multiple: true },
  'emit-onnx': { type: 'string' },
} as const;

export const PASS_HELP = `  --verify             translation-validate every pass: the interpreter runs the graph before
                       and after it on seeded random inputs; report per pass the rows matched
                       (detections) or max abs/rel error (dense outputs), fail on a mismatch
  --print-after PASS   print the IR after PASS (repeatable; 'all' for every pass). Passes:
                       ${PASS_NAMES.join(', ')}
  --emit-onnx FILE     write the optimized graph as ONNX (yhc ops in domain ai.yhc), for Netron
  --no-passes          skip the graph passes (one kernel per ONNX op; independent ones still
                       share launches)
  --skip-pass PASS     run the pipeline without PASS (repeatable), e.g. recognize-decoder: the
                       decoder then runs as generic kernels, and the pass report says so
`;

export function passOptions(
  values: { 'no-passes'?: boolean; 'skip-pass'?: string[]; verify?: boolean; 'print-after'?: string[]; 'emit-onnx'?: string },
  io: CliIO,
) {
  const printAfter = values['print-after'];
  return {
    ...(values['no-passes'] ? { passes: false } : {}),
    ...skipPassOption(values),
    ...(values.verify ? { verify: true } : {}),
    ...(printAfter ? { printAfter: printAfter.includes('all') ? ('all' as const) : printAfter } : {}),
    onPrint: (pass: string, ir: string) => io.err(`--- IR after ${pass}\n${ir}`),
    ...(values['emit-onnx'] ? { emitOnnx: values['emit-onnx'] } : {}),
  };
}

/** `--skip-pass PASS` (repeatable), shared with `yhc check`; the pipeline refuses unknown names. */
export function skipPassOption(values: { 'no-passes'?: boolean; 'skip-pass'?: string[] }): { skipPasses?: string[] } {
  const skip = values['skip-pass'];
  if (!skip) return {};
  if (values['no-passes']) throw new YhcError('USAGE', '--skip-pass takes effect only without --no-passes');
  return { skipPasses: skip };
}
