import type { Value } from '../../src/ir/graph.js';
import { numel } from '../../src/tensor.js';
import { imageMajorThreads, oneThreadPerElement, type LaunchConfig } from '../kernel_spec.js';

/**
 * The launch of a flat kernel: one thread per element of `count` (global_thread_index, yhc_common.cuh),
 * the elements in row-major order of a tensor whose leading dim is `images`. When each image's
 * elements depend only on that image's inputs (`perImage`, the caller's judgement) the grid is
 * image-major as it stands: batch × ceil(per image / block) blocks cover every element, and a run
 * of the first n images launches n × that many, which cover the first n images' elements (the
 * rest of the last block computes part of image n from stale inputs, into buffers sized for the
 * full batch, and nothing reads it). Otherwise a plain flat grid.
 */
export function flatLaunch(count: number, images: number, perImage: boolean): { launch: LaunchConfig; imageBlocks?: number } {
  if (!perImage || images < 1 || count % images !== 0) return { launch: oneThreadPerElement(count) };
  return imageMajorThreads(images, count / images);
}

/** An elementwise input read per image of y: a constant, or the same rank with y's batch (or 1 for a constant row) in front. */
export function readsPerImage(y: Value, inputs: readonly Value[]): boolean {
  return y.shape.length > 0 && inputs.every((v) => v.constant !== null || (v.shape.length === y.shape.length && v.shape[0] === y.shape[0]));
}

/** Elements of one image of `v` (its leading dim's row-major stride; all of them at rank 0). */
export function perImageOf(v: Value): number {
  return v.shape.length > 0 && v.shape[0]! > 0 ? numel(v.shape) / v.shape[0]! : numel(v.shape);
}
