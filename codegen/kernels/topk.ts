import { dtypeInfo } from '../../src/dtype.js';
import type { Node } from '../../src/ir/graph.js';
import { topkAxis, topkLargest } from '../../src/ops/topk.js';
import { splitAroundAxis } from '../../src/ops/util/axes.js';
import { numel } from '../../src/tensor.js';
import { boolParam, intParam, oneThreadPerElement, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';

/**
 * TopK → topk_rank: every element finds its rank in (value, index) order and, if it is among
 * the k first, writes itself to that slot. Sorted output, ties to the lower index.
 */
export function topkKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const [values, indices] = [node.outputs[0]!, node.outputs[1]!];
  const axis = topkAxis(node, x.shape.length);
  const { outer, len, inner } = splitAroundAxis(x.shape, axis);
  const k = values.shape[axis]!;
  const n = numel(x.shape);
  return {
    family: 'topk',
    template: 'topk.cuh',
    kernel: 'yhc::topk_rank',
    params: [
      typeParam('T', dtypeInfo(x.dtype).cType),
      intParam('outer', outer),
      intParam('axis_len', len),
      intParam('inner', inner),
      intParam('k', k),
      boolParam('largest', topkLargest(node)),
    ],
    tensors: [read('x', x), write('values', values), write('indices', indices)],
    callArgs: ['x', 'values', 'indices'],
    launch: oneThreadPerElement(n),
    nodes: [node],
    flops: n * Math.min(k, len),
  };
}
