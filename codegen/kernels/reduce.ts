import { dtypeInfo } from '../../src/dtype.js';
import type { Node } from '../../src/ir/graph.js';
import { reducedAxes } from '../../src/ops/reduce.js';
import { numel, stridesOf } from '../../src/tensor.js';
import { int64Array, intParam, oneThreadPerElement, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';

/** ONNX Reduce* → functor in templates/kernels/reduce.cuh (yhc::reduce_op::...). */
const REDUCTIONS: Record<string, string> = {
  ReduceSum: 'Sum',
  ReduceMean: 'Mean',
  ReduceMax: 'Max',
  ReduceMin: 'Min',
  ReduceProd: 'Prod',
  ReduceSumSquare: 'SumSquare',
};
export const REDUCE_OPS = Object.keys(REDUCTIONS);

/** Reduce* → reduce_axes: each output element walks its reduced elements. */
export function reduceKernel(node: Node, opset: number): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  const axes = new Set(reducedAxes(node, opset));
  const strides = stridesOf(x.shape);
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.has(d));
  const reduced = [...axes].sort((a, b) => a - b);
  const dimsOf = (ds: number[]) => (ds.length ? ds.map((d) => x.shape[d]!) : [1]);
  const stridesFor = (ds: number[]) => (ds.length ? ds.map((d) => strides[d]!) : [0]);
  const acc = dtypeInfo(x.dtype).isFloat ? 'float' : 'int64_t';
  const name = REDUCTIONS[node.opType]!;
  const count = numel(y.shape);
  const reducedCount = numel(reduced.map((d) => x.shape[d]!));
  return {
    family: `reduce${name.toLowerCase()}`,
    template: 'reduce.cuh',
    kernel: 'yhc::reduce_axes',
    params: [
      typeParam('In', dtypeInfo(x.dtype).cType),
      typeParam('Out', dtypeInfo(y.dtype).cType),
      typeParam('Acc', acc),
      typeParam('Op', `yhc::reduce_op::${name}<${acc}>`),
      intParam('count', count),
      intParam('reduced_count', reducedCount),
      intParam('kept_rank', Math.max(1, kept.length)),
      intParam('reduced_rank', Math.max(1, reduced.length)),
    ],
    tensors: [read('x', x), write('y', y)],
    locals: [
      { cType: `yhc::Dims<${Math.max(1, kept.length)}>`, name: 'kept_dims', init: int64Array(dimsOf(kept)) },
      { cType: `yhc::Strides<${Math.max(1, kept.length)}>`, name: 'kept_strides', init: int64Array(stridesFor(kept)) },
      { cType: `yhc::Dims<${Math.max(1, reduced.length)}>`, name: 'reduced_dims', init: int64Array(dimsOf(reduced)) },
      { cType: `yhc::Strides<${Math.max(1, reduced.length)}>`, name: 'reduced_strides', init: int64Array(stridesFor(reduced)) },
    ],
    callArgs: ['x', 'y', 'kept_dims', 'kept_strides', 'reduced_dims', 'reduced_strides'],
    launch: oneThreadPerElement(count),
    nodes: [node],
    flops: numel(x.shape),
  };
}
