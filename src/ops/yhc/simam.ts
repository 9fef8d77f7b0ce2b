import { attrFloat } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';
import { storageFor, Tensor } from '../../tensor.js';
import type { OpDef } from '../op.js';
import { int, sizeOfRange } from '../util/axes.js';
import { checkNode, FLOAT_TYPES, requireDType, requiredTensor } from '../util/checks.js';
import { shapeError, shapeStr } from '../util/errors.js';
import { perInputElement } from '../util/flops.js';
import { roundInPlace } from '../util/round.js';

/**
 * ai.yhc.SimAM(X [N, C, H, W]) — attribute `lambda` (float). The parameter-free attention of
 * SimAM (official form), per (n, c) plane of n = H·W elements:
 *
 *   d = (x − mean_hw x)²;   y = d / (4 · (sum_hw d / (n − 1) + λ)) + 0.5;   out = x · sigmoid(y)
 *
 * Statistics are over every spatial axis (H and W for the rank-4 tensors the heads have).
 * float64 math, rounded once into X's dtype. With n = 1 the divisor is 0, as in the formula.
 */
export interface SimamAttrs {
  /** λ (required: SimAM's usual 1e-4 is the model's to state, not a default). */
  readonly lambda: number;
}

export function simamAttrs(node: Node): SimamAttrs {
  return { lambda: attrFloat(node, 'lambda') };
}

/** FLOPs per element of X: mean, deviation², its sum, then deviation², divide, add, sigmoid (≈4), multiply. */
export const SIMAM_FLOPS_PER_ELEMENT = 11;

export const SimAM: OpDef = {
  opType: 'SimAM',
  domain: 'ai.yhc',
  attributes: ['lambda'],
  inputs: [1, 1],
  outputs: [1, 1],
  infer(node) {
    checkNode(node, SimAM);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    const x = node.input(0).shape;
    if (x.length < 3) throw shapeError(node, `input X has shape ${shapeStr(x)}; expected [N, C, H, W] (at least one spatial axis)`);
    simamAttrs(node);
    return [{ dtype, shape: [...x] }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const { lambda } = simamAttrs(node);
    const plane = sizeOfRange(x.shape, 2);
    const planes = int(x.size / Math.max(1, plane));
    const out = storageFor(x.dtype, x.size);
    for (let p = 0; p < planes; p++) {
      const base = p * plane;
      let sum = 0;
      for (let i = 0; i < plane; i++) sum += x.data[base + i]!;
      const mean = sum / plane;
      let squares = 0;
      for (let i = 0; i < plane; i++) squares += (x.data[base + i]! - mean) ** 2;
      const denominator = 4 * (squares / (plane - 1) + lambda);
      for (let i = 0; i < plane; i++) {
        const v = x.data[base + i]!;
        const y = (v - mean) ** 2 / denominator + 0.5;
        out[base + i] = v / (1 + Math.exp(-y));
      }
    }
    roundInPlace(out, x.dtype);
    return [new Tensor(x.dtype, x.shape, out)];
  },
  flops: (node) => perInputElement(node, SIMAM_FLOPS_PER_ELEMENT),
};
