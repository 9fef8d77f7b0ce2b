// clip.cuh — ONNX Clip (opset 11+): y = min(max(x, lo), hi), one thread per element; the bounds
// are optional scalar tensors. lo > hi gives hi everywhere; NaN stays NaN (comparisons with NaN
// are false).
//
// P: using T;  count, has_lo, has_hi
#pragma once
#include "yhc_common.cuh"

namespace yhc {

template <class P>
__global__ void clip_bounds(const typename P::T* __restrict__ x, const typename P::T* __restrict__ lo, const typename P::T* __restrict__ hi,
                            typename P::T* __restrict__ y) {
  using T = typename P::T;
  const int64_t i = global_thread_index();
  if (i >= P::count) return;
  T v = x[i];
  if (P::has_lo) {
    const T l = lo[0];
    if (v < l) v = l;
  }
  if (P::has_hi) {
    const T h = hi[0];
    if (v > h) v = h;
  }
  y[i] = v;
}

}  // namespace yhc
