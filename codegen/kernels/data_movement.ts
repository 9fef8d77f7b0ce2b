import { dtypeInfo } from '../../src/dtype.js';
import { attrInt, attrInts } from '../../src/ir/attributes.js';
import type { Node, Value } from '../../src/ir/graph.js';
import { sliceStartsAndSteps } from '../../src/ops/slice.js';
import { numel } from '../../src/tensor.js';
import { intLiteral } from '../c_text.js';
import { int64Array, intParam, oneThreadPerElement, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';
import { broadcastMap, sliceMap, tileMap, transposeMap, type IndexMap } from './index_maps.js';

/** y[i] = x[base + Σ coord(i) · stride]: the one kernel behind Transpose, Slice, Expand, Tile. */
function stridedGather(family: string, node: Node, x: Value, y: Value, map: IndexMap): KernelSpec {
  const rank = map.dims.length;
  const n = numel(y.shape);
  return {
    family,
    template: 'data_movement.cuh',
    kernel: 'yhc::strided_gather',
    params: [typeParam('T', dtypeInfo(y.dtype).cType), intParam('count', n), intParam('rank', rank)],
    tensors: [read('x', x), write('y', y)],
    locals: [
      { cType: `yhc::Dims<${rank}>`, name: 'dims', init: int64Array(map.dims) },
      { cType: `yhc::Strides<${rank}>`, name: 'src_strides', init: int64Array(map.strides) },
    ],
    callArgs: ['x', 'y', 'dims', 'src_strides', intLiteral(map.base)],
    launch: oneThreadPerElement(n),
    nodes: [node],
    flops: 0,
  };
}

export function transposeKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const perm = attrInts(node, 'perm', x.shape.map((_, i) => x.shape.length - 1 - i));
  return stridedGather('transpose', node, x, node.outputs[0]!, transposeMap(x.shape, perm));
}

export function sliceKernel(node: Node, opset: number): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  const { starts, steps } = sliceStartsAndSteps(node, opset);
  return stridedGather('slice', node, x, y, sliceMap(x.shape, y.shape, starts, steps));
}

export function expandKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  return stridedGather('expand', node, x, y, broadcastMap(x.shape, y.shape));
}

export function tileKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  return stridedGather('tile', node, x, y, tileMap(x.shape, y.shape));
}

/** A copy between two buffers of equal size (graph outputs that alias other storage). */
export function copyKernel(node: Node, x: Value, y: Value): KernelSpec {
  return stridedGather('copy', node, x, y, { dims: [numel(y.shape)], strides: [1], base: 0 });
}

function axisOf(node: Node, rank: number): number {
  const a = attrInt(node, 'axis', 0);
  return a < 0 ? a + rank : a;
}

/** Concat → concat_axis: each output element finds the input its axis coordinate falls in. */
export function concatKernel(node: Node): KernelSpec {
  const y = node.outputs[0]!;
  const parts = node.inputs.map((_, i) => node.input(i));
  const axis = axisOf(node, y.shape.length);
  const begins = [0];
  for (const p of parts) begins.push(begins[begins.length - 1]! + p.shape[axis]!);
  const names = parts.map((_, i) => `x${i}`);
  const T = dtypeInfo(y.dtype).cType;
  const n = numel(y.shape);
  return {
    family: 'concat',
    template: 'data_movement.cuh',
    kernel: 'yhc::concat_axis',
    params: [
      typeParam('T', T),
      intParam('num_inputs', parts.length),
      intParam('outer', numel(y.shape.slice(0, axis))),
      intParam('axis_total', y.shape[axis]!),
      intParam('inner', numel(y.shape.slice(axis + 1))),
    ],
    tensors: [...parts.map((p, i) => read(names[i]!, p)), write('y', y)],
    locals: [{ cType: `yhc::ConcatInputs<${parts.length}, ${T}>`, name: 'parts', init: `{{${names.join(', ')}}, ${int64Array(begins).slice(1, -1)}}` }],
    callArgs: ['parts', 'y'],
    launch: oneThreadPerElement(n),
    nodes: [node],
    flops: 0,
  };
}

/** Split → split_axis: each input element is written to the output its axis coordinate falls in. */
export function splitKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const outs = node.outputs;
  const axis = axisOf(node, x.shape.length);
  const begins = [0];
  for (const o of outs) begins.push(begins[begins.length - 1]! + o.shape[axis]!);
  const names = outs.map((_, i) => `y${i}`);
  const T = dtypeInfo(x.dtype).cType;
  const n = numel(x.shape);
  return {
    family: 'split',
    template: 'data_movement.cuh',
    kernel: 'yhc::split_axis',
    params: [
      typeParam('T', T),
      intParam('num_outputs', outs.length),
      intParam('outer', numel(x.shape.slice(0, axis))),
      intParam('axis_total', x.shape[axis]!),
      intParam('inner', numel(x.shape.slice(axis + 1))),
    ],
    tensors: [read('x', x), ...outs.map((o, i) => write(names[i]!, o))],
    locals: [{ cType: `yhc::SplitOutputs<${outs.length}, ${T}>`, name: 'parts', init: `{{${names.join(', ')}}, ${int64Array(begins).slice(1, -1)}}` }],
    callArgs: ['x', 'parts'],
    launch: oneThreadPerElement(n),
    nodes: [node],
    flops: 0,
  };
}
