import type { Node } from '../ir/graph.js';
import { numel, storageFor, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { int, sizeOfRange } from './util/axes.js';
import { checkNode, FLOAT_TYPES, requireDType, requiredTensor, requireSameDType } from './util/checks.js';
import { shapeError, shapeStr, valueLabel } from './util/errors.js';
import { epsilonAttr, meanVar, normalizeGroupsFlops } from './util/normalize.js';
import { roundInPlace } from './util/round.js';

/**
 * InstanceNormalization(X [N, C, …], scale [C], B [C]): per (n, c), normalize over the spatial
 * dims with the population variance: y = scale·(x − mean)/√(var + ε) + B. (torch exports its
 * GroupNorm as Reshape → InstanceNormalization with unit scale → Reshape → Mul → Add.)
 */
export interface InstanceNormalizationAttrs {
  readonly epsilon: number;
}

export function instanceNormalizationAttrs(node: Node): InstanceNormalizationAttrs {
  return { epsilon: epsilonAttr(node) };
}

export const InstanceNormalization: OpDef = {
  opType: 'InstanceNormalization',
  domain: '',
  attributes: ['epsilon'],
  inputs: [3, 3],
  outputs: [1, 1],
  // The same two passes as a group normalization (one group per channel).
  flops: (node) => normalizeGroupsFlops(numel(node.input(0).shape), false),
  infer(node) {
    checkNode(node, InstanceNormalization);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    requireSameDType(node, [0, 1, 2]);
    const x = node.input(0).shape;
    if (x.length < 2) throw shapeError(node, `input has shape ${shapeStr(x)}; expected [N, C, …]`);
    for (const i of [1, 2]) {
      const s = node.input(i).shape;
      if (s.length !== 1 || s[0] !== x[1]) throw shapeError(node, `${valueLabel(node, i)} has shape ${shapeStr(s)}; expected [${x[1]}]`);
    }
    return [{ dtype, shape: [...x] }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const scale = requiredTensor(node, inputs, 1).data;
    const bias = requiredTensor(node, inputs, 2).data;
    const eps = instanceNormalizationAttrs(node).epsilon;
    const n = int(x.shape[0]!);
    const c = int(x.shape[1]!);
    const inner = sizeOfRange(x.shape, 2);
    const out = storageFor(x.dtype, x.data.length);
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const base = (b * c + ch) * inner;
        const { mean, variance } = meanVar(x.data, base, inner);
        const a = scale[ch]! / Math.sqrt(variance + eps);
        const sh = bias[ch]!;
        for (let i = 0; i < inner; i++) out[base + i] = (x.data[base + i]! - mean) * a + sh;
      }
    }
    roundInPlace(out, x.dtype);
    return [new Tensor(x.dtype, x.shape, out)];
  },
};
