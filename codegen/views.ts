import { describeNode, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { isViewOp } from '../src/ops/index.js';
import { concatAxis, splitAxis } from '../src/ops/concat_split.js';
import { sizeOfRange } from '../src/ops/util/axes.js';
import { numel } from '../src/tensor.js';

/**
 * Channel-range views: Concat and Split cost no launch and no copy. A Split's outputs are ranges
 * of its input; a Concat's inputs are written by their producers straight into their range of
 * the concat's buffer. A view is its base tensor plus an element offset, so every kernel's
 * addressing stays what it was: the launch passes `base + offset` (codegen/emit/buffer_names.ts).
 *
 * Layout NCHW: a range of axis `a` is contiguous when every dim before `a` is 1 — a channel
 * range of one image. With batch N > 1 a range of axis a ≥ 1 is contiguous within each image,
 * and its images lie the base's per-image size apart: offsets and sizes here are per image
 * (elements of image 0), and the kernels that read or write such a view take that image stride
 * (`imageStride`). A kernel that does not, or a view whose chain loses the batch dim, makes the
 * plan refuse the Concat/Split responsible (`refused`: it keeps its kernel, with the reason).
 * docs/kernels.md records the measurement behind the choice.
 */

/** Where a value's elements live: `offset` elements into `base`'s storage. */
export interface Alias {
  readonly base: Value;
  /** Elements per image (batch 1: elements). */
  readonly offset: number;
  /** The Concat or Split that made the range (absent for view ops). */
  readonly via?: Node;
}

/** What became of one Concat or Split. */
export interface ViewDecision {
  readonly node: Node;
  /** true: no kernel, its outputs (Split) or inputs (Concat) are ranges of one buffer. */
  readonly view: boolean;
  /** Why the node is still copied by a kernel (view false). */
  readonly reason?: string;
  /** A Concat planned as a view: the inputs still copied into their range, each with why. */
  readonly copies: readonly ConcatCopy[];
}

/** An input of a Concat planned as a view that cannot be written in place: one copy kernel into its range. */
export interface ConcatCopy {
  readonly input: number;
  readonly from: Value;
  /** A new value: the input's range of the concat's output. */
  readonly into: Value;
  readonly reason: string;
}

export interface ViewPlan {
  /** Each aliased value's immediate base (a Reshape's input, a Split's input, a Concat's output). */
  readonly aliases: ReadonlyMap<Value, Alias>;
  /** Nodes that need no kernel: view ops and Concat/Split planned as views. */
  readonly viewNodes: ReadonlySet<Node>;
  readonly decisions: readonly ViewDecision[];
  /** By Concat node: the inputs copied into their range. */
  readonly copies: ReadonlyMap<Node, readonly ConcatCopy[]>;
  /** The batch offsets and sizes are per image of (the graph's first input's leading dim). */
  readonly batch: number;
}

export interface ViewOptions {
  readonly enabled?: boolean;
  /** Images: offsets are per image when > 1 (default 1). */
  readonly batch?: number;
  /** Concat/Split nodes that must keep their kernel, with why (codegen/plan.ts refuses them). */
  readonly refused?: ReadonlyMap<Node, string>;
}

/** Elements of one image of `v` (all of them at batch 1). */
export function perImage(v: Value, batch: number): number {
  return batch > 1 ? numel(v.shape) / batch : numel(v.shape);
}

/**
 * Elements between one image of `v` and the next in its storage: its root's per-image size (a
 * channel range of a concat's buffer: C_total·H·W), or its own when it is not a range.
 */
export function imageStride(aliases: ReadonlyMap<Value, Alias>, v: Value, batch: number): number {
  return perImage(resolveAlias(aliases, v).base, batch);
}

/** Whether `v`'s images are not back to back: a range of a bigger tensor at batch > 1. */
export function isStrided(aliases: ReadonlyMap<Value, Alias>, v: Value, batch: number): boolean {
  return batch > 1 && imageStride(aliases, v, batch) !== perImage(v, batch);
}

/** The Concat/Split nodes whose views `v`'s storage goes through. */
export function viewsOf(aliases: ReadonlyMap<Value, Alias>, v: Value): Node[] {
  const nodes: Node[] = [];
  for (let a = aliases.get(v); a; a = aliases.get(a.base)) if (a.via) nodes.push(a.via);
  return nodes;
}

/** Whether every value on `v`'s view chain has the batch as its leading dim (per-image offsets hold). */
export function batchMajorChain(aliases: ReadonlyMap<Value, Alias>, v: Value, batch: number): boolean {
  for (let x: Value | undefined = v; x; x = aliases.get(x)?.base) if (x.shape[0] !== batch) return false;
  return true;
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

/**
 * Why a range of `axis` of `shape` is not one contiguous block per image, or undefined when it
 * is: every dim before `axis` is 1, or (batch > 1) the batch and then only 1s.
 */
function notContiguous(shape: readonly number[], axis: number, batch: number): string | undefined {
  // Offsets are per image at batch > 1: a tensor without the batch in front has no images.
  if (batch > 1 && shape[0] !== batch) return `[${shape.join(', ')}] is not batch-major (batch ${batch}), copied`;
  const outer = sizeOfRange(shape, 0, axis);
  if (outer === 1) return undefined;
  if (batch > 1 && axis >= 1 && sizeOfRange(shape, 1, axis) === 1) return undefined;
  return `a range of axis ${axis} of [${shape.join(', ')}] is not contiguous, copied`;
}

/**
 * Plans views in graph order. Only a tensor that kernels write (not a constant, not a graph
 * input) can be placed inside a concat's buffer; a concat whose inputs cannot all be placed keeps
 * its kernel, with the reason.
 */
export function planViews(graph: Graph, options: ViewOptions = {}): ViewPlan {
  const batch = options.batch ?? 1;
  const aliases = new Map<Value, Alias>();
  const viewNodes = new Set<Node>();
  const decisions: ViewDecision[] = [];
  const enabled = options.enabled !== false;
  const graphInputs = new Set(graph.inputs);
  // A kernel writes v, or (a Concat planned as a view) kernels write all of it.
  const kernelWrites = (v: Value) =>
    v.producer !== null && v.constant === null && !graphInputs.has(v) && (!viewNodes.has(v.producer) || v.producer.opType === 'Concat');
  const copies = new Map<Node, readonly ConcatCopy[]>();
  const decide = (node: Node, reason: string | undefined, partCopies: readonly ConcatCopy[] = []) => {
    decisions.push(reason === undefined ? { node, view: true, copies: partCopies } : { node, view: false, reason, copies: [] });
    if (reason === undefined) viewNodes.add(node);
  };

  for (const node of graph.nodes) {
    if (isViewOp(node)) {
      aliases.set(node.outputs[0]!, { base: node.input(0), offset: 0 });
      viewNodes.add(node);
      continue;
    }
    if (!enabled || node.domain !== '') continue;
    const refused = options.refused?.get(node);
    if (refused !== undefined && (node.opType === 'Split' || node.opType === 'Concat')) {
      decide(node, refused);
      continue;
    }
    if (node.opType === 'Split') {
      const x = node.input(0);
      const axis = splitAxis(node, x.shape.length);
      const why =
        notContiguous(x.shape, axis, batch) ??
        (batch > 1 && !batchMajorChain(aliases, x, batch) ? `its input is not batch-major (batch ${batch}), copied` : undefined);
      if (why) {
        decide(node, why);
        continue;
      }
      const inner = sizeOfRange(x.shape, axis + 1);
      let at = 0;
      for (const y of node.outputs) {
        if (!y) continue;
        aliases.set(y, { base: x, offset: at * inner, via: node });
        at += y.shape[axis]!;
      }
      decide(node, undefined);
    } else if (node.opType === 'Concat') {
      const placed = placeConcat(graph, node, aliases, viewNodes, kernelWrites, batch);
      if ('reason' in placed) decide(node, placed.reason);
      else {
        decide(node, undefined, placed.copies);
        if (placed.copies.length) copies.set(node, placed.copies);
      }
    }
  }
  return { aliases, viewNodes, decisions, copies, batch };
}

interface Part {
  readonly x: Value;
  readonly base: Value;
  /** Element range of the input in the concat's output. */
  readonly here: number;
  readonly size: number;
  /** Where the input's root would start in the concat's output. */
  readonly start: number;
}

/**
 * Places each input's storage inside the concat's output where it can; the others are copied
 * into their range (one small copy kernel each: ConcatCopy). The whole Concat stays a kernel
 * when its ranges are not contiguous, or when no input can be placed.
 */
function placeConcat(
  graph: Graph,
  node: Node,
  aliases: Map<Value, Alias>,
  viewNodes: ReadonlySet<Node>,
  kernelWrites: (v: Value) => boolean,
  batch: number,
): { reason: string } | { copies: ConcatCopy[] } {
  const y = node.outputs[0]!;
  const axis = concatAxis(node, y.shape.length);
  const why = notContiguous(y.shape, axis, batch);
  if (why) return { reason: why };
  // Offsets and sizes per image (codegen/views.ts header).
  const pim = (v: Value) => perImage(v, batch);
  const inner = sizeOfRange(y.shape, axis + 1);
  const total = pim(y);
  let at = 0;
  const parts: Part[] = node.inputs.map((_, i) => {
    const x = node.input(i);
    const { base, offset } = resolveAlias(aliases, x);
    const here = at * inner;
    at += x.shape[axis]!;
    return { x, base, here, size: pim(x), start: here - offset };
  });
  // Why input i cannot be placed, or undefined: its root is written by kernels, and the root's
  // whole extent lies in y, where every input it overlaps is the same root at the same place.
  const refuse = (i: number): string | undefined => {
    const p = parts[i]!;
    if (!kernelWrites(p.base)) return p.base.constant ? 'is a constant' : p.base.producer === null ? 'is a graph input' : 'is not written by a kernel';
    if (p.base === y) return "is the concat's own output";
    if (p.base.dtype !== y.dtype) return `is stored as ${p.base.dtype}`;
    if (batch > 1 && !batchMajorChain(aliases, p.x, batch)) return `is not batch-major (batch ${batch})`;
    const first = parts.findIndex((q) => q.base === p.base);
    if (parts[first]!.start !== p.start) return `is the tensor of input ${first} at another position`;
    const end = p.start + pim(p.base);
    if (p.start < 0 || end > total) return "is a range of a tensor that extends past the concat's";
    const clash = clashes(i).find((j) => !overwrites(i, j));
    if (clash !== undefined) return `is a range of a tensor that would overlap input ${clash}`;
    return undefined;
  };
  // Inputs j whose range lies in the extent of input i's root (other than i's own tensor).
  const clashes = (i: number): number[] => {
    const p = parts[i]!;
    const end = p.start + pim(p.base);
    return parts.flatMap((q, j) => (q.here < end && p.start < q.here + q.size && (q.base !== p.base || q.start !== p.start) ? [j] : []));
  };
  // Input j may overwrite its range of input i's root in place (PSA: cat(a, b + attn(b)) with a, b
  // the halves of one tensor: the sum overwrites b) when j is a whole tensor written by a kernel
  // that can itself be placed, and every reader of the overwritten range runs before j's producer
  // (a strict ancestor of it in the graph: launches follow dependencies).
  const overwrites = (i: number, j: number): boolean => {
    const p = parts[i]!;
    const q = parts[j]!;
    if (q.start !== q.here || pim(q.base) !== q.size || !kernelWrites(q.base) || q.base.dtype !== y.dtype || q.base.producer === null) return false;
    if (clashes(j).length > 0) return false;
    const region = { start: q.here - p.start, end: q.here - p.start + q.size };
    const readers = rangeReaders(graph, aliases, viewNodes, p.base, region, batch);
    if (readers === null) return false;
    const before = ancestors(q.base.producer);
    return readers.every((n) => before.has(n));
  };
  const reasons = parts.map((_, i) => refuse(i));
  if (reasons.every((r) => r !== undefined)) return { reason: `no input can be written in place (input 0 ${reasons[0]}), copied` };
  const copies: ConcatCopy[] = [];
  parts.forEach((p, i) => {
    const reason = reasons[i];
    if (reason === undefined) {
      if (p.base !== y) aliases.set(p.base, { base: y, offset: p.start, via: node });
      return;
    }
    const into = graph.newValue('', p.x.dtype, p.x.shape);
    aliases.set(into, { base: y, offset: p.here, via: node });
    copies.push({ input: i, from: p.x, into, reason: `input ${i} ${reason}, copied into its range` });
  });
  return { copies };
}

/**
 * The nodes that read elements [region.start, region.end) of `root`'s storage through any view of
 * it (later views followed through their consumers), or null when a Concat reads them (its
 * placement would move them) or they are a graph output (read at the end).
 */
function rangeReaders(
  graph: Graph,
  aliases: ReadonlyMap<Value, Alias>,
  viewNodes: ReadonlySet<Node>,
  root: Value,
  region: { start: number; end: number },
  batch: number,
): Node[] | null {
  const consumers = graph.consumers();
  const outputs = new Set(graph.outputs);
  const readers: Node[] = [];
  const seen = new Set<Value>();
  const visit = (v: Value): boolean => {
    if (seen.has(v)) return true;
    seen.add(v);
    if (outputs.has(v)) return false; // the engine returns it at the end
    for (const n of consumers.get(v) ?? []) {
      if (n.opType === 'Concat') return false;
      if (viewNodes.has(n) || isViewOp(n)) {
        for (const o of n.outputs) if (o && inRegion(o) && !visit(o)) return false;
      } else readers.push(n);
    }
    return true;
  };
  // Whether a view's elements may lie in the region (a view planned later: assume so).
  function inRegion(v: Value): boolean {
    if (!aliases.has(v)) return true;
    const { base, offset } = resolveAlias(aliases, v);
    return base === root && offset < region.end && offset + perImage(v, batch) > region.start;
  }
  for (const v of [root, ...aliases.keys()]) {
    if ((v === root || inRegion(v)) && resolveAlias(aliases, v).base === root && !visit(v)) return null;
  }
  return readers;
}

/** Every node `node` depends on, not itself. */
function ancestors(node: Node): Set<Node> {
  const found = new Set<Node>();
  const stack = [node];
  while (stack.length) {
    for (const v of stack.pop()!.inputs) {
      const p = v?.producer;
      if (p && !found.has(p)) {
        found.add(p);
        stack.push(p);
      }
    }
  }
  return found;
}

/** One line per copied Concat/Split for reports (node text escaped by describeNode). */
export function viewReport(decisions: readonly ViewDecision[]): string[] {
  return decisions.flatMap((d) => (d.view ? d.copies.map((c) => `${describeNode(d.node)}: ${c.reason}`) : [`${describeNode(d.node)}: ${d.reason}`]));
}
