import type { OutputFormat } from '../passes/efficientnms_outputs.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { YhcError, q } from './errors.js';
import type { Graph } from './ir/graph.js';
import { importModel } from './onnx/import.js';
import { decodeModel } from './onnx/load.js';
import { loadDecodedModel } from './decode.js';
import type { DecodeOptions } from './onnx/decode_options.js';
import { externalDataRoot } from './onnx/external_data.js';
import { exactInt64 } from './onnx/proto.js';
import { lookupOp } from './ops/index.js';
import { numel } from './tensor.js';
import { dirname } from 'node:path';
import type { PipelineReport } from '../passes/index.js';
import { optimizeGraph } from './compile.js';
import { dequantize, quantizedOpsError } from '../passes/dequantize.js';
import { hasKernel } from '../codegen/kernels/index.js';
import { runPipeline } from '../passes/index.js';
import { quantizationWarnings } from '../passes/quant_warnings.js';
import { quantizedNodes } from '../passes/dequantize.js';
import { opCounts } from './ir/print.js';
import { cloneGraph } from './ir/clone.js';
import { modelMetadata, type ModelMetadata } from './ir/model_metadata.js';
import { planGraph } from '../codegen/plan.js';
import { viewReport } from '../codegen/views.js';
import { applyPrecision, type Precision } from '../codegen/precision.js';
import { planCost, type PlanCost } from '../codegen/cost_model.js';

/** What `yhc inspect MODEL` reports. */
export interface ModelSummary {
  readonly file: string;
  readonly irVersion: number;
  readonly producer: string;
  readonly opsets: Record<string, number>;
  readonly inputs: readonly { name: string; dtype: string; shape: readonly number[] }[];
  readonly outputs: readonly { name: string; dtype: string; shape: readonly number[] }[];
  /** Op counts as written in the file. */
  readonly fileOps: Record<string, number>;
  readonly fileNodes: number;
  /** The model's metadata_props, raw and parsed (class names, imgsz, stride, task). */
  readonly metadata: ModelMetadata;
  /** Op counts after import: static shapes, compile-time values folded, dead code removed. */
  readonly ops: Record<string, number>;
  readonly nodes: number;
  /** Elements of constant tensors that nodes read (weights, biases, anchors...). */
  readonly parameters: number;
  readonly flops: number;
  /** The pass pipeline's report and the graph after it (null with passes: false). */
  readonly passes: PipelineReport | null;
  readonly optimizedOps: Record<string, number> | null;
  readonly optimizedNodes: number | null;
  /** With `cost`: the roofline floor of the plan, and of the one-kernel-per-op plan (no passes, no horizontal fusion). */
  readonly cost?: CostSummary;
  /** Problems of the model itself, one line each (passes/quant_warnings.ts). */
  readonly warnings: readonly string[];
}

export interface CostSummary {
  readonly plan: PlanCost;
  readonly unoptimized: PlanCost;
  /** plan.bytes / unoptimized.bytes: the share of global-memory traffic the passes and fused kernels leave. */
  readonly trafficRatio: number;
  /** Concat and Split nodes planned as channel-range views (no kernel), and one line per one still copied, with why. */
  readonly views: { readonly count: number; readonly copied: readonly string[] };
}

export interface InspectOptions {
  readonly batch?: number;
  /** Append a postprocess to a raw-output model first (`--decode`); the summary is of the extended model. */
  readonly decode?: DecodeOptions;
  /** Run the pass pipeline (default true). */
  readonly passes?: boolean;
  /** Passes not to run (`--skip-pass`). */
  readonly skipPasses?: readonly string[];
  readonly verify?: boolean;
  readonly printAfter?: readonly string[] | 'all';
  readonly onPrint?: (pass: string, ir: string) => void;
  readonly emitOnnx?: string;
  /** `--conf T`, as compile applies it after the passes. */
  readonly conf?: number;
  /** `--outputs`, as compile applies it after --conf. */
  readonly outputs?: OutputFormat;
  /** `--dequantize`, as compile applies it before the passes. */
  readonly dequantize?: boolean;
  /** Plan the kernels and cost them against the one-kernel-per-op plan (`--cost`). */
  readonly cost?: boolean;
  /** Storage precision of the costed plan (the one-kernel-per-op baseline stays fp32). */
  readonly precision?: Precision;
}

