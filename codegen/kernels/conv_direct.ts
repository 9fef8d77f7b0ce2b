import type { Node, Value } from '../../src/ir/graph.js';
import type { WindowGeometry } from '../../src/ops/util/window.js';
import { numel } from '../../src/tensor.js';
import { ACTIVATION_FUNCTOR, type Activation } from '../../src/ops/yhc/activation.js';
import { boolParam, elementTypeParam, imageMajorThreads, intParam, read, typeParam, write, type KernelSpec, type ParamField } from '../kernel_spec.js';

/** One 2-D convolution over NCHW as conv2d_direct sees it. */
export interface ConvStep {
  readonly x: Value;
  readonly w: Value;
  readonly bias: Value | null;
  readonly y: Value;
  readonly groups: number;
  readonly geometry: WindowGeometry;
  readonly activation: Activation;
  readonly family: string;
  /** The node the kernel implements (provenance). */
  readonly node: Node;
}

/** A 2-D window's stride, leading padding and dilation, as the conv templates name them. */
export function windowParams(g: WindowGeometry): ParamField[] {
  return [
    intParam('stride_h', g.strides[0]!),
    intParam('stride_w', g.strides[1]!),
    intParam('pad_top', g.padsBegin[0]!),
    intParam('pad_left', g.padsBegin[1]!),
    intParam('dilation_h', g.dilations[0]!),
    intParam('dilation_w', g.dilations[1]!),
  ];
}

/** A conv's storage types: x as Input, w and its bias as Weight (one type: precision.ts keeps them together), y as Output. */
export function convElementTypes(s: Pick<ConvStep, 'x' | 'w' | 'bias' | 'y'>): ParamField[] {
  if (s.bias && s.bias.dtype !== s.w.dtype) throw new Error(`internal: conv bias is ${s.bias.dtype}, weights ${s.w.dtype}`);
  return [elementTypeParam('Input', s.x), elementTypeParam('Weight', s.w), elementTypeParam('Output', s.y)];
}

/** conv2d_direct: one thread per output element, bias and activation in the epilogue. */
export function conv2dDirectSpec(s: ConvStep): KernelSpec {
  const [batch, inChannels, inH, inW] = s.x.shape as [number, number, number, number];
  const [outChannels, , kernelH, kernelW] = s.w.shape as [number, number, number, number];
  const [, , outH, outW] = s.y.shape as [number, number, number, number];
  const g = s.geometry;
  return {
    family: s.family,
    template: 'conv2d_direct.cuh',
    kernel: 'yhc::conv2d_direct',
    blockFunction: 'yhc::conv2d_direct_block',
    params: [
      intParam('batch', batch),
      intParam('in_channels', inChannels),
      intParam('in_h', inH),
      intParam('in_w', inW),
      intParam('out_channels', outChannels),
      intParam('out_h', outH),
      intParam('out_w', outW),
      intParam('groups', s.groups),
      intParam('kernel_h', kernelH),
      intParam('kernel_w', kernelW),
      ...windowParams(g),
      boolParam('has_bias', s.bias !== null),
      typeParam('Act', ACTIVATION_FUNCTOR[s.activation]),
      ...convElementTypes(s),
    ],
    tensors: [read('x', s.x), read('w', s.w), ...(s.bias ? [read('bias', s.bias)] : []), write('y', s.y)],
    callArgs: ['x', 'w', s.bias ? 'bias' : 'nullptr', 'y'],
    ...imageMajorThreads(batch, numel(s.y.shape.slice(1))),
    nodes: [s.node],
    flops: 2 * numel(s.y.shape) * (inChannels / s.groups) * kernelH * kernelW,
    halfStorage: true,
  };
}
