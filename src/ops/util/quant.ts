import type { DType } from '../../dtype.js';
import type { Node } from '../../ir/graph.js';
import type { Tensor } from '../../tensor.js';
import { numel } from '../../tensor.js';
import { normalizeAxis } from './axes.js';
import { dtypeError, shapeError, shapeStr, valueLabel } from './errors.js';
import { YhcError } from '../../errors.js';
import { describeNode } from '../../ir/graph.js';

/**
 * What the quantization ops share: the integer ranges, round half to even, and how a scale /
 * zero point tensor maps onto the quantized tensor (per tensor, per axis, or in blocks along
 * one axis), with the checks that make a bad parameter a one-line error naming the node.
 */

/** [min, max] of the integer types a quantized tensor may have. int4 and the float8 types are not DTypes. */
export const QUANT_RANGE: Partial<Record<DType, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
};

/** The types QuantizeLinear may produce (and DequantizeLinear read, with int32 for biases). */
export const QUANT_TYPES: readonly DType[] = ['int8', 'uint8', 'int16', 'uint16'];

/** Round half to even, as std::nearbyint in the default rounding mode (and numpy's rint). */
export function rint(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** rint(v) + zp clamped into [lo, hi]; NaN gives the zero point. */
export function saturate(v: number, zp: number, lo: number, hi: number): number {
  if (v !== v) return Math.min(hi, Math.max(lo, zp));
  const q = rint(v) + zp;
  return q < lo ? lo : q > hi ? hi : q;
}

/** How the parameters of a quantized tensor index its elements. */
export interface QuantLayout {
  readonly kind: 'tensor' | 'axis' | 'blocked';
  readonly axis: number;
  readonly block: number;
}

/**
 * The layout the scale's shape and the attributes say, checked against the quantized tensor's
 * shape `x`: a scalar (or one-element 1-D) scale is per tensor; a 1-D scale of x.shape[axis]
 * values per axis; with block_size > 0 the scale has x's rank and ceil(dim / block_size) along
 * the axis. The zero point, where given, must have the scale's shape.
 */
export function quantLayout(
  node: Node,
  x: readonly number[],
  scale: readonly number[],
  zp: readonly number[] | null,
  axisAttr: number,
  block: number,
): QuantLayout {
  const oneValue = (s: readonly number[]) => s.length <= 1 && numel(s) === 1;
  if (zp && shapeStr(zp) !== shapeStr(scale) && !(oneValue(zp) && oneValue(scale))) {
    throw shapeError(node, `zero point shape ${shapeStr(zp)} does not match scale shape ${shapeStr(scale)}`);
  }
  if (block < 0) throw shapeError(node, `block_size ${block} is negative`);
  if (block === 0 && scale.length <= 1 && numel(scale) === 1) return { kind: 'tensor', axis: 0, block: 0 };
  const axis = normalizeAxis(node, axisAttr, Math.max(1, x.length));
  const dim = x[axis] ?? 1;
  if (block === 0) {
    if (scale.length !== 1 || scale[0] !== dim) {
      throw shapeError(node, `per-axis scale has shape ${shapeStr(scale)}; axis ${axis} of ${shapeStr(x)} needs [${dim}]`);
    }
    return { kind: 'axis', axis, block: 0 };
  }
  const want = x.map((d, i) => (i === axis ? Math.ceil(d / block) : d));
  if (shapeStr(scale) !== shapeStr(want)) {
    throw shapeError(node, `blocked scale has shape ${shapeStr(scale)}; block_size ${block} along axis ${axis} of ${shapeStr(x)} needs ${shapeStr(want)}`);
  }
  return { kind: 'blocked', axis, block };
}

/** For each element of a tensor of `shape`, the index of its scale / zero point. */
export function paramIndex(shape: readonly number[], layout: QuantLayout): (e: number) => number {
  if (layout.kind === 'tensor') return () => 0;
  const dim = shape[layout.axis] ?? 1;
  let inner = 1;
  for (let i = layout.axis + 1; i < shape.length; i++) inner *= shape[i]!;
  if (layout.kind === 'axis') return (e) => Math.floor(e / inner) % dim;
  const nb = Math.ceil(dim / layout.block);
  return (e) => {
    const outer = Math.floor(e / (dim * inner));
    const c = Math.floor(e / inner) % dim;
    return (outer * nb + Math.floor(c / layout.block)) * inner + (e % inner);
  };
}

/** Every value of a scale must be a positive finite number; checked when the scale is a constant. */
export function checkScaleValues(node: Node, i: number, t: Tensor): void {
  for (const s of t.data) {
    if (!(s > 0) || !Number.isFinite(s)) {
      throw new YhcError('ONNX_INVALID', `${describeNode(node)}: scale ${valueLabel(node, i)} holds ${s}; a quantization scale must be positive and finite`);
    }
  }
}

/** Every value of a zero point must lie in its type's range (a proto's int32_data can hold any int). */
export function checkZeroPointValues(node: Node, i: number, t: Tensor): void {
  const r = QUANT_RANGE[t.dtype];
  if (!r) throw dtypeError(node, `zero point ${valueLabel(node, i)} has dtype ${t.dtype}; yhc supports ${Object.keys(QUANT_RANGE).join(', ')}`);
  for (const z of t.data) {
    if (!Number.isInteger(z) || z < r[0] || z > r[1]) {
      throw new YhcError('ONNX_INVALID', `${describeNode(node)}: zero point ${valueLabel(node, i)} holds ${z}, outside ${t.dtype}'s range [${r[0]}, ${r[1]}]`);
    }
  }
}

/** Check input i (a scale or zero point) where the model gives it as a constant. */
export function checkConstantParam(node: Node, i: number, kind: 'scale' | 'zero point'): void {
  const v = node.inputs[i];
  if (!v?.constant) return;
  if (kind === 'scale') checkScaleValues(node, i, v.constant);
  else checkZeroPointValues(node, i, v.constant);
}
