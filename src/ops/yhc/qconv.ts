import { attrString } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';
import { numel, Tensor } from '../../tensor.js';
import { Conv as OnnxConv, convolve, convShape } from '../conv.js';
import { dynamicQuantParams } from '../dynamic_quantize.js';
import { convIntegerAcc, INT8_TYPES, zeroPointLayout } from '../integer_ops.js';
import type { OpDef, OutputType } from '../op.js';
import { dequantizeTensor, quantizeTensor } from '../quantize_linear.js';
import { checkNode, hasInput, requireDType, requiredTensor } from '../util/checks.js';
import { attributeError, dtypeError, shapeError, valueLabel } from '../util/errors.js';
import { checkConstantParam, type QuantLayout } from '../util/quant.js';
import { roundInPlace } from '../util/round.js';
import { activationOf, applyActivation } from './activation.js';

/**
 * ai.yhc.QConv: a convolution that runs on int8. Two modes, by the attribute `input_quant`:
 *
 *   inputs  0 X, 1 W (int8/uint8 [M, C/group, kh, kw]), 2 w_scale (float32 [M] or one value),
 *           3 w_zero_point (W's type, [M] or one value), 4 B? (float32 [M]),
 *           5 x_scale, 6 x_zero_point, 7 y_scale?, 8 y_zero_point?, 9 y_table?   (static only)
 *   attrs   ONNX Conv's, activation, input_quant = "dynamic_uint8" | "static"
 *
 * "dynamic_uint8" — what the quantize pass (passes/recognize_quant.ts) makes of onnxruntime's
 * dynamic-quantization chain; X is float32:
 *   (xq, xs, xz) = DynamicQuantizeLinear(X)           — the input quantizer (min/max per call)
 *   acc          = ConvInteger(xq, W, xz, w_zp)        — int8 × int8 → int32, exact
 *   y            = float(acc) · (xs · w_scale[m]) + B[m], each step rounded to float32 as the
 *                  ONNX chain Cast → Mul → Mul → Add does, then the activation.
 * An int8 kernel implements exactly this (bit for bit).
 *
 * "static" — QDQ (passes/recognize_qdq.ts): X is int8/uint8 with a constant per-tensor x_scale
 * (float32) and x_zero_point (X's type); B is the dequantized int32 bias; y_scale (float32) and
 * y_zero_point (int8/uint8, the output's type) given together requantize the output, per tensor;
 * without them the output is float32. The meaning is ONNX's — what onnxruntime computes with
 * graph optimizations off, and what the rewritten nodes computed, bit for bit in the interpreter:
 *   xf = DequantizeLinear(X, x_scale, x_zero_point)           (float32)
 *   wf = DequantizeLinear(W, w_scale, w_zero_point, axis 0)   (float32)
 *   yf = Conv(xf, wf, B), then the activation                 (float32)
 *   Y  = QuantizeLinear(yf, y_scale, y_zero_point)            (or yf without y_scale)
 *   Y  = y_table[Y − lowest(Y's type)]                        (with y_table: int8/uint8 [256])
 * y_table is an elementwise int8 → int8 function of the requantized output, tabulated at compile
 * time (recognize-qdq: a QDQ SiLU, DQ → Sigmoid → Q → DQ → Mul → Q, evaluated on the 256 values
 * by the interpreter): the kernel looks it up in its epilogue, exactly. Its type is y_zero_point's.
 * An int8 kernel computes acc = Σ (xq − xz)(wq − wz[m]) exactly in int32 and
 * yf' = acc · (x_scale · w_scale[m]) + B[m]: yf' and yf differ by float rounding only (the float
 * conv's), so Y may differ by ONE quantum where yf / y_scale sits within that rounding of k + ½
 * (the quantized rule, src/golden/quantized.ts; the float-output mode of the same node, divided
 * by y_scale, is the preimage to check against). Float output: the dense fp32 rule.
 */

export const INPUT_QUANT = ['dynamic_uint8', 'static'] as const;
type InputQuant = (typeof INPUT_QUANT)[number];

