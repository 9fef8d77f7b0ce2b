import { resolve } from 'node:path';
import { compileModel, type CompileOptions } from '../../compile.js';
import { compileCacheKey, fetchCompile, storeCompile } from '../../compile_cache.js';
import { YhcError } from '../../errors.js';
import { parsePrecision } from '../../../codegen/precision.js';
import { archList, onePositional, parse, positiveInt, target } from '../args.js';
import type { Command } from '../command.js';
import { progressReporter } from '../progress.js';
import { PASS_HELP, PASS_OPTIONS, passOptions } from '../pass_flags.js';
import { MODEL_HELP, MODEL_OPTIONS, modelOptions } from '../model_flags.js';
import { renderVerify } from './inspect.js';

const OPTIONS = {
  out: { type: 'string', short: 'o' },
  target: { type: 'string' },
  arch: { type: 'string' },
  batch: { type: 'string' },
  precision: { type: 'string' },
  check: { type: 'boolean' },
  'symbol-prefix': { type: 'string' },
  'no-build': { type: 'boolean' },
  jobs: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  ...MODEL_OPTIONS,
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
then builds lib/libyhc_<model>.so. DIR is replaced only when everything succeeded. A
repeated build of the same model file with the same options (and the same yhc) copies the
earlier build directory from the build cache ($YHC_CACHE_DIR, default ~/.cache/yhc).

Options:
  -o, --out DIR        build directory to create (default: build/<model name>)
  --target cuda|host   cuda: nvcc for NVIDIA GPUs (default); host: the same .cu files
                       compiled by g++ against yhc's CUDA emulation, runs on the CPU
  --arch LIST          GPU architectures for --target cuda, comma-separated (default sm_90);
                       several build a fatbin
  --batch N            images per run (default 1): binds a symbolic batch dimension, or
                       re-batches a static batch-1 export (hard-coded batch-1 Reshape/Expand
                       targets rewritten; error[BATCH] names a node that mixes images);
                       the engine then runs 1..N images
  --precision fp32|fp16  storage of activations and weights (default fp32); fp16 keeps
                       float32 arithmetic, statistics and engine inputs/outputs
  --check              checked host build: reports races, out-of-bounds and uninitialized
                       accesses, misaligned vector accesses, divergent syncs (docs/checker.md)
  --symbol-prefix P    every exported name of the engine gets the prefix P (det_yhc_engine_create,
                       include/yhc_engine.h and include/Pyhc_engine.h declare them,
                       lib/libPyhc_<model>.so), nothing else exported: two engines link
                       into one program
${MODEL_HELP}  --no-build           emit sources only; run no compiler
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
    const modelFlags = modelOptions(values);
    const options: CompileOptions = {
      outDir,
      ...(t ? { target: t } : {}),
      ...(arch ? { arch } : {}),
      ...(batch !== undefined ? { batch } : {}),
      ...(values.precision !== undefined ? { precision: parsePrecision(values.precision) } : {}),
      ...(values.check ? { check: true } : {}),
      ...(values['symbol-prefix'] !== undefined ? { symbolPrefix: values['symbol-prefix'] } : {}),
      ...(jobs !== undefined ? { jobs } : {}),
      ...modelFlags,
      build: !values['no-build'],
      onProgress: progressReporter(io, Boolean(values.quiet)),
      ...passOptions(values, io),
    };
    // A repeated compile of the same model and options copies the earlier build (src/compile_cache.ts).
    const key = compileCacheKey(model, options);
    const cached = key ? await fetchCompile(key, model, options) : null;
    const result = cached ? { outDir: resolve(outDir), manifest: cached, passes: null } : await compileModel(model, options);
    if (key && !cached) storeCompile(key, result.outDir, undefined);
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
