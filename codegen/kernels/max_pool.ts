import { YhcError } from '../../src/errors.js';
import { attrInt } from '../../src/ir/attributes.js';
import { describeNode, type Node } from '../../src/ir/graph.js';
import { kernelShapeAttr, windowGeometry } from '../../src/ops/util/window.js';
import { numel } from '../../src/tensor.js';
import { boolParam, elementType, imageMajorThreads, intParam, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';

/** Element types the max_pool template compares (float and half as float, 8-bit integers as int). */
const COMPARE_AS: Partial<Record<string, string>> = { float32: 'float', float16: 'float', int8: 'int', uint8: 'int' };

/**
 * MaxPool → max_pool (templates/kernels/max_pool.cuh): one thread per output element over 1, 2 or
 * 3 spatial dims, the window geometry of src/ops/pool.ts (pads or auto_pad, strides, dilations,
 * ceil_mode), and the optional Indices output.
 */
export function maxPoolKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  const indices = node.outputs[1];
  const acc = COMPARE_AS[x.dtype];
  if (!acc) throw new YhcError('CODEGEN', `${describeNode(node)}: the MaxPool kernel takes float32, float16, int8 or uint8 tensors, got ${x.dtype}`);
  const spatial = x.shape.length - 2;
  if (spatial < 1 || spatial > 3) {
    throw new YhcError('CODEGEN', `${describeNode(node)}: the MaxPool kernel pools 1 to 3 spatial dims, got input [${x.shape.join(', ')}]`);
  }
  const g = windowGeometry(node, x.shape.slice(2), kernelShapeAttr(node, null), { ceilMode: attrInt(node, 'ceil_mode', 0) !== 0 });
  // Missing leading spatial dims are unit dims: a 1-D or 2-D pool is a 3-D one.
  const lead = 3 - spatial;
  const dim = (a: readonly number[], fill: number) => [...new Array<number>(lead).fill(fill), ...a];
  const [inD, inH, inW] = dim(g.inSize, 1);
  const [outD, outH, outW] = dim(g.outSize, 1);
  const [kD, kH, kW] = dim(g.kernel, 1);
  const [sD, sH, sW] = dim(g.strides, 1);
  const [pD, pH, pW] = dim(g.padsBegin, 0);
  const [dD, dH, dW] = dim(g.dilations, 1);
  const [batch, channels] = x.shape as [number, number];
  return {
    family: 'maxpool',
    template: 'max_pool.cuh',
    kernel: 'yhc::max_pool',
    blockFunction: 'yhc::max_pool_block',
    params: [
      typeParam('T', elementType(x)),
      typeParam('Acc', acc),
      intParam('channels', channels),
      intParam('spatial_dims', spatial),
      intParam('in_d', inD!),
      intParam('in_h', inH!),
      intParam('in_w', inW!),
      intParam('out_d', outD!),
      intParam('out_h', outH!),
      intParam('out_w', outW!),
      intParam('kernel_d', kD!),
      intParam('kernel_h', kH!),
      intParam('kernel_w', kW!),
      intParam('stride_d', sD!),
      intParam('stride_h', sH!),
      intParam('stride_w', sW!),
      intParam('pad_d', pD!),
      intParam('pad_h', pH!),
      intParam('pad_w', pW!),
      intParam('dilation_d', dD!),
      intParam('dilation_h', dH!),
      intParam('dilation_w', dW!),
      boolParam('has_indices', indices !== undefined),
      boolParam('column_major', attrInt(node, 'storage_order', 0) === 1),
    ],
    tensors: [read('x', x), write('y', y), ...(indices ? [write('indices', indices)] : [])],
    callArgs: ['x', 'y', indices ? 'indices' : 'nullptr'],
    ...imageMajorThreads(batch, numel(y.shape.slice(1))),
    nodes: [node],
    flops: numel(y.shape) * numel(g.kernel),
    halfStorage: true,
  };
}
