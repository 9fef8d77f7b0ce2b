import { expect } from 'vitest';
import type { DType } from '../../src/dtype.js';
import { isYhcError, type YhcErrorCode } from '../../src/errors.js';
import { Graph, type Attr, type Attrs, type Node } from '../../src/ir/graph.js';
import { lookupOp } from '../../src/ops/index.js';
import type { OpDef, OutputType } from '../../src/ops/op.js';
import { Tensor } from '../../src/tensor.js';

/**
 * Helpers for data-driven op tests (in the style of onnxruntime-web's op tests): build a
 * one-node graph, run the op's infer and evaluate, compare with expected outputs.
 */

export { float, ints } from '../helpers/attrs.js';
export { f32 } from '../helpers/tensors.js';

export type AttrValue = number | string | readonly number[] | Tensor | Attr;

export function toAttrs(attrs: Record<string, AttrValue> = {}): Attrs {
  const m: Attrs = new Map();
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'number') m.set(k, Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float', value: v });
    else if (typeof v === 'string') m.set(k, { type: 'string', value: v });
    else if (v instanceof Tensor) m.set(k, { type: 'tensor', value: v });
    else if (Array.isArray(v)) {
      const arr = v as readonly number[];
      m.set(k, arr.every(Number.isInteger) ? { type: 'ints', value: arr } : { type: 'floats', value: arr });
    } else m.set(k, v as Attr);
  }
  return m;
}

/** A tensor input; `dynamic: true` makes it a non-constant graph value (data still used by evaluate). */
export interface InputSpec {
  readonly tensor: Tensor;
  readonly dynamic?: boolean;
}

/** An input: a Tensor (constant), {tensor, dynamic}, a bare type (non-constant, no data), or null (omitted). */
export type InputArg = Tensor | InputSpec | { dtype: DType; shape: readonly number[] } | null;

export interface NodeOptions {
  readonly opset?: number;
  readonly outputs?: number;
  readonly name?: string;
  /** Make every tensor input a non-constant value (data is still passed to evaluate). */
  readonly dynamic?: boolean;
}

export interface BuiltNode {
  readonly graph: Graph;
  readonly node: Node;
  readonly def: OpDef;
  readonly opset: number;
  readonly tensors: (Tensor | null)[];
}

