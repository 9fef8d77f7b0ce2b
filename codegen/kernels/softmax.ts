import type { Node } from '../../src/ir/graph.js';
import { softmaxLayout } from '../../src/ops/softmax.js';
import { numel } from '../../src/tensor.js';
import { intParam, oneThreadPerElement, read, requireFloat32, write, type KernelSpec } from '../kernel_spec.js';

/**
 * Softmax → softmax_axis: one thread per lane along the axis — one axis from opset 13, before it
 * every dim from the axis on (as one lane, src/ops/softmax.ts).
 */
export function softmaxKernel(node: Node, opset: number): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  requireFloat32(node, [x, y]);
  const { outer, len, inner } = softmaxLayout(node, x.shape, opset);
  return {
    family: 'softmax',
    template: 'softmax.cuh',
    kernel: 'yhc::softmax_axis',
    params: [intParam('outer', outer), intParam('axis_len', len), intParam('inner', inner)],
    tensors: [read('x', x), write('y', y)],
    callArgs: ['x', 'y'],
    launch: oneThreadPerElement(outer * inner),
    nodes: [node],
    flops: 4 * numel(x.shape),
  };
}
