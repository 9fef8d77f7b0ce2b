import { ONNX_DOMAIN, YHC_DOMAIN, originsOf, type Graph, type Node, type Value } from './graph.js';

/**
 * Small queries passes use to read like their rules: who reads a value, whether a value is a
 * graph output, a constant's scalar.
 */
export class Uses {
  private readonly readers: Map<Value, Node[]>;
  private readonly outputs: Set<Value>;

  constructor(graph: Graph) {
    this.readers = graph.consumers();
    this.outputs = new Set(graph.outputs);
  }

  /** Nodes reading `v` (a node appears once per input slot that reads it). */
  of(v: Value): readonly Node[] {
    return this.readers.get(v) ?? [];
  }

  isGraphOutput(v: Value): boolean {
    return this.outputs.has(v);
  }

  /** The only node reading `v`, when `v` has exactly one reader and is not a graph output. */
  soleReader(v: Value): Node | null {
    const r = this.of(v);
    return r.length === 1 && !this.outputs.has(v) ? r[0]! : null;
  }

  /** Whether `v` is read only by `nodes` (each possibly several times) and is not a graph output. */
  onlyReadBy(v: Value, nodes: readonly Node[]): boolean {
    return !this.outputs.has(v) && this.of(v).every((n) => nodes.includes(n));
  }
}

/** Whether `n` is the ONNX op `op` (a type guard, so `isOnnxOp(v.producer, 'Add')` narrows). */
export const isOnnxOp = (n: Node | null | undefined, op: string): n is Node => !!n && n.domain === ONNX_DOMAIN && n.opType === op;

/** Whether `n` is yhc's op `op` (domain ai.yhc). */
export const isYhcOp = (n: Node | null | undefined, op: string): n is Node => !!n && n.domain === YHC_DOMAIN && n.opType === op;

/** Equal dimensions. */
export const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** A constant's only element, or null when `v` is not a one-element constant. */
export function constantScalar(v: Value | null | undefined): number | null {
  return v?.constant && v.constant.size === 1 ? v.constant.data[0]! : null;
}

/** The input of binary `n` other than `v`, when `n` reads `v` once (commutative ops read either way round). */
export function otherInput(n: Node, v: Value): Value | null {
  const [a, b] = n.inputs;
  if (!a || !b || n.inputs.length !== 2) return null;
  if (a === v && b !== v) return b;
  if (b === v && a !== v) return a;
  return null;
}

/**
 * Provenance of an in-place rewrite: `into` now also computes what `absorbed` computed (a BN
 * folded into a conv, a SiLU into its producer), so it inherits their origins. A pass that
 * makes a new node says what it replaces in Graph.newNode instead.
 */
export function absorb(into: Node, absorbed: readonly (Node | null | undefined)[]): void {
  into.origins = originsOf([into, ...absorbed.filter((n): n is Node => !!n)]);
}

/** Remove nodes from the graph (their outputs must be unused or rewired first). */
export function removeNodes(graph: Graph, dead: Iterable<Node>): void {
  const set = new Set(dead);
  graph.nodes = graph.nodes.filter((n) => !set.has(n));
}

/**
 * Make every reader of `from` read `to`. When `from` is a graph output, `to` takes its place
 * and its name (graph output names are the engine's contract); `to` must then be a computed
 * value that is not itself a graph input or output.
 */
export function redirect(graph: Graph, from: Value, to: Value): void {
  if (from === to) return;
  const outputIndex = graph.outputs.indexOf(from);
  if (outputIndex >= 0) {
    if (graph.inputs.includes(to) || graph.outputs.includes(to) || !to.producer) {
      throw new Error(`internal: cannot make value ${to.id} stand for graph output ${JSON.stringify(from.name)}`);
    }
    to.name = from.name;
  }
  graph.replaceAllUses(from, to);
}

/** Whether `to` may take the place of `from` (see redirect). */
export function canRedirect(graph: Graph, from: Value, to: Value): boolean {
  return !graph.outputs.includes(from) || (!graph.inputs.includes(to) && !graph.outputs.includes(to) && to.producer !== null);
}
