import { attrInt } from '../../src/ir/attributes.js';
import { dtypeInfo } from '../../src/dtype.js';
import type { Node } from '../../src/ir/graph.js';
import { hasInput } from '../../src/ops/util/checks.js';
import { normalizeAxis, splitAroundAxis } from '../../src/ops/util/axes.js';
import { numel } from '../../src/tensor.js';
import { boolParam, intParam, oneThreadPerElement, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';

/**
 * Generic kernels for ops that postprocess variants use and the decoder passes do not fold:
 * ArgMax / ArgMin (class labels of `scores.max(dim)`), Clip (boxes clamped to the image).
 * One thread per output element; each is its own launch.
 */

/** ArgMax / ArgMin → arg_extreme_axis (arg_extreme.cuh). */
export function argExtremeKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  const axis = normalizeAxis(node, attrInt(node, 'axis', 0), x.shape.length);
  const { len, inner } = splitAroundAxis(x.shape, axis);
  const count = numel(y.shape);
  return {
    family: node.opType.toLowerCase(),
    template: 'arg_extreme.cuh',
    kernel: 'yhc::arg_extreme_axis',
    params: [
      typeParam('In', dtypeInfo(x.dtype).cType),
      intParam('count', count),
      intParam('len', len),
      intParam('inner', inner),
      boolParam('largest', node.opType === 'ArgMax'),
      boolParam('select_last', attrInt(node, 'select_last_index', 0) !== 0),
    ],
    tensors: [read('x', x), write('y', y)],
    callArgs: ['x', 'y'],
    launch: oneThreadPerElement(count),
    nodes: [node],
    flops: numel(x.shape),
  };
}

/** Clip → clip_bounds (clip.cuh): the bounds are optional scalar inputs (yhc reads opsets 13+). */
export function clipKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  const count = numel(y.shape);
  const lo = hasInput(node, 1) ? node.input(1) : null;
  const hi = hasInput(node, 2) ? node.input(2) : null;
  return {
    family: 'clip',
    template: 'clip.cuh',
    kernel: 'yhc::clip_bounds',
    params: [typeParam('T', dtypeInfo(x.dtype).cType), intParam('count', count), boolParam('has_lo', lo !== null), boolParam('has_hi', hi !== null)],
    tensors: [read('x', x), ...(lo ? [read('lo', lo)] : []), ...(hi ? [read('hi', hi)] : []), write('y', y)],
    callArgs: ['x', lo ? 'lo' : 'nullptr', hi ? 'hi' : 'nullptr', 'y'],
    launch: oneThreadPerElement(count),
    nodes: [node],
    flops: 2 * count,
  };
}
