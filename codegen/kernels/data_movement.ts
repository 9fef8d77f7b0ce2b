import { dtypeInfo } from '../../src/dtype.js';
import type { Node, Value } from '../../src/ir/graph.js';
import { concatAxis, splitAxis } from '../../src/ops/concat_split.js';
import { transposePerm } from '../../src/ops/shape_ops.js';
import { sliceView } from '../../src/ops/slice.js';
import { splitAroundAxis } from '../../src/ops/util/axes.js';
import { constantInts } from '../../src/ops/util/checks.js';
import { broadcastView, tileView, transposeView, type StridedView } from '../../src/ops/util/strided.js';
import { numel } from '../../src/tensor.js';
import { intLiteral } from '../c_text.js';
import { int64Array, intParam, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';
import { flatLaunch, perImageOf } from './flat_launch.js';
import { kernelView } from './kernel_view.js';

/**
 * y[i] = x[base + Σ coord(i) · stride]: the one kernel behind Transpose, Slice, Expand, Tile,
 * walking the same strided view (src/ops/util/strided.ts) the interpreter copies.
 */
function stridedGather(family: string, node: Node, x: Value, y: Value, view: StridedView): KernelSpec {
  const map = kernelView(view);
  const rank = map.shape.length;
  const n = numel(y.shape);
  return {
    family,
    template: 'data_movement.cuh',
    kernel: 'yhc::strided_gather',
    params: [typeParam('T', dtypeInfo(y.dtype).cType), intParam('count', n), intParam('rank', rank), intParam('per_image', perImageOf(y))],
    tensors: [read('x', x), write('y', y)],
    locals: [
      { cType: `yhc::Dims<${rank}>`, name: 'dims', init: int64Array(map.shape) },
      { cType: `yhc::Strides<${rank}>`, name: 'src_strides', init: int64Array(map.strides) },
    ],
    callArgs: ['x', 'y', 'dims', 'src_strides', intLiteral(map.base)],
    ...flatLaunch(n, y.shape[0] ?? 1, viewPerImage(x, y, view)),
    nodes: [node],
    flops: 0,
    // Copies only: any element type, half included.
    halfStorage: true,
  };
}

/** Output image k reads input image k only: axis 0 kept whole, its stride one input image, the start inside image 0. */
function viewPerImage(x: Value, y: Value, view: StridedView): boolean {
  const image = x.shape.length > 0 ? numel(x.shape) / x.shape[0]! : 0;
  return y.shape.length > 0 && view.shape[0] === y.shape[0] && x.shape[0] === y.shape[0] && view.strides[0] === image && view.base >= 0 && view.base < image;
}

export function transposeKernel(node: Node): KernelSpec {
  const x = node.input(0);
  return stridedGather('transpose', node, x, node.outputs[0]!, transposeView(x.shape, transposePerm(node, x.shape.length)));
}

export function sliceKernel(node: Node, opset: number): KernelSpec {
  return stridedGather('slice', node, node.input(0), node.outputs[0]!, sliceView(node, opset));
}

export function expandKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  return stridedGather('expand', node, x, y, broadcastView(x.shape, y.shape));
}

export function tileKernel(node: Node): KernelSpec {
  const x = node.input(0);
  return stridedGather('tile', node, x, node.outputs[0]!, tileView(x.shape, constantInts(node, 1)));
}

/** One input of a Concat planned as a view (codegen/views.ts) that cannot be written in place, copied into its range `into`. */
export function concatCopyKernel(node: Node, from: Value, into: Value): KernelSpec {
  return stridedGather('copy', node, from, into, broadcastView(from.shape, from.shape));
}

/** Concat → concat_axis: each output element finds the input its axis coordinate falls in. */
export function concatKernel(node: Node): KernelSpec {
  const y = node.outputs[0]!;
  const parts = node.inputs.map((_, i) => node.input(i));
  const axis = concatAxis(node, y.shape.length);
  const begins = [0];
  for (const p of parts) begins.push(begins[begins.length - 1]! + p.shape[axis]!);
  const names = parts.map((_, i) => `x${i}`);
  const T = dtypeInfo(y.dtype).cType;
  const n = numel(y.shape);
  const { outer, len, inner } = splitAroundAxis(y.shape, axis);
  return {
    family: 'concat',
    template: 'data_movement.cuh',
    kernel: 'yhc::concat_axis',
    params: [typeParam('T', T), intParam('num_inputs', parts.length), intParam('outer', outer), intParam('axis_total', len), intParam('inner', inner)],
    tensors: [...parts.map((p, i) => read(names[i]!, p)), write('y', y)],
    locals: [{ cType: `yhc::ConcatInputs<${parts.length}, ${T}>`, name: 'parts', init: `{{${names.join(', ')}}, ${int64Array(begins).slice(1, -1)}}` }],
    callArgs: ['parts', 'y'],
    ...flatLaunch(n, y.shape[0] ?? 1, axis > 0 && parts.every((p) => p.shape[0] === y.shape[0])),
    nodes: [node],
    flops: 0,
    // Copies only: any element type, half included.
    halfStorage: true,
  };
}

/** Split → split_axis: each input element is written to the output its axis coordinate falls in. */
export function splitKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const outs = node.outputs;
  const axis = splitAxis(node, x.shape.length);
  const begins = [0];
  for (const o of outs) begins.push(begins[begins.length - 1]! + o.shape[axis]!);
  const names = outs.map((_, i) => `y${i}`);
  const T = dtypeInfo(x.dtype).cType;
  const n = numel(x.shape);
  const { outer, len, inner } = splitAroundAxis(x.shape, axis);
  return {
    family: 'split',
    template: 'data_movement.cuh',
    kernel: 'yhc::split_axis',
    params: [typeParam('T', T), intParam('num_outputs', outs.length), intParam('outer', outer), intParam('axis_total', len), intParam('inner', inner)],
    tensors: [read('x', x), ...outs.map((o, i) => write(names[i]!, o))],
    locals: [{ cType: `yhc::SplitOutputs<${outs.length}, ${T}>`, name: 'parts', init: `{{${names.join(', ')}}, ${int64Array(begins).slice(1, -1)}}` }],
    callArgs: ['x', 'parts'],
    ...flatLaunch(n, x.shape[0] ?? 1, axis > 0),
    nodes: [node],
    flops: 0,
    // Copies only: any element type, half included.
    halfStorage: true,
  };
}
