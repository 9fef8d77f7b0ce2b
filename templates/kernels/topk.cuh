// topk.cuh — ONNX TopK by ranking: each element counts the elements ordered before it; if
// fewer than k are, its rank is its output slot. The order is total — value (descending for
// largest, ascending otherwise), then the lower index first, as ONNX specifies; NaN ranks
// after every number — so the k slots are each written exactly once.
// O(n) per element with an early exit once k elements are ahead.
//
// P: using T; outer, axis_len, inner, k, largest
#pragma once
#include "yhc_common.cuh"

namespace yhc {

template <bool LARGEST, class T> __device__ __forceinline__ bool ranks_before(T x, int64_t ix, T y, int64_t iy) {
  const bool x_nan = x != x, y_nan = y != y;
  if (x_nan || y_nan) return x_nan && y_nan ? ix < iy : y_nan;
  if (x != y) return LARGEST ? x > y : x < y;
  return ix < iy;
}

template <class P>
__global__ void topk_rank(const typename P::T* __restrict__ x, typename P::T* __restrict__ values, int64_t* __restrict__ indices) {
  const int64_t i = global_thread_index();
  if (i >= int64_t(P::outer) * P::axis_len * P::inner) return;
  const int64_t inner = i % P::inner;
  const int64_t a = (i / P::inner) % P::axis_len;
  const int64_t o = i / (int64_t(P::inner) * P::axis_len);
  const typename P::T* row = x + o * P::axis_len * P::inner + inner;
  const typename P::T v = row[a * P::inner];

  int64_t rank = 0;
  for (int64_t j = 0; j < P::axis_len && rank < P::k; ++j) {
    rank += ranks_before<P::largest>(row[j * P::inner], j, v, a) ? 1 : 0;
  }
  if (rank >= P::k) return;
  const int64_t slot = (o * P::k + rank) * P::inner + inner;
  values[slot] = v;
  indices[slot] = a;
}

}  // namespace yhc
