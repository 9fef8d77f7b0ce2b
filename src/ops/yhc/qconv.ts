import { attrString } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';
import { numel, Tensor } from '../../tensor.js';
import { Conv as OnnxConv, convShape } from '../conv.js';
import { dynamicQuantParams } from '../dynamic_quantize.js';
import { convIntegerAcc, INT8_TYPES, zeroPointLayout } from '../integer_ops.js';
import type { OpDef, OutputType } from '../op.js';
import { quantizeTensor } from '../quantize_linear.js';
import { checkNode, hasInput, requireDType, requiredTensor } from '../util/checks.js';
import { attributeError, dtypeError } from '../util/errors.js';
import { checkConstantParam } from '../util/quant.js';
import { roundInPlace } from '../util/round.js';
import { activationOf, applyActivation } from './activation.js';

/**
 * ai.yhc.QConv: a convolution that runs on int8 — what the quantize pass (passes/
 * recognize_quant.ts) makes of onnxruntime's dynamic-quantization chain, saying what runs:
 *
 *   inputs  X (float32 [N, C, H, W]), W (int8/uint8 [M, C/group, kh, kw]), w_scale (float32
 *           [M] or one value), w_zero_point (W's type, [M] or one value), B? (float32 [M])
 *   attrs   ONNX Conv's, activation, input_quant = "dynamic_uint8"
 *
 *   (xq, xs, xz) = DynamicQuantizeLinear(X)           — the input quantizer (min/max per call)
 *   acc          = ConvInteger(xq, W, xz, w_zp)        — int8 × int8 → int32, exact
 *   y            = float(acc) · (xs · w_scale[m]) + B[m], each step rounded to float32 as the
 *                  ONNX chain Cast → Mul → Mul → Add does, then the activation.
 *
 * An int8 kernel implements exactly this: statistics of X gathered by its producer, X quantized
 * in the conv's load, zero-point corrections by sums, the scale product and bias in the epilogue.
 * "static" input quantizers (QDQ: x_scale, x_zero_point inputs) are the next input_quant value.
 */

export const INPUT_QUANT = ['dynamic_uint8'] as const;

function inputQuant(node: Node): (typeof INPUT_QUANT)[number] {
  const q = attrString(node, 'input_quant', 'dynamic_uint8');
  if (!(INPUT_QUANT as readonly string[]).includes(q)) throw attributeError(node, `input_quant ${JSON.stringify(q)} is not one of ${INPUT_QUANT.join(', ')}`);
  return q as (typeof INPUT_QUANT)[number];
}

export const QConv: OpDef = {
  opType: 'QConv',
  domain: 'ai.yhc',
  attributes: [...OnnxConv.attributes, 'activation', 'input_quant'],
  inputs: [4, 5],
  outputs: [1, 1],
  takesActivation: true,
  infer(node): OutputType[] {
    checkNode(node, QConv);
    activationOf(node);
    inputQuant(node);
    requireDType(node, 0, ['float32']);
    const wt = requireDType(node, 1, INT8_TYPES);
    requireDType(node, 2, ['float32']);
    if (node.input(3).dtype !== wt) throw dtypeError(node, `w_zero_point has dtype ${node.input(3).dtype} but W is ${wt}`);
    const w = node.input(1).shape;
    zeroPointLayout(node, 1, 2, w, node.input(2).shape, 0, 'output-channel');
    zeroPointLayout(node, 1, 3, w, node.input(3).shape, 0, 'output-channel');
    checkConstantParam(node, 2, 'scale');
    checkConstantParam(node, 3, 'zero point');
    if (hasInput(node, 4)) requireDType(node, 4, ['float32']);
    const s = convShape(node, node.input(0).shape, w, hasInput(node, 4) ? node.input(4).shape : null);
    return [{ dtype: 'float32', shape: s.outShape }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const w = requiredTensor(node, inputs, 1);
    const ws = requiredTensor(node, inputs, 2);
    const wz = requiredTensor(node, inputs, 3);
    const b = inputs[4] ?? null;
    const { scale, zeroPoint } = dynamicQuantParams(x);
    const xz = Tensor.scalar('uint8', zeroPoint);
    const xq = quantizeTensor(x, Tensor.scalar('float32', scale), xz, { kind: 'tensor', axis: 0, block: 0 }, 'uint8');
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
    const act = activationOf(node);
    if (act !== 'none') {
      const d = Float64Array.from(y);
      applyActivation(d, act);
      y.set(d);
    }
    return [new Tensor('float32', acc.shape, y)];
  },
  flops: (node: Node) => OnnxConv.flops!(node),
};