export function t(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Tensor {
  return Tensor.from(dtype, shape, values);
}

export function i64(shape: readonly number[], values: ArrayLike<number>): Tensor {
  // Keep INT64 sentinels (±2^63) as stored by the importer: no wrapping.
  return new Tensor('int64', shape, Float64Array.from(values as ArrayLike<number>));
}

export function makeNode(opType: string, inputs: readonly InputArg[], attrs: Record<string, AttrValue> = {}, opts: NodeOptions = {}): BuiltNode {
  const opset = opts.opset ?? 17;
  const graph = new Graph('t', new Map([['', opset]]));
  const def = lookupOp(opType, '');
  if (!def) throw new Error(`no OpDef for ${opType}`);
  const tensors: (Tensor | null)[] = [];
  const values = inputs.map((arg, i) => {
    if (arg === null) {
      tensors.push(null);
      return null;
    }
    if (arg instanceof Tensor) {
      tensors.push(arg);
      return opts.dynamic ? graph.newValue(`in${i}`, arg.dtype, arg.shape) : graph.newConstant(`in${i}`, arg);
    }
    if ('tensor' in arg) {
      tensors.push(arg.tensor);
      return arg.dynamic || opts.dynamic ? graph.newValue(`in${i}`, arg.tensor.dtype, arg.tensor.shape) : graph.newConstant(`in${i}`, arg.tensor);
    }
    tensors.push(null);
    return graph.newValue(`in${i}`, arg.dtype, arg.shape);
  });
  const node = graph.newNode(opType, '', opts.name ?? 'n', toAttrs(attrs), values);
  const outs = Array.from({ length: opts.outputs ?? 1 }, (_, i) => graph.newValue(`out${i}`, 'float32', []));
  graph.appendNode(node, outs);
  return { graph, node, def, opset, tensors };
}

/** Run infer, then evaluate; check evaluate's outputs agree with infer's types. */
export function runNode(b: BuiltNode): { types: OutputType[]; outputs: Tensor[] } {
  const types = b.def.infer(b.node, b.opset);
  types.forEach((ty, i) => {
    b.node.outputs[i]!.dtype = ty.dtype;
    b.node.outputs[i]!.shape = [...ty.shape];
  });
  const outputs = b.def.evaluate(b.node, b.tensors, b.opset);
  expect(outputs.length).toBe(types.length);
  outputs.forEach((o, i) => {
    expect(o.dtype, `output ${i} dtype`).toBe(types[i]!.dtype);
    expect([...o.shape], `output ${i} shape`).toEqual([...types[i]!.shape]);
  });
  return { types, outputs };
}

export function runOp(opType: string, inputs: readonly InputArg[], attrs: Record<string, AttrValue> = {}, opts: NodeOptions = {}): Tensor[] {
  return runNode(makeNode(opType, inputs, attrs, opts)).outputs;
}

/** Expect `fn` to throw a YhcError with `code` whose message matches `pattern` (and names the node). */
export function expectYhcError(fn: () => unknown, code: YhcErrorCode, pattern?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a YhcError').toBeDefined();
  if (!isYhcError(caught)) throw caught;
  expect(caught.code, caught.message).toBe(code);
  if (pattern) expect(caught.message).toMatch(pattern);
}

/** Run infer only, expecting an error. */
export function expectInferError(
  opType: string,
  inputs: readonly InputArg[],
  attrs: Record<string, AttrValue>,
  code: YhcErrorCode,
  pattern?: RegExp,
  opts: NodeOptions = {},
): void {
  const b = makeNode(opType, inputs, attrs, { name: 'bad_node', ...opts });
  expectYhcError(() => b.def.infer(b.node, b.opset), code, pattern ?? /bad_node/);
}

/** Elementwise closeness: |got − want| ≤ atol + rtol·|want|; NaN equals NaN; exact for ints. */
export function expectClose(got: Tensor, want: Tensor | { dtype: DType; shape: readonly number[]; data: ArrayLike<number> }, rtol = 1e-5, atol = 1e-6): void {
  expect(got.dtype).toBe(want.dtype);
  expect([...got.shape]).toEqual([...want.shape]);
  const g = got.data;
  const w = want.data;
  expect(g.length).toBe(w.length);
  const exact = !['float32', 'float16', 'bfloat16', 'float64'].includes(got.dtype);
  for (let i = 0; i < g.length; i++) {
    const a = g[i]!;
    const b = w[i]!;
    if (Number.isNaN(b)) {
      expect(Number.isNaN(a), `element ${i}: got ${a}, want NaN`).toBe(true);
      continue;
    }
    if (exact || !Number.isFinite(b)) {
      if (a !== b) expect(a, `element ${i}`).toBe(b);
      continue;
    }
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) {
      expect(a, `element ${i} (rtol ${rtol}, atol ${atol})`).toBe(b);
    }
  }
}

/** Deterministic pseudo-random values (mulberry32), for inputs that must not be zeros. */
export function randomValues(n: number, seed = 1, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = s;
    r = Math.imul(r ^ (r >>> 15), r | 1);
    r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
    const u = ((r ^ (r >>> 14)) >>> 0) / 4294967296;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}

export function randomTensor(shape: readonly number[], seed = 1, dtype: DType = 'float32'): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return Tensor.from(dtype, shape, randomValues(n, seed));
}

/** A case in a data-driven table. */
export interface OpCase {
  readonly name: string;
  readonly op?: string;
  readonly inputs: readonly InputArg[];
  readonly attrs?: Record<string, AttrValue>;
  readonly opset?: number;
  readonly outputs: readonly Tensor[];
  readonly rtol?: number;
  readonly atol?: number;
}

export function checkCase(op: string, c: OpCase): void {
  const got = runOp(c.op ?? op, c.inputs, c.attrs ?? {}, { opset: c.opset, outputs: c.outputs.length });
  expect(got.length).toBe(c.outputs.length);
  got.forEach((g, i) => expectClose(g, c.outputs[i]!, c.rtol, c.atol));
}
