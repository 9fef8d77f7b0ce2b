// topk_select.cuh — the k largest of n scores, by ONE block, with ONNX TopK's order: score
// descending, ties to the lower index; NaN below every number (yhc's decoder never selects a
// NaN score: its callers zero such rows). No cap on k (1 ≤ k ≤ n).
//
//   1. Radix select on order-preserving 32-bit keys (order_key): four passes of an 8-bit
//      histogram in shared memory find T, the k-th largest key, and how many keys equal to T
//      are needed (`ties`).
//   2. Winners: every key above T (any order), then the `ties` lowest indices whose key is T,
//      found chunk by chunk in index order with warp ballots.
//   3. Sort: a bitonic sort of the winners in the scratch arrays (k padded to a power of two
//      with sentinels): k·log²k / 2 comparisons over the block, one barrier per step.
//
// Keys come from a functor, key(i) for i < n, so a caller ranks values it computes on the fly.
// The block must have kSelectThreads threads; scratch_key / scratch_index hold select_width(k)
// entries (k rounded up to a power of two).
#pragma once
#include "yhc_common.cuh"

namespace yhc {

constexpr int kSelectThreads = 256;  // codegen/kernel_spec.ts THREADS_PER_BLOCK launches it

// A key whose unsigned order is ONNX TopK's order of the floats: -0 and +0 equal, every NaN
// below -inf (kNanKey; NaNs equal to each other: ties go to the lower index).
constexpr unsigned kNanKey = 0u;
__device__ __forceinline__ unsigned order_key(float v) {
  if (v != v) return kNanKey;
  if (v == 0.0f) v = 0.0f;
  const unsigned bits = __float_as_uint(v);
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

// The float order_key came from (NaN for the NaN key).
__device__ __forceinline__ float key_value(unsigned key) {
  if (key == kNanKey) return __uint_as_float(0x7fc00000u);
  return __uint_as_float((key & 0x80000000u) ? key & 0x7fffffffu : ~key);
}

// Entries of the scratch arrays block_select_topk needs for k winners: k, rounded up to a power of two.
__host__ __device__ constexpr int select_width(int k) {
  int w = 1;
  while (w < k) w *= 2;
  return w;
}

struct SelectShared {
  unsigned histogram[256];
  unsigned warp_counts[kSelectThreads / 32];
  unsigned prefix;  // the digits of T found so far
  unsigned wanted;  // how many of the keys matching `prefix` are still to be taken
  unsigned above;   // winners with a key above T, stored so far
  unsigned taken;   // ties taken so far
};

// Fills sorted_index[0 .. k) with the indices of the k largest keys, in ONNX TopK order, and
// sorted_key likewise. scratch_* are k-entry work arrays.
template <class KeyFn>
__device__ void block_select_topk(KeyFn key, int n, int k, unsigned* __restrict__ scratch_key, int* __restrict__ scratch_index,
                                  unsigned* __restrict__ sorted_key, int* __restrict__ sorted_index) {
  __shared__ SelectShared s;
  const int t = int(threadIdx.x);
  if (t == 0) {
    s.prefix = 0;
    s.wanted = unsigned(k);
    s.above = 0;
    s.taken = 0;
  }
  // 1. Radix select, most significant digit first.
  unsigned mask = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int b = t; b < 256; b += kSelectThreads) s.histogram[b] = 0;
    __syncthreads();
    const unsigned prefix = s.prefix;
    for (int i = t; i < n; i += kSelectThreads) {
      const unsigned kk = key(i);
      if ((kk & mask) == prefix) atomicAdd(&s.histogram[(kk >> shift) & 255u], 1u);
    }
    __syncthreads();
    if (t == 0) {
      unsigned seen = 0;  // keys matching the prefix with a larger digit
      for (int digit = 255; digit >= 0; --digit) {
        const unsigned here = s.histogram[digit];
        if (seen + here >= s.wanted) {
          s.prefix |= unsigned(digit) << shift;
          s.wanted -= seen;
          break;
        }
        seen += here;
      }
    }
    mask |= 255u << shift;
    __syncthreads();
  }
  const unsigned threshold = s.prefix;
  const unsigned ties = s.wanted;  // keys equal to the threshold to take, lowest indices first

  // 2. Winners: keys above the threshold in any order; ties in index order.
  const int lane = t % 32;
  const int warp = t / 32;
  for (int base = 0; base < n; base += kSelectThreads) {
    const int i = base + t;
    const unsigned kk = i < n ? key(i) : 0u;
    if (i < n && kk > threshold) {
      const unsigned slot = atomicAdd(&s.above, 1u);
      scratch_key[slot] = kk;
      scratch_index[slot] = i;
    }
    const bool tie = i < n && kk == threshold;
    const unsigned ballot = __ballot_sync(0xffffffffu, tie);
    if (lane == 0) s.warp_counts[warp] = unsigned(__popc(ballot));
    __syncthreads();
    unsigned before = s.taken + unsigned(__popc(ballot & ((1u << lane) - 1u)));
    for (int w = 0; w < warp; ++w) before += s.warp_counts[w];
    if (tie && before < ties) {
      const int slot = k - int(ties) + int(before);  // ties fill the end of the winners
      scratch_key[slot] = kk;
      scratch_index[slot] = i;
    }
    __syncthreads();
    if (t == 0) {
      for (int w = 0; w < kSelectThreads / 32; ++w) s.taken += s.warp_counts[w];
    }
    __syncthreads();
  }
  __syncthreads();

  // 3. Sort the winners in place: a bitonic sort over the next power of two, the slots past k
  //    holding sentinels that order after every winner (key 0 — NaN's — and the largest index).
  const int width = select_width(k);
  for (int w = k + t; w < width; w += kSelectThreads) {
    scratch_key[w] = kNanKey;
    scratch_index[w] = 0x7fffffff;
  }
  __syncthreads();
  for (int size = 2; size <= width; size *= 2) {
    for (int stride = size / 2; stride > 0; stride /= 2) {
      for (int i = t; i < width; i += kSelectThreads) {
        const int j = i ^ stride;
        if (j <= i) continue;
        // Within each `size` run: first-before-second order where i & size is 0, reversed elsewhere.
        const bool forward = (i & size) == 0;
        const unsigned ki = scratch_key[i], kj = scratch_key[j];
        const int ii = scratch_index[i], ij = scratch_index[j];
        const bool j_first = kj > ki || (kj == ki && ij < ii);
        if (j_first == forward) {
          scratch_key[i] = kj, scratch_key[j] = ki;
          scratch_index[i] = ij, scratch_index[j] = ii;
        }
      }
      __syncthreads();
    }
  }
  for (int w = t; w < k; w += kSelectThreads) {
    sorted_key[w] = scratch_key[w];
    sorted_index[w] = scratch_index[w];
  }
  __syncthreads();
}

}  // namespace yhc
