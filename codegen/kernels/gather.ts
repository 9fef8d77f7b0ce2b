import { dtypeInfo } from '../../src/dtype.js';
import type { Node } from '../../src/ir/graph.js';
import { gatherAxis, gatherNdBatchDims } from '../../src/ops/gather.js';
import { splitAroundAxis } from '../../src/ops/util/axes.js';
import { numel, stridesOf } from '../../src/tensor.js';
import { int64Array, intParam, oneThreadPerElement, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';

/** Gather along an axis → gather_axis over the [outer, axis, inner] view. */
export function gatherKernel(node: Node): KernelSpec {
  const [data, indices] = [node.input(0), node.input(1)];
  const y = node.outputs[0]!;
  const { outer, len, inner } = splitAroundAxis(data.shape, gatherAxis(node, data.shape.length));
  const n = numel(y.shape);
  return {
    family: 'gather',
    template: 'gather.cuh',
    kernel: 'yhc::gather_axis',
    params: [
      typeParam('T', dtypeInfo(data.dtype).cType),
      typeParam('Index', dtypeInfo(indices.dtype).cType),
      intParam('outer', outer),
      intParam('axis_len', len),
      intParam('inner', inner),
      intParam('num_indices', numel(indices.shape)),
    ],
    tensors: [read('data', data), read('indices', indices), write('y', y)],
    callArgs: ['data', 'indices', 'y'],
    launch: oneThreadPerElement(n),
    nodes: [node],
    flops: 0,
  };
}

/** GatherElements → gather_elements: the index replaces one coordinate. */
export function gatherElementsKernel(node: Node): KernelSpec {
  const [data, indices] = [node.input(0), node.input(1)];
  const y = node.outputs[0]!;
  const rank = data.shape.length;
  const axis = gatherAxis(node, rank);
  const n = numel(y.shape);
  return {
    family: 'gatherelements',
    template: 'gather.cuh',
    kernel: 'yhc::gather_elements',
    params: [
      typeParam('T', dtypeInfo(data.dtype).cType),
      typeParam('Index', dtypeInfo(indices.dtype).cType),
      intParam('count', n),
      intParam('rank', rank),
      intParam('axis', axis),
      intParam('axis_len', data.shape[axis]!),
    ],
    tensors: [read('data', data), read('indices', indices), write('y', y)],
    locals: [
      { cType: `yhc::Dims<${rank}>`, name: 'index_dims', init: int64Array(indices.shape) },
      { cType: `yhc::Strides<${rank}>`, name: 'data_strides', init: int64Array(stridesOf(data.shape)) },
    ],
    callArgs: ['data', 'indices', 'y', 'index_dims', 'data_strides'],
    launch: oneThreadPerElement(n),
    nodes: [node],
    flops: 0,
  };
}

/** GatherND → gather_nd: each index tuple (after batch_dims) selects a slice of data. */
export function gatherNdKernel(node: Node): KernelSpec {
  const [data, indices] = [node.input(0), node.input(1)];
  const y = node.outputs[0]!;
  const batchDims = gatherNdBatchDims(node);
  const depth = indices.shape[indices.shape.length - 1]!;
  const dataStrides = stridesOf(data.shape);
  const batch = numel(data.shape.slice(0, batchDims));
  const middle = numel(indices.shape.slice(batchDims, -1));
  const slice = numel(data.shape.slice(batchDims + depth));
  const indexed = data.shape.slice(batchDims, batchDims + depth);
  const n = numel(y.shape);
  return {
    family: 'gathernd',
    template: 'gather.cuh',
    kernel: 'yhc::gather_nd',
    params: [
      typeParam('T', dtypeInfo(data.dtype).cType),
      typeParam('Index', dtypeInfo(indices.dtype).cType),
      intParam('batch', batch),
      intParam('middle', middle),
      intParam('depth', Math.max(1, depth)),
      intParam('slice', slice),
      intParam('data_batch_stride', batchDims > 0 ? dataStrides[batchDims - 1]! : 0),
    ],
    tensors: [read('data', data), read('indices', indices), write('y', y)],
    locals: [
      { cType: `yhc::Dims<${Math.max(1, depth)}>`, name: 'indexed_dims', init: int64Array(depth ? indexed : [1]) },
      {
        cType: `yhc::Strides<${Math.max(1, depth)}>`,
        name: 'indexed_strides',
        init: int64Array(depth ? dataStrides.slice(batchDims, batchDims + depth) : [0]),
      },
    ],
    callArgs: ['data', 'indices', 'y', 'indexed_dims', 'indexed_strides'],
    launch: oneThreadPerElement(n),
    nodes: [node],
    flops: 0,
  };
}
