import type { DType } from '../dtype.js';
import type { Node } from '../ir/graph.js';
import { numel, Tensor } from '../tensor.js';
import { Conv, convShape, convolve } from './conv.js';
import { matmulShape, matmulTensors, MatMul } from './matmul_gemm.js';
import type { OpDef, OutputType } from './op.js';
import { checkNode, hasInput, requireDType, requiredTensor } from './util/checks.js';
import { dtypeError, shapeError, shapeStr, valueLabel } from './util/errors.js';
import { checkConstantParam, paramIndex, type QuantLayout } from './util/quant.js';
import { roundInPlace } from './util/round.js';

/**
 * ConvInteger and MatMulInteger: int8/uint8 operands minus their zero points, multiplied and
 * accumulated exactly (float64 holds every int32 sum), the result wrapped into int32. Zero points:
 * ConvInteger's x_zero_point per tensor, w_zero_point per tensor or per output channel [M];
 * MatMulInteger's a_zero_point per tensor or per row of A [M], b_zero_point per tensor or per
 * column of B [N]. Padding reads the input's zero point (contributes 0), as onnxruntime pads.
 */

export const INT8_TYPES: readonly DType[] = ['int8', 'uint8'];

/**
 * The layout of zero point input `zi` of the tensor at input `ti`: scalar or one-element per
 * tensor, else 1-D along `axis` (negative counts from the end). Throws SHAPE naming the node.
 */
export function zeroPointLayout(
  node: Node,
  ti: number,
  zi: number,
  shape: readonly number[],
  zpShape: readonly number[],
  axis: number,
  what: string,
): QuantLayout {
  if (numel(zpShape) === 1 && zpShape.length <= 1) return { kind: 'tensor', axis: 0, block: 0 };
  const a = axis < 0 ? shape.length + axis : axis;
  if (zpShape.length !== 1 || a < 0 || zpShape[0] !== shape[a]) {
    throw shapeError(
      node,
      `${valueLabel(node, zi)} has shape ${shapeStr(zpShape)}; per-${what} zero points of ${valueLabel(node, ti)} ${shapeStr(shape)} need [${shape[a] ?? '?'}]`,
    );
  }
  return { kind: 'axis', axis: a, block: 0 };
}

/** A zero point's type must be its operand's type. */
export function checkZeroPointType(node: Node, ti: number, zi: number): void {
  if (!hasInput(node, zi)) return;
  const t = node.input(ti).dtype;
  const z = node.input(zi).dtype;
  if (z !== t) throw dtypeError(node, `${valueLabel(node, zi)} has dtype ${z} but ${valueLabel(node, ti)} is ${t}`);
  checkConstantParam(node, zi, 'zero point');
}

/** x − zp as exact float64 values. */
export function centered(x: Tensor, zp: Tensor | null, layout: QuantLayout): Tensor {
  const out = new Float64Array(x.size);
  if (!zp) {
    out.set(x.data);
  } else {
    const idx = paramIndex(x.shape, layout);
    for (let e = 0; e < x.size; e++) out[e] = x.data[e]! - zp.data[idx(e)]!;
  }
  return new Tensor('float64', x.shape, out);
}

function toInt32(t: Tensor): Tensor {
  const data = new Float64Array(t.data);
  roundInPlace(data, 'int32');
  return new Tensor('int32', t.shape, data);
}

/** Input positions of the operands and their zero points (ConvInteger's; QLinearConv's differ). */
export interface IntegerOperands {
  readonly x: number;
  readonly w: number;
  readonly xz: number;
  readonly wz: number;
}
const CONV_INTEGER: IntegerOperands = { x: 0, w: 1, xz: 2, wz: 3 };

/** ConvInteger's exact accumulation (also QLinearConv's): x, w, zero points as given. */
export function convIntegerAcc(node: Node, x: Tensor, w: Tensor, xzp: Tensor | null, wzp: Tensor | null, at: IntegerOperands = CONV_INTEGER): Tensor {
  const s = convShape(node, x.shape, w.shape, null);
  const xl = xzp ? zeroPointLayout(node, at.x, at.xz, x.shape, xzp.shape, 1, 'tensor') : null;
  if (xl && xl.kind !== 'tensor') throw shapeError(node, `the input's zero point must be a scalar, got ${shapeStr(xzp!.shape)}`);
  const wl = wzp ? zeroPointLayout(node, at.w, at.wz, w.shape, wzp.shape, 0, 'output-channel') : null;
  return convolve(centered(x, xzp, xl!), centered(w, wzp, wl!), null, s);
}

export const ConvInteger: OpDef = {
  opType: 'ConvInteger',
  domain: '',
  attributes: Conv.attributes,
  inputs: [2, 4],
  outputs: [1, 1],
  infer(node): OutputType[] {
    checkNode(node, ConvInteger);
    requireDType(node, 0, INT8_TYPES);
    requireDType(node, 1, INT8_TYPES);
    checkZeroPointType(node, 0, 2);
    checkZeroPointType(node, 1, 3);
    const x = node.input(0).shape;
    const w = node.input(1).shape;
    if (hasInput(node, 2)) zeroPointLayout(node, 0, 2, x, node.input(2).shape, 1, 'tensor');
    if (hasInput(node, 2) && numel(node.input(2).shape) !== 1) throw shapeError(node, `the input's zero point must be a scalar`);
    if (hasInput(node, 3)) zeroPointLayout(node, 1, 3, w, node.input(3).shape, 0, 'output-channel');
    return [{ dtype: 'int32', shape: convShape(node, x, w, null).outShape }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const w = requiredTensor(node, inputs, 1);
    return [toInt32(convIntegerAcc(node, x, w, inputs[2] ?? null, inputs[3] ?? null))];
  },
  flops: (node) => Conv.flops!(node),
};

/** MatMulInteger's exact product (also QLinearMatMul's). */
export function matmulIntegerAcc(node: Node, a: Tensor, b: Tensor, azp: Tensor | null, bzp: Tensor | null, at: IntegerOperands = CONV_INTEGER): Tensor {
  const al = azp ? zeroPointLayout(node, at.x, at.xz, a.shape, azp.shape, -2, 'row') : null;
  const bl = bzp ? zeroPointLayout(node, at.w, at.wz, b.shape, bzp.shape, -1, 'column') : null;
  return matmulTensors(node, centered(a, azp, al!), centered(b, bzp, bl!));
}

export const MatMulInteger: OpDef = {
  opType: 'MatMulInteger',
  domain: '',
  attributes: [],
  inputs: [2, 4],
  outputs: [1, 1],
  infer(node): OutputType[] {
    checkNode(node, MatMulInteger);
    requireDType(node, 0, INT8_TYPES);
    requireDType(node, 1, INT8_TYPES);
    checkZeroPointType(node, 0, 2);
    checkZeroPointType(node, 1, 3);
    const a = node.input(0).shape;
    const b = node.input(1).shape;
    if (hasInput(node, 2)) zeroPointLayout(node, 0, 2, a, node.input(2).shape, -2, 'row');
    if (hasInput(node, 3)) zeroPointLayout(node, 1, 3, b, node.input(3).shape, -1, 'column');
    return [{ dtype: 'int32', shape: matmulShape(node, a, b).outShape }];
  },
  evaluate(node, inputs) {
    const a = requiredTensor(node, inputs, 0);
    const b = requiredTensor(node, inputs, 1);
    return [toInt32(matmulIntegerAcc(node, a, b, inputs[2] ?? null, inputs[3] ?? null))];
  },
  flops: (node) => MatMul.flops!(node),
};
