import { attrFloat, attrInt } from '../../src/ir/attributes.js';
import type { Node, Value } from '../../src/ir/graph.js';
import { numel } from '../../src/tensor.js';
import { ACTIVATION_FUNCTOR, activationOf, type Activation } from '../../src/ops/yhc/activation.js';
import type { LoweringContext } from './lowering.js';
import { boolParam, elementTypeParam, floatParam, intParam, read, requireFloat32, requireFloatStorage, typeParam, write, type KernelSpec } from '../kernel_spec.js';

const BLOCK_THREADS = 256;

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
    staticSharedBytes: BLOCK_THREADS * 4,
    params: [
      intParam('batch', batch),
      intParam('channels', channels),
      intParam('groups', s.groups),
      intParam('spatial', numel(s.x.shape.slice(2))),
      floatParam('epsilon', s.epsilon),
      intParam('block_threads', BLOCK_THREADS),
      boolParam('affine_per_group', s.affinePerGroup ?? false),
      typeParam('Act', ACTIVATION_FUNCTOR[s.activation]),
      elementTypeParam('Input', s.x),
      elementTypeParam('Output', s.y),
    ],
    tensors: [read('x', s.x), read('scale', s.scale), read('bias', s.bias), write('y', s.y)],
    callArgs: ['x', 'scale', 'bias', 'y'],
    launch: { grid: batch * s.groups, block: BLOCK_THREADS, sharedBytes: 0, barriers: true },
    imageBlocks: s.groups,
    nodes: s.nodes,
    flops: (s.activation === 'none' ? 8 : 12) * n,
    halfStorage: true,
  };
}

/** ai.yhc.GroupNorm → group_norm with its activation in the epilogue. */
export function yhcGroupNormKernel(node: Node): KernelSpec {
  const [x, scale, bias, y] = [node.input(0), node.input(1), node.input(2), node.outputs[0]!];
  requireFloatStorage(node, [x, y]);
  requireFloat32(node, [scale, bias]);
  return groupNormSpec({
    x,
    scale,
    bias,
    y,
    groups: attrInt(node, 'num_groups'),
    epsilon: attrFloat(node, 'epsilon', Math.fround(1e-5)),
    activation: activationOf(node),
    family: 'groupnorm',
    nodes: [node],
  });
}

/**
 * ai.yhc.SimAM → simam: one block per (image, channel) plane — or no kernel at all when its
 * producer gathers the statistics and its readers apply the gate (norm_handoff.ts).
 */
export function simamKernel(node: Node, ctx: LoweringContext): readonly KernelSpec[] {
  const [x, y] = [node.input(0), node.outputs[0]!];
  requireFloatStorage(node, [x, y]);
  if (ctx.inputHandoff(y)) return [];
  const spatial = numel(x.shape.slice(2));
  const planes = x.shape[0]! * x.shape[1]!;
  return [{
    family: 'simam',
    template: 'simam.cuh',
    kernel: 'yhc::simam',
    blockFunction: 'yhc::simam_block',
    staticSharedBytes: BLOCK_THREADS * 4,
    params: [
      intParam('planes', planes),
      intParam('spatial', spatial),
      floatParam('lambda', attrFloat(node, 'lambda')),
      intParam('block_threads', BLOCK_THREADS),
      elementTypeParam('Input', x),
      elementTypeParam('Output', y),
    ],
    tensors: [read('x', x), write('y', y)],
    callArgs: ['x', 'y'],
    launch: { grid: planes, block: BLOCK_THREADS, sharedBytes: 0, barriers: true },
    imageBlocks: x.shape[1]!,
    nodes: [node],
    flops: 11 * planes * spatial,
    halfStorage: true,
  }];
}
