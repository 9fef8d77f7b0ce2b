import type { DType } from '../dtype.js';
import { YhcError, q } from '../errors.js';
import type { Tensor } from '../tensor.js';

/**
 * The IR: a DAG of Nodes connected by Values. Every Value has a static dtype and shape (the
 * batch dimension is bound when a model is imported), and a Value may carry constant data
 * (initializers, Constant nodes, folded shape arithmetic). Names come from the model and are
 * untrusted: they are for messages and the manifest only; generated code uses `id`.
 */

export type Attr =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'tensor'; readonly value: Tensor };

export type Attrs = Map<string, Attr>;

export const ONNX_DOMAIN = '';
export const YHC_DOMAIN = 'ai.yhc';

/**
 * The integers behind a constant the importer folded from DequantizeLinear(q, scale, zero_point)
 * of constants (quantized weights and biases): kept so a pass can hand a kernel the int8 data
 * itself. The folded float constant is DequantizeLinear's result from exactly these.
 */
export interface DequantizedConstant {
  readonly q: Tensor;
  readonly scale: Tensor;
  readonly zeroPoint: Tensor | null;
  /** Per-axis parameters: the axis (normalized); per tensor: -1. */
  readonly axis: number;
}

export class Value {
  readonly id: number;
  /** Name in the model (untrusted text). */
  name: string;
  dtype: DType;
  shape: number[];
  producer: Node | null = null;
  /** Constant data: an initializer, a Constant node, or a folded value. */
  constant: Tensor | null;
  /** Set on a constant folded from a DequantizeLinear of constants: its quantized source. */
  dequantized: DequantizedConstant | null = null;

  constructor(id: number, name: string, dtype: DType, shape: readonly number[], constant: Tensor | null = null) {
    this.id = id;
    this.name = name;
    this.dtype = dtype;
    this.shape = [...shape];
    this.constant = constant;
  }

  get isConstant(): boolean {
    return this.constant !== null;
  }
}

/**
 * A node of the model as imported: what a node made by the passes is traced back to
 * (provenance, listed in kernel headers and manifest.json).
 */
export interface Origin {
  /** Name in the model (untrusted text); may be empty. */
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** Creation order in its graph, so origins list in model order. */
  readonly order: number;
}

export class Node {
  readonly id: number;
  /** Name in the model (untrusted text); may be empty. */
  name: string;
  opType: string;
  domain: string;
  attrs: Attrs;
  /** `null` marks an omitted optional input (an empty name in ONNX). */
  inputs: (Value | null)[];
  outputs: Value[];
  /**
   * The imported nodes this node stands for, in model order: itself for a node of the model,
   * and for a node a pass made, every original node it replaced or absorbed (transitively: a
   * node made from yhc nodes inherits theirs). Empty for a yhc node that replaces none (the
   * NMS that --decode appends).
   */
  origins: readonly Origin[] = [];

  constructor(id: number, opType: string, domain: string, name: string, attrs: Attrs, inputs: (Value | null)[]) {
    this.id = id;
    this.opType = opType;
    this.domain = domain;
    this.name = name;
    this.attrs = attrs;
    this.inputs = inputs;
    this.outputs = [];
  }

  /** Input `i`, which the op requires. */
  input(i: number): Value {
    const v = this.inputs[i];
    if (!v) throw new YhcError('ONNX_INVALID', `${describeNode(this)} is missing required input ${i}`);
    return v;
  }

  /** Constant data of input `i`, or an error saying the op needs it constant. */
  constantInput(i: number): Tensor {
    const v = this.input(i);
    if (!v.constant) {
      throw new YhcError('DYNAMIC_SHAPE', `${describeNode(this)}: input ${i} (${q(v.name)}) must be a constant or computable at compile time`);
    }
    return v.constant;
  }
}

/** The origins of `nodes` together, each once, in model order. */
export function originsOf(nodes: readonly Node[]): Origin[] {
  const all = new Set<Origin>();
  for (const n of nodes) for (const o of n.origins) all.add(o);
  return [...all].sort((a, b) => a.order - b.order);
}

/** `node "name" (OpType)` for messages; the name is quoted and escaped. */
export function describeNode(node: Pick<Node, 'name' | 'opType' | 'domain'>): string {
  const op = node.domain && node.domain !== ONNX_DOMAIN ? `${node.domain}.${node.opType}` : node.opType;
  return node.name ? `node ${q(node.name)} (${op})` : `unnamed ${op} node`;
}

export class Graph {
  name: string;
  /** Imported opset per domain ('' is ai.onnx). */
  readonly opsetImports: Map<string, number>;
  inputs: Value[] = [];
  outputs: Value[] = [];
  /** Topologically ordered. */
  nodes: Node[] = [];
  /** The model's metadata_props (untrusted text; manifest.json only, never generated code). */
  metadataProps: ReadonlyMap<string, string> = new Map();
  /** Set when `--batch N` re-batched a static export (src/onnx/rebatch.ts): the batch it was exported with. */
  staticBatch: number | null = null;
  private nextId = 0;

  constructor(name: string, opsetImports: Map<string, number>) {
    this.name = name;
    this.opsetImports = opsetImports;
  }

