import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { buildEngine, validateArch, type BuildProgress, type BuildResult, type Target } from '../codegen/toolchain/build.js';
import { BuildCache } from '../codegen/toolchain/cache.js';
import { emitBuildDirectory } from '../codegen/emit/build_dir.js';
import { kernelBytes, typeText } from '../codegen/emit/kernel_source.js';
import { planGraph, type Plan } from '../codegen/plan.js';
import { applyPrecision, type Precision, type PrecisionReport } from '../codegen/precision.js';
import { PASSES, runPipeline, type PipelineReport } from '../passes/index.js';
import { PassLog } from '../passes/pass.js';
import { confidenceThreshold } from '../passes/confidence_threshold.js';
import { efficientNmsOutputs, type OutputFormat } from '../passes/efficientnms_outputs.js';
import { dequantize, quantizedOpsError } from '../passes/dequantize.js';
import { hasKernel } from '../codegen/kernels/index.js';
import { YhcError } from './errors.js';
import { encodeModel, graphToModelSpec } from './onnx/write.js';
import type { Graph } from './ir/graph.js';
import { tensorInfo } from './ir/tensor_info.js';
import type { KernelInfo, Manifest } from './manifest.js';
import { loadModel } from './onnx/load.js';
import { loadDecodedModel } from './decode.js';
import { DEFAULT_MAX_DET, DEFAULT_NMS, type DecodeOptions } from './onnx/decode_options.js';
import { withStagedDirectory } from './util/output_dir.js';
import { packageVersion } from './util/package_root.js';
import { modelMetadata } from './ir/model_metadata.js';

export interface CompileOptions {
  /** The model already imported (with the same batch); skips reading the file again. */
  readonly graph?: Graph;
  /** Build directory to create (replaced whole if it is an earlier build). */
  readonly outDir: string;
  readonly target?: Target;
  /** GPU architectures for the CUDA target; default ['sm_90']. */
  readonly arch?: readonly string[];
  /** Value of the symbolic batch dimension; default 1. */
  readonly batch?: number;
  /** Storage of activations and weights: fp32 (default) or fp16 (arithmetic stays float32). */
  readonly precision?: Precision;
  /** `--outputs efficientnms`: TensorRT EfficientNMS's four outputs instead of detections (passes/efficientnms_outputs.ts). */
  readonly outputs?: OutputFormat;
  /** `--conf T`: detections under T are zeros; an output num_dets [B] counts the rest. */
  readonly conf?: number;
  /** Append a postprocess to a raw-output model first (`--decode yolov10 --max-det N`). */
  readonly decode?: DecodeOptions;
  /** The checked host build (`--check`): races, bounds, uninitialized reads, alignment, divergent syncs (docs/checker.md). */
  readonly check?: boolean;
  /** Host target: the engine built with -fsanitize=address,undefined (for tests; no CLI flag). */
  readonly sanitize?: boolean;
  /** false: emit sources only (`--no-build`). */
  readonly build?: boolean;
  /** false: one launch per kernel (no horizontal fusion of independent kernels). */
  readonly horizontalFusion?: boolean;
  /** false: no graph passes (one kernel per ONNX op). */
  readonly passes?: boolean;
  /** Passes of the pipeline not to run (`--skip-pass`), e.g. recognize-decoder. */
  readonly skipPasses?: readonly string[];
  /** `--dequantize`: run a quantized model in float (passes/dequantize.ts). */
  readonly dequantize?: boolean;
  /** Translation-validate every pass on seeded random inputs (`--verify`). */
  readonly verify?: boolean;
  /** IR text after these passes goes to onPrint (`--print-after`). */
  readonly printAfter?: readonly string[] | 'all';
  readonly onPrint?: (pass: string, ir: string) => void;
  /** Also write the optimized graph as ONNX (yhc ops in domain ai.yhc) here. */
  readonly emitOnnx?: string;
  readonly cacheDir?: string;
  readonly jobs?: number;
  /** Progress of long steps (compiler runs). */
  readonly onProgress?: (event: CompileProgress) => void;
}

export type CompileProgress =
  { readonly phase: 'load' | 'passes' | 'plan' | 'emit' | 'done'; readonly message: string } | ({ readonly phase: 'build' } & BuildProgress);

