import { availableParallelism } from 'node:os';

/** Run async jobs with at most `limit` in flight (compilers on a 2-core machine); results in order. */
export async function inParallel<T>(jobs: readonly (() => Promise<T>)[], limit = availableParallelism()): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, worker));
  return results;
}
