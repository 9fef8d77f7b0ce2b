import { expect } from 'vitest';
import type { DType } from '../../src/dtype.js';
import type { Attr, Graph, Node, Value } from '../../src/ir/graph.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { importModel } from '../../src/onnx/import.js';
import { decodeModel } from '../../src/onnx/load.js';
import { encodeModel, type ModelSpec, type NodeSpec, type TensorSpec, type ValueInfoSpec } from '../../src/onnx/write.js';
import type { Tensor } from '../../src/tensor.js';
import { seededGraphInputs } from '../../passes/verify.js';

/**
 * Pass tests in TVM's style: a small `before` graph built in code, the pass applied, an
 * `expected` graph built the same way, compared structurally — and numerically through the
 * interpreter. Graphs are built as ONNX, encoded and imported as a file would be, so every value
 * is typed by the ops' own shape inference; yhc ops are written with domain 'ai.yhc'. `spec()`
 * is the same model for onnxruntime.
 */
export class GraphBuilder {
  private readonly inputs: ValueInfoSpec[] = [];
  private readonly outputs: string[] = [];
  private readonly initializers: TensorSpec[] = [];
  private readonly nodes: NodeSpec[] = [];
  private next = 0;

  constructor(private readonly opset = 17) {}

  input(name: string, dtype: DType, dims: (number | string)[]): string {
    this.inputs.push({ name, dtype, dims });
    return name;
  }

  constant(tensor: Tensor, name = `c${this.next++}`): string {
    this.initializers.push({ name, tensor });
    return name;
  }

  /** One node; returns its output names (one per `outputs`). */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, options: { domain?: string; outputs?: number; name?: string } = {}): string[] {
    const outs = Array.from({ length: options.outputs ?? 1 }, () => `v${this.next++}`);
    this.nodes.push({ op, domain: options.domain ?? '', name: options.name ?? `${op.toLowerCase()}_${this.nodes.length}`, inputs, outputs: outs, attrs });
    return outs;
  }

  /** A single-output node. */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}, options: { domain?: string; name?: string } = {}): string {
    return this.node(op, inputs, attrs, options)[0]!;
  }

  output(name: string): void {
    this.outputs.push(name);
  }

  spec(): ModelSpec {
    const usesYhc = this.nodes.some((n) => n.domain === 'ai.yhc');
    return {
      opset: this.opset,
      ...(usesYhc ? { extraOpsets: { 'ai.yhc': 1 } } : {}),
      inputs: this.inputs,
      outputs: this.outputs.map((name) => ({ name })),
      initializers: this.initializers,
      nodes: this.nodes,
    };
  }

  /** The model, encoded and imported as a file would be (a symbolic batch bound to `batch`). */
  build(options: { batch?: number } = {}): Graph {
    return importModel(decodeModel(encodeModel(this.spec()), 'test'), { name: 'test', ...options });
  }
}

function describe(v: Value | null, pos: Map<Value, string>): string {
  if (!v) return '_';
  const p = pos.get(v);
  if (p) return p;
  if (v.constant) return `const ${v.dtype}[${v.shape.join(',')}]`;
  return `?${v.id}`;
}

/**
 * The same ops in the same order, wired the same way, with equal attributes and constants
 * (within `tol`). Value names are ignored, except that graph outputs must match by position.
 */
export function expectGraphsEqual(actual: Graph, expected: Graph, tol = 1e-5): void {
  const sig = (g: Graph) => g.nodes.map((n) => `${n.domain ? `${n.domain}.` : ''}${n.opType}`);
  expect(sig(actual)).toEqual(sig(expected));
  const posA = new Map<Value, string>();
  const posE = new Map<Value, string>();
  actual.inputs.forEach((v, i) => posA.set(v, `input ${i}`));
  expected.inputs.forEach((v, i) => posE.set(v, `input ${i}`));
  actual.nodes.forEach((n, i) => n.outputs.forEach((v, k) => posA.set(v, `node ${i} output ${k}`)));
  expected.nodes.forEach((n, i) => n.outputs.forEach((v, k) => posE.set(v, `node ${i} output ${k}`)));
  actual.nodes.forEach((a, i) => {
    const e = expected.nodes[i]!;
    const where = `node ${i} (${a.opType})`;
    expect(
      a.inputs.map((v) => describe(v, posA)),
      `${where} inputs`,
    ).toEqual(e.inputs.map((v) => describe(v, posE)));
    a.inputs.forEach((v, k) => {
      const w = e.inputs[k];
      if (v?.constant && w?.constant) expectTensorsClose(v.constant, w.constant, tol, `${where} input ${k}`);
    });
    expectAttrsEqual(a, e, tol, where);
  });
  expect(actual.outputs.map((v) => describe(v, posA))).toEqual(expected.outputs.map((v) => describe(v, posE)));
}

function expectAttrsEqual(a: Node, e: Node, tol: number, where: string): void {
  expect([...a.attrs.keys()].sort(), `${where} attribute names`).toEqual([...e.attrs.keys()].sort());
  for (const [k, av] of a.attrs) {
    const ev = e.attrs.get(k)!;
    if (av.type === 'tensor' && ev.type === 'tensor') expectTensorsClose(av.value, ev.value, tol, `${where} attribute ${k}`);
    else if (av.type === 'float' && ev.type === 'float')
      expect(Math.abs(av.value - ev.value), `${where} attribute ${k}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(ev.value)));
    else if (av.type === 'floats' && ev.type === 'floats')
      av.value.forEach((x, j) => expect(Math.abs(x - ev.value[j]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(ev.value[j]!))));
    else expect(av, `${where} attribute ${k}`).toEqual(ev);
  }
}

export function expectTensorsClose(a: Tensor, e: Tensor, tol: number, where: string): void {
  expect(a.dtype, where).toBe(e.dtype);
  expect([...a.shape], where).toEqual([...e.shape]);
  let scale = 1;
  for (const x of e.data) scale = Math.max(scale, Math.abs(x));
  for (let i = 0; i < e.data.length; i++) {
    const d = Math.abs(a.data[i]! - e.data[i]!);
    if (!(d <= tol * scale)) expect.fail(`${where}: element ${i} is ${a.data[i]}, expected ${e.data[i]}`);
  }
}

/** Both graphs compute the same outputs on seeded random inputs (interpreter, 1e-4 relative). */
export function expectSameOutputs(before: Graph, after: Graph, seed = 1): void {
  const inputs = seededGraphInputs(before, seed);
  const a = runGraph(before, inputs);
  const b = runGraph(after, inputs);
  before.outputs.forEach((v, i) => expectTensorsClose(b[after.outputs[i]!.name]!, a[v.name]!, 1e-4, `output ${JSON.stringify(v.name)}`));
}
