import type { Value } from '../../src/ir/graph.js';
import { numel } from '../../src/tensor.js';
import { ACTIVATION_FUNCTOR, type Activation } from '../../src/ops/yhc/activation.js';
import { floatParam, intParam, read, THREADS_PER_BLOCK, typeParam, write, type KernelSpec } from '../kernel_spec.js';
import { conv2dDirectSpec, type ConvStep } from './conv_direct.js';
import type { LoweringContext } from './lowering.js';

/**
 * Convs that carry a normalization across a kernel boundary (templates conv2d_direct.cuh,
 * group_moments.cuh, conv_inputs.cuh): GroupNorm statistics gathered on store, a GroupNorm
 * applied on load, or both.
 */

/** Where a conv leaves the GroupNorm statistics of its output (group_moments.cuh). */
export interface GroupStatsOutput {
  readonly groups: number;
  readonly epsilon: number;
  /** [N, groups·chunks·3] per-block Moments, read back by the group's last block. */
  readonly partials: Value;
  /** [N, groups] uint32 engine state: blocks done per group, reset by the last one. */
  readonly counters: Value;
  /** [N, groups·2] {mean, 1/sqrt(var + ε)}. */
  readonly stats: Value;
}

/** Blocks per (image, group) of conv2d_group_stats: the group's elements in THREADS_PER_BLOCK-element chunks. */
function groupStatChunks(y: readonly number[], groups: number): number {
  return Math.ceil(((y[1]! / groups) * y[2]! * y[3]!) / THREADS_PER_BLOCK);
}

/**
 * The buffers for the statistics of a GroupNorm over `y`: per-block partials (a temporary),
 * the per-group counters (engine state) and, unless the caller already has it, the statistics.
 */
export function groupStatsOutput(ctx: LoweringContext, y: readonly number[], groups: number, epsilon: number, stats?: Value): GroupStatsOutput {
  const batch = y[0]!;
  return {
    groups,
    epsilon,
    // Leading dim the batch, as for every tensor of an image-major kernel (dynamic batch).
    partials: ctx.temp('float32', [batch, groups * groupStatChunks(y, groups) * 3]),
    counters: ctx.state('uint32', [batch, groups]),
    stats: stats ?? ctx.temp('float32', [batch, groups * 2]),
  };
}

/** A GroupNorm applied on load costs ~4 FLOPs per input element (counted once, not per reload). */
export const normalizeOnLoadFlops = (s: ConvStep) => 4 * numel(s.x.shape);

/** conv2d_group_stats: the raw conv result and, in the epilogue, the GroupNorm statistics of it. */
export function conv2dGroupStatsSpec(s: ConvStep, g: GroupStatsOutput): KernelSpec {
  const base = conv2dDirectSpec({ ...s, activation: 'none' });
  const batch = s.y.shape[0]!;
  return {
    ...base,
    kernel: 'yhc::conv2d_group_stats',
    blockFunction: 'yhc::conv2d_group_stats_block',
    params: [...base.params, intParam('stats_groups', g.groups), intParam('block_threads', THREADS_PER_BLOCK), floatParam('epsilon', g.epsilon)],
    tensors: [...base.tensors, write('partials', g.partials), write('counters', g.counters), write('stats', g.stats)],
    callArgs: [...base.callArgs, 'partials', 'counters', 'stats'],
    staticSharedBytes: 3 * THREADS_PER_BLOCK * 4 + 4, // block_moments scratch and the last-block flag
    launch: { grid: batch * g.groups * groupStatChunks(s.y.shape, g.groups), block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: true },
    imageBlocks: g.groups * groupStatChunks(s.y.shape, g.groups),
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
    flops: base.flops + normalizeOnLoadFlops(s),
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
    flops: withStats.flops + normalizeOnLoadFlops(s),
  };
}

/** The tensors of a conv that normalizes its input: x, the statistics and affine, then w, bias, y. */
export function normedTensors(s: ConvStep, n: NormalizedInput) {
  return [
    read('x', s.x),
    read('stats', n.stats),
    read('scale', n.scale),
    read('shift', n.shift),
    read('w', s.w),
    ...(s.bias ? [read('bias', s.bias)] : []),
    write('y', s.y),
  ];
}

export const NORMED_CALL_ARGS = (s: ConvStep) => ['x', 'stats', 'scale', 'shift', 'w', s.bias ? 'bias' : 'nullptr', 'y'];
