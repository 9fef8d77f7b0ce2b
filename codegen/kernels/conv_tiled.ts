import type { Value } from '../../src/ir/graph.js';
import { numel } from '../../src/tensor.js';
import { ACTIVATION_FUNCTOR } from '../../src/ops/yhc/activation.js';
import { boolParam, floatParam, intParam, read, THREADS_PER_BLOCK, typeParam, write, type KernelSpec, type ParamField } from '../kernel_spec.js';
import { conv2dDirectSpec, type ConvStep } from './conv_direct.js';
import { NORMED_CALL_ARGS, normalizeOnLoadFlops, normedTensors, type NormalizedInput } from './conv_statistics.js';
import type { LoweringContext } from './lowering.js';
import type { SimamHandoff } from '../norm_handoff.js';
import type { UpsampledHandoff } from '../upsample_views.js';
import type { LetterboxHandoff } from '../letterbox_reads.js';

/** Dense convs as tiled implicit GEMMs (conv2d_tiled.cuh), plain or with a normalization on either side. */

/**
 * The tile of conv_tile_product.cuh, whose TiledConvShape reads these from P (tile_m, tile_n,
 * tile_k, block_threads): output channels and pixels per block, reduction rows per
 * shared-memory step, one 4 x 4 patch per thread.
 */
const TILE_M = 64;
const TILE_N = 64;
const TILE_K = 8;
/** MmaTileStorage: x_tile rows padded to tile_k + 2 halves; the exchange moves 16 rows of tile_n + 4 floats. */
const MMA_STAGING_BYTES = 2 * TILE_M * TILE_K + 2 * TILE_N * (TILE_K + 2);
const MMA_EXCHANGE_BYTES = 4 * 16 * (TILE_N + 4);

/**
 * Static shared memory of the tile product: float tiles on CUDA cores; on tensor cores half
 * tiles, sharing their bytes with the accumulator exchange. Emitted as P::tile_shared_bytes; the
 * template static_asserts its own arrays against it, so the two cannot drift apart.
 */
function tileProductSharedBytes(w: Value): number {
  return w.dtype === 'float16' ? Math.max(MMA_STAGING_BYTES, MMA_EXCHANGE_BYTES) : 4 * TILE_K * (TILE_M + TILE_N);
}

/** The tile's Params fields (conv_tile_product.cuh TiledConvShape). */
function tileParams(w: Value): ParamField[] {
  return [
    intParam('tile_m', TILE_M),
    intParam('tile_n', TILE_N),
    intParam('tile_k', TILE_K),
    intParam('block_threads', THREADS_PER_BLOCK),
    intParam('tile_shared_bytes', tileProductSharedBytes(w)),
  ];
}

const channelTiles = (y: readonly number[]) => Math.ceil(y[1]! / TILE_M);
const pixelTiles = (y: readonly number[]) => Math.ceil((y[2]! * y[3]!) / TILE_N);

/**
 * conv2d_tiled: a dense conv as an implicit GEMM in 64 x 64 output tiles, 4 x 4 per thread —
 * on tensor cores (mma.sync) when its weights are stored in half.
 */
export function conv2dTiledSpec(s: ConvStep): KernelSpec {
  const base = conv2dDirectSpec(s);
  return {
    ...base,
    template: 'conv2d_tiled.cuh',
    kernel: 'yhc::conv2d_tiled',
    blockFunction: 'yhc::conv2d_tiled_block',
    // conv2d_tiled's P has no `groups`: it is dense by construction.
    params: [...base.params.filter((p) => p.name !== 'groups'), ...tileParams(s.w)],
    staticSharedBytes: tileProductSharedBytes(s.w),
    launch: { grid: s.y.shape[0]! * channelTiles(s.y.shape) * pixelTiles(s.y.shape), block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: true },
    imageBlocks: channelTiles(s.y.shape) * pixelTiles(s.y.shape),
  };
}

/** conv2d_tiled_upsampled: the tiled dense conv reading a concat with a nearest x2 Resize in it (codegen/upsample_views.ts). */
export function conv2dTiledUpsampledSpec(s: ConvStep, up: UpsampledHandoff): KernelSpec {
  const tiled = conv2dTiledSpec(s);
  return {
    ...tiled,
    kernel: 'yhc::conv2d_tiled_upsampled',
    blockFunction: 'yhc::conv2d_tiled_upsampled_block',
    params: [...tiled.params, intParam('up_begin', up.begin), intParam('up_end', up.end)],
    tensors: [read('x', s.x), read('up', up.source), read('w', s.w), ...(s.bias ? [read('bias', s.bias)] : []), write('y', s.y)],
    callArgs: ['x', 'up', 'w', s.bias ? 'bias' : 'nullptr', 'y'],
  };
}

/**
 * conv2d_tiled_letterbox: the tiled dense conv reading uint8 frames through the letterbox
 * (codegen/letterbox_reads.ts): the float input x is never stored, the frames are read instead.
 */
export function conv2dTiledLetterboxSpec(s: ConvStep, lb: LetterboxHandoff): KernelSpec {
  const tiled = conv2dTiledSpec(s);
  return {
    ...tiled,
    kernel: 'yhc::conv2d_tiled_letterbox',
    blockFunction: 'yhc::conv2d_tiled_letterbox_block',
    params: [...tiled.params, intParam('frame_h', lb.frames.shape[1]!), intParam('frame_w', lb.frames.shape[2]!), boolParam('bgr', lb.order === 'bgr')],
    tensors: [read('frames', lb.frames), read('frame_size', lb.frameSize), read('w', s.w), ...(s.bias ? [read('bias', s.bias)] : []), write('y', s.y)],
    callArgs: ['frames', 'frame_size', 'w', s.bias ? 'bias' : 'nullptr', 'y'],
    nodes: [lb.node, ...tiled.nodes],
    // The bilinear blend and the /255 of each input element the tile loads (≈8 FLOPs).
    flops: tiled.flops + 8 * numel(s.x.shape),
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
    flops: tiled.flops + normalizeOnLoadFlops(s),
  };
}

/** Where a tiled conv leaves SimAM's plane statistics of its output (conv2d_tiled.cuh PlaneStats). */
export interface PlaneStatsOutput {
  readonly lambda: number;
  /** [N, C·pixel tiles·3] per-tile Moments of each channel. */
  readonly partials: Value;
  /** [N, channel tiles] uint32 engine state, reset by the last block. */
  readonly counters: Value;
  /** [N, C·2] {mean, 1/(4·(var + λ))}. */
  readonly stats: Value;
}

/** The buffers for SimAM's plane statistics of a tiled conv's output `y`. */
export function planeStatsOutput(ctx: LoweringContext, y: readonly number[], simam: SimamHandoff): PlaneStatsOutput {
  const [batch, channels] = [y[0]!, y[1]!];
  return {
    lambda: simam.lambda,
    partials: ctx.temp('float32', [batch, channels * pixelTiles(y) * 3]),
    counters: ctx.state('uint32', [batch, channelTiles(y)]),
    stats: simam.stats,
  };
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
    flops: tiled.flops + 2 * normalizeOnLoadFlops(s), // the gate: ~8 FLOPs per input element
  };
}