/** Input slots of ai.yhc.QConv. */
export const QCONV = { x: 0, w: 1, wScale: 2, wZeroPoint: 3, bias: 4, xScale: 5, xZeroPoint: 6, yScale: 7, yZeroPoint: 8, yTable: 9 } as const;

const PER_TENSOR: QuantLayout = { kind: 'tensor', axis: 0, block: 0 };

function inputQuant(node: Node): InputQuant {
  const q = attrString(node, 'input_quant', 'dynamic_uint8');
  if (!(INPUT_QUANT as readonly string[]).includes(q)) throw attributeError(node, `input_quant ${JSON.stringify(q)} is not one of ${INPUT_QUANT.join(', ')}`);
  return q as InputQuant;
}

/** A per-tensor parameter (scalar or one element) at input i. */
function requireScalar(node: Node, i: number): void {
  const s = node.input(i).shape;
  if (numel(s) !== 1 || s.length > 1)
    throw shapeError(node, `${valueLabel(node, i)} has shape [${s.join(', ')}]; yhc quantizes activations per tensor (one value)`);
}

/** Checks of the static mode's inputs 5–8; returns the output type. */
function inferStatic(node: Node): OutputType['dtype'] {
  const xt = requireDType(node, QCONV.x, INT8_TYPES);
  if (!hasInput(node, QCONV.xScale) || !hasInput(node, QCONV.xZeroPoint))
    throw attributeError(node, 'input_quant "static" needs x_scale and x_zero_point (inputs 5 and 6)');
  requireDType(node, QCONV.xScale, ['float32']);
  if (node.input(QCONV.xZeroPoint).dtype !== xt) throw dtypeError(node, `x_zero_point has dtype ${node.input(QCONV.xZeroPoint).dtype} but X is ${xt}`);
  requireScalar(node, QCONV.xScale);
  requireScalar(node, QCONV.xZeroPoint);
  checkConstantParam(node, QCONV.xScale, 'scale');
  checkConstantParam(node, QCONV.xZeroPoint, 'zero point');
  const ys = hasInput(node, QCONV.yScale);
  if (ys !== hasInput(node, QCONV.yZeroPoint)) throw attributeError(node, 'y_scale and y_zero_point (inputs 7 and 8) come together');
  if (!ys) return 'float32';
  requireDType(node, QCONV.yScale, ['float32']);
  const yt = requireDType(node, QCONV.yZeroPoint, INT8_TYPES);
  requireScalar(node, QCONV.yScale);
  requireScalar(node, QCONV.yZeroPoint);
  checkConstantParam(node, QCONV.yScale, 'scale');
  checkConstantParam(node, QCONV.yZeroPoint, 'zero point');
  if (!hasInput(node, QCONV.yTable)) return yt;
  const tt = requireDType(node, QCONV.yTable, INT8_TYPES);
  if (tt !== yt) throw dtypeError(node, `y_table has dtype ${tt} but y_zero_point is ${yt}`);
  const ts = node.input(QCONV.yTable).shape;
  if (ts.length !== 1 || ts[0] !== 256)
    throw shapeError(node, `${valueLabel(node, QCONV.yTable)} has shape [${ts.join(', ')}]; a table of the 256 output values needs [256]`);
  return tt;
}

function evaluateDynamic(node: Node, inputs: readonly (Tensor | null)[]): Tensor {
  const x = requiredTensor(node, inputs, QCONV.x);
  const w = requiredTensor(node, inputs, QCONV.w);
  const ws = requiredTensor(node, inputs, QCONV.wScale);
  const wz = requiredTensor(node, inputs, QCONV.wZeroPoint);
  const b = inputs[QCONV.bias] ?? null;
  const { scale, zeroPoint } = dynamicQuantParams(x);
  const xz = Tensor.scalar('uint8', zeroPoint);
  const xq = quantizeTensor(x, Tensor.scalar('float32', scale), xz, PER_TENSOR, 'uint8');
  const acc = convIntegerAcc(node, xq, w, xz, wz);
  roundInPlace(acc.data, 'int32');
  const [m, plane] = [acc.shape[1]!, numel(acc.shape.slice(2))];
  const mult = Array.from({ length: m }, (_, c) => Math.fround(scale * ws.data[ws.size === 1 ? 0 : c]!));
  const y = new Float32Array(acc.size);
  for (let e = 0; e < acc.size; e++) {
    const c = Math.floor(e / plane) % m;
    const v = Math.fround(Math.fround(acc.data[e]!) * mult[c]!);
    y[e] = b ? Math.fround(v + b.data[c]!) : v;
  }
  return new Tensor('float32', acc.shape, y);
}

