// batch_norm.cuh — ONNX BatchNormalization in inference mode, one thread per element:
//   y = (x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c]
//
// P: count, channels, spatial (elements per channel plane), epsilon
#pragma once
#include "yhc_common.cuh"

namespace yhc {

template <class P>
__global__ void batch_norm_inference(const float* __restrict__ x, const float* __restrict__ scale, const float* __restrict__ bias,
                                     const float* __restrict__ mean, const float* __restrict__ var, float* __restrict__ y) {
  const int64_t i = global_thread_index();
  if (i >= P::count) return;
  const int c = int((i / P::spatial) % P::channels);
  const float inv_std = 1.0f / sqrtf(var[c] + P::epsilon);
  y[i] = (x[i] - mean[c]) * inv_std * scale[c] + bias[c];
}

}  // namespace yhc
