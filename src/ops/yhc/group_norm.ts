import { attrInt } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';
import { numel, storageFor, Tensor, type TensorData } from '../../tensor.js';
import type { OpDef } from '../op.js';
import { checkNode, FLOAT_TYPES, requireDType, requiredTensor, requireSameDType } from '../util/checks.js';
import { shapeError, shapeStr, valueLabel } from '../util/errors.js';
import { epsilonAttr, normalizeGroups, normalizeGroupsFlops } from '../util/normalize.js';
import { roundInPlace } from '../util/round.js';
import { activationOf, applyActivation, type Activation } from './activation.js';

/**
 * ai.yhc.GroupNorm(X [N, C, …], scale [C], bias [C]) — attributes num_groups, epsilon,
 * activation (none | silu | relu | sigmoid).
 *
 *   per (n, group of C/num_groups channels): mean, population variance over the group's channels
 *   and all spatial positions;  y = act((x − mean) / √(var + ε) · scale[c] + bias[c])
 *
 * The one form every GroupNorm of a model takes after fuse-groupnorm: torch's Reshape →
 * InstanceNormalization → Reshape → Mul → Add decomposition, the primitive Reduce/Sub/Div form,
 * GroupNormalization-18 (scale per group, expanded) and -21 (per channel). scale and bias are
 * always per CHANNEL here. num_groups = C is InstanceNormalization.
 */

export interface GroupNormAttrs {
  readonly groups: number;
  readonly epsilon: number;
  readonly activation: Activation;
}

/** num_groups (required), epsilon, activation; infer checks num_groups against X's channels. */
export function groupNormAttrs(node: Node): GroupNormAttrs {
  return { groups: attrInt(node, 'num_groups'), epsilon: epsilonAttr(node), activation: activationOf(node) };
}

/** The group count, after checking it divides X's channels. */
function groupsOf(node: Node, x: readonly number[]): number {
  if (x.length < 2) throw shapeError(node, `input X has shape ${shapeStr(x)}; expected [N, C, …]`);
  const g = groupNormAttrs(node).groups;
  if (g < 1 || x[1]! % g !== 0) throw shapeError(node, `num_groups ${g} must divide the channel count ${x[1]}`);
  return g;
}

/**
 * The reference computation, shared with ai.yhc.DwPw: statistics in float64 (two passes), the
 * affine and activation in float64, rounded once into x's dtype.
 */
export function groupNorm(x: Tensor, groups: number, epsilon: number, scale: TensorData, bias: TensorData, act: Activation): Tensor {
  const out = storageFor(x.dtype, x.data.length);
  normalizeGroups(x, groups, epsilon, scale, bias, out);
  applyActivation(out, act);
  roundInPlace(out, x.dtype);
  return new Tensor(x.dtype, x.shape, out);
}

export const GroupNorm: OpDef = {
  opType: 'GroupNorm',
  domain: 'ai.yhc',
  attributes: ['num_groups', 'epsilon', 'activation'],
  inputs: [3, 3],
  outputs: [1, 1],
  takesActivation: true,
  infer(node) {
    checkNode(node, GroupNorm);
    activationOf(node);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    requireSameDType(node, [0, 1, 2]);
    const x = node.input(0).shape;
    groupsOf(node, x);
    for (const i of [1, 2]) {
      const s = node.input(i).shape;
      if (s.length !== 1 || s[0] !== x[1]) throw shapeError(node, `${valueLabel(node, i)} has shape ${shapeStr(s)}; expected [${x[1]}] (one per channel)`);
    }
    return [{ dtype, shape: [...x] }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const scale = requiredTensor(node, inputs, 1).data;
    const bias = requiredTensor(node, inputs, 2).data;
    const a = groupNormAttrs(node);
    return [groupNorm(x, groupsOf(node, x.shape), a.epsilon, scale, bias, a.activation)];
  },
  flops: (node) => normalizeGroupsFlops(numel(node.input(0).shape), groupNormAttrs(node).activation !== 'none'),
};