function evaluateStatic(node: Node, inputs: readonly (Tensor | null)[]): Tensor {
  const x = requiredTensor(node, inputs, QCONV.x);
  const w = requiredTensor(node, inputs, QCONV.w);
  const ws = requiredTensor(node, inputs, QCONV.wScale);
  const b = inputs[QCONV.bias] ?? null;
  const xf = dequantizeTensor(x, requiredTensor(node, inputs, QCONV.xScale), requiredTensor(node, inputs, QCONV.xZeroPoint), PER_TENSOR);
  const wLayout: QuantLayout = ws.size === 1 ? PER_TENSOR : { kind: 'axis', axis: 0, block: 0 };
  const wf = dequantizeTensor(w, ws, requiredTensor(node, inputs, QCONV.wZeroPoint), wLayout);
  return convolve(xf, wf, b, convShape(node, xf.shape, wf.shape, b ? b.shape : null));
}

export const QConv: OpDef = {
  opType: 'QConv',
  domain: 'ai.yhc',
  attributes: [...OnnxConv.attributes, 'activation', 'input_quant'],
  inputs: [4, 10],
  outputs: [1, 1],
  takesActivation: true,
  infer(node): OutputType[] {
    checkNode(node, QConv);
    activationOf(node);
    const mode = inputQuant(node);
    const wt = requireDType(node, QCONV.w, INT8_TYPES);
    requireDType(node, QCONV.wScale, ['float32']);
    if (node.input(QCONV.wZeroPoint).dtype !== wt) throw dtypeError(node, `w_zero_point has dtype ${node.input(QCONV.wZeroPoint).dtype} but W is ${wt}`);
    const w = node.input(QCONV.w).shape;
    zeroPointLayout(node, QCONV.w, QCONV.wScale, w, node.input(QCONV.wScale).shape, 0, 'output-channel');
    zeroPointLayout(node, QCONV.w, QCONV.wZeroPoint, w, node.input(QCONV.wZeroPoint).shape, 0, 'output-channel');
    checkConstantParam(node, QCONV.wScale, 'scale');
    checkConstantParam(node, QCONV.wZeroPoint, 'zero point');
    if (hasInput(node, QCONV.bias)) requireDType(node, QCONV.bias, ['float32']);
    let dtype: OutputType['dtype'] = 'float32';
    if (mode === 'static') dtype = inferStatic(node);
    else {
      requireDType(node, QCONV.x, ['float32']);
      if (node.inputs.length > QCONV.xScale) throw attributeError(node, 'input_quant "dynamic_uint8" takes inputs 0–4 only (the quantizer is the op itself)');
    }
    const s = convShape(node, node.input(QCONV.x).shape, w, hasInput(node, QCONV.bias) ? node.input(QCONV.bias).shape : null);
    return [{ dtype, shape: s.outShape }];
  },
  evaluate(node, inputs) {
    const y = inputQuant(node) === 'static' ? evaluateStatic(node, inputs) : evaluateDynamic(node, inputs);
    const act = activationOf(node);
    if (act !== 'none') {
      const d = Float64Array.from(y.data);
      applyActivation(d, act);
      (y.data as Float32Array).set(d);
    }
    const ys = inputs[QCONV.yScale] ?? null;
    if (!ys) return [y];
    const yz = requiredTensor(node, inputs, QCONV.yZeroPoint);
    const yq = quantizeTensor(y, ys, yz, PER_TENSOR, yz.dtype);
    const table = inputs[QCONV.yTable] ?? null;
    if (!table) return [yq];
    const lo = yz.dtype === 'int8' ? -128 : 0;
    return [
      new Tensor(
        table.dtype,
        yq.shape,
        yq.data.map((v) => table.data[v - lo]!),
      ),
    ];
  },
  flops: (node: Node) => OnnxConv.flops!(node),
};
