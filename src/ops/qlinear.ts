import type { DType } from '../dtype.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, Tensor } from '../tensor.js';
import { Conv, convShape } from './conv.js';
import { checkZeroPointType, convIntegerAcc, INT8_TYPES, matmulIntegerAcc, zeroPointLayout, type IntegerOperands } from './integer_ops.js';
import { matmulShape, MatMul } from './matmul_gemm.js';
import type { OpDef, OutputType } from './op.js';
import { checkNode, FLOAT_TYPES, hasInput, requireDType, requiredTensor } from './util/checks.js';
import { dtypeError, shapeError, shapeStr, valueLabel } from './util/errors.js';
import { checkConstantParam, paramIndex, QUANT_RANGE, saturate } from './util/quant.js';

/**
 * QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?) and QLinearMatMul(a,
 * a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp): the integer product of the operands minus
 * their zero points (plus the int32 bias B), accumulated exactly in int32, then requantized as
 * onnxruntime does: the multiplier x_scale · w_scale / y_scale in float32 (per output channel
 * / column where w_scale is), the accumulator converted to float32 and multiplied, rounded half
 * to even, plus y_zp, saturated into y_zp's type.
 */

const AT: IntegerOperands = { x: 0, w: 3, xz: 2, wz: 5 };

function scalarScale(node: Node, i: number): void {
  requireDType(node, i, FLOAT_TYPES);
  if (numel(node.input(i).shape) !== 1) throw shapeError(node, `${valueLabel(node, i)} must be a scalar, got ${shapeStr(node.input(i).shape)}`);
  checkConstantParam(node, i, 'scale');
}

/** The checks both ops share: int8/uint8 operands, zero points of their types, positive scales. */
function checkQLinear(node: Node, wAxis: number, what: string): DType {
  requireDType(node, 0, INT8_TYPES);
  requireDType(node, 3, INT8_TYPES);
  const out = requireDType(node, 7, INT8_TYPES);
  checkZeroPointType(node, 0, 2);
  checkZeroPointType(node, 3, 5);
  checkConstantParam(node, 7, 'zero point');
  scalarScale(node, 1);
  scalarScale(node, 6);
  if (numel(node.input(2).shape) !== 1) throw shapeError(node, `${valueLabel(node, 2)} must be a scalar`);
  if (numel(node.input(7).shape) !== 1) throw shapeError(node, `${valueLabel(node, 7)} must be a scalar`);
  requireDType(node, 4, FLOAT_TYPES);
  const w = node.input(3).shape;
  const ws = node.input(4).shape;
  zeroPointLayout(node, 3, 4, w, ws, wAxis, what);
  zeroPointLayout(node, 3, 5, w, node.input(5).shape, wAxis, what);
  checkConstantParam(node, 4, 'scale');
  return out;
}

/** Requantize int32 accumulators (bias included) channel by channel along `axis` of `shape`. */
function requantize(acc: Tensor, xs: Tensor, ws: Tensor, ys: Tensor, yzp: Tensor, axis: number): Tensor {
  const to = yzp.dtype;
  const [lo, hi] = QUANT_RANGE[to]!;
  const wl = numel(ws.shape) === 1 ? ({ kind: 'tensor', axis: 0, block: 0 } as const) : ({ kind: 'axis', axis, block: 0 } as const);
  const idx = paramIndex(acc.shape, wl);
  const x = xs.data[0]!;
  const y = ys.data[0]!;
  const mult = Array.from(ws.data, (w) => Math.fround(Math.fround(x * w) / y));
  const z = yzp.data[0]!;
  const out = storageFor(to, acc.size);
  for (let e = 0; e < acc.size; e++) out[e] = saturate(Math.fround(Math.fround(acc.data[e]!) * mult[idx(e)]!), z, lo, hi);
  return new Tensor(to, acc.shape, out);
}

export const QLinearConv: OpDef = {
  opType: 'QLinearConv',
  domain: '',
  attributes: Conv.attributes,
  inputs: [8, 9],
  outputs: [1, 1],
  infer(node): OutputType[] {
    checkNode(node, QLinearConv);
    const to = checkQLinear(node, 0, 'output-channel');
    const x = node.input(0).shape;
    const w = node.input(3).shape;
    if (hasInput(node, 8)) {
      if (node.input(8).dtype !== 'int32') throw dtypeError(node, `${valueLabel(node, 8)} has dtype ${node.input(8).dtype}; the bias of QLinearConv is int32`);
    }
    const s = convShape(node, x, w, hasInput(node, 8) ? node.input(8).shape : null);
    return [{ dtype: to, shape: s.outShape }];
  },
  evaluate(node, inputs) {
    const t = (i: number) => requiredTensor(node, inputs, i);
    const acc = convIntegerAcc(node, t(0), t(3), t(2), t(5), AT);
    const b = inputs[8];
    if (b) {
      const plane = numel(acc.shape.slice(2));
      const m = acc.shape[1]!;
      for (let e = 0; e < acc.size; e++) acc.data[e]! += b.data[Math.floor(e / plane) % m]!;
    }
    return [requantize(acc, t(1), t(4), t(6), t(7), 1)];
  },
  flops: (node) => Conv.flops!(node),
};

export const QLinearMatMul: OpDef = {
  opType: 'QLinearMatMul',
  domain: '',
  attributes: [],
  inputs: [8, 8],
  outputs: [1, 1],
  infer(node): OutputType[] {
    checkNode(node, QLinearMatMul);
    const to = checkQLinear(node, -1, 'column');
    return [{ dtype: to, shape: matmulShape(node, node.input(0).shape, node.input(3).shape).outShape }];
  },
  evaluate(node, inputs) {
    const t = (i: number) => requiredTensor(node, inputs, i);
    const acc = matmulIntegerAcc(node, t(0), t(3), t(2), t(5), AT);
    return [requantize(acc, t(1), t(4), t(6), t(7), acc.shape.length - 1)];
  },
  flops: (node) => MatMul.flops!(node),
};
