import type { Node, Value } from '../../src/ir/graph.js';
import { numel } from '../../src/tensor.js';
import { ACTIVATION_FUNCTOR, type Activation } from '../../src/ops/yhc/activation.js';
import { DW, PW, dwEpilogue, dwpwShapes, pwEpilogue, type StageEpilogue } from '../../src/ops/yhc/dwpw.js';
import type { WindowGeometry } from '../../src/ops/util/window.js';
import { boolParam, intParam, oneThreadPerElement, read, requireFloat32, typeParam, write, type KernelSpec } from '../kernel_spec.js';
import type { LoweringContext } from './index.js';
import { groupNormSpec } from './yhc_norm.js';

/**
 * ai.yhc.DwPw → up to four simple kernels through intermediates (the fused kernel is later work):
 *   conv2d_direct (depthwise, bias, its activation unless a norm follows)
 *   [group_norm   (the depthwise GroupNorm, with the activation)]
 *   conv2d_direct (pointwise, bias, its activation unless a norm follows)
 *   [group_norm   (the pointwise GroupNorm, with the activation)]
 */

interface ConvStep {
  readonly x: Value;
  readonly w: Value;
  readonly bias: Value | null;
  readonly y: Value;
  readonly groups: number;
  readonly geometry: WindowGeometry;
  readonly activation: Activation;
  readonly family: string;
  readonly node: Node;
}

/** conv2d_direct over NCHW with the given geometry: one thread per output element. */
function convSpec(s: ConvStep): KernelSpec {
  const [batch, inChannels, inH, inW] = s.x.shape as [number, number, number, number];
  const [outChannels, , kernelH, kernelW] = s.w.shape as [number, number, number, number];
  const [, , outH, outW] = s.y.shape as [number, number, number, number];
  const g = s.geometry;
  return {
    family: s.family,
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
      intParam('groups', s.groups),
      intParam('kernel_h', kernelH),
      intParam('kernel_w', kernelW),
      intParam('stride_h', g.strides[0]!),
      intParam('stride_w', g.strides[1]!),
      intParam('pad_top', g.padsBegin[0]!),
      intParam('pad_left', g.padsBegin[1]!),
      intParam('dilation_h', g.dilations[0]!),
      intParam('dilation_w', g.dilations[1]!),
      boolParam('has_bias', s.bias !== null),
      typeParam('Act', ACTIVATION_FUNCTOR[s.activation]),
    ],
    tensors: [read('x', s.x), read('w', s.w), ...(s.bias ? [read('bias', s.bias)] : []), write('y', s.y)],
    callArgs: ['x', 'w', s.bias ? 'bias' : 'nullptr', 'y'],
    launch: oneThreadPerElement(numel(s.y.shape)),
    nodes: [s.node],
    flops: 2 * numel(s.y.shape) * (inChannels / s.groups) * kernelH * kernelW,
  };
}

/**
 * One stage: its conv, then its GroupNorm if it has one. The conv applies the activation itself
 * when there is no norm; otherwise the norm's epilogue does. Writes `out`.
 */
function stage(node: Node, conv: Omit<ConvStep, 'y' | 'activation' | 'family' | 'node'>, e: StageEpilogue, norm: [number, number], out: Value, name: string, ctx: LoweringContext): KernelSpec[] {
  if (e.normGroups === 0) return [convSpec({ ...conv, y: out, activation: e.activation, family: `dwpw${name}`, node })];
  const raw = ctx.temp(out.dtype, out.shape);
  return [
    convSpec({ ...conv, y: raw, activation: 'none', family: `dwpw${name}`, node }),
    groupNormSpec({ x: raw, scale: node.input(norm[0]), bias: node.input(norm[1]), y: out, groups: e.normGroups, epsilon: e.normEpsilon, activation: e.activation, family: `dwpw${name}norm`, nodes: [node] }),
  ];
}

export function dwpwKernels(node: Node, ctx: LoweringContext): KernelSpec[] {
  const x = node.input(DW.x);
  const y = node.outputs[0]!;
  const dwWeight = node.input(DW.weight);
  const pwWeight = node.input(PW.weight);
  const dwBias = node.inputs[DW.bias] ?? null;
  const pwBias = node.inputs[PW.bias] ?? null;
  const optional = [DW.normScale, DW.normBias, PW.normScale, PW.normBias].map((i) => node.inputs[i] ?? null).filter((v): v is Value => v !== null);
  requireFloat32(node, [x, dwWeight, pwWeight, ...(dwBias ? [dwBias] : []), ...(pwBias ? [pwBias] : []), ...optional, y]);
  const shapes = dwpwShapes(node);
  const hidden = ctx.temp(x.dtype, shapes.dw.outShape); // the depthwise stage's result
  return [
    ...stage(node, { x, w: dwWeight, bias: dwBias, groups: x.shape[1]!, geometry: shapes.dw.geometry }, dwEpilogue(node), [DW.normScale, DW.normBias], hidden, 'dw', ctx),
    ...stage(node, { x: hidden, w: pwWeight, bias: pwBias, groups: 1, geometry: shapes.pw.geometry }, pwEpilogue(node), [PW.normScale, PW.normBias], y, 'pw', ctx),
  ];
}
