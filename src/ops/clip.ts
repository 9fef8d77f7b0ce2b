import { attrFloat } from '../ir/attributes.js';
import { storageFor, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { checkNode, hasInput, NUMERIC_TYPES, requireDType, requiredTensor, requireSameDType } from './util/checks.js';
import { attributeError, shapeError, shapeStr, valueLabel } from './util/errors.js';

/**
 * Clip(input, min?, max?) = min(max(x, lo), hi): when lo > hi every element becomes hi (numpy
 * and ORT). NaN stays NaN. Before opset 11 the bounds are the float attributes min/max.
 */
export const Clip: OpDef = {
  opType: 'Clip',
  domain: '',
  attributes: ['min', 'max'],
  inputs: [1, 3],
  outputs: [1, 1],
  infer(node, opset) {
    checkNode(node, Clip);
    const dtype = requireDType(node, 0, NUMERIC_TYPES);
    if (opset >= 11) {
      for (const a of ['min', 'max']) {
        if (node.attrs.has(a)) throw attributeError(node, `attribute "${a}" was replaced by an input in opset 11`);
      }
      requireSameDType(node, [0, 1, 2]);
      for (const i of [1, 2]) {
        if (!hasInput(node, i)) continue;
        const s = node.input(i).shape;
        if (s.reduce((p, d) => p * d, 1) !== 1 || s.length > 1) {
          throw shapeError(node, `${valueLabel(node, i)} must be a scalar, got shape ${shapeStr(s)}`);
        }
      }
    } else if (node.inputs.length > 1) {
      throw shapeError(node, 'before opset 11 Clip takes its bounds as attributes, not inputs');
    }
    return [{ dtype, shape: [...node.input(0).shape] }];
  },
  evaluate(node, inputs, opset) {
    const x = requiredTensor(node, inputs, 0);
    let lo = -Infinity;
    let hi = Infinity;
    if (opset >= 11) {
      if (inputs[1]) lo = inputs[1].data[0]!;
      if (inputs[2]) hi = inputs[2].data[0]!;
    } else {
      lo = attrFloat(node, 'min', -3.4028234663852886e38);
      hi = attrFloat(node, 'max', 3.4028234663852886e38);
    }
    const src = x.data;
    const out = storageFor(x.dtype, src.length);
    for (let i = 0; i < src.length; i++) {
      let v = src[i]!;
      if (v < lo) v = lo;
      if (v > hi) v = hi;
      out[i] = v;
    }
    return [new Tensor(x.dtype, x.shape, out)];
  },
};
