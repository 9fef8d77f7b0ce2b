import { attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { checkNode, FLOAT_TYPES, requireDType, requiredTensor, requireSameDType } from './util/checks.js';
import { shapeError, shapeStr, valueLabel } from './util/errors.js';
import { epsilonAttr, normalizeGroups, normalizeGroupsFlops } from './util/normalize.js';
import { roundInPlace } from './util/round.js';

/**
 * GroupNormalization(X [N, C, …], scale, bias), attributes num_groups, epsilon, stash_type.
 * Statistics per (n, group) over the group's C/G channels and all spatial positions (population
 * variance). The meaning of scale/bias depends on the MODEL's opset: opset 18 has one value per
 * GROUP ([num_groups]); opset 21 changed it to one per CHANNEL ([C]). stash_type (21) selects
 * the precision of the statistics; yhc always computes them in float64.
 */

export function perChannelScale(opset: number): boolean {
  return opset >= 21;
}

export interface GroupNormalizationAttrs {
  readonly numGroups: number;
  readonly epsilon: number;
}

/** num_groups (required) and epsilon; infer checks num_groups against the shapes. */
export function groupNormalizationAttrs(node: Node): GroupNormalizationAttrs {
  return { numGroups: attrInt(node, 'num_groups'), epsilon: epsilonAttr(node) };
}

function groups(node: Node, x: readonly number[], opset: number): number {
  if (x.length < 2) throw shapeError(node, `input X has shape ${shapeStr(x)}; expected [N, C, …]`);
  const g = groupNormalizationAttrs(node).numGroups;
  const c = x[1]!;
  if (g < 1 || c % g !== 0) throw shapeError(node, `num_groups ${g} must divide the channel count ${c}`);
  const want = perChannelScale(opset) ? c : g;
  for (const i of [1, 2]) {
    const s = node.input(i).shape;
    if (s.length !== 1 || s[0] !== want) {
      throw shapeError(
        node,
        `${valueLabel(node, i)} has shape ${shapeStr(s)}; opset ${opset} GroupNormalization expects [${want}] (one per ${perChannelScale(opset) ? 'channel' : 'group'})`,
      );
    }
  }
  return g;
}

export const GroupNormalization: OpDef = {
  opType: 'GroupNormalization',
  domain: '',
  attributes: ['epsilon', 'num_groups', 'stash_type'],
  inputs: [3, 3],
  outputs: [1, 1],
  flops: (node) => normalizeGroupsFlops(numel(node.input(0).shape), false),
  infer(node, opset) {
    checkNode(node, GroupNormalization);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    requireSameDType(node, [0, 1, 2]);
    groups(node, node.input(0).shape, opset);
    return [{ dtype, shape: [...node.input(0).shape] }];
  },
  evaluate(node, inputs, opset) {
    const x = requiredTensor(node, inputs, 0);
    const scale = requiredTensor(node, inputs, 1).data;
    const bias = requiredTensor(node, inputs, 2).data;
    const { numGroups: g, epsilon: eps } = groupNormalizationAttrs(node);
    // Opset 18 scales per group: expand to the per-channel form.
    const c = x.shape[1]!;
    const perChannel = (t: ArrayLike<number>) => (perChannelScale(opset) ? t : Array.from({ length: c }, (_, ch) => t[Math.floor(ch / (c / g))]!));
    const out = storageFor(x.dtype, x.data.length);
    normalizeGroups(x, g, eps, perChannel(scale), perChannel(bias), out);
    roundInPlace(out, x.dtype);
    return [new Tensor(x.dtype, x.shape, out)];
  },
};
