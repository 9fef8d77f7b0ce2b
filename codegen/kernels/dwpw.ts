import { describeNode, type Node, type Value } from '../../src/ir/graph.js';
import { DW, PW, dwEpilogue, dwpwShapes, pwEpilogue, type DwPwShapes, type StageEpilogue } from '../../src/ops/yhc/dwpw.js';
import { ACTIVATION_FUNCTOR, type Activation } from '../../src/ops/yhc/activation.js';
import {
  boolParam,
  elementTypeParam,
  intParam,
  read,
  requireFloat32,
  requireFloatStorage,
  THREADS_PER_BLOCK,
  typeParam,
  write,
  type KernelSpec,
} from '../kernel_spec.js';
import { conv2dDirectSpec, windowParams, type ConvStep } from './conv_direct.js';
import { conv2dGroupStatsSpec, conv2dNormedGroupStatsSpec, conv2dNormedInputSpec, groupStatsOutput } from './conv_statistics.js';
import type { LoweringContext } from './lowering.js';
import { groupNormSpec } from './group_norm.js';

/**
 * ai.yhc.DwPw → kernels:
 *   without a depthwise GroupNorm: dwpw_fused (depthwise into shared memory, pointwise from
 *     there; the intermediate never reaches global memory) — two direct convs through an
 *     intermediate if even one pixel's channels overflow shared memory — then [group_norm] for
 *     a pointwise GroupNorm;
 *   with one: normalizedAcrossKernels below.
 */

/** Shared memory the fused kernel may use for its tile of the depthwise result. */
export const DWPW_SHARED_BYTES = 32 * 1024;
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
      elementTypeParam('Input', s.x),
      elementTypeParam('Weight', s.dwWeight),
      elementTypeParam('Output', s.y),
    ],
    tensors: [
      read('x', s.x),
      read('dw_w', s.dwWeight),
      ...(s.dwBias ? [read('dw_bias', s.dwBias)] : []),
      read('pw_w', s.pwWeight),
      ...(s.pwBias ? [read('pw_bias', s.pwBias)] : []),
      write('y', s.y),
    ],
    callArgs: ['x', 'dw_w', s.dwBias ? 'dw_bias' : 'nullptr', 'pw_w', s.pwBias ? 'pw_bias' : 'nullptr', 'y'],
    launch: {
      grid: batch * Math.ceil(pixels / s.tile),
      block: THREADS_PER_BLOCK,
      sharedBytes: channels * s.tile * 4,
      sharedBytesWhy: `float hidden[channels][tile], one tile's depthwise results: ${channels} x ${s.tile} x 4 bytes`,
      barriers: true,
    },
    imageBlocks: Math.ceil(pixels / s.tile),
    nodes: [s.node],
    flops: 2 * batch * pixels * channels * (kernelH * kernelW + outChannels),
    halfStorage: true,
  };
}

/** A pointwise GroupNorm (with its activation) from the raw pointwise result into `out`. */
function pwNormSpec(node: Node, raw: Value, out: Value, pw: StageEpilogue): KernelSpec {
  return groupNormSpec({
    x: raw,
    scale: node.input(PW.normScale),
    bias: node.input(PW.normBias),
    y: out,
    groups: pw.normGroups,
    epsilon: pw.normEpsilon,
    activation: pw.activation,
    family: 'dwpwpwnorm',
    nodes: [node],
  });
}

