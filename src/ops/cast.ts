import { dtypeFromOnnx, isFloatDType, type DType } from '../dtype.js';
import { attrInt } from '../ir/attributes.js';
import { describeNode, type Node } from '../ir/graph.js';
import { storageFor, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { ALL_TYPES, checkNode, requireDType, requiredTensor } from './util/checks.js';
import { roundInPlace } from './util/round.js';

/**
 * Cast(input, to): float→int truncates toward zero; out-of-range values (±Inf included) saturate
 * and NaN gives 0 — ONNX leaves these undefined; yhc does what the GPU's cvt.rzi.sat does, so
 * interpreter and kernels agree (onnxruntime on x86 returns INT_MIN instead). x→bool is x ≠ 0
 * (NaN → true, as C++ static_cast and numpy),
 * bool→number is 0/1, narrower floats round to nearest even. `saturate` (opset 19) and
 * `round_mode` (opset 25) only concern float8/e8m0 targets, which yhc does not support (the
 * `to` type is then UNSUPPORTED_DTYPE); they are accepted and ignored.
 */
function target(node: Node) {
  return dtypeFromOnnx(attrInt(node, 'to'), `${describeNode(node)}: attribute "to"`);
}

/** Saturation bounds of integer targets (as float64, like the kernels' comparison). */
const INT_RANGE: Partial<Record<DType, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64],
};

/** `x` converted to `to` with Cast's semantics. */
export function castTensor(x: Tensor, to: DType): Tensor {
  const out = storageFor(to, x.data.length);
  const src = x.data;
  const range = isFloatDType(x.dtype) ? INT_RANGE[to] : undefined;
  if (to === 'bool') {
    for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
  } else if (range) {
    const [lo, hi] = range;
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      out[i] = Number.isNaN(v) ? 0 : v <= lo ? lo : v >= hi ? hi : Math.trunc(v);
    }
  } else {
    out.set(src);
    roundInPlace(out, to);
  }
  return new Tensor(to, x.shape, out);
}

export const Cast: OpDef = {
  opType: 'Cast',
  domain: '',
  attributes: ['to', 'saturate', 'round_mode'],
  inputs: [1, 1],
  outputs: [1, 1],
  infer(node) {
    checkNode(node, Cast);
    requireDType(node, 0, ALL_TYPES);
    return [{ dtype: target(node), shape: [...node.input(0).shape] }];
  },
  evaluate(node, inputs) {
    return [castTensor(requiredTensor(node, inputs, 0), target(node))];
  },
};

/** CastLike(input, target_type): Cast to the dtype of the second input (whose values are unused). */
export const CastLike: OpDef = {
  opType: 'CastLike',
  domain: '',
  attributes: ['saturate', 'round_mode'],
  inputs: [2, 2],
  outputs: [1, 1],
  infer(node) {
    checkNode(node, CastLike);
    requireDType(node, 0, ALL_TYPES);
    return [{ dtype: requireDType(node, 1, ALL_TYPES), shape: [...node.input(0).shape] }];
  },
  evaluate(node, inputs) {
    return [castTensor(requiredTensor(node, inputs, 0), requiredTensor(node, inputs, 1).dtype)];
  },
};
