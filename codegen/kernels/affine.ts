import type { Node } from '../../src/ir/graph.js';
import { ACTIVATION_FUNCTOR, activationOf } from '../../src/ops/yhc/activation.js';
import { Affine } from '../../src/ops/yhc/affine.js';
import { numel } from '../../src/tensor.js';
import { intParam, oneThreadPerElement, read, requireFloat32, typeParam, write, type KernelSpec } from '../kernel_spec.js';

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
    flops: Affine.flops!(node),
  };
}
