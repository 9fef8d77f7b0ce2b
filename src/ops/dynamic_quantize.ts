import { Tensor } from '../tensor.js';
import type { OpDef, OutputType } from './op.js';
import { checkNode, requireDType, requiredTensor } from './util/checks.js';
import { dtypeError } from './util/errors.js';
import { rint } from './util/quant.js';
import { quantizeTensor } from './quantize_linear.js';

/**
 * DynamicQuantizeLinear(x) → (y uint8, y_scale, y_zero_point uint8): the range [min(0, min x),
 * max(0, max x)] mapped onto [0, 255]; y_scale = (max − min) / 255 in float32 (1 when the range
 * is empty, as onnxruntime does, where ONNX's formula would divide by zero), y_zero_point =
 * rint(clamp(−min / y_scale, 0, 255)), and y = QuantizeLinear(x, y_scale, y_zero_point).
 */
export function dynamicQuantParams(x: Tensor): { scale: number; zeroPoint: number } {
  let lo = 0;
  let hi = 0;
  for (const v of x.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi === lo ? 1 : Math.fround(Math.fround(hi - lo) / 255);
  const initial = Math.fround(0 - Math.fround(lo / scale));
  return { scale, zeroPoint: rint(Math.min(255, Math.max(0, initial))) };
}

export const DynamicQuantizeLinear: OpDef = {
  opType: 'DynamicQuantizeLinear',
  domain: '',
  attributes: [],
  inputs: [1, 1],
  outputs: [3, 3],
  infer(node): OutputType[] {
    checkNode(node, DynamicQuantizeLinear);
    const t = requireDType(node, 0, ['float32', 'float16', 'bfloat16', 'float64']);
    if (t !== 'float32') throw dtypeError(node, `input has dtype ${t}; DynamicQuantizeLinear takes float32`);
    return [
      { dtype: 'uint8', shape: [...node.input(0).shape] },
      { dtype: 'float32', shape: [] },
      { dtype: 'uint8', shape: [] },
    ];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const { scale, zeroPoint } = dynamicQuantParams(x);
    const s = Tensor.scalar('float32', scale);
    const z = Tensor.scalar('uint8', zeroPoint);
    return [quantizeTensor(x, s, z, { kind: 'tensor', axis: 0, block: 0 }, 'uint8'), s, z];
  },
};