export interface CompileResult {
  readonly outDir: string;
  readonly manifest: Manifest;
  readonly graph: Graph;
  readonly plan: Plan;
  readonly passes: PipelineReport | null;
}

const DEFAULT_ARCH = ['sm_90'];

/** ONNX model → build directory: sources, weights, manifest, typed wrapper and (unless
 *  build: false) the engine library for the chosen target. */
export async function compileModel(modelPath: string, options: CompileOptions): Promise<CompileResult> {
  const target = options.target ?? 'cuda';
  if (target !== 'cuda' && target !== 'host') throw new YhcError('USAGE', `--target must be cuda or host, got ${JSON.stringify(target)}`);
  const arch = options.arch ?? DEFAULT_ARCH;
  if (target === 'cuda') validateArch(arch);
  if (options.check && target !== 'host') throw new YhcError('USAGE', '--check needs --target host (it checks the CPU emulation)');
  const progress = options.onProgress ?? (() => {});

  progress({ phase: 'load', message: `reading ${modelPath}` });
  const batch = options.batch !== undefined ? { batch: options.batch } : {};
  const graph = options.graph ?? (options.decode ? loadDecodedModel(modelPath, { ...batch, decode: options.decode }).graph : loadModel(modelPath, batch));
  const passes = optimizeGraph(graph, options, progress);
  const quantized = quantizedOpsError(graph, hasKernel);
  if (quantized) throw quantized;
  const precision = applyPrecision(graph, options.precision ?? 'fp32');
  progress({ phase: 'plan', message: `${graph.nodes.length} nodes` });
  const plan = planGraph(graph, options.horizontalFusion === false ? { horizontalFusion: false } : {});
  const modelName = basename(modelPath, extname(modelPath));
  const libName = `libyhc_${
    modelName
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .slice(0, 40) || 'model'
  }.so`;

  const manifest = await withStagedDirectory(options.outDir, 'manifest.json', async (stage) => {
    progress({ phase: 'emit', message: `${plan.kernels.length} kernels` });
    const emitted = emitBuildDirectory(plan, stage, modelName, options.check === true);
    let build: BuildResult | null = null;
    if (options.build !== false) {
      build = await buildEngine(stage, libName, {
        target,
        arch,
        cache: new BuildCache(options.cacheDir),
        ...(options.jobs ? { jobs: options.jobs } : {}),
        ...(options.check ? { check: true } : {}),
        ...(options.sanitize ? { sanitize: true } : {}),
        onProgress: (p) => progress({ phase: 'build', ...p }),
      });
    }
    const m = makeManifest({ modelPath, graph, plan, precision, target, arch, buildId: emitted.buildId, build, passes, decode: options.decode ?? null });
    writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
    return m;
  });
  progress({ phase: 'done', message: resolve(options.outDir) });
  return { outDir: resolve(options.outDir), manifest, graph, plan, passes };
}

/**
 * What compile does to an imported graph before planning, in place, shared with `yhc inspect`:
 * the pass pipeline (unless passes: false), then `--conf`'s threshold, then `--outputs`, then `--emit-onnx`.
 */
export function optimizeGraph(
  graph: Graph,
  options: Pick<CompileOptions, 'passes' | 'skipPasses' | 'verify' | 'printAfter' | 'onPrint' | 'conf' | 'outputs' | 'emitOnnx' | 'dequantize'>,
  progress: (e: CompileProgress) => void = () => {},
): PipelineReport | null {
  let report: PipelineReport | null = null;
  // --dequantize changes what the graph computes on purpose: it runs first, never verified.
  const pre = options.dequantize ? runPipeline(graph, [dequantize]) : null;
  if (options.passes !== false) {
    progress({ phase: 'passes', message: options.verify ? 'optimizing, verifying every pass' : 'optimizing' });
    report = runPipeline(graph, PASSES, {
      ...(options.verify ? { verify: true } : {}),
      ...(options.printAfter ? { printAfter: options.printAfter } : {}),
      ...(options.skipPasses ? { skip: options.skipPasses } : {}),
      ...(options.onPrint ? { onPrint: options.onPrint } : {}),
    });
  }
  if (pre) report = report ? { ...report, passes: [...pre.passes, ...report.passes], opsBefore: pre.opsBefore } : pre;
  if (options.conf !== undefined) confidenceThreshold(options.conf).run(graph, new PassLog());
  if (options.outputs === 'efficientnms') efficientNmsOutputs().run(graph, new PassLog());
  if (options.emitOnnx) writeOnnx(graph, options.emitOnnx);
  return report;
}

