import type { Node, Value } from '../../src/ir/graph.js';
import { DW, PW, dwEpilogue, dwpwShapes, pwEpilogue, type StageEpilogue } from '../../src/ops/yhc/dwpw.js';
import { ACTIVATION_FUNCTOR, type Activation } from '../../src/ops/yhc/activation.js';
import { boolParam, intParam, read, requireFloat32, typeParam, write, type KernelSpec } from '../kernel_spec.js';
import { conv2dDirectSpec, windowParams, type ConvStep } from './conv_direct.js';
import { conv2dGroupStatsSpec, conv2dNormedGroupStatsSpec, conv2dNormedInputSpec, groupStatChunks, type GroupStatsOutput } from './conv_statistics.js';
import type { LoweringContext } from './index.js';
import { groupNormSpec } from './yhc_norm.js';

/**
 * ai.yhc.DwPw → kernels:
 *   without a depthwise GroupNorm: dwpw_fused (depthwise into shared memory, pointwise from
 *     there; the intermediate never reaches global memory), then [group_norm] for a pointwise
 *     GroupNorm;
 *   with one (its statistics need the whole depthwise result first): through intermediates,
 *     conv2d_direct (dw) · group_norm · conv2d_direct (pw) · [group_norm].
 */

/** Shared memory the fused kernel may use for its tile of the depthwise result. */
export const DWPW_SHARED_BYTES = 32 * 1024;
const FUSED_BLOCK_THREADS = 256;
const MAX_TILE = 64;

/** Pixels per block: the largest power of two ≤ 64 whose [C][tile] floats fit the budget (0: none fits). */
export function dwpwTile(channels: number): number {
  let tile = MAX_TILE;
  while (tile >= 1 && channels * tile * 4 > DWPW_SHARED_BYTES) tile /= 2;
  return tile >= 1 ? tile : 0;
}

interface FusedDwPw {
  readonly x: Value;
  readonly dwWeight: Value;
  readonly dwBias: Value | null;
  readonly pwWeight: Value;
  readonly pwBias: Value | null;
  readonly y: Value;
  readonly geometry: ConvStep['geometry'];
  readonly dwActivation: Activation;
  readonly pwActivation: Activation;
  readonly tile: number;
  readonly node: Node;
}

function fusedSpec(s: FusedDwPw): KernelSpec {
  const [batch, channels, inH, inW] = s.x.shape as [number, number, number, number];
  const [, , kernelH, kernelW] = s.dwWeight.shape as [number, number, number, number];
  const [, outChannels, outH, outW] = s.y.shape as [number, number, number, number];
  const g = s.geometry;
  const pixels = outH * outW;
  return {
    family: 'dwpw',
    template: 'dwpw_fused.cuh',
    kernel: 'yhc::dwpw_fused',
    blockFunction: 'yhc::dwpw_fused_block',
    params: [
      intParam('batch', batch),
      intParam('channels', channels),
      intParam('in_h', inH),
      intParam('in_w', inW),
      intParam('out_channels', outChannels),
      intParam('out_h', outH),
      intParam('out_w', outW),
      intParam('kernel_h', kernelH),
      intParam('kernel_w', kernelW),
      ...windowParams(g),
      intParam('tile', s.tile),
      boolParam('has_dw_bias', s.dwBias !== null),
      boolParam('has_pw_bias', s.pwBias !== null),
      typeParam('DwAct', ACTIVATION_FUNCTOR[s.dwActivation]),
      typeParam('PwAct', ACTIVATION_FUNCTOR[s.pwActivation]),
    ],
    tensors: [read('x', s.x), read('dw_w', s.dwWeight), ...(s.dwBias ? [read('dw_bias', s.dwBias)] : []), read('pw_w', s.pwWeight), ...(s.pwBias ? [read('pw_bias', s.pwBias)] : []), write('y', s.y)],
    callArgs: ['x', 'dw_w', s.dwBias ? 'dw_bias' : 'nullptr', 'pw_w', s.pwBias ? 'pw_bias' : 'nullptr', 'y'],
    launch: { grid: batch * Math.ceil(pixels / s.tile), block: FUSED_BLOCK_THREADS, sharedBytes: channels * s.tile * 4, barriers: true },
    nodes: [s.node],
    flops: 2 * batch * pixels * channels * (kernelH * kernelW + outChannels),
  };
}

/**
 * One stage: its conv, then its GroupNorm if it has one. The conv applies the activation itself
 * when there is no norm; otherwise the norm's epilogue does. Writes `out`.
 */
function stage(node: Node, conv: Omit<ConvStep, 'y' | 'activation' | 'family' | 'node'>, e: StageEpilogue, norm: [number, number], out: Value, name: string, ctx: LoweringContext): KernelSpec[] {
  if (e.normGroups === 0) return [conv2dDirectSpec({ ...conv, y: out, activation: e.activation, family: `dwpw${name}`, node })];
  const raw = ctx.temp(out.dtype, out.shape);
  return [
    conv2dDirectSpec({ ...conv, y: raw, activation: 'none', family: `dwpw${name}`, node }),
    normSpec(node, raw, out, e, norm, name),
  ];
}

