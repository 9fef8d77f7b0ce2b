import { roundToHalf } from '../src/dtype.js';
import { YhcError } from '../src/errors.js';
import { ONNX_DOMAIN, YHC_DOMAIN, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { isYhcOp } from '../src/ir/rewrite.js';
import { movesDataOnly } from '../src/ops/index.js';
import { RESIDUAL } from '../src/ops/yhc/conv.js';
import { DW, PW } from '../src/ops/yhc/dwpw.js';
import { Tensor } from '../src/tensor.js';

/**
 * Storage precision. `--precision fp16` stores activations and weights in half; every kernel
 * still computes in float32 (conversion on load and store, fp32 accumulators), and statistics,
 * normalization parameters, attention's scores and the decoder's intermediates stay float32.
 * This step only decides which tensors are half — by rewriting their dtype in the optimized graph
 * before planning, so the plan, the launchers and weights.bin follow from the dtypes alone:
 *
 *   - storage classes: an op whose kernel has one element type for its float tensors (views and
 *     rearrangements — Reshape, Transpose, Concat, Split, Slice — and MaxPool, Resize, MatMul)
 *     puts its float inputs and outputs in one class; every other tensor is a class of its own.
 *     A class is half or float32 as a whole, so a Concat's parts share its buffer's type;
 *   - a class is stored in half when none of its tensors is a constant, a graph input or a graph
 *     output, every producer is a same-type op or a kernel that stores half (the convs, DwPw,
 *     SimAM, the fused Attention, a residual Add of two activations), and every reader is a same-type op or a kernel
 *     that reads half there (those, in their activation slots, and YoloDecode). Anything read by
 *     a float-only kernel (Softmax, Sigmoid, Mul by a constant: attention, the decoder) keeps
 *     its whole class float32;
 *   - YoloDecode's level table has one element type: all of its inputs in half, or none;
 *   - the half-storing nodes' conv weights and biases become float16 constants (rounded to
 *     nearest even).
 *
 * int8/uint8 tensors (a QDQ model's activations after recognize-qdq, 1 byte each) are not float
 * storage: this step leaves them as they are, in fp16 as in fp32.
 *
 * The engine's inputs and outputs stay float32. How far fp16 storage moves a model's outputs,
 * and the tolerance that follows: docs/golden_rules.md.
 */

export type Precision = 'fp32' | 'fp16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16'];

export function parsePrecision(text: string): Precision {
  if ((PRECISIONS as readonly string[]).includes(text)) return text as Precision;
  throw new YhcError('USAGE', `--precision must be fp32 or fp16, got ${JSON.stringify(text)}`);
}

export interface PrecisionReport {
  readonly precision: Precision;
  /** Activations stored in half. */
  readonly halfActivations: number;
  /** Weight tensors stored in half. */
  readonly halfWeights: number;
}

const isConv = (n: Node) => n.opType === 'Conv' && (n.domain === YHC_DOMAIN || n.domain === ONNX_DOMAIN);

/** A residual Add: two activations (no constant operand), float math on float or half storage. */
const isResidualAdd = (n: Node) => n.opType === 'Add' && n.domain === ONNX_DOMAIN && n.inputs.length === 2 && n.inputs.every((v) => v !== null && !v.constant);

const isDecoder = (n: Node) => n.domain === YHC_DOMAIN && n.opType === 'YoloDecode';

/** Ops whose kernel has one element type for all of its float tensors. */
const SAME_TYPE_OPS = new Set(['MaxPool', 'Resize', 'MatMul']);
const isSameType = (n: Node) => movesDataOnly(n) || (n.domain === ONNX_DOMAIN && SAME_TYPE_OPS.has(n.opType));

/** The input slots a half-storing node reads activations from (none: it stores no half). */
function activationSlots(n: Node): readonly number[] {
  // A conv's residual (fuse-residual's fourth input) is read like its activation, in the template's Residual type.
  if (isConv(n)) return n.inputs.length > RESIDUAL ? [0, RESIDUAL] : [0];
  if (isYhcOp(n, 'SimAM') || isYhcOp(n, 'Attention')) return [0];
  // An int8 conv quantizes its float input on load and dequantizes on store (codegen/kernels/qconv.ts); its bias stays float32.
  if (isYhcOp(n, 'QConv')) return [0];
  if (isYhcOp(n, 'DwPw')) return [DW.x];
  if (isResidualAdd(n)) return [0, 1];
  return [];
}

