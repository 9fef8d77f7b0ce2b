import { attrInt } from '../../src/ir/attributes.js';
import type { Node } from '../../src/ir/graph.js';
import { normalizeAxis, splitAroundAxis } from '../../src/ops/util/axes.js';
import { numel } from '../../src/tensor.js';
import { intParam, oneThreadPerElement, read, requireFloat32, write, type KernelSpec } from '../kernel_spec.js';

/** Softmax (opset 13+, one axis) → softmax_axis: one thread per row along the axis. */
export function softmaxKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  requireFloat32(node, [x, y]);
  const { outer, len, inner } = splitAroundAxis(x.shape, normalizeAxis(node, attrInt(node, 'axis', -1), x.shape.length));
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
