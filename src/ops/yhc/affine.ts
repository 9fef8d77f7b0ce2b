import { storageFor, Tensor } from '../../tensor.js';
import type { OpDef } from '../op.js';
import { sizeOfRange } from '../util/axes.js';
import { checkNode, FLOAT_TYPES, requireDType, requiredTensor, requireSameDType } from '../util/checks.js';
import { shapeError, shapeStr, valueLabel } from '../util/errors.js';
import { roundInPlace } from '../util/round.js';
import { activationOf, applyActivation } from './activation.js';

/**
 * ai.yhc.Affine(X [N, C, …], scale [C], shift [C]): y = act(x · scale[c] + shift[c]) per
 * channel — an inference BatchNormalization that follows no conv (RepConv's identity branch).
 */
export const Affine: OpDef = {
  opType: 'Affine',
  domain: 'ai.yhc',
  attributes: ['activation'],
  inputs: [3, 3],
  outputs: [1, 1],
  takesActivation: true,
  infer(node) {
    checkNode(node, Affine);
    activationOf(node);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    requireSameDType(node, [0, 1, 2]);
    const x = node.input(0).shape;
    if (x.length < 2) throw shapeError(node, `input X has shape ${shapeStr(x)}; expected [N, C, …]`);
    for (const i of [1, 2]) {
      const s = node.input(i).shape;
      if (s.length !== 1 || s[0] !== x[1]) throw shapeError(node, `${valueLabel(node, i)} has shape ${shapeStr(s)}; expected [${x[1]}]`);
    }
    return [{ dtype, shape: [...x] }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const scale = requiredTensor(node, inputs, 1).data;
    const shift = requiredTensor(node, inputs, 2).data;
    const c = x.shape[1]!;
    const inner = sizeOfRange(x.shape, 2);
    const out = storageFor(x.dtype, x.size);
    for (let i = 0; i < x.size; i++) {
      const ch = Math.floor(i / inner) % c;
      out[i] = x.data[i]! * scale[ch]! + shift[ch]!;
    }
    applyActivation(out, activationOf(node));
    roundInPlace(out, x.dtype);
    return [new Tensor(x.dtype, x.shape, out)];
  },
  // A multiply-add per element (an activation's cost is not counted, as for ai.yhc.Conv).
  flops: (node) => 2 * node.outputs[0]!.shape.reduce((a, b) => a * b, 1),
};