function countOps(types: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of types) counts[t] = (counts[t] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

export function graphFlops(graph: Graph): number {
  let flops = 0;
  for (const n of graph.nodes) {
    const def = lookupOp(n.opType, n.domain);
    flops += def?.flops ? def.flops(n) : n.outputs.reduce((s, v) => s + numel(v.shape), 0);
  }
  return flops;
}

export function graphParameters(graph: Graph): number {
  const seen = new Set<unknown>();
  let count = 0;
  for (const n of graph.nodes) {
    for (const v of n.inputs) {
      if (v?.constant && !seen.has(v)) {
        seen.add(v);
        count += v.constant.size;
      }
    }
  }
  return count;
}

export function inspectModel(path: string, options: InspectOptions = {}): ModelSummary {
  if (!existsSync(path) || !statSync(path).isFile()) throw new YhcError('IO', `cannot read model ${q(path)}`);
  const batch = options.batch !== undefined ? { batch: options.batch } : {};
  // With --decode, the graph compile builds (the ONNX postprocess appended, or YoloNms inserted).
  const decoded = options.decode ? loadDecodedModel(path, { ...batch, decode: options.decode }) : null;
  const model = decoded ? decoded.model : decodeModel(readFileSync(path), q(path));
  const graph = decoded ? decoded.graph : importModel(model, { ...batch, externalRoot: externalDataRoot(dirname(path)) });
  const opsets: Record<string, number> = {};
  for (const [d, v] of graph.opsetImports) opsets[d || 'ai.onnx'] = v;
  const io = (vs: Graph['inputs']) => vs.map((v) => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] }));
  const imported = {
    file: path,
    irVersion: exactInt64(model.irVersion),
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
    opsets,
    inputs: io(graph.inputs),
    fileOps: countOps((model.graph?.node ?? []).map((n) => n.opType ?? '')),
    fileNodes: model.graph?.node?.length ?? 0,
    metadata: modelMetadata(graph.metadataProps),
    ops: countOps(graph.nodes.map((n) => n.opType)),
    nodes: graph.nodes.length,
    parameters: graphParameters(graph),
    flops: graphFlops(graph),
    warnings: quantizationWarnings(graph),
  };
  const optimizedSummary = withCost(graph, options);
  // The outputs an engine compiled with the same options has (--conf adds num_dets).
  return { ...imported, outputs: io(graph.outputs), ...optimizedSummary };
}

function withCost(graph: Graph, options: InspectOptions): Pick<ModelSummary, 'passes' | 'optimizedOps' | 'optimizedNodes' | 'cost'> {
  // Planning adds temporaries to a graph: the unoptimized plan gets its own copy.
  const unoptimized = options.cost
    ? planCost(
        planGraph(plannable(dequantizedBaseline(cloneGraph(graph)), options), { horizontalFusion: false, views: false, sppf: false, elementwiseFusion: false }),
      )
    : null;
  const summary = optimized(graph, options);
  if (!unoptimized) return summary;
  // Run in int8: what has no int8 kernel is refused here, as compile refuses it.
  const refusedInt8 = quantizedOpsError(graph, hasKernel);
  if (refusedInt8) throw refusedInt8;
  const planned = options.passes === false ? cloneGraph(graph) : graph;
  applyPrecision(planned, options.precision ?? 'fp32');
  const fullPlan = planGraph(planned);
  const plan = planCost(fullPlan);
  const views = { count: fullPlan.views.filter((d) => d.view).length, copied: viewReport(fullPlan.views) };
  return { ...summary, cost: { plan, unoptimized, trafficRatio: plan.bytes / unoptimized.bytes, views } };
}

/**
 * A quantized model's ONNX quantization ops have no kernels of their own: its one-kernel-per-op
 * baseline is the plan of its dequantized graph (the float ops), whether it then runs in int8 or float.
 */
function dequantizedBaseline(graph: Graph): Graph {
  if (quantizedNodes(graph).length > 0) runPipeline(graph, [dequantize]);
  return graph;
}

/** A copy to plan one kernel per op: dequantized with --dequantize; a quantized graph is refused as compile refuses it. */
function plannable(graph: Graph, options: InspectOptions): Graph {
  if (options.dequantize) runPipeline(graph, [dequantize]);
  const refused = quantizedOpsError(graph, hasKernel);
  if (refused) throw refused;
  return graph;
}

/** The graph as compile optimizes it: passes, --conf, --emit-onnx (compile's own optimizeGraph). */
function optimized(graph: Graph, options: InspectOptions): Pick<ModelSummary, 'passes' | 'optimizedOps' | 'optimizedNodes'> {
  const passes = optimizeGraph(graph, options);
  if (!passes) return { passes: null, optimizedOps: null, optimizedNodes: null };
  return { passes, optimizedOps: opCounts(graph), optimizedNodes: graph.nodes.length };
}

/** manifest.json of a build directory (one implementation, shared with Engine.load). */
export { readManifest } from './runtime/manifest_file.js';