/** The weight slots a half-storing node reads in half (weights and biases, kept together). */
function weightSlots(n: Node): readonly number[] {
  if (isConv(n)) return [1, 2];
  if (isYhcOp(n, 'DwPw')) return [DW.weight, DW.bias, PW.weight, PW.bias];
  return [];
}

/** Storage classes: the float data tensors of one same-type op (not Resize's scales, Split's sizes, ...) share a class (union-find). */
function storageClasses(graph: Graph): (v: Value) => Value {
  const parent = new Map<Value, Value>();
  const find = (v: Value): Value => {
    let r = v;
    while (parent.has(r)) r = parent.get(r)!;
    if (r !== v) parent.set(v, r);
    return r;
  };
  for (const n of graph.nodes) {
    if (!isSameType(n)) continue;
    const data = n.opType === 'Concat' ? n.inputs : n.inputs.slice(0, n.opType === 'MatMul' ? 2 : 1);
    const floats = [...data, ...n.outputs].filter((v): v is Value => v !== null && v.dtype === 'float32');
    for (const v of floats.slice(1)) {
      const [a, b] = [find(floats[0]!), find(v)];
      if (a !== b) parent.set(b, a);
    }
  }
  return find;
}

export function applyPrecision(graph: Graph, precision: Precision): PrecisionReport {
  if (precision === 'fp32') return { precision, halfActivations: 0, halfWeights: 0 };
  const readers = graph.consumers();
  const boundary = new Set<Value>([...graph.inputs, ...graph.outputs]);
  const classOf = storageClasses(graph);
  const storesHalf = (n: Node) => activationSlots(n).length > 0;
  const producesHalf = (n: Node | null) => n !== null && (isSameType(n) || storesHalf(n));
  // Every slot in which `n` reads `v` takes half there.
  const readsHalf = (n: Node, v: Value): boolean => {
    if (isSameType(n) || isDecoder(n)) return true;
    const slots = activationSlots(n);
    return n.inputs.every((input, i) => input !== v || slots.includes(i));
  };

  const members = new Map<Value, Value[]>();
  for (const v of graph.values()) {
    if (v.dtype !== 'float32') continue;
    const c = classOf(v);
    members.set(c, [...(members.get(c) ?? []), v]);
  }
  const halfClasses = new Set<Value>();
  for (const [c, vs] of members) {
    const ok = vs.every((v) => !v.constant && !boundary.has(v) && producesHalf(v.producer) && (readers.get(v) ?? []).every((n) => readsHalf(n, v)));
    // A class nobody reads and nothing half produces (a dead same-type chain) gains nothing.
    if (ok && vs.some((v) => storesHalf(v.producer!))) halfClasses.add(c);
  }
  // The decoder's level table has one element type: all of its inputs in half, or none.
  for (let changed = true; changed;) {
    changed = false;
    for (const n of graph.nodes) {
      if (!isDecoder(n)) continue;
      const levels = n.inputs.filter((v): v is Value => v !== null).map(classOf);
      if (levels.some((c) => !halfClasses.has(c)) && levels.some((c) => halfClasses.delete(c))) changed = true;
    }
  }
  let halfActivations = 0;
  for (const [c, vs] of members) {
    if (!halfClasses.has(c)) continue;
    for (const v of vs) v.dtype = 'float16';
    halfActivations += vs.length;
  }

  // Weights: one float16 copy per float32 constant, shared by every reader that had it.
  const halfCopies = new Map<Value, Value>();
  for (const n of graph.nodes) {
    for (const slot of weightSlots(n)) {
      const w = n.inputs[slot];
      if (!w?.constant || w.dtype !== 'float32') continue;
      let copy = halfCopies.get(w);
      if (!copy) {
        copy = graph.newConstant(w.name, new Tensor('float16', w.shape, w.constant.data.map(roundToHalf) as Float32Array));
        halfCopies.set(w, copy);
      }
      n.inputs[slot] = copy;
    }
  }
  return { precision, halfActivations, halfWeights: halfCopies.size };
}
