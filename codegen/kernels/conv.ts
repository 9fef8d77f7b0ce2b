import { attrInt } from '../../src/ir/attributes.js';
import type { Node, Value } from '../../src/ir/graph.js';
import { YhcError } from '../../src/errors.js';
import { describeNode, YHC_DOMAIN } from '../../src/ir/graph.js';
import { windowGeometry, type WindowGeometry } from '../../src/ops/util/window.js';
import type { LoweringContext } from './index.js';
import { numel } from '../../src/tensor.js';
import { ACTIVATION_FUNCTOR, activationOf, type Activation } from '../../src/ops/yhc/activation.js';
import { boolParam, floatParam, intParam, oneThreadPerElement, read, requireFloat32, typeParam, write, type KernelSpec, type ParamField } from '../kernel_spec.js';

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
    ],
    tensors: [read('x', s.x), read('w', s.w), ...(s.bias ? [read('bias', s.bias)] : []), write('y', s.y)],
    callArgs: ['x', 'w', s.bias ? 'bias' : 'nullptr', 'y'],
    launch: oneThreadPerElement(numel(s.y.shape)),
    nodes: [s.node],
    flops: 2 * numel(s.y.shape) * (inChannels / s.groups) * kernelH * kernelW,
  };
}

/** Conv and ai.yhc.Conv (2-D, float32, NCHW) → conv2d_direct. */
export function convKernel(node: Node, ctx: LoweringContext): KernelSpec {
  const x = node.input(0);
  const w = node.input(1);
  const bias = node.inputs[2] ?? null;
  const y = node.outputs[0]!;
  requireFloat32(node, [x, w, ...(bias ? [bias] : []), y]);
  if (x.shape.length !== 4) throw new YhcError('CODEGEN', `${describeNode(node)}: only 2-D convolutions have a kernel (input rank ${x.shape.length})`);
  const groups = attrInt(node, 'group', 1);
  const step = {
    x,
    w,
    bias,
    y,
    groups,
    // The same window geometry (auto_pad included) the interpreter's Conv uses.
    geometry: windowGeometry(node, x.shape.slice(2), w.shape.slice(2)),
    activation: node.domain === YHC_DOMAIN ? activationOf(node) : 'none',
    family: groups === x.shape[1] && groups > 1 ? 'dwconv' : 'conv',
    node,
  };
  // Dense convs are GEMMs: tiled. Grouped and depthwise ones have too little reuse for it.
  if (groups !== 1) return conv2dDirectSpec(step);
  // Normalizations handed across nodes (norm_handoff.ts): read the input through one, leave
  // SimAM's statistics of the output for the next conv.
  const input = ctx.inputHandoff(x);
  const simam = ctx.planeStats(y);
  if (simam) {
    const [batch, channels] = [y.shape[0]!, y.shape[1]!];
    const stats: PlaneStatsOutput = {
      lambda: simam.lambda,
      partials: ctx.temp('float32', [batch * channels * tiledPixelTiles(y.shape) * 3]),
      counters: ctx.state('uint32', [batch * Math.ceil(channels / TILE_M)]),
      stats: simam.stats,
    };
    return conv2dTiledSimamStatsSpec(step, stats, input?.kind === 'groupnorm' ? input : null);
  }
  if (input?.kind === 'groupnorm') return conv2dTiledNormedSpec(step, input);
  if (input?.kind === 'simam') return conv2dTiledSimamSpec({ ...step, x: input.source }, input.stats);
  return conv2dTiledSpec(step);
}

const TILE_M = 64;
const TILE_N = 64;

/** conv2d_tiled: a dense conv as an implicit GEMM in 64 x 64 output tiles, 4 x 4 per thread. */
export function conv2dTiledSpec(s: ConvStep): KernelSpec {
  const base = conv2dDirectSpec(s);
  const [batch, outChannels, outH, outW] = s.y.shape as [number, number, number, number];
  return {
    ...base,
    template: 'conv2d_tiled.cuh',
    kernel: 'yhc::conv2d_tiled',
    blockFunction: 'yhc::conv2d_tiled_block',
    // conv2d_tiled's P has no `groups`: it is dense by construction.
    params: base.params.filter((p) => p.name !== 'groups'),
    staticSharedBytes: 2 * 8 * 64 * 4, // w_tile and x_tile
    launch: { grid: batch * Math.ceil(outChannels / TILE_M) * Math.ceil((outH * outW) / TILE_N), block: 256, sharedBytes: 0, barriers: true },
  };
}

