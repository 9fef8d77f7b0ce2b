import type { Value } from '../../src/ir/graph.js';
import { THREADS_PER_BLOCK, type LaunchConfig } from '../kernel_spec.js';
import type { LoweringContext } from './lowering.js';

/**
 * What a kernel built on topk_select.cuh's block_select_topk needs from its generator: one block
 * of kSelectThreads threads per image (THREADS_PER_BLOCK; test/codegen/block_threads.test.ts
 * holds the two equal), and per image two work arrays of select_width(k) entries.
 */

/** topk_select.cuh's select_width: the scratch entries per image for k winners (k rounded up to a power of two). */
export const selectWidth = (k: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, k)));

/** One selecting block per image (an image-major grid). */
export const selectLaunch = (batch: number): { launch: LaunchConfig; imageBlocks: number } => ({
  launch: { grid: batch, block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: true },
  imageBlocks: 1,
});

/** The scratch_key / scratch_index work arrays of a selection of k per image. */
export function selectScratch(ctx: LoweringContext, batch: number, k: number): { readonly key: Value; readonly index: Value } {
  return { key: ctx.temp('uint32', [batch, selectWidth(k)]), index: ctx.temp('int32', [batch, selectWidth(k)]) };
}

/** FLOPs of a selection of k from n keys per image: 4 radix passes and the winners' scan, then the bitonic sort. */
export function selectFlops(batch: number, n: number, k: number): number {
  const w = selectWidth(k);
  const steps = Math.log2(w);
  return batch * (5 * n + (w * steps * (steps + 1)) / 4);
}
