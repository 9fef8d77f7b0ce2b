// softmax.cuh — ONNX Softmax (opset 13: one axis), one thread per row along the axis.
// The input is viewed as [outer, axis_len, inner]; the max is subtracted for stability.
//
// P: outer, axis_len, inner
#pragma once
#include "yhc_common.cuh"

namespace yhc {

template <class P> __global__ void softmax_axis(const float* __restrict__ x, float* __restrict__ y) {
  const int64_t i = global_thread_index();
  if (i >= int64_t(P::outer) * P::inner) return;
  const int64_t o = i / P::inner;
  const int64_t in = i % P::inner;
  const float* row = x + o * P::axis_len * P::inner + in;
  float* out = y + o * P::axis_len * P::inner + in;

  float m = -INFINITY;
  for (int a = 0; a < P::axis_len; ++a) m = fmaxf(m, row[int64_t(a) * P::inner]);
  float sum = 0.0f;
  for (int a = 0; a < P::axis_len; ++a) sum += expf(row[int64_t(a) * P::inner] - m);
  const float inv = 1.0f / sum;
  for (int a = 0; a < P::axis_len; ++a) out[int64_t(a) * P::inner] = expf(row[int64_t(a) * P::inner] - m) * inv;
}

}  // namespace yhc