/** A stage's GroupNorm (with its activation) from its raw conv result into `out`. */
function normSpec(node: Node, raw: Value, out: Value, e: StageEpilogue, norm: [number, number], name: string): KernelSpec {
  return groupNormSpec({ x: raw, scale: node.input(norm[0]), bias: node.input(norm[1]), y: out, groups: e.normGroups, epsilon: e.normEpsilon, activation: e.activation, family: `dwpw${name}norm`, nodes: [node] });
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
  const [dw, pw] = [dwEpilogue(node), pwEpilogue(node)];
  const tile = dwpwTile(x.shape[1]!);
  if (dw.normGroups === 0 && tile > 0) {
    const fused = (out: Value, pwActivation: Activation) =>
      fusedSpec({ x, dwWeight, dwBias, pwWeight, pwBias, y: out, geometry: shapes.dw.geometry, dwActivation: dw.activation, pwActivation, tile, node });
    if (pw.normGroups === 0) return [fused(y, pw.activation)];
    const raw = ctx.temp(y.dtype, y.shape);
    return [fused(raw, 'none'), normSpec(node, raw, y, pw, [PW.normScale, PW.normBias], 'pw')];
  }
  if (dw.normGroups > 0) return normalizedAcrossKernels(node, ctx);
  const hidden = ctx.temp(x.dtype, shapes.dw.outShape); // the depthwise stage's result
  return [
    ...stage(node, { x, w: dwWeight, bias: dwBias, groups: x.shape[1]!, geometry: shapes.dw.geometry }, dw, [DW.normScale, DW.normBias], hidden, 'dw', ctx),
    ...stage(node, { x: hidden, w: pwWeight, bias: pwBias, groups: 1, geometry: shapes.pw.geometry }, pw, [PW.normScale, PW.normBias], y, 'pw', ctx),
  ];
}

/**
 * A depthwise GroupNorm needs the whole depthwise result's statistics before any normalized
 * value exists, so the stages split there — but without a normalization pass over memory: the
 * depthwise conv gathers the statistics in its epilogue, and the pointwise conv normalizes (and
 * applies the depthwise activation) as it loads:
 *   conv2d_group_stats (dw) · conv2d_normed_input (pw) · [group_norm (pw GroupNorm)]
 */
function normalizedAcrossKernels(node: Node, ctx: LoweringContext): KernelSpec[] {
  const x = node.input(DW.x);
  const y = node.outputs[0]!;
  const shapes = dwpwShapes(node);
  const [dw, pw] = [dwEpilogue(node), pwEpilogue(node)];
  const batch = x.shape[0]!;
  const groups = dw.normGroups;
  const hidden = ctx.temp(x.dtype, shapes.dw.outShape); // the raw depthwise result
  const chunks = groupStatChunks(shapes.dw.outShape, groups);
  const stats: GroupStatsOutput = {
    groups,
    epsilon: dw.normEpsilon,
    partials: ctx.temp('float32', [batch * groups * chunks * 3]),
    counters: ctx.state('uint32', [batch * groups]),
    stats: ctx.temp('float32', [batch * groups * 2]),
  };
  const depthwise = conv2dGroupStatsSpec(
    { x, w: node.input(DW.weight), bias: node.inputs[DW.bias] ?? null, y: hidden, groups: x.shape[1]!, geometry: shapes.dw.geometry, activation: 'none', family: 'dwpwdw', node },
    stats,
  );
  const normedHidden = { groups, activation: dw.activation, stats: stats.stats, scale: node.input(DW.normScale), shift: node.input(DW.normBias) };
  const pwConv = (out: Value): ConvStep => ({
    x: hidden, w: node.input(PW.weight), bias: node.inputs[PW.bias] ?? null, y: out, groups: 1, geometry: shapes.pw.geometry,
    activation: pw.normGroups > 0 ? 'none' : pw.activation, family: 'dwpwpw', node,
  });
  // The readers of y apply the pointwise GroupNorm (norm_handoff.ts): y holds the raw pointwise
  // result, and this conv gathers its statistics.
  const handoff = ctx.inputHandoff(y);
  if (handoff?.kind === 'groupnorm') {
    const pwChunks = groupStatChunks(y.shape, handoff.groups);
    const pwStats: GroupStatsOutput = {
      groups: handoff.groups,
      epsilon: handoff.epsilon,
      partials: ctx.temp('float32', [batch * handoff.groups * pwChunks * 3]),
      counters: ctx.state('uint32', [batch * handoff.groups]),
      stats: handoff.stats,
    };
    return [depthwise, conv2dNormedGroupStatsSpec(pwConv(y), normedHidden, pwStats)];
  }
  const pwOut = pw.normGroups > 0 ? ctx.temp(y.dtype, y.shape) : y;
  const pointwise = conv2dNormedInputSpec(pwConv(pwOut), normedHidden);
  if (pw.normGroups === 0) return [depthwise, pointwise];
  return [depthwise, pointwise, normSpec(node, pwOut, y, pw, [PW.normScale, PW.normBias], 'pw')];
}
