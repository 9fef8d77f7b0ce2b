import type { Node, Value } from '../../src/ir/graph.js';
import { DW, PW, dwEpilogue, dwpwShapes, pwEpilogue, type StageEpilogue } from '../../src/ops/yhc/dwpw.js';
import { requireFloat32, type KernelSpec } from '../kernel_spec.js';
import { conv2dDirectSpec, type ConvStep } from './conv.js';
import type { LoweringContext } from './index.js';
import { groupNormSpec } from './yhc_norm.js';

/**
 * ai.yhc.DwPw → up to four simple kernels through intermediates (the fused kernel is later work):
 *   conv2d_direct (depthwise, bias, its activation unless a norm follows)
 *   [group_norm   (the depthwise GroupNorm, with the activation)]
 *   conv2d_direct (pointwise, bias, its activation unless a norm follows)
 *   [group_norm   (the pointwise GroupNorm, with the activation)]
 */

/**
 * One stage: its conv, then its GroupNorm if it has one. The conv applies the activation itself
 * when there is no norm; otherwise the norm's epilogue does. Writes `out`.
 */
function stage(node: Node, conv: Omit<ConvStep, 'y' | 'activation' | 'family' | 'node'>, e: StageEpilogue, norm: [number, number], out: Value, name: string, ctx: LoweringContext): KernelSpec[] {
  if (e.normGroups === 0) return [conv2dDirectSpec({ ...conv, y: out, activation: e.activation, family: `dwpw${name}`, node })];
  const raw = ctx.temp(out.dtype, out.shape);
  return [
    conv2dDirectSpec({ ...conv, y: raw, activation: 'none', family: `dwpw${name}`, node }),
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