/** conv2d_group_stats and conv2d_normed_input run 256-thread blocks. */
const GROUP_STATS_BLOCK_THREADS = 256;

/** Where a conv leaves the GroupNorm statistics of its output (group_moments.cuh). */
export interface GroupStatsOutput {
  readonly groups: number;
  readonly epsilon: number;
  /** [N·groups·chunks·3] per-block Moments, read back by the group's last block. */
  readonly partials: Value;
  /** [N·groups] uint32 engine state: blocks done per group, reset by the last one. */
  readonly counters: Value;
  /** [N·groups·2] {mean, 1/sqrt(var + ε)}. */
  readonly stats: Value;
}

/** Blocks per (image, group) of conv2d_group_stats: the group's elements in 256-element chunks. */
export function groupStatChunks(y: readonly number[], groups: number): number {
  return Math.ceil(((y[1]! / groups) * y[2]! * y[3]!) / GROUP_STATS_BLOCK_THREADS);
}

/** conv2d_group_stats: the raw conv result and, in the epilogue, the GroupNorm statistics of it. */
export function conv2dGroupStatsSpec(s: ConvStep, g: GroupStatsOutput): KernelSpec {
  const base = conv2dDirectSpec({ ...s, activation: 'none' });
  const batch = s.y.shape[0]!;
  return {
    ...base,
    kernel: 'yhc::conv2d_group_stats',
    blockFunction: 'yhc::conv2d_group_stats_block',
    params: [...base.params, intParam('stats_groups', g.groups), intParam('block_threads', GROUP_STATS_BLOCK_THREADS), floatParam('epsilon', g.epsilon)],
    tensors: [...base.tensors, write('partials', g.partials), write('counters', g.counters), write('stats', g.stats)],
    callArgs: [...base.callArgs, 'partials', 'counters', 'stats'],
    staticSharedBytes: 3 * GROUP_STATS_BLOCK_THREADS * 4 + 4, // block_moments scratch and the last-block flag
    launch: { grid: batch * g.groups * groupStatChunks(s.y.shape, g.groups), block: GROUP_STATS_BLOCK_THREADS, sharedBytes: 0, barriers: true },
    flops: base.flops + 4 * numel(s.y.shape),
  };
}

/** The GroupNorm a conv applies to its input as it loads it (statistics from conv2d_group_stats). */
export interface NormalizedInput {
  readonly groups: number;
  readonly activation: Activation;
  readonly stats: Value;
  readonly scale: Value;
  readonly shift: Value;
}

/** conv2d_normed_input: act((x − mean)·rstd·scale[c] + shift[c]) on load, then the conv. */
export function conv2dNormedInputSpec(s: ConvStep, n: NormalizedInput): KernelSpec {
  const base = conv2dDirectSpec(s);
  return {
    ...base,
    kernel: 'yhc::conv2d_normed_input',
    blockFunction: 'yhc::conv2d_normed_input_block',
    params: [...base.params, intParam('in_groups', n.groups), typeParam('InAct', ACTIVATION_FUNCTOR[n.activation])],
    tensors: normedTensors(s, n),
    callArgs: NORMED_CALL_ARGS(s),
    flops: base.flops + 4 * numel(s.x.shape),
  };
}

/** conv2d_tiled_normed: the tiled dense conv reading its input through a GroupNorm. */
export function conv2dTiledNormedSpec(s: ConvStep, n: NormalizedInput): KernelSpec {
  const tiled = conv2dTiledSpec(s);
  return {
    ...tiled,
    kernel: 'yhc::conv2d_tiled_normed',
    blockFunction: 'yhc::conv2d_tiled_normed_block',
    params: [...tiled.params, intParam('in_groups', n.groups), typeParam('InAct', ACTIVATION_FUNCTOR[n.activation])],
    tensors: normedTensors(s, n),
    callArgs: NORMED_CALL_ARGS(s),
    flops: tiled.flops + 4 * s.w.shape[0]! * numel(s.x.shape),
  };
}

