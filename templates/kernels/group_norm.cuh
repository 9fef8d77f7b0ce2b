// group_norm.cuh — normalization over groups of channels, one block per (image, group):
// ONNX InstanceNormalization (groups == channels), GroupNormalization, and ai.yhc.GroupNorm.
//   mean, var over the group's channels x spatial elements (two passes: no cancellation)
//   y = act((x - mean) / sqrt(var + epsilon) * scale + bias)
//
// P: batch, channels, groups, spatial, epsilon, block_threads,
//    affine_per_group (GroupNormalization opset 18: scale/bias per group, else per channel),
//    using Act (yhc::act::None for the ONNX ops; ai.yhc.GroupNorm's activation),
//    using Input, Output (element types of x and y: float or __half; scale and bias are float)
#pragma once
#include "block_reduce.cuh"

namespace yhc {

// group_norm_block is one block's work (block = its index in this norm's own grid), for
// horizontally fused launches.
template <class P>
__device__ __forceinline__ void group_norm_block(int block, const typename P::Input* __restrict__ x, const float* __restrict__ scale,
                                                 const float* __restrict__ bias, typename P::Output* __restrict__ y) {
  constexpr int channels_per_group = P::channels / P::groups;
  constexpr int64_t group_size = int64_t(channels_per_group) * P::spatial;
  __shared__ float scratch[P::block_threads];

  const int n = block / P::groups;
  const int g = block % P::groups;
  const int64_t base = (int64_t(n) * P::channels + int64_t(g) * channels_per_group) * P::spatial;
  const typename P::Input* xg = x + base;
  typename P::Output* yg = y + base;

  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < group_size; i += P::block_threads) sum += to_float(xg[i]);
  const float mean = block_sum<P::block_threads>(sum, scratch) / float(group_size);

  float squares = 0.0f;
  for (int64_t i = threadIdx.x; i < group_size; i += P::block_threads) {
    const float d = to_float(xg[i]) - mean;
    squares += d * d;
  }
  const float var = block_sum<P::block_threads>(squares, scratch) / float(group_size);
  const float inv_std = 1.0f / sqrtf(var + P::epsilon);

  for (int64_t i = threadIdx.x; i < group_size; i += P::block_threads) {
    const int c = g * channels_per_group + int(i / P::spatial);
    const int a = P::affine_per_group ? g : c;
    yg[i] = from_float<typename P::Output>(typename P::Act()((to_float(xg[i]) - mean) * inv_std * scale[a] + bias[a]));
  }
}

template <class P>
__global__ void __launch_bounds__(P::block_threads) group_norm(const typename P::Input* __restrict__ x, const float* __restrict__ scale,
                                                               const float* __restrict__ bias, typename P::Output* __restrict__ y) {
  group_norm_block<P>(int(blockIdx.x), x, scale, bias, y);
}

}  // namespace yhc
