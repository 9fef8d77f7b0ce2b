import { compileModel } from '../../compile.js';
import { YhcError } from '../../errors.js';
import { parsePrecision } from '../../../codegen/precision.js';
import { archList, onePositional, parse, positiveInt, target } from '../args.js';
import type { Command } from '../command.js';
import { progressReporter } from '../progress.js';
import { PASS_HELP, PASS_OPTIONS, passOptions } from '../pass_flags.js';
import { CONF_HELP, CONF_OPTIONS, DECODE_HELP, DECODE_OPTIONS, confOption, decodeOptions } from '../decode_flags.js';
import { renderVerify } from './inspect.js';

const OPTIONS = {
  out: { type: 'string', short: 'o' },
  target: { type: 'string' },
  arch: { type: 'string' },
  batch: { type: 'string' },
  precision: { type: 'string' },
  check: { type: 'boolean' },
  'no-build': { type: 'boolean' },
  jobs: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  ...DECODE_OPTIONS,
  ...CONF_OPTIONS,
  ...PASS_OPTIONS,
} as const;

export const compileCommand: Command = {
  name: 'compile',
  summary: 'compile an ONNX model into a build directory (CUDA sources, weights, engine library)',
  options: OPTIONS,
  help: `Usage: yhc compile MODEL.onnx [-o DIR] [options]

Reads the model, infers static shapes, folds what is computable at compile time, runs the
graph passes (BatchNorm/RepConv folding, GroupNorm/SimAM fusion, DW+PW grouping, decoder
recognition), fuses kernels (DW+PW in one kernel, GroupNorm statistics across kernels,
independent kernels of the pyramid levels in one launch), emits CUDA C++ kernels
(kernels/*.cu), the host plan (engine.cu, a CUDA graph on GPUs), the C ABI header
(include/yhc_engine.h), weights.bin, manifest.json and a typed TypeScript wrapper (engine.ts),
then builds lib/libyhc_<model>.so. DIR is replaced only when everything succeeded.

Options:
  -o, --out DIR        build directory to create (default: build/<model name>)
  --target cuda|host   cuda: nvcc for NVIDIA GPUs (default); host: the same .cu files
                       compiled by g++ against yhc's CUDA emulation, runs on the CPU
  --arch LIST          GPU architectures for --target cuda, comma-separated (default sm_90);
                       several build a fatbin
  --batch N            value of a symbolic batch dimension (default 1)
  --precision fp32|fp16  storage of activations and weights (default fp32); fp16 keeps
                       float32 arithmetic, statistics and engine inputs/outputs
  --check              checked host build: reports races, out-of-bounds and uninitialized
                       accesses, misaligned vector accesses, divergent syncs (docs/checker.md)
${DECODE_HELP}${CONF_HELP}  --no-build           emit sources only; run no compiler
  --jobs N             parallel compiler processes (default: number of CPUs)
  --json               print the manifest as one JSON document on stdout
  --quiet              print nothing but errors (and --json / --verify results)
${PASS_HELP}`,
  async run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, 'compile');
    const model = onePositional(positionals, 'model file', 'compile');
    const name = model.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '') || 'model';
    const outDir = values.out ?? `build/${name}`;
    const t = target(values.target);
    if (values.arch !== undefined && t === 'host') throw new YhcError('USAGE', '--arch takes effect only with --target cuda');
    const arch = archList(values.arch);
    const batch = positiveInt(values.batch, '--batch');
    const jobs = positiveInt(values.jobs, '--jobs');
    if (jobs !== undefined && values['no-build']) throw new YhcError('USAGE', '--jobs takes effect only without --no-build (it runs no compiler)');
    const decode = decodeOptions(values);
    const conf = confOption(values);
    const result = await compileModel(model, {
      outDir,
      ...(t ? { target: t } : {}),
      ...(arch ? { arch } : {}),
      ...(batch !== undefined ? { batch } : {}),
      ...(values.precision !== undefined ? { precision: parsePrecision(values.precision) } : {}),
      ...(values.check ? { check: true } : {}),
      ...(jobs !== undefined ? { jobs } : {}),
      ...decode,
      ...conf,
      build: !values['no-build'],
      onProgress: progressReporter(io, Boolean(values.quiet)),
      ...passOptions(values, io),
    });
    if (result.passes?.verifySeed !== undefined && !values.json) io.out(renderVerify(result.passes));
    const m = result.manifest;
    if (values.json) {
      io.out(`${JSON.stringify(m, null, 2)}\n`);
    } else if (!values.quiet) {
      io.out(
        `${result.outDir}: ${m.kernels.length} kernels, ${m.weights.bytes} bytes of weights, ${m.arenaBytes} bytes of activations` +
          (m.library
            ? `; ${m.target} library ${m.library} (${m.build!.cacheHits}/${m.build!.units} from cache, ${m.build!.seconds.toFixed(1)} s)`
            : '; sources only') +
          '\n',
      );
    }
    return 0;
  },
};
