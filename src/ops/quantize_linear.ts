import { dtypeFromOnnx, type DType } from '../dtype.js';
import { attrInt } from '../ir/attributes.js';
import { describeNode, type Node } from '../ir/graph.js';
import { storageFor, Tensor } from '../tensor.js';
import type { OpDef, OutputType } from './op.js';
import { checkNode, FLOAT_TYPES, hasInput, requireDType, requiredTensor } from './util/checks.js';
import { attributeError, dtypeError } from './util/errors.js';
import { checkConstantParam, paramIndex, QUANT_RANGE, QUANT_TYPES, quantLayout, saturate, type QuantLayout } from './util/quant.js';
import { roundInPlace } from './util/round.js';

/**
 * QuantizeLinear(x, y_scale, y_zero_point?) = saturate(rint(x / y_scale) + y_zero_point) and
 * DequantizeLinear(x, x_scale, x_zero_point?) = (x − x_zero_point) · x_scale, per tensor, per
 * axis (`axis`, default 1) or in blocks along the axis (`block_size`, opset 21). As onnxruntime
 * computes them: the quotient in float32, rounded half to even; the dequantized product in
 * float32, then rounded into the scale's type. Integer types int8, uint8, int16, uint16 (and
 * int32 for DequantizeLinear, whose zero point must then be 0); int4 and the float8 types are
 * UNSUPPORTED_DTYPE. Constant scales must be positive and finite, constant zero points within
 * their type's range (ONNX_INVALID otherwise, naming the node).
 */

const ATTRS = ['axis', 'block_size', 'saturate', 'output_dtype', 'precision'];

function layoutOf(node: Node, x: readonly number[], scale: readonly number[], zp: readonly number[] | null): QuantLayout {
  return quantLayout(node, x, scale, zp, attrInt(node, 'axis', 1), attrInt(node, 'block_size', 0));
}

/** `precision` (opset 23) names the division's type; yhc computes in float32, as onnxruntime does. */
function checkPrecision(node: Node): void {
  const p = attrInt(node, 'precision', 0);
  if (p !== 0 && p !== 1) throw attributeError(node, `precision ${p} is not supported (yhc divides in float32)`);
}

function quantizedType(node: Node): DType {
  let t: DType;
  if (hasInput(node, 2)) {
    t = node.input(2).dtype;
    const od = attrInt(node, 'output_dtype', 0);
    if (od !== 0 && dtypeFromOnnx(od, `${describeNode(node)}: attribute "output_dtype"`) !== t) {
      throw attributeError(node, `output_dtype ${od} differs from the zero point's type ${t}`);
    }
  } else {
    const od = attrInt(node, 'output_dtype', 0);
    t = od === 0 ? 'uint8' : dtypeFromOnnx(od, `${describeNode(node)}: attribute "output_dtype"`);
  }
  if (!QUANT_TYPES.includes(t)) throw dtypeError(node, `quantized type ${t} is not supported (yhc quantizes to ${QUANT_TYPES.join(', ')})`);
  return t;
}

/** Quantize `x` with the scales and zero points of `layout` into `to` (the shared arithmetic). */
export function quantizeTensor(x: Tensor, scale: Tensor, zp: Tensor | null, layout: QuantLayout, to: DType): Tensor {
  const [lo, hi] = QUANT_RANGE[to]!;
  const idx = paramIndex(x.shape, layout);
  const out = storageFor(to, x.size);
  const s = scale.data;
  const z = zp ? zp.data : null;
  for (let e = 0; e < x.size; e++) {
    const p = idx(e);
    out[e] = saturate(Math.fround(x.data[e]! / s[p]!), z ? z[p]! : 0, lo, hi);
  }
  return new Tensor(to, x.shape, out);
}

/** (x − zp) · scale in float32, rounded into the scale's type. */
export function dequantizeTensor(x: Tensor, scale: Tensor, zp: Tensor | null, layout: QuantLayout): Tensor {
  const idx = paramIndex(x.shape, layout);
  const out = storageFor(scale.dtype, x.size);
  const s = scale.data;
  const z = zp ? zp.data : null;
  for (let e = 0; e < x.size; e++) {
    const p = idx(e);
    out[e] = Math.fround((x.data[e]! - (z ? z[p]! : 0)) * s[p]!);
  }
  roundInPlace(out, scale.dtype);
  return new Tensor(scale.dtype, x.shape, out);
}

export const QuantizeLinear: OpDef = {
  opType: 'QuantizeLinear',
  domain: '',
  attributes: ATTRS,
  inputs: [2, 3],
  outputs: [1, 1],
  infer(node): OutputType[] {
    checkNode(node, QuantizeLinear);
    checkPrecision(node);
    requireDType(node, 0, FLOAT_TYPES);
    requireDType(node, 1, FLOAT_TYPES);
    const to = quantizedType(node);
    const x = node.input(0).shape;
    layoutOf(node, x, node.input(1).shape, hasInput(node, 2) ? node.input(2).shape : null);
    checkConstantParam(node, 1, 'scale');
    if (hasInput(node, 2)) checkConstantParam(node, 2, 'zero point');
    return [{ dtype: to, shape: [...x] }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const scale = requiredTensor(node, inputs, 1);
    const zp = inputs[2] ?? null;
    return [quantizeTensor(x, scale, zp, layoutOf(node, x.shape, scale.shape, zp ? zp.shape : null), quantizedType(node))];
  },
};

const DEQUANT_INPUT_TYPES: readonly DType[] = [...QUANT_TYPES, 'int32'];

export const DequantizeLinear: OpDef = {
  opType: 'DequantizeLinear',
  domain: '',
  attributes: ['axis', 'block_size', 'output_dtype'],
  inputs: [2, 3],
  outputs: [1, 1],
  infer(node): OutputType[] {
    checkNode(node, DequantizeLinear);
    const t = requireDType(node, 0, DEQUANT_INPUT_TYPES);
    const dtype = requireDType(node, 1, FLOAT_TYPES);
    const od = attrInt(node, 'output_dtype', 0);
    if (od !== 0 && dtypeFromOnnx(od, `${describeNode(node)}: attribute "output_dtype"`) !== dtype) {
      throw attributeError(node, `output_dtype ${od} differs from the scale's type ${dtype}`);
    }
    const x = node.input(0).shape;
    if (hasInput(node, 2) && node.input(2).dtype !== t) {
      throw dtypeError(node, `zero point has dtype ${node.input(2).dtype} but the quantized input is ${t}`);
    }
    layoutOf(node, x, node.input(1).shape, hasInput(node, 2) ? node.input(2).shape : null);
    checkConstantParam(node, 1, 'scale');
    if (hasInput(node, 2)) {
      checkConstantParam(node, 2, 'zero point');
      const zc = node.input(2).constant;
      if (t === 'int32' && zc && zc.data.some((z) => z !== 0)) throw attributeError(node, 'an int32 input must have zero point 0');
    }
    return [{ dtype, shape: [...x] }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const scale = requiredTensor(node, inputs, 1);
    const zp = inputs[2] ?? null;
    return [dequantizeTensor(x, scale, zp, layoutOf(node, x.shape, scale.shape, zp ? zp.shape : null))];
  },
};
