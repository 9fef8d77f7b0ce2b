import { attrFloat, attrInt } from '../../src/ir/attributes.js';
import type { Node } from '../../src/ir/graph.js';
import { numel } from '../../src/tensor.js';
import { groupNormSpec } from './yhc_norm.js';
import { ACTIVATION_FUNCTOR, activationOf } from '../../src/ops/yhc/activation.js';
import { floatParam, intParam, oneThreadPerElement, read, requireFloat32, typeParam, write, type KernelSpec } from '../kernel_spec.js';

/** BatchNormalization (inference) → batch_norm_inference: a per-channel affine per element. */
export function batchNormKernel(node: Node): KernelSpec {
  const [x, scale, bias, mean, variance] = [node.input(0), node.input(1), node.input(2), node.input(3), node.input(4)];
  const y = node.outputs[0]!;
  requireFloat32(node, [x, scale, bias, mean, variance, y]);
  const n = numel(x.shape);
  const channels = x.shape[1] ?? 1;
  return {
    family: 'batchnorm',
    template: 'batch_norm.cuh',
    kernel: 'yhc::batch_norm_inference',
    params: [
      intParam('count', n),
      intParam('channels', channels),
      intParam('spatial', numel(x.shape.slice(2))),
      floatParam('epsilon', attrFloat(node, 'epsilon', 1e-5)),
    ],
    tensors: [read('x', x), read('scale', scale), read('bias', bias), read('mean', mean), read('var', variance), write('y', y)],
    callArgs: ['x', 'scale', 'bias', 'mean', 'var', 'y'],
    launch: oneThreadPerElement(n),
    nodes: [node],
    flops: 4 * n,
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
  const groups = instance ? channels : attrInt(node, 'num_groups');
  // GroupNormalization-18 takes scale/bias per group; opset 21 moved them to per channel.
  const perGroup = !instance && opset < 21 && scale.shape[0] === groups && groups !== channels;
  return groupNormSpec({
    x,
    scale,
    bias,
    y,
    groups,
    epsilon: attrFloat(node, 'epsilon', 1e-5),
    activation: 'none',
    family: instance ? 'instancenorm' : 'groupnorm',
    nodes: [node],
    affinePerGroup: perGroup,
  });
}

/** ai.yhc.Affine → channel_affine: y = act(x · scale[c] + shift[c]). */
export function affineKernel(node: Node): KernelSpec {
  const [x, scale, shift] = [node.input(0), node.input(1), node.input(2)];
  const y = node.outputs[0]!;
  requireFloat32(node, [x, scale, shift, y]);
  const n = numel(x.shape);
  return {
    family: 'affine',
    template: 'channel_affine.cuh',
    kernel: 'yhc::channel_affine',
    params: [
      intParam('count', n),
      intParam('channels', x.shape[1]!),
      intParam('spatial', numel(x.shape.slice(2))),
      typeParam('Act', ACTIVATION_FUNCTOR[activationOf(node)]),
    ],
    tensors: [read('x', x), read('scale', scale), read('shift', shift), write('y', y)],
    callArgs: ['x', 'scale', 'shift', 'y'],
    launch: oneThreadPerElement(n),
    nodes: [node],
    flops: 2 * n,
  };
}
