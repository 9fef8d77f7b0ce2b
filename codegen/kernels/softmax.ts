import { attrInt } from '../../src/ir/attributes.js';
import type { Node } from '../../src/ir/graph.js';
import { numel } from '../../src/tensor.js';
import { intParam, oneThreadPerElement, read, write, type KernelSpec } from '../kernel_spec.js';

/** Softmax (opset 13+, one axis) → softmax_axis: one thread per row along the axis. */
export function softmaxKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  const rank = x.shape.length;
  const axisAttr = attrInt(node, 'axis', -1);
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  const outer = numel(x.shape.slice(0, axis));
  const inner = numel(x.shape.slice(axis + 1));
  return {
    family: 'softmax',
    template: 'softmax.cuh',
    kernel: 'yhc::softmax_axis',
    params: [intParam('outer', outer), intParam('axis_len', x.shape[axis]!), intParam('inner', inner)],
    tensors: [read('x', x), write('y', y)],
    callArgs: ['x', 'y'],
    launch: oneThreadPerElement(outer * inner),
    nodes: [node],
    flops: 4 * numel(x.shape),
  };
}
