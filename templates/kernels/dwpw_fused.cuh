// dwpw_fused.cuh — ai.yhc.DwPw in one kernel: a depthwise conv and the 1x1 conv it feeds.
// Each block owns a tile of `tile` output pixels of one image. It computes the depthwise result
// for all channels of its tile into shared memory (bias and dw activation applied), then the
// pointwise product from there: the intermediate tensor never touches global memory.
//
//   hidden[c][t] = DwAct(dw_bias[c] + sum_taps x[n][c][window(p0 + t)] * dw_w[c][tap])
//   y[n][m][p0 + t] = PwAct(pw_bias[m] + sum_c pw_w[m][c] * hidden[c][t])
//
// Consecutive threads take consecutive pixels: loads of x, reads of hidden and stores of y are
// coalesced / conflict-free, and a warp reads one pw_w[m][c] (a broadcast).
//
// P names the shape (all static) and the epilogues:
//   batch, channels, in_h, in_w, out_channels, out_h, out_w, kernel_h, kernel_w, stride_h,
//   stride_w, pad_top, pad_left, dilation_h, dilation_w, tile (pixels per block),
//   has_dw_bias, has_pw_bias, using DwAct, using PwAct,
//   using Input, Weight, Output (element types of x, of the weights and biases, of y),
//   x_image_stride, y_image_stride (elements from one image to the next: a channel range of a
//   concat's buffer has the buffer's, codegen/views.ts)
// Launch: batch * ceil(out_h * out_w / tile) blocks; dynamic shared memory channels * tile floats.
// dwpw_fused_block is one block's work, for horizontally fused launches.
#pragma once
#include "conv2d_direct.cuh"

namespace yhc {

// The depthwise stage's geometry in conv2d_direct's terms (group = channels).
template <class P> struct Depthwise {
  static constexpr int batch = P::batch, in_channels = P::channels, in_h = P::in_h, in_w = P::in_w;
  static constexpr int out_channels = P::channels, out_h = P::out_h, out_w = P::out_w, groups = P::channels;
  static constexpr int kernel_h = P::kernel_h, kernel_w = P::kernel_w, stride_h = P::stride_h, stride_w = P::stride_w;
  static constexpr int pad_top = P::pad_top, pad_left = P::pad_left, dilation_h = P::dilation_h, dilation_w = P::dilation_w;
  static constexpr bool has_bias = P::has_dw_bias;
  static constexpr int64_t x_image_stride = P::x_image_stride;
  using Input = typename P::Input;
  using Weight = typename P::Weight;
};

template <class P>
__device__ __forceinline__ void dwpw_fused_block(int block, const typename P::Input* __restrict__ x,
                                                 const typename P::Weight* __restrict__ dw_w,
                                                 const typename P::Weight* __restrict__ dw_bias,
                                                 const typename P::Weight* __restrict__ pw_w,
                                                 const typename P::Weight* __restrict__ pw_bias, typename P::Output* __restrict__ y) {
  constexpr int pixels = P::out_h * P::out_w;
  constexpr int tiles = (pixels + P::tile - 1) / P::tile;
  YHC_DYNAMIC_SHARED(float, hidden);  // [channels][tile]
  const int n = block / tiles;
  const int p0 = (block % tiles) * P::tile;

  // 1. The depthwise conv of this tile, every channel.
  for (int e = int(threadIdx.x); e < P::channels * P::tile; e += int(blockDim.x)) {
    const int c = e / P::tile;
    const int p = p0 + e % P::tile;
    float acc = 0.0f;
    if (p < pixels) {
      // Output element (n, c, p) of the depthwise conv alone, as conv2d_direct computes it.
      const int64_t i = (int64_t(n) * P::channels + c) * pixels + p;
      acc = typename P::DwAct()(conv_sum<Depthwise<P>>(i, dw_w, dw_bias, PlainInput<Depthwise<P>>{x}));
    }
    hidden[e] = acc;
  }
  __syncthreads();

  // 2. The pointwise conv from shared memory.
  for (int e = int(threadIdx.x); e < P::out_channels * P::tile; e += int(blockDim.x)) {
    const int m = e / P::tile;
    const int t = e % P::tile;
    const int p = p0 + t;
    if (p >= pixels) continue;
    const typename P::Weight* row = pw_w + int64_t(m) * P::channels;
    float acc = P::has_pw_bias ? to_float(pw_bias[m]) : 0.0f;
    for (int c = 0; c < P::channels; ++c) acc += to_float(row[c]) * hidden[c * P::tile + t];
    y[int64_t(n) * P::y_image_stride + int64_t(m) * pixels + p] = from_float<typename P::Output>(typename P::PwAct()(acc));
  }
}

template <class P>
__global__ void dwpw_fused(const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ dw_w,
                           const typename P::Weight* __restrict__ dw_bias, const typename P::Weight* __restrict__ pw_w,
                           const typename P::Weight* __restrict__ pw_bias, typename P::Output* __restrict__ y) {
  dwpw_fused_block<P>(int(blockIdx.x), x, dw_w, dw_bias, pw_w, pw_bias, y);
}

}  // namespace yhc