  opset(domain: string): number {
    const v = this.opsetImports.get(domain === 'ai.onnx' ? ONNX_DOMAIN : domain);
    if (v === undefined) throw new YhcError('UNSUPPORTED_OPSET', `the model does not import domain ${q(domain || 'ai.onnx')}`);
    return v;
  }

  newValue(name: string, dtype: DType, shape: readonly number[]): Value {
    return new Value(this.nextId++, name, dtype, shape);
  }

  newConstant(name: string, tensor: Tensor): Value {
    return new Value(this.nextId++, name, tensor.dtype, tensor.shape, tensor);
  }

  /**
   * Create a node (not yet placed in `nodes`); the caller types and attaches its outputs.
   * `replaces`: the nodes it takes the place of, whose origins it inherits (provenance). Without
   * it the node is an original of the model (its own origin), unless it is a yhc op: yhc made
   * it, and it replaces nothing.
   */
  newNode(opType: string, domain: string, name: string, attrs: Attrs, inputs: (Value | null)[], replaces?: readonly Node[]): Node {
    const node = new Node(this.nextId++, opType, domain, name, attrs, inputs);
    if (replaces) node.origins = originsOf(replaces);
    else if (domain !== YHC_DOMAIN) node.origins = [{ name, opType, domain, order: node.id }];
    return node;
  }

  /** Attach typed output values to a node and append it to the node list. */
  appendNode(node: Node, outputs: readonly Value[]): Node {
    node.outputs = [...outputs];
    for (const v of outputs) v.producer = node;
    this.nodes.push(node);
    return node;
  }

  /** Map from each value to the nodes that read it (in node order; a node appears once per use). */
  consumers(): Map<Value, Node[]> {
    const m = new Map<Value, Node[]>();
    for (const n of this.nodes) {
      for (const v of n.inputs) {
        if (!v) continue;
        const list = m.get(v);
        if (list) list.push(n);
        else m.set(v, [n]);
      }
    }
    return m;
  }

  /** Every value the graph reaches: inputs, constants read by nodes, node outputs, graph outputs. */
  values(): Value[] {
    const seen = new Set<Value>(this.inputs);
    for (const n of this.nodes) {
      for (const v of n.inputs) if (v) seen.add(v);
      for (const v of n.outputs) seen.add(v);
    }
    for (const v of this.outputs) seen.add(v);
    return [...seen];
  }

  /** Replace every read of `from` (node inputs and graph outputs) by `to`. */
  replaceAllUses(from: Value, to: Value): void {
    for (const n of this.nodes) {
      for (let i = 0; i < n.inputs.length; i++) if (n.inputs[i] === from) n.inputs[i] = to;
    }
    for (let i = 0; i < this.outputs.length; i++) if (this.outputs[i] === from) this.outputs[i] = to;
  }

  /** Drop nodes none of whose outputs reach a graph output. */
  removeDeadNodes(): number {
    const live = new Set<Value>(this.outputs);
    const keep: Node[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i]!;
      if (n.outputs.some((v) => live.has(v))) {
        keep.push(n);
        for (const v of n.inputs) if (v) live.add(v);
      }
    }
    const removed = this.nodes.length - keep.length;
    this.nodes = keep.reverse();
    return removed;
  }

  /** Re-establish topological order (after passes insert nodes); throws GRAPH_CYCLE. */
  toposort(): void {
    this.nodes = topologicalOrder(this.nodes);
  }
}

/** Kahn's algorithm, stable with respect to the given order. */
export function topologicalOrder(nodes: readonly Node[]): Node[] {
  const producerOf = new Map<Value, Node>();
  for (const n of nodes) for (const v of n.outputs) producerOf.set(v, n);
  const pending = new Map<Node, number>();
  const readers = new Map<Node, Node[]>();
  for (const n of nodes) {
    const deps = new Set<Node>();
    for (const v of n.inputs) {
      const p = v ? producerOf.get(v) : undefined;
      if (p && p !== n) deps.add(p);
      else if (p === n) throw cycleError([n]);
    }
    pending.set(n, deps.size);
    for (const d of deps) {
      const r = readers.get(d);
      if (r) r.push(n);
      else readers.set(d, [n]);
    }
  }
  const order: Node[] = [];
  const ready = nodes.filter((n) => pending.get(n) === 0);
  const index = new Map(nodes.map((n, i) => [n, i]));
  while (ready.length > 0) {
    // Keep the original relative order among ready nodes.
    ready.sort((a, b) => index.get(a)! - index.get(b)!);
    const n = ready.shift()!;
    order.push(n);
    for (const r of readers.get(n) ?? []) {
      const left = pending.get(r)! - 1;
      pending.set(r, left);
      if (left === 0) ready.push(r);
    }
  }
  if (order.length !== nodes.length) {
    throw cycleError(nodes.filter((n) => pending.get(n)! > 0));
  }
  return order;
}

function cycleError(stuck: readonly Node[]): YhcError {
  const names = stuck.slice(0, 5).map(describeNode).join(', ');
  return new YhcError('GRAPH_CYCLE', `the graph has a cycle through ${names}${stuck.length > 5 ? ', …' : ''}`);
}
