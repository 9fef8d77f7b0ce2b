import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { THREADS_PER_BLOCK } from '../../codegen/kernel_spec.js';
import { REPO } from '../helpers/paths.js';

/**
 * One block size: codegen launches every kernel with THREADS_PER_BLOCK threads, and the one
 * template that fixes its own (topk_select.cuh's kSelectThreads, read by the decoder's and the
 * NMS kernels' __launch_bounds__) must say the same.
 */
describe('threads per block', () => {
  it("topk_select.cuh's kSelectThreads is THREADS_PER_BLOCK", () => {
    const text = readFileSync(join(REPO, 'templates', 'kernels', 'topk_select.cuh'), 'utf8');
    const m = /constexpr int kSelectThreads = (\d+);/.exec(text);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(THREADS_PER_BLOCK);
  });
});
