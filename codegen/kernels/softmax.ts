import type { Node } from '../../src/ir/graph.js';
import { softmaxLayout } from '../../src/ops/softmax.js';
import { numel } from '../../src/tensor.js';
import { flatLaunch } from './flat_launch.js';
import { intParam, read, requireFloat32, write, type KernelSpec } from '../kernel_spec.js';

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
    // Lanes in row-major order: per image when the batch is a factor of `outer` (axis ≥ 1).
    ...flatLaunch(outer * inner, x.shape[0] ?? 1, x.shape.length > 1 && outer % x.shape[0]! === 0),
    nodes: [node],
    flops: 4 * numel(x.shape),
  };
}
