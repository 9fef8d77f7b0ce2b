// simam.cuh — SimAM attention (ai.yhc.SimAM), one block per (image, channel) plane of
// `spatial` elements. Like group_norm.cuh: the plane's statistics first, then every element.
//   mean = sum(x) / n;  s = sum((x - mean)^2)              (two passes: no cancellation)
//   y = (x - mean)^2 / (4 * (s / (n - 1) + lambda)) + 0.5;  out = x * sigmoid(y)
//
// P: planes (N x C), spatial (n = H x W), lambda, block_threads,
//    using Input, Output (element types of x and y: float or __half)
#pragma once
#include "block_reduce.cuh"

namespace yhc {

// simam_block is one block's work (block = its plane), for horizontally fused launches.
template <class P>
__device__ __forceinline__ void simam_block(int block, const typename P::Input* __restrict__ x, typename P::Output* __restrict__ y) {
  __shared__ float scratch[P::block_threads];
  const int64_t base = int64_t(block) * P::spatial;
  const typename P::Input* xp = x + base;
  typename P::Output* yp = y + base;

  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < P::spatial; i += P::block_threads) sum += to_float(xp[i]);
  const float mean = block_sum<P::block_threads>(sum, scratch) / float(P::spatial);

  float squares = 0.0f;
  for (int64_t i = threadIdx.x; i < P::spatial; i += P::block_threads) {
    const float d = to_float(xp[i]) - mean;
    squares += d * d;
  }
  const float variance = block_sum<P::block_threads>(squares, scratch) / float(P::spatial - 1);
  const float denominator = 4.0f * (variance + P::lambda);

  for (int64_t i = threadIdx.x; i < P::spatial; i += P::block_threads) {
    const float v = to_float(xp[i]);
    const float d = v - mean;
    yp[i] = from_float<typename P::Output>(v * sigmoid(d * d / denominator + 0.5f));
  }
}

template <class P>
__global__ void __launch_bounds__(P::block_threads) simam(const typename P::Input* __restrict__ x, typename P::Output* __restrict__ y) {
  simam_block<P>(int(blockIdx.x), x, y);
}

}  // namespace yhc
