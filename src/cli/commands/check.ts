import { checkModel, type CheckReport } from '../../check/check.js';
import type { OutputCheck } from '../../golden/check_output.js';
import { parsePrecision } from '../../../codegen/precision.js';
import { YhcError, q } from '../../errors.js';
import { archList, nonNegativeInt, onePositional, parse, positiveInt, target } from '../args.js';
import type { Command } from '../command.js';
import { progressBar, progressReporter } from '../progress.js';
import { MODEL_HELP, MODEL_OPTIONS, modelOptions } from '../model_flags.js';
import { skipPassOption } from '../pass_flags.js';

/**
 * One line per output, led by what its verdict rests on: for detections, the rows matched and
 * the worst matched-row difference (the element-wise figures follow, marked as not the rule:
 * rows may swap); for dense outputs, the element-wise max abs / rel error against the tolerance.
 */
export function renderOutputCheck(o: OutputCheck): string {
  const verdict = o.ok ? 'ok      ' : 'MISMATCH';
  const elementwise = `max abs ${o.maxAbs.toExponential(2).padEnd(9)} max rel ${o.maxRel.toExponential(2).padEnd(9)}`;
  const head = `  ${q(o.name).padEnd(16)} ${o.rule.padEnd(11)}`;
  if (o.rule === 'detections') {
    return `${head} ${verdict} ${o.detail}; position by position (not the rule: rows may swap) max abs ${o.maxAbs.toExponential(2)}, max rel ${o.maxRel.toExponential(2)}`;
  }
  return `${head} ${elementwise} ${verdict} ${o.detail}`;
}

function renderReport(r: CheckReport): string {
  return [
    `check ${q(r.model)} on ${r.target}, ${r.precision} storage, inputs ${r.inputs}, reference onnxruntime (CPU)${r.dequantized ? ' on the dequantized graph' : ''}:`,
    ...r.outputs.map(renderOutputCheck),
    ...(r.dequantized ?? []).map((d) => {
      const head = `  ${q(d.name)} --dequantize against onnxruntime's int8 result (not the rule): `;
      if ('dense' in d) return `${head}max abs ${d.dense.maxAbs.toExponential(2)}, max rel ${d.dense.maxRel.toExponential(2)}`;
      const s = d.shift;
      return (
        `${head}${s.matched} of its ${s.reference} detections scoring >= 0.25 matched (same class, IoU >= 0.5; this run has ${s.output}), ` +
        `mean IoU ${s.meanIou.toFixed(3)}, min IoU ${s.minIou.toFixed(3)}, max score difference ${s.maxScoreDiff.toFixed(3)}`
      );
    }),
    r.ok ? 'PASS' : 'FAIL',
    '',
  ].join('\n');
}

const OPTIONS = {
  target: { type: 'string' },
  arch: { type: 'string' },
  batch: { type: 'string' },
  precision: { type: 'string' },
  check: { type: 'boolean' },
  inputs: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  'skip-pass': { type: 'string', multiple: true },
  ...MODEL_OPTIONS,
} as const;

export const checkCommand: Command = {
  name: 'check',
  summary: 'compile, run and compare every output with onnxruntime on the original model',
  options: OPTIONS,
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
  --batch N            images (default 1): binds a symbolic batch dimension, or re-batches
                       a static batch-1 export (onnxruntime then runs the batch-1 model
                       on each image)
  --precision fp32|fp16  storage of activations and weights (default fp32); fp16 keeps
                       float32 arithmetic, statistics and engine inputs/outputs
  --check              checked host build: reports races, out-of-bounds and uninitialized
                       accesses, misaligned vector accesses, divergent syncs (docs/checker.md)
${MODEL_HELP}  --inputs DIR         recorded inputs: NAME.bin, NAME.npy or *.input.NAME.bin per input
  --seed N             seed of the N(0,1) random inputs used without --inputs (default 0)
  -o, --out DIR        keep the build here (default: a temporary directory)
  --skip-pass PASS     compile without graph pass PASS (repeatable), e.g. recognize-decoder
  --json               print one JSON document on stdout
  --quiet              no progress output (the report still prints)
`,
  async run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, 'check');
    const model = onePositional(positionals, 'model file', 'check');
    const t = target(values.target) ?? 'host';
    if (values.arch !== undefined && t === 'host') throw new YhcError('USAGE', '--arch takes effect only with --target cuda');
    if (values.seed !== undefined && values.inputs !== undefined)
      throw new YhcError('USAGE', '--seed takes effect only without --inputs (it seeds the random inputs)');
    const arch = archList(values.arch);
    const batch = positiveInt(values.batch, '--batch');
    const seed = nonNegativeInt(values.seed, '--seed');
    const modelFlags = modelOptions(values);
    const quiet = Boolean(values.quiet || values.json);
    const steps = progressBar(io, quiet);
    const report = await checkModel(model, {
      target: t,
      ...(arch ? { arch } : {}),
      ...(batch !== undefined ? { batch } : {}),
      ...(values.precision !== undefined ? { precision: parsePrecision(values.precision) } : {}),
      ...(values.check ? { check: true } : {}),
      ...modelFlags,
      ...skipPassOption(values),
      ...(values.inputs ? { inputsDir: values.inputs } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(values.out ? { outDir: values.out } : {}),
      onProgress: progressReporter(io, quiet),
      onStep: (label) => steps.step(label),
    });
    steps.end();
    io.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
    return report.ok ? 0 : 1;
  },
};
