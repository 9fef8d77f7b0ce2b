// group_moments.cuh — GroupNorm statistics gathered in the epilogue of the kernel that produces
// the tensor, merged with Welford/Chan (never sum of squares minus squared mean, which cancels
// catastrophically when the mean is large against the spread).
//
//   Moments {count, mean, m2}: m2 = sum of squared deviations from mean.
//   merge(a, b): Chan et al.'s pairwise update — exact in exact arithmetic, stable in float.
//
// Protocol for one (image, group) of `chunks` blocks (each block inside one group):
//   1. every block merges its threads' values into one Moments and writes it to
//      partials[group * chunks + chunk];
//   2. it bumps counters[group] (last_to_arrive); the block that brings it to `chunks` is the
//      last: it resets the counter to 0 for the next run (counters live in zero-initialized
//      engine state, never in the activation arena), merges the group's partials in chunk order
//      and writes stats[group] = {mean, 1 / sqrt(var + epsilon)}.
#pragma once
#include "yhc_common.cuh"

namespace yhc {

struct Moments {
  float count;
  float mean;
  float m2;
};

__device__ __forceinline__ Moments merge(Moments a, Moments b) {
  const float count = a.count + b.count;
  if (count == 0.0f) return a;
  const float delta = b.mean - a.mean;
  const float wb = b.count / count;
  return {count, a.mean + delta * wb, a.m2 + b.m2 + delta * delta * a.count * wb};
}

// The block's Moments (valid in every thread); `scratch` holds 3 * BLOCK_THREADS floats.
template <int BLOCK_THREADS> __device__ __forceinline__ Moments block_moments(Moments m, float* scratch) {
  static_assert((BLOCK_THREADS & (BLOCK_THREADS - 1)) == 0, "block size must be a power of two");
  float* counts = scratch;
  float* means = scratch + BLOCK_THREADS;
  float* m2s = scratch + 2 * BLOCK_THREADS;
  const int t = int(threadIdx.x);
  counts[t] = m.count;
  means[t] = m.mean;
  m2s[t] = m.m2;
  __syncthreads();
  for (int half = BLOCK_THREADS / 2; half > 0; half /= 2) {
    if (t < half) {
      const Moments r = merge({counts[t], means[t], m2s[t]}, {counts[t + half], means[t + half], m2s[t + half]});
      counts[t] = r.count;
      means[t] = r.mean;
      m2s[t] = r.m2;
    }
    __syncthreads();
  }
  const Moments total{counts[0], means[0], m2s[0]};
  __syncthreads();  // scratch may be reused right after
  return total;
}

__device__ __forceinline__ void store_moments(float* p, Moments m) {
  p[0] = m.count;
  p[1] = m.mean;
  p[2] = m.m2;
}

__device__ __forceinline__ Moments load_moments(const volatile float* p) { return {p[0], p[1], p[2]}; }

// All threads call it once their block's partials are written and fenced. True, in every
// thread, for the block that arrives last of `arrivals` at `*counter`; that block finds every
// other block's partials visible, and the counter is already reset to 0 for the next run.
__device__ __forceinline__ bool last_to_arrive(unsigned int* counter, unsigned int arrivals) {
  __shared__ bool last;
  __syncthreads();
  if (threadIdx.x == 0) {
    last = atomicAdd(counter, 1u) == arrivals - 1;
    if (last) *counter = 0u;  // every block of this run has arrived
  }
  __syncthreads();
  if (last) __threadfence();  // see every other block's partials
  return last;
}

// Steps 1 and 2 of the protocol for block `chunk` of group `group`. All threads call it.
template <int BLOCK_THREADS>
__device__ __forceinline__ void publish_group_moments(Moments mine, int group, int chunk, int chunks, float epsilon,
                                                      float* __restrict__ partials, unsigned int* __restrict__ counters,
                                                      float* __restrict__ stats) {
  __shared__ float scratch[3 * BLOCK_THREADS];
  const Moments block = block_moments<BLOCK_THREADS>(mine, scratch);
  if (threadIdx.x == 0) {
    store_moments(partials + 3 * (int64_t(group) * chunks + chunk), block);
    __threadfence();  // the partial is visible before the count says so
  }
  if (!last_to_arrive(&counters[group], unsigned(chunks))) return;
  // Threads merge strided chunks, then the block merges the threads (chunk order fixed: deterministic).
  Moments m{0.0f, 0.0f, 0.0f};
  for (int c = int(threadIdx.x); c < chunks; c += BLOCK_THREADS) m = merge(m, load_moments(partials + 3 * (int64_t(group) * chunks + c)));
  const Moments total = block_moments<BLOCK_THREADS>(m, scratch);
  if (threadIdx.x == 0) {
    stats[2 * group] = total.mean;
    stats[2 * group + 1] = 1.0f / sqrtf(total.m2 / total.count + epsilon);
  }
}

}  // namespace yhc
