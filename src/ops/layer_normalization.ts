import { dtypeFromOnnx, type DType } from '../dtype.js';
import { attrInt } from '../ir/attributes.js';
import { describeNode, type Node } from '../ir/graph.js';
import { numel, storageFor, Tensor } from '../tensor.js';
import type { OpDef, OutputType } from './op.js';
import { normalizeAxis, sizeOfRange } from './util/axes.js';
import { broadcastStrides, checkUnidirectional } from './util/broadcast.js';
import { checkNode, FLOAT_TYPES, hasInput, requireDType, requiredTensor, requireSameDType } from './util/checks.js';
import { dtypeError } from './util/errors.js';
import { perInputElement } from './util/flops.js';
import { epsilonAttr, meanVar } from './util/normalize.js';
import { roundInPlace } from './util/round.js';
import { gatherStrided } from './util/strided.js';

/**
 * LayerNormalization(X, Scale, B?) → (Y, Mean?, InvStdDev?). Normalizes over dims axis..end
 * (axis default -1): Y = (X − mean)·invstd·Scale + B with invstd = 1/√(var + ε) (population
 * variance); Scale and B broadcast (unidirectionally) to X.shape[axis:]. Mean and InvStdDev
 * have shape X.shape[:axis] + [1]·(rank − axis) and the stash_type dtype (1 = float32).
 */

function layout(node: Node, shape: readonly number[]): { axis: number; outer: number; len: number; statShape: number[] } {
  const axis = normalizeAxis(node, attrInt(node, 'axis', -1), shape.length);
  return {
    axis,
    outer: sizeOfRange(shape, 0, axis),
    len: sizeOfRange(shape, axis),
    statShape: shape.map((d, i) => (i < axis ? d : 1)),
  };
}

function stashType(node: Node): DType {
  const d = dtypeFromOnnx(attrInt(node, 'stash_type', 1), `${describeNode(node)}: attribute "stash_type"`);
  if (!FLOAT_TYPES.includes(d)) throw dtypeError(node, `stash_type ${d} is not a float type`);
  return d;
}

/** `t` broadcast to `shape` as a contiguous buffer. */
function expandTo(t: Tensor, shape: readonly number[]): ArrayLike<number> {
  if (numel(t.shape) === numel(shape)) return t.data;
  return gatherStrided(t.data, 0, broadcastStrides(t.shape, shape), shape, 'float64');
}

export const LayerNormalization: OpDef = {
  opType: 'LayerNormalization',
  domain: '',
  attributes: ['axis', 'epsilon', 'stash_type'],
  inputs: [2, 3],
  outputs: [1, 3],
  flops: (node) => perInputElement(node, 5),
  infer(node): OutputType[] {
    checkNode(node, LayerNormalization);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    requireSameDType(node, [0, 1, 2]);
    const x = node.input(0).shape;
    const { axis, statShape } = layout(node, x);
    const normShape = x.slice(axis);
    checkUnidirectional(node, node.input(1).shape, normShape, 'Scale');
    if (hasInput(node, 2)) checkUnidirectional(node, node.input(2).shape, normShape, 'B');
    const stash = stashType(node);
    const outs: OutputType[] = [{ dtype, shape: [...x] }];
    for (let i = 1; i < node.outputs.length; i++) outs.push({ dtype: stash, shape: [...statShape] });
    return outs;
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const { axis, outer, len, statShape } = layout(node, x.shape);
    const normShape = x.shape.slice(axis);
    const scale = expandTo(requiredTensor(node, inputs, 1), normShape);
    const bias = inputs[2] ? expandTo(inputs[2], normShape) : null;
    const eps = epsilonAttr(node);
    const stash = stashType(node);
    const out = storageFor(x.dtype, x.data.length);
    const means = storageFor(stash, outer);
    const invs = storageFor(stash, outer);
    for (let o = 0; o < outer; o++) {
      const base = o * len;
      const { mean, variance } = meanVar(x.data, base, len);
      const inv = 1 / Math.sqrt(variance + eps);
      means[o] = mean;
      invs[o] = inv;
      for (let i = 0; i < len; i++) {
        const v = (x.data[base + i]! - mean) * inv * scale[i]!;
        out[base + i] = bias ? v + bias[i]! : v;
      }
    }
    roundInPlace(out, x.dtype);
    roundInPlace(means, stash);
    roundInPlace(invs, stash);
    const result = [new Tensor(x.dtype, x.shape, out)];
    if (node.outputs.length > 1) result.push(new Tensor(stash, statShape, means));
    if (node.outputs.length > 2) result.push(new Tensor(stash, statShape, invs));
    return result;
  },
};
