import { checkModel, type CheckReport } from '../../check/check.js';
import { parsePrecision } from '../../../codegen/precision.js';
import { q } from '../../errors.js';
import { archList, nonNegativeInt, onePositional, parse, positiveInt, target } from '../args.js';
import type { Command } from '../command.js';
import { progressReporter } from '../progress.js';
import { CONF_HELP, CONF_OPTIONS, DECODE_HELP, DECODE_OPTIONS, confOption, decodeOptions } from '../decode_flags.js';

function renderReport(r: CheckReport): string {
  const rows = r.outputs.map(
    (o) =>
      `  ${q(o.name).padEnd(16)} ${o.rule.padEnd(10)} max abs ${o.maxAbs.toExponential(2).padEnd(9)} max rel ${o.maxRel.toExponential(2).padEnd(9)} ${o.ok ? 'ok      ' : 'MISMATCH'} ${o.detail}`,
  );
  return [
    `check ${q(r.model)} on ${r.target}, ${r.precision} storage, inputs ${r.inputs}, reference onnxruntime (CPU):`,
    ...rows,
    r.ok ? 'PASS' : 'FAIL',
    '',
  ].join('\n');
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'compile, run and compare every output with onnxruntime on the original model',
  help: `Usage: yhc check MODEL.onnx [options]

Compiles the model, runs the engine, runs onnxruntime (CPU) on the ORIGINAL model with the
same inputs, and compares each output: dense outputs by max |got - ref| <= rtol * max(1, max|ref|)
(rtol 1e-4 for fp32 storage, 1e-2 for fp16);
detections [B, K, 6] row by row, sorted by score, allowing near-ties to swap and rows at the
cut-off score to be replaced. With --decode, onnxruntime runs the same extended model.
Exit status 0 when every output passes, 1 on a mismatch, 2 on error.

Options:
  --target host|cuda   host (default): CPU emulation, no GPU needed; cuda needs a GPU
  --arch LIST          GPU architectures for --target cuda (default sm_90)
  --batch N            value of a symbolic batch dimension (default 1)
  --precision fp32|fp16  storage of activations and weights (default fp32); fp16 keeps
                       float32 arithmetic, statistics and engine inputs/outputs
${DECODE_HELP}${CONF_HELP}  --inputs DIR         recorded inputs: NAME.bin, NAME.npy or *.input.NAME.bin per input
  --seed N             seed of the N(0,1) random inputs used without --inputs (default 0)
  -o, --out DIR        keep the build here (default: a temporary directory)
  --json               print one JSON document on stdout
  --quiet              no progress output
`,
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      {
        target: { type: 'string' },
        arch: { type: 'string' },
        batch: { type: 'string' },
        precision: { type: 'string' },
        inputs: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string', short: 'o' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        ...DECODE_OPTIONS,
        ...CONF_OPTIONS,
      },
      'check',
    );
    const model = onePositional(positionals, 'model file', 'check');
    const t = target(values.target) ?? 'host';
    const arch = archList(values.arch);
    const batch = positiveInt(values.batch, '--batch');
    const seed = nonNegativeInt(values.seed, '--seed');
    const decode = decodeOptions(values);
    const conf = confOption(values);
    const report = await checkModel(model, {
      target: t,
      ...(arch ? { arch } : {}),
      ...(batch !== undefined ? { batch } : {}),
      ...(values.precision !== undefined ? { precision: parsePrecision(values.precision) } : {}),
      ...decode,
      ...conf,
      ...(values.inputs ? { inputsDir: values.inputs } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(values.out ? { outDir: values.out } : {}),
      onProgress: progressReporter(io, Boolean(values.quiet)),
    });
    io.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
    return report.ok ? 0 : 1;
  },
};