export function dwpwKernels(node: Node, ctx: LoweringContext): KernelSpec[] {
  const x = node.input(DW.x);
  const y = node.outputs[0]!;
  const dwWeight = node.input(DW.weight);
  const pwWeight = node.input(PW.weight);
  const dwBias = node.inputs[DW.bias] ?? null;
  const pwBias = node.inputs[PW.bias] ?? null;
  const optional = [DW.normScale, DW.normBias, PW.normScale, PW.normBias].map((i) => node.inputs[i] ?? null).filter((v): v is Value => v !== null);
  const weights = [dwWeight, pwWeight, ...(dwBias ? [dwBias] : []), ...(pwBias ? [pwBias] : [])];
  requireFloatStorage(node, [x, ...weights, y]);
  // The normalizations' affine parameters stay float32, as their statistics do.
  requireFloat32(node, optional);
  if (weights.some((w) => w.dtype !== dwWeight.dtype)) throw new Error(`internal: ${describeNode(node)} mixes weight storage types`);
  const shapes = dwpwShapes(node);
  const [dw, pw] = [dwEpilogue(node), pwEpilogue(node)];
  if (dw.normGroups > 0) return normalizedAcrossKernels(node, shapes, dw, pw, ctx);

  // A pointwise GroupNorm runs after the convs, from their raw result, with the activation.
  const pwOut = pw.normGroups > 0 ? ctx.temp(y.dtype, y.shape) : y;
  const pwActivation = pw.normGroups > 0 ? 'none' : pw.activation;
  const tile = dwpwTile(x.shape[1]!);
  let convs: KernelSpec[];
  if (tile > 0) {
    convs = [
      fusedSpec({ x, dwWeight, dwBias, pwWeight, pwBias, y: pwOut, geometry: shapes.dw.geometry, dwActivation: dw.activation, pwActivation, tile, node }),
    ];
  } else {
    const hidden = ctx.temp(y.dtype, shapes.dw.outShape);
    convs = [
      conv2dDirectSpec({
        x,
        w: dwWeight,
        bias: dwBias,
        y: hidden,
        groups: x.shape[1]!,
        geometry: shapes.dw.geometry,
        activation: dw.activation,
        family: 'dwpwdw',
        node,
      }),
      conv2dDirectSpec({
        x: hidden,
        w: pwWeight,
        bias: pwBias,
        y: pwOut,
        groups: 1,
        geometry: shapes.pw.geometry,
        activation: pwActivation,
        family: 'dwpwpw',
        node,
      }),
    ];
  }
  return pw.normGroups > 0 ? [...convs, pwNormSpec(node, pwOut, y, pw)] : convs;
}

/**
 * A depthwise GroupNorm needs the whole depthwise result's statistics before any normalized
 * value exists, so the stages split there — but without a normalization pass over memory: the
 * depthwise conv gathers the statistics in its epilogue, and the pointwise conv normalizes (and
 * applies the depthwise activation) as it loads:
 *   conv2d_group_stats (dw) · conv2d_normed_input (pw) · [group_norm (pw GroupNorm)]
 */
function normalizedAcrossKernels(node: Node, shapes: DwPwShapes, dw: StageEpilogue, pw: StageEpilogue, ctx: LoweringContext): KernelSpec[] {
  const x = node.input(DW.x);
  const y = node.outputs[0]!;
  const hidden = ctx.temp(y.dtype, shapes.dw.outShape); // the raw depthwise result, stored like y
  const dwStats = groupStatsOutput(ctx, shapes.dw.outShape, dw.normGroups, dw.normEpsilon);
  const depthwise = conv2dGroupStatsSpec(
    {
      x,
      w: node.input(DW.weight),
      bias: node.inputs[DW.bias] ?? null,
      y: hidden,
      groups: x.shape[1]!,
      geometry: shapes.dw.geometry,
      activation: 'none',
      family: 'dwpwdw',
      node,
    },
    dwStats,
  );
  const normedHidden = {
    groups: dw.normGroups,
    activation: dw.activation,
    stats: dwStats.stats,
    scale: node.input(DW.normScale),
    shift: node.input(DW.normBias),
  };
  const pwConv = (out: Value): ConvStep => ({
    x: hidden,
    w: node.input(PW.weight),
    bias: node.inputs[PW.bias] ?? null,
    y: out,
    groups: 1,
    geometry: shapes.pw.geometry,
    activation: pw.normGroups > 0 ? 'none' : pw.activation,
    family: 'dwpwpw',
    node,
  });
  // The readers of y apply the pointwise GroupNorm (norm_handoff.ts): y holds the raw pointwise
  // result, and this conv gathers its statistics.
  const handoff = ctx.inputHandoff(y);
  if (handoff?.kind === 'groupnorm') {
    const pwStats = groupStatsOutput(ctx, y.shape, handoff.groups, handoff.epsilon, handoff.stats);
    return [depthwise, conv2dNormedGroupStatsSpec(pwConv(y), normedHidden, pwStats)];
  }
  const pwOut = pw.normGroups > 0 ? ctx.temp(y.dtype, y.shape) : y;
  const pointwise = conv2dNormedInputSpec(pwConv(pwOut), normedHidden);
  return pw.normGroups > 0 ? [depthwise, pointwise, pwNormSpec(node, pwOut, y, pw)] : [depthwise, pointwise];
}
