import type { Node, Value } from '../../src/ir/graph.js';
import { groupNormalizationAttrs } from '../../src/ops/group_normalization.js';
import { instanceNormalizationAttrs } from '../../src/ops/instance_normalization.js';
import { normalizeGroupsFlops } from '../../src/ops/util/normalize.js';
import { ACTIVATION_FUNCTOR, type Activation } from '../../src/ops/yhc/activation.js';
import { groupNormAttrs } from '../../src/ops/yhc/group_norm.js';
import { numel } from '../../src/tensor.js';
import {
  boolParam,
  elementTypeParam,
  floatParam,
  intParam,
  read,
  requireFloat32,
  requireFloatStorage,
  THREADS_PER_BLOCK,
  typeParam,
  write,
  type KernelSpec,
} from '../kernel_spec.js';

/** One GroupNorm over x [N, C, …] with per-channel scale/bias, as the group_norm template runs it. */
export interface GroupNormStep {
  readonly x: Value;
  readonly scale: Value;
  readonly bias: Value;
  readonly y: Value;
  readonly groups: number;
  readonly epsilon: number;
  readonly activation: Activation;
  /** The kernel's family in its identifier (k07_<family>). */
  readonly family: string;
  /** The graph nodes the kernel implements (part of). */
  readonly nodes: readonly Node[];
  /** scale and bias per group (GroupNormalization-18), not per channel. */
  readonly affinePerGroup?: boolean;
}

/** group_norm.cuh: one block per (image, group), statistics then y = act(normalized · scale[c] + bias[c]). */
export function groupNormSpec(s: GroupNormStep): KernelSpec {
  const [batch, channels] = [s.x.shape[0]!, s.x.shape[1]!];
  const n = numel(s.x.shape);
  return {
    family: s.family,
    template: 'group_norm.cuh',
    kernel: 'yhc::group_norm',
    blockFunction: 'yhc::group_norm_block',
    staticSharedBytes: THREADS_PER_BLOCK * 4,
    params: [
      intParam('batch', batch),
      intParam('channels', channels),
      intParam('groups', s.groups),
      intParam('spatial', numel(s.x.shape.slice(2))),
      floatParam('epsilon', s.epsilon),
      intParam('block_threads', THREADS_PER_BLOCK),
      boolParam('affine_per_group', s.affinePerGroup ?? false),
      typeParam('Act', ACTIVATION_FUNCTOR[s.activation]),
      elementTypeParam('Input', s.x),
      elementTypeParam('Output', s.y),
    ],
    tensors: [read('x', s.x), read('scale', s.scale), read('bias', s.bias), write('y', s.y)],
    callArgs: ['x', 'scale', 'bias', 'y'],
    launch: { grid: batch * s.groups, block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: true },
    imageBlocks: s.groups,
    nodes: s.nodes,
    flops: normalizeGroupsFlops(n, s.activation !== 'none'),
    halfStorage: true,
  };
}

/**
 * InstanceNormalization (groups = channels) and GroupNormalization → group_norm: one block per
 * (image, group) computing the group's mean and variance, then normalizing it.
 */
export function groupNormKernel(node: Node, opset: number): KernelSpec {
  const x = node.input(0);
  const scale = node.input(1);
  const bias = node.input(2);
  const y = node.outputs[0]!;
  requireFloat32(node, [x, scale, bias, y]);
  const channels = x.shape[1]!;
  const instance = node.opType === 'InstanceNormalization';
  const groups = instance ? channels : groupNormalizationAttrs(node).numGroups;
  const epsilon = (instance ? instanceNormalizationAttrs(node) : groupNormalizationAttrs(node)).epsilon;
  // GroupNormalization-18 takes scale/bias per group; opset 21 moved them to per channel.
  const perGroup = !instance && opset < 21 && scale.shape[0] === groups && groups !== channels;
  return groupNormSpec({
    x,
    scale,
    bias,
    y,
    groups,
    epsilon,
    activation: 'none',
    family: instance ? 'instancenorm' : 'groupnorm',
    nodes: [node],
    affinePerGroup: perGroup,
  });
}

/** ai.yhc.GroupNorm → group_norm with its activation in the epilogue. */
export function yhcGroupNormKernel(node: Node): KernelSpec {
  const [x, scale, bias, y] = [node.input(0), node.input(1), node.input(2), node.outputs[0]!];
  requireFloatStorage(node, [x, y]);
  requireFloat32(node, [scale, bias]);
  const { groups, epsilon, activation } = groupNormAttrs(node);
  return groupNormSpec({ x, scale, bias, y, groups, epsilon, activation, family: 'groupnorm', nodes: [node] });
}
