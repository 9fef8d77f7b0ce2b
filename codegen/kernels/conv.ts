import { attrInt, attrInts, attrString } from '../../src/ir/attributes.js';
import type { Node } from '../../src/ir/graph.js';
import { YhcError } from '../../src/errors.js';
import { describeNode } from '../../src/ir/graph.js';
import { numel } from '../../src/tensor.js';
import { boolParam, intParam, oneThreadPerElement, read, write, type KernelSpec } from '../kernel_spec.js';

/** Conv (2-D, float32, NCHW) → conv2d_direct: one thread per output element. */
export function convKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const w = node.input(1);
  const bias = node.inputs[2] ?? null;
  const y = node.outputs[0]!;
  if (x.shape.length !== 4 || x.dtype !== 'float32') {
    throw new YhcError('CODEGEN', `${describeNode(node)}: only 2-D float32 convolutions have a kernel (got ${x.dtype} rank ${x.shape.length})`);
  }
  const [batch, inChannels, inH, inW] = x.shape as [number, number, number, number];
  const [outChannels, , kernelH, kernelW] = w.shape as [number, number, number, number];
  const [, , outH, outW] = y.shape as [number, number, number, number];
  const strides = attrInts(node, 'strides', [1, 1]);
  const dilations = attrInts(node, 'dilations', [1, 1]);
  const [padTop, padLeft] = leadingPads(node, [inH, inW], [kernelH, kernelW], [outH, outW], strides, dilations);
  const groups = attrInt(node, 'group', 1);
  const macs = numel(y.shape) * (inChannels / groups) * kernelH * kernelW;
  return {
    family: groups === inChannels && groups > 1 ? 'dwconv' : 'conv',
    template: 'conv2d_direct.cuh',
    kernel: 'yhc::conv2d_direct',
    params: [
      intParam('batch', batch),
      intParam('in_channels', inChannels),
      intParam('in_h', inH),
      intParam('in_w', inW),
      intParam('out_channels', outChannels),
      intParam('out_h', outH),
      intParam('out_w', outW),
      intParam('groups', groups),
      intParam('kernel_h', kernelH),
      intParam('kernel_w', kernelW),
      intParam('stride_h', strides[0]!),
      intParam('stride_w', strides[1]!),
      intParam('pad_top', padTop),
      intParam('pad_left', padLeft),
      intParam('dilation_h', dilations[0]!),
      intParam('dilation_w', dilations[1]!),
      boolParam('has_bias', bias !== null),
    ],
    tensors: [read('x', x), read('w', w), ...(bias ? [read('bias', bias)] : []), write('y', y)],
    callArgs: ['x', 'w', bias ? 'bias' : 'nullptr', 'y'],
    launch: oneThreadPerElement(numel(y.shape)),
    nodes: [node],
    flops: 2 * macs,
  };
}

/** Top/left padding, resolving auto_pad like ONNX (SAME_UPPER puts the odd pixel at the end). */
function leadingPads(
  node: Node,
  inSize: readonly number[],
  kernel: readonly number[],
  outSize: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): number[] {
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') return attrInts(node, 'pads', [0, 0, 0, 0]).slice(0, 2);
  if (autoPad === 'VALID') return [0, 0];
  return inSize.map((n, d) => {
    const total = Math.max(0, (outSize[d]! - 1) * strides[d]! + (kernel[d]! - 1) * dilations[d]! + 1 - n);
    return autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
  });
}
