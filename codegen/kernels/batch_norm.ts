import type { Node } from '../../src/ir/graph.js';
import { batchNormalizationAttrs } from '../../src/ops/batch_normalization.js';
import { numel } from '../../src/tensor.js';
import { floatParam, intParam, oneThreadPerElement, read, requireFloat32, write, type KernelSpec } from '../kernel_spec.js';

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
      floatParam('epsilon', batchNormalizationAttrs(node).epsilon),
    ],
    tensors: [read('x', x), read('scale', scale), read('bias', bias), read('mean', mean), read('var', variance), write('y', y)],
    callArgs: ['x', 'scale', 'bias', 'mean', 'var', 'y'],
    launch: oneThreadPerElement(n),
    nodes: [node],
    flops: 4 * n,
  };
}