/** conv2d_normed_group_stats: a GroupNorm applied on load, the next one's statistics gathered on store. */
export function conv2dNormedGroupStatsSpec(s: ConvStep, n: NormalizedInput, g: GroupStatsOutput): KernelSpec {
  const withStats = conv2dGroupStatsSpec(s, g);
  return {
    ...withStats,
    kernel: 'yhc::conv2d_normed_group_stats',
    blockFunction: 'yhc::conv2d_normed_group_stats_block',
    params: [...withStats.params, intParam('in_groups', n.groups), typeParam('InAct', ACTIVATION_FUNCTOR[n.activation])],
    tensors: [...normedTensors(s, n), write('partials', g.partials), write('counters', g.counters), write('stats_out', g.stats)],
    callArgs: [...NORMED_CALL_ARGS(s), 'partials', 'counters', 'stats_out'],
    flops: withStats.flops + 4 * s.w.shape[0]! * numel(s.x.shape),
  };
}

/** The tensors of a conv that normalizes its input: x, the statistics and affine, then w, bias, y. */
function normedTensors(s: ConvStep, n: NormalizedInput) {
  return [read('x', s.x), read('stats', n.stats), read('scale', n.scale), read('shift', n.shift), read('w', s.w), ...(s.bias ? [read('bias', s.bias)] : []), write('y', s.y)];
}

const NORMED_CALL_ARGS = (s: ConvStep) => ['x', 'stats', 'scale', 'shift', 'w', s.bias ? 'bias' : 'nullptr', 'y'];

/** Pixel tiles of conv2d_tiled per image. */
export const tiledPixelTiles = (y: readonly number[]) => Math.ceil((y[2]! * y[3]!) / TILE_N);

/** Where a tiled conv leaves SimAM's plane statistics of its output (conv2d_tiled.cuh PlaneStats). */
export interface PlaneStatsOutput {
  readonly lambda: number;
  /** [N·C·pixel tiles·3] per-tile Moments of each channel. */
  readonly partials: Value;
  /** [N·channel tiles] uint32 engine state, reset by the last block. */
  readonly counters: Value;
  /** [N·C·2] {mean, 1/(4·(var + λ))}. */
  readonly stats: Value;
}

/** conv2d_tiled[_normed]_simam_stats: the tiled conv, also leaving SimAM's plane statistics. */
export function conv2dTiledSimamStatsSpec(s: ConvStep, out: PlaneStatsOutput, input: NormalizedInput | null): KernelSpec {
  const base = input ? conv2dTiledNormedSpec(s, input) : conv2dTiledSpec(s);
  const stem = input ? 'conv2d_tiled_normed_simam_stats' : 'conv2d_tiled_simam_stats';
  return {
    ...base,
    kernel: `yhc::${stem}`,
    blockFunction: `yhc::${stem}_block`,
    params: [...base.params, floatParam('lambda', out.lambda)],
    tensors: [...base.tensors, write('partials', out.partials), write('counters', out.counters), write('plane_stats', out.stats)],
    callArgs: [...base.callArgs, 'partials', 'counters', 'plane_stats'],
    // The last-block flag comes on top of the tiles (the per-channel merge uses shuffles).
    staticSharedBytes: (base.staticSharedBytes ?? 0) + 4,
    flops: base.flops + 4 * numel(s.y.shape),
  };
}

/** conv2d_tiled_simam: the tiled conv reading its input through SimAM's gate. */
export function conv2dTiledSimamSpec(s: ConvStep, stats: Value): KernelSpec {
  const tiled = conv2dTiledSpec(s);
  return {
    ...tiled,
    kernel: 'yhc::conv2d_tiled_simam',
    blockFunction: 'yhc::conv2d_tiled_simam_block',
    tensors: [read('x', s.x), read('stats', stats), read('w', s.w), ...(s.bias ? [read('bias', s.bias)] : []), write('y', s.y)],
    callArgs: ['x', 'stats', 'w', s.bias ? 'bias' : 'nullptr', 'y'],
    flops: tiled.flops + 8 * s.w.shape[0]! * numel(s.x.shape),
  };
}
