import type { Graph, Node, Value } from '../src/ir/graph.js';
import { convGroups } from '../src/ops/conv.js';
import { resizeIndexMaps } from '../src/ops/resize.js';
import type { Handoffs } from './norm_handoff.js';
import type { ViewPlan } from './views.js';

/**
 * Resize nearest x2 at no cost. In YOLO necks an upsampling (Resize, nearest, asymmetric, floor)
 * feeds a Concat, and the Concat feeds a dense conv. With the Concat planned as a view
 * (codegen/views.ts) the Resize's output is a channel range of the concat's buffer; instead of
 * writing it, the readers — dense convs reading the concat as their input — read those channels
 * as up[y / 2][x / 2] from the Resize's input (UpsampledInput, conv_inputs.cuh). The Resize runs
 * no kernel; its range of the concat's buffer is never written nor read.
 *
 * Only where the Resize's one reader is such a Concat, every reader of the concat is a dense conv
 * reading it as its input with no other handoff, and neither is a graph output; otherwise the
 * Resize keeps its kernel, which writes straight into its range of the concat.
 */
export interface UpsampledHandoff {
  readonly kind: 'upsampled';
  /** The Resize's input: [N, end - begin, H / 2, W / 2]. */
  readonly source: Value;
  /** The concat's channels it fills. */
  readonly begin: number;
  readonly end: number;
}

export interface UpsampleViews {
  /** By the concat's output, what its conv readers read through. */
  readonly inputs: ReadonlyMap<Value, UpsampledHandoff>;
  /** Resize nodes that run no kernel. */
  readonly elided: ReadonlySet<Node>;
}

/** A nearest x2 upsampling of H and W of a 4-D tensor, batch and channels as they are. */
function isNearestX2(node: Node, opset: number): boolean {
  const x = node.input(0);
  const y = node.outputs[0]!;
  if (node.opType !== 'Resize' || node.domain !== '' || x.shape.length !== 4) return false;
  const maps = resizeIndexMaps(node, opset, x.shape);
  const identity = (d: number) => maps[d]!.length === x.shape[d] && maps[d]!.every((s, c) => s === c);
  const halves = (d: number) => maps[d]!.length === 2 * x.shape[d]! && maps[d]!.every((s, c) => s === Math.floor(c / 2));
  return identity(0) && identity(1) && halves(2) && halves(3) && y.shape[2] === 2 * x.shape[2]!;
}

const isDenseConv = (n: Node) => n.opType === 'Conv' && (n.domain === '' || n.domain === 'ai.yhc') && convGroups(n) === 1;

export function planUpsampleViews(graph: Graph, views: ViewPlan, handoffs: Handoffs): UpsampleViews {
  const readers = graph.consumers();
  const outputs = new Set(graph.outputs);
  const inputs = new Map<Value, UpsampledHandoff>();
  const elided = new Set<Node>();
  for (const node of graph.nodes) {
    if (node.opType !== 'Resize' || !isNearestX2(node, graph.opset(node.domain))) continue;
    const up = node.outputs[0]!;
    const users = readers.get(up) ?? [];
    const cat = users[0];
    if (users.length !== 1 || outputs.has(up) || !cat || cat.opType !== 'Concat' || !views.viewNodes.has(cat)) continue;
    // Copied into its range (codegen/views.ts ConcatCopy): the copy reads it, so it must exist.
    if (views.copies.get(cat)?.some((c) => c.from === up)) continue;
    const y = cat.outputs[0]!;
    const position = cat.inputs.indexOf(up);
    if (cat.inputs.lastIndexOf(up) !== position || outputs.has(y) || views.aliases.has(y) || inputs.has(y) || handoffs.inputs.has(y)) continue;
    const convs = readers.get(y) ?? [];
    const readsAsInput = (n: Node) => isDenseConv(n) && n.input(0) === y && !n.inputs.slice(1).includes(y) && !handoffs.planeStats.has(n.outputs[0]!);
    if (convs.length === 0 || !convs.every(readsAsInput)) continue;
    const begin = cat.inputs.slice(0, position).reduce((n, v) => n + v!.shape[1]!, 0);
    inputs.set(y, { kind: 'upsampled', source: node.input(0), begin, end: begin + up.shape[1]! });
    elided.add(node);
  }
  return { inputs, elided };
}
