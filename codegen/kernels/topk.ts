import { dtypeInfo } from '../../src/dtype.js';
import { attrInt } from '../../src/ir/attributes.js';
import type { Node } from '../../src/ir/graph.js';
import { numel } from '../../src/tensor.js';
import { boolParam, intParam, oneThreadPerElement, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';

/**
 * TopK → topk_rank: every element finds its rank in (value, index) order and, if it is among
 * the k first, writes itself to that slot. Sorted output, ties to the lower index.
 */
export function topkKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const [values, indices] = [node.outputs[0]!, node.outputs[1]!];
  const rank = x.shape.length;
  const axisAttr = attrInt(node, 'axis', -1);
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  const k = values.shape[axis]!;
  const n = numel(x.shape);
  return {
    family: 'topk',
    template: 'topk.cuh',
    kernel: 'yhc::topk_rank',
    params: [
      typeParam('T', dtypeInfo(x.dtype).cType),
      intParam('outer', numel(x.shape.slice(0, axis))),
      intParam('axis_len', x.shape[axis]!),
      intParam('inner', numel(x.shape.slice(axis + 1))),
      intParam('k', k),
      boolParam('largest', attrInt(node, 'largest', 1) !== 0),
    ],
    tensors: [read('x', x), write('values', values), write('indices', indices)],
    callArgs: ['x', 'values', 'indices'],
    launch: oneThreadPerElement(n),
    nodes: [node],
    flops: n * Math.min(k, x.shape[axis]!),
  };
}
