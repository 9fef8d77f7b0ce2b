// conv2d_direct.cuh — a 2-D convolution (ONNX Conv, NCHW), one thread per output element.
// The simple, obviously-correct form: each thread walks its receptive field over the input
// channels of its group. Dense, grouped and depthwise convs are the same loop.
//
// P names the shape (all static) and the epilogue:
//   batch, in_channels, in_h, in_w, out_channels, out_h, out_w, groups,
//   kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w,
//   has_bias, using Act (yhc::act::None / Silu / Relu / Sigmoid)
// conv2d_direct_block is one block's work (block = its index in this conv's own grid), so a
// horizontally fused launch can run several convs side by side.
#pragma once
#include "yhc_common.cuh"

namespace yhc {

template <class P>
__device__ __forceinline__ void conv2d_direct_block(int block, const float* __restrict__ x, const float* __restrict__ w,
                                                    const float* __restrict__ bias, float* __restrict__ y) {
  constexpr int64_t count = int64_t(P::batch) * P::out_channels * P::out_h * P::out_w;
  constexpr int in_per_group = P::in_channels / P::groups;
  constexpr int out_per_group = P::out_channels / P::groups;
  const int64_t i = int64_t(block) * blockDim.x + threadIdx.x;
  if (i >= count) return;

  const int ox = int(i % P::out_w);
  const int oy = int((i / P::out_w) % P::out_h);
  const int oc = int((i / (int64_t(P::out_w) * P::out_h)) % P::out_channels);
  const int n = int(i / (int64_t(P::out_w) * P::out_h * P::out_channels));
  const int group = oc / out_per_group;

  float acc = P::has_bias ? bias[oc] : 0.0f;
  for (int ic = 0; ic < in_per_group; ++ic) {
    const float* x_plane = x + (int64_t(n) * P::in_channels + group * in_per_group + ic) * P::in_h * P::in_w;
    const float* w_taps = w + (int64_t(oc) * in_per_group + ic) * P::kernel_h * P::kernel_w;
    for (int ky = 0; ky < P::kernel_h; ++ky) {
      const int iy = oy * P::stride_h - P::pad_top + ky * P::dilation_h;
      if (iy < 0 || iy >= P::in_h) continue;  // zero padding
      for (int kx = 0; kx < P::kernel_w; ++kx) {
        const int ix = ox * P::stride_w - P::pad_left + kx * P::dilation_w;
        if (ix < 0 || ix >= P::in_w) continue;
        acc += x_plane[iy * P::in_w + ix] * w_taps[ky * P::kernel_w + kx];
      }
    }
  }
  y[i] = typename P::Act()(acc);
}

template <class P>
__global__ void conv2d_direct(const float* __restrict__ x, const float* __restrict__ w,
                              const float* __restrict__ bias, float* __restrict__ y) {
  conv2d_direct_block<P>(int(blockIdx.x), x, w, bias, y);
}

}  // namespace yhc
