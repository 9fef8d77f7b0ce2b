import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { YhcError, q } from './errors.js';
import type { Graph } from './ir/graph.js';
import type { Manifest } from './manifest.js';
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
import { optimizeGraph, writeOnnx } from './compile.js';
import { opCounts } from './ir/print.js';
import { cloneGraph } from './ir/clone.js';
import { planGraph } from '../codegen/plan.js';
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
}

export interface CostSummary {
  readonly plan: PlanCost;
  readonly unoptimized: PlanCost;
  /** plan.bytes / unoptimized.bytes: the share of global-memory traffic the passes and fused kernels leave. */
  readonly trafficRatio: number;
}

export interface InspectOptions {
  readonly batch?: number;
  /** Append a postprocess to a raw-output model first (`--decode`); the summary is of the extended model. */
  readonly decode?: DecodeOptions;
  /** Run the pass pipeline (default true). */
  readonly passes?: boolean;
  readonly verify?: boolean;
  readonly printAfter?: readonly string[] | 'all';
  readonly onPrint?: (pass: string, ir: string) => void;
  readonly emitOnnx?: string;
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
  const model = options.decode
    ? loadDecodedModel(path, { ...(options.batch !== undefined ? { batch: options.batch } : {}), decode: options.decode }).model
    : decodeModel(readFileSync(path), q(path));
  const graph = importModel(model, { ...(options.batch !== undefined ? { batch: options.batch } : {}), externalRoot: externalDataRoot(dirname(path)) });
  const opsets: Record<string, number> = {};
  for (const [d, v] of graph.opsetImports) opsets[d || 'ai.onnx'] = v;
  const io = (vs: Graph['inputs']) => vs.map((v) => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] }));
  return {
    file: path,
    irVersion: exactInt64(model.irVersion),
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
    opsets,
    inputs: io(graph.inputs),
    outputs: io(graph.outputs),
    fileOps: countOps((model.graph?.node ?? []).map((n) => n.opType ?? '')),
    fileNodes: model.graph?.node?.length ?? 0,
    ops: countOps(graph.nodes.map((n) => n.opType)),
    nodes: graph.nodes.length,
    parameters: graphParameters(graph),
    flops: graphFlops(graph),
    ...withCost(graph, options),
  };
}

function withCost(graph: Graph, options: InspectOptions): Pick<ModelSummary, 'passes' | 'optimizedOps' | 'optimizedNodes' | 'cost'> {
  // Planning adds temporaries to a graph: the unoptimized plan gets its own copy.
  const unoptimized = options.cost ? planCost(planGraph(cloneGraph(graph), { horizontalFusion: false })) : null;
  const summary = optimized(graph, options);
  if (!unoptimized) return summary;
  const planned = options.passes === false ? cloneGraph(graph) : graph;
  applyPrecision(planned, options.precision ?? 'fp32');
  const plan = planCost(planGraph(planned));
  return { ...summary, cost: { plan, unoptimized, trafficRatio: plan.bytes / unoptimized.bytes } };
}

function optimized(graph: Graph, options: InspectOptions): Pick<ModelSummary, 'passes' | 'optimizedOps' | 'optimizedNodes'> {
  if (options.passes === false) return { passes: null, optimizedOps: null, optimizedNodes: null };
  const passes = optimizeGraph(graph, options);
  if (options.emitOnnx) writeOnnx(graph, options.emitOnnx);
  return { passes, optimizedOps: opCounts(graph), optimizedNodes: graph.nodes.length };
}

export function readManifest(dir: string): Manifest {
  const p = join(dir, 'manifest.json');
  if (!existsSync(p)) throw new YhcError('IO', `${q(dir)} is not a yhc build directory (no manifest.json)`);
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  } catch (e) {
    throw new YhcError('IO', `${q(p)} is not valid JSON: ${(e as Error).message}`);
  }
}
