import { attrInt } from '../../src/ir/attributes.js';
import type { Node } from '../../src/ir/graph.js';
import { YhcError } from '../../src/errors.js';
import { describeNode, YHC_DOMAIN } from '../../src/ir/graph.js';
import { windowGeometry } from '../../src/ops/util/window.js';
import { numel } from '../../src/tensor.js';
import { ACTIVATION_FUNCTOR, activationOf } from '../../src/ops/yhc/activation.js';
import { boolParam, intParam, oneThreadPerElement, read, requireFloat32, typeParam, write, type KernelSpec } from '../kernel_spec.js';

/** Conv and ai.yhc.Conv (2-D, float32, NCHW) → conv2d_direct: one thread per output element,
 *  bias and activation in the epilogue. */
export function convKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const w = node.input(1);
  const bias = node.inputs[2] ?? null;
  const y = node.outputs[0]!;
  requireFloat32(node, [x, w, ...(bias ? [bias] : []), y]);
  if (x.shape.length !== 4) throw new YhcError('CODEGEN', `${describeNode(node)}: only 2-D convolutions have a kernel (input rank ${x.shape.length})`);
  const [batch, inChannels, inH, inW] = x.shape as [number, number, number, number];
  const [outChannels, , kernelH, kernelW] = w.shape as [number, number, number, number];
  const [, , outH, outW] = y.shape as [number, number, number, number];
  // The same window geometry (auto_pad included) the interpreter's Conv uses.
  const win = windowGeometry(node, [inH, inW], [kernelH, kernelW]);
  const [strides, dilations, [padTop, padLeft]] = [win.strides, win.dilations, win.padsBegin];
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
      intParam('pad_top', padTop!),
      intParam('pad_left', padLeft!),
      intParam('dilation_h', dilations[0]!),
      intParam('dilation_w', dilations[1]!),
      boolParam('has_bias', bias !== null),
      typeParam('Act', ACTIVATION_FUNCTOR[node.domain === YHC_DOMAIN ? activationOf(node) : 'none']),
    ],
    tensors: [read('x', x), read('w', w), ...(bias ? [read('bias', bias)] : []), write('y', y)],
    callArgs: ['x', 'w', bias ? 'bias' : 'nullptr', 'y'],
    launch: oneThreadPerElement(numel(y.shape)),
    nodes: [node],
    flops: 2 * macs,
  };
}
