import { describeNode, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { isViewOp } from '../src/ops/index.js';
import { concatAxis, splitAxis } from '../src/ops/concat_split.js';
import { sizeOfRange } from '../src/ops/util/axes.js';

/**
 * Channel-range views: Concat and Split cost no launch and no copy. A Split's outputs are ranges
 * of its input; a Concat's inputs are written by their producers straight into their range of
 * the concat's buffer. A view is its base tensor plus an element offset, so every kernel's
 * addressing stays what it was: the launch passes `base + offset` (codegen/emit/buffer_names.ts).
 *
 * Layout NCHW: a range of axis `a` is contiguous when every dim before `a` is 1 — a channel
 * range of one image. With batch > 1 the same range is strided by the base's image size, which
 * kernels would have to take as a stride; yhc copies there instead (the node keeps its kernel,
 * and the decision says why). docs/kernels.md records the measurement behind the choice.
 */

/** Where a value's elements live: `offset` elements into `base`'s storage. */
export interface Alias {
  readonly base: Value;
  readonly offset: number;
}

/** What became of one Concat or Split. */
export interface ViewDecision {
  readonly node: Node;
  /** true: no kernel, its outputs (Split) or inputs (Concat) are ranges of one buffer. */
  readonly view: boolean;
  /** Why the node is still copied by a kernel (view false). */
  readonly reason?: string;
}

export interface ViewPlan {
  /** Each aliased value's immediate base (a Reshape's input, a Split's input, a Concat's output). */
  readonly aliases: ReadonlyMap<Value, Alias>;
  /** Nodes that need no kernel: view ops and Concat/Split planned as views. */
  readonly viewNodes: ReadonlySet<Node>;
  readonly decisions: readonly ViewDecision[];
}

/** The storage a value ends in, and its element offset there. */
export function resolveAlias(aliases: ReadonlyMap<Value, Alias>, v: Value): Alias {
  let base = v;
  let offset = 0;
  for (let a = aliases.get(base); a; a = aliases.get(base)) {
    offset += a.offset;
    base = a.base;
  }
  return { base, offset };
}

/** Why a range of `axis` of `shape` is not one contiguous block, or undefined when it is. */
function notContiguous(shape: readonly number[], axis: number): string | undefined {
  const outer = sizeOfRange(shape, 0, axis);
  if (outer === 1) return undefined;
  return shape[0]! > 1 && sizeOfRange(shape, 1, axis) === 1
    ? `batch ${shape[0]}: in NCHW a range of axis ${axis} is strided per image, copied`
    : `a range of axis ${axis} of [${shape.join(', ')}] is not contiguous, copied`;
}

/**
 * Plans views in graph order. Only a tensor that kernels write (not a constant, not a graph
 * input) can be placed inside a concat's buffer; a concat whose inputs cannot all be placed keeps
 * its kernel, with the reason.
 */
export function planViews(graph: Graph, options: { readonly enabled?: boolean } = {}): ViewPlan {
  const aliases = new Map<Value, Alias>();
  const viewNodes = new Set<Node>();
  const decisions: ViewDecision[] = [];
  const enabled = options.enabled !== false;
  const graphInputs = new Set(graph.inputs);
  // A kernel writes v, or (a Concat planned as a view) kernels write all of it.
  const kernelWrites = (v: Value) =>
    v.producer !== null && v.constant === null && !graphInputs.has(v) && (!viewNodes.has(v.producer) || v.producer.opType === 'Concat');
  const decide = (node: Node, reason: string | undefined) => {
    decisions.push(reason === undefined ? { node, view: true } : { node, view: false, reason });
    if (reason === undefined) viewNodes.add(node);
  };

  for (const node of graph.nodes) {
    if (isViewOp(node)) {
      aliases.set(node.outputs[0]!, { base: node.input(0), offset: 0 });
      viewNodes.add(node);
      continue;
    }
    if (!enabled || node.domain !== '') continue;
    if (node.opType === 'Split') {
      const x = node.input(0);
      const axis = splitAxis(node, x.shape.length);
      const why = notContiguous(x.shape, axis);
      if (why) {
        decide(node, why);
        continue;
      }
      const inner = sizeOfRange(x.shape, axis + 1);
      let at = 0;
      for (const y of node.outputs) {
        if (!y) continue;
        aliases.set(y, { base: x, offset: at * inner });
        at += y.shape[axis]!;
      }
      decide(node, undefined);
    } else if (node.opType === 'Concat') {
      const y = node.outputs[0]!;
      const reason = placeConcat(node, y, aliases, kernelWrites);
      decide(node, reason);
    }
  }
  return { aliases, viewNodes, decisions };
}

/** Places every input's storage inside the concat's output, or says why not (nothing placed then). */
function placeConcat(node: Node, y: Value, aliases: Map<Value, Alias>, kernelWrites: (v: Value) => boolean): string | undefined {
  const axis = concatAxis(node, y.shape.length);
  const why = notContiguous(y.shape, axis);
  if (why) return why;
  const inner = sizeOfRange(y.shape, axis + 1);
  const total = sizeOfRange(y.shape, 0);
  // Each distinct root of the inputs goes at one element offset of y.
  const placed = new Map<Value, number>();
  let at = 0;
  for (let i = 0; i < node.inputs.length; i++) {
    const x = node.input(i);
    const { base, offset } = resolveAlias(aliases, x);
    const here = at * inner;
    at += x.shape[axis]!;
    if (!kernelWrites(base)) {
      const what = base.constant ? 'a constant' : base.producer === null ? 'a graph input' : 'not written by a kernel';
      return `input ${i} is ${what}, copied`;
    }
    if (base === y) return `input ${i} is the concat's own output, copied`;
    if (base.dtype !== y.dtype) return `input ${i} is stored as ${base.dtype}, copied`;
    const start = here - offset;
    const prev = placed.get(base);
    if (prev !== undefined && prev !== start) return `input ${i} shares its buffer with an earlier input at another position, copied`;
    placed.set(base, start);
  }
  // The bases' whole extents must lie in y and not overlap one another.
  const extents = [...placed].map(([base, start]) => ({ start, end: start + sizeOfRange(base.shape, 0) })).sort((a, b) => a.start - b.start);
  for (let k = 0; k < extents.length; k++) {
    const e = extents[k]!;
    if (e.start < 0 || e.end > total) return `an input's buffer extends past the concat's range, copied`;
    if (k > 0 && e.start < extents[k - 1]!.end) return `two inputs' buffers would overlap, copied`;
  }
  for (const [base, start] of placed) aliases.set(base, { base: y, offset: start });
  return undefined;
}

/** One line per copied Concat/Split for reports (node text escaped by describeNode). */
export function viewReport(decisions: readonly ViewDecision[]): string[] {
  return decisions.filter((d) => !d.view).map((d) => `${describeNode(d.node)}: ${d.reason}`);
}