/** The graph as an ONNX file (yhc ops keep domain ai.yhc), for Netron. */
export function writeOnnx(graph: Graph, path: string): void {
  const bytes = encodeModel(graphToModelSpec(graph));
  // Written beside the target and renamed over it: a failed write leaves no half file.
  const partial = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, path);
  } catch (e) {
    rmSync(partial, { force: true });
    throw new YhcError('IO', `cannot write ${JSON.stringify(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function makeManifest(args: {
  modelPath: string;
  graph: Graph;
  plan: Plan;
  precision: PrecisionReport;
  target: Target;
  arch: readonly string[];
  buildId: string;
  build: BuildResult | null;
  passes: PipelineReport | null;
  decode: DecodeOptions | null;
}): Manifest {
  const { graph, plan, build } = args;
  const kernels: KernelInfo[] = plan.kernels.map((k) => {
    const file = `kernels/${k.id}.cu`;
    const ptxas = build?.ptxas.get(k.id);
    return {
      id: k.id,
      file,
      template: k.spec.template,
      nodes: k.spec.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        domain: n.domain,
        replaces: n.origins.map((o) => ({ name: o.name, opType: o.opType, domain: o.domain })),
      })),
      shapes: k.spec.tensors.map((t) => `${t.access === 'read' ? 'in' : 'out'} ${t.name}: ${typeText(t.value)}`),
      flops: k.spec.flops,
      bytes: kernelBytes(k.spec),
      launch: { ...k.spec.launch },
      ...(ptxas ? { ptxas } : {}),
    };
  });
  const opsets: Record<string, number> = {};
  for (const [d, v] of graph.opsetImports) opsets[d || 'ai.onnx'] = v;
  return {
    format: 1,
    generator: `yhc ${packageVersion()}`,
    buildId: args.buildId,
    model: {
      name: basename(args.modelPath, extname(args.modelPath)),
      file: resolve(args.modelPath),
      sha256: createHash('sha256').update(readFileSync(args.modelPath)).digest('hex'),
      opsets,
    },
    metadata: modelMetadata(graph.metadataProps),
    target: args.target,
    arch: args.target === 'cuda' ? [...args.arch] : [],
    batch: plan.batch,
    dynamicBatch: plan.dynamicBatch,
    precision: { storage: args.precision.precision, halfActivations: args.precision.halfActivations, halfWeights: args.precision.halfWeights },
    decode: args.decode
      ? {
          format: args.decode.format,
          maxDet: args.decode.maxDet ?? DEFAULT_MAX_DET,
          ...(args.decode.format === 'nms'
            ? { iou: args.decode.iou ?? DEFAULT_NMS.iou, conf: args.decode.conf ?? DEFAULT_NMS.conf, boxes: args.decode.boxes ?? 'xyxy' }
            : {}),
        }
      : null,
    inputs: graph.inputs.map(tensorInfo),
    outputs: graph.outputs.map(tensorInfo),
    passes: args.passes ? args.passes.passes.map((p) => ({ name: p.name, fired: p.fired })) : null,
    library: build ? build.library : null,
    weights: { file: 'weights.bin', bytes: plan.weightBytes },
    arenaBytes: plan.arenaBytes,
    stateBytes: plan.stateBytes,
    kernels,
    totals: {
      kernels: kernels.length,
      flops: kernels.reduce((n, k) => n + k.flops, 0),
      bytes: kernels.reduce((n, k) => n + k.bytes, 0),
    },
    build: build
      ? {
          toolchain: { [args.target === 'cuda' ? 'nvcc' : 'g++']: build.compiler.version, node: process.version },
          compileFlags: build.compileFlags,
          linkFlags: build.linkFlags,
          units: build.units,
          cacheHits: build.cacheHits,
          seconds: Math.round(build.seconds * 1000) / 1000,
        }
      : null,
  };
}
