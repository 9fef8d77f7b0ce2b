// conv2d_direct.cuh — a 2-D convolution (ONNX Conv, NCHW), one thread per output element.
// The simple, obviously-correct form: each thread walks its receptive field over the input
// channels of its group. Dense, grouped and depthwise convs are the same loop.
//
// P names the shape (all static) and the epilogue:
//   batch, in_channels, in_h, in_w, out_channels, out_h, out_w, groups,
//   kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w,
//   has_bias, using Act (yhc::act::None / Silu / Relu / Sigmoid), x_image_stride and
//   y_image_stride (elements from one image to the next: a channel range of a concat's buffer
//   has the buffer's, codegen/views.ts),
//   using Input, Weight, Output: element types of x, of w and bias, of y (float or __half);
//   the arithmetic is float either way
// The *_block functions are one block's work (block = its index in this conv's own grid), so a
// horizontally fused launch can run several convs side by side. The grid is image-major
// (image_element, yhc_common.cuh): a run of fewer images launches fewer blocks.
//
// Two variants carry a GroupNorm across the kernel boundary (group_moments.cuh):
//   conv2d_group_stats   writes the raw conv result and, in its epilogue, the GroupNorm
//                        statistics of it (P::stats_groups groups; blocks never straddle a group)
//   conv2d_normed_input  normalizes its input as it loads it: act((x - mean) * rstd * scale[c]
//                        + bias[c]) with the statistics the producer left (P::in_groups groups,
//                        using InAct); padding stays zero, as it is in the normalized tensor.
//   conv2d_normed_group_stats  both: one GroupNorm applied on load, the next one's statistics
//                        gathered on store.
#pragma once
#include "conv_epilogue.cuh"
#include "conv_inputs.cuh"
#include "group_moments.cuh"

namespace yhc {

// The conv sum (bias included, no activation) of output element i; load(n, c, iy, ix) reads
// input channel c of image n.
template <class P, class Load>
__device__ __forceinline__ float conv_sum(int64_t i, const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                          Load load) {
  constexpr int in_per_group = P::in_channels / P::groups;
  constexpr int out_per_group = P::out_channels / P::groups;
  const int ox = int(i % P::out_w);
  const int oy = int((i / P::out_w) % P::out_h);
  const int oc = int((i / (int64_t(P::out_w) * P::out_h)) % P::out_channels);
  const int n = int(i / (int64_t(P::out_w) * P::out_h * P::out_channels));
  const int group = oc / out_per_group;

  float acc = P::has_bias ? to_float(bias[oc]) : 0.0f;
  for (int ic = 0; ic < in_per_group; ++ic) {
    const int c = group * in_per_group + ic;
    const typename P::Weight* w_taps = w + (int64_t(oc) * in_per_group + ic) * P::kernel_h * P::kernel_w;
    for (int ky = 0; ky < P::kernel_h; ++ky) {
      const int iy = oy * P::stride_h - P::pad_top + ky * P::dilation_h;
      if (iy < 0 || iy >= P::in_h) continue;  // zero padding
      for (int kx = 0; kx < P::kernel_w; ++kx) {
        const int ix = ox * P::stride_w - P::pad_left + kx * P::dilation_w;
        if (ix < 0 || ix >= P::in_w) continue;
        acc += load(n, c, iy, ix) * to_float(w_taps[ky * P::kernel_w + kx]);
      }
    }
  }
  return acc;
}

template <class P>
__device__ __forceinline__ void conv2d_direct_block(int block, const typename P::Input* __restrict__ x,
                                                    const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                                    typename P::Output* __restrict__ y) {
  constexpr int64_t per_image = int64_t(P::out_channels) * P::out_h * P::out_w;
  const int64_t i = image_element<per_image>(block);
  if (i < 0) return;
  y[strided_index<per_image, P::y_image_stride>(i)] =
      from_float<typename P::Output>(typename P::Act()(conv_sum<P>(i, w, bias, PlainInput<P>{x})));
}

template <class P>
__global__ void conv2d_direct(const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ w,
                              const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y) {
  conv2d_direct_block<P>(int(blockIdx.x), x, w, bias, y);
}

// ---- A residual Add in the epilogue (conv_epilogue.cuh): P adds using Residual ------------------
template <class P>
__device__ __forceinline__ void conv2d_direct_residual_block(int block, const typename P::Input* __restrict__ x,
                                                             const typename P::Weight* __restrict__ w,
                                                             const typename P::Weight* __restrict__ bias,
                                                             const typename P::Residual* __restrict__ residual,
                                                             typename P::Output* __restrict__ y) {
  constexpr int64_t per_image = int64_t(P::out_channels) * P::out_h * P::out_w;
  const int64_t i = image_element<per_image>(block);
  if (i < 0) return;
  const float v = typename P::Act()(conv_sum<P>(i, w, bias, PlainInput<P>{x}));
  const float sum = Residual<typename P::Residual, P::residual_image_stride>{residual}(i / per_image, i % per_image, v);
  y[strided_index<per_image, P::y_image_stride>(i)] = from_float<typename P::Output>(sum);
}

template <class P>
__global__ void conv2d_direct_residual(const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ w,
                                       const typename P::Weight* __restrict__ bias, const typename P::Residual* __restrict__ residual,
                                       typename P::Output* __restrict__ y) {
  conv2d_direct_residual_block<P>(int(blockIdx.x), x, w, bias, residual, y);
}

// ---- GroupNorm statistics in the epilogue ---------------------------------------------------------
// P adds: stats_groups, block_threads, epsilon. Grid: batch * stats_groups * chunks blocks, where
// a group's elements (its channels x out_h x out_w, contiguous in NCHW) split into `chunks` blocks.
template <class P> struct GroupChunks {
  static constexpr int64_t group_size = int64_t(P::out_channels / P::stats_groups) * P::out_h * P::out_w;
  static constexpr int chunks = int((group_size + P::block_threads - 1) / P::block_threads);
};

template <class P, class Load>
__device__ __forceinline__ void conv_group_stats_body(int block, Load load, const typename P::Weight* __restrict__ w,
                                                      const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y,
                                                      float* __restrict__ partials, unsigned int* __restrict__ counters,
                                                      float* __restrict__ stats) {
  constexpr int chunks = GroupChunks<P>::chunks;
  constexpr int64_t group_size = GroupChunks<P>::group_size;
  const int group = block / chunks;  // (image, group) pair: n * stats_groups + g
  const int chunk = block % chunks;
  const int64_t k = int64_t(chunk) * P::block_threads + threadIdx.x;
  Moments mine{0.0f, 0.0f, 0.0f};
  if (k < group_size) {
    const int64_t i = int64_t(group) * group_size + k;
    const typename P::Output v = from_float<typename P::Output>(conv_sum<P>(i, w, bias, load));
    y[strided_index<int64_t(P::out_channels) * P::out_h * P::out_w, P::y_image_stride>(i)] = v;
    mine = {1.0f, to_float(v), 0.0f};  // the statistics of what is stored
  }
  publish_group_moments<P::block_threads>(mine, group, chunk, chunks, P::epsilon, partials, counters, stats);
}

template <class P>
__device__ __forceinline__ void conv2d_group_stats_block(int block, const typename P::Input* __restrict__ x,
                                                         const typename P::Weight* __restrict__ w,
                                                         const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y,
                                                         float* __restrict__ partials, unsigned int* __restrict__ counters,
                                                         float* __restrict__ stats) {
  conv_group_stats_body<P>(block, PlainInput<P>{x}, w, bias, y, partials, counters, stats);
}

template <class P>
__global__ void conv2d_group_stats(const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ w,
                                   const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y,
                                   float* __restrict__ partials, unsigned int* __restrict__ counters, float* __restrict__ stats) {
  conv2d_group_stats_block<P>(int(blockIdx.x), x, w, bias, y, partials, counters, stats);
}

// ---- GroupNorm applied in the prologue (NormalizedInput, conv_inputs.cuh) -------------------------
template <class P>
__device__ __forceinline__ void conv2d_normed_input_block(int block, const typename P::Input* __restrict__ x,
                                                          const float* __restrict__ stats, const float* __restrict__ scale,
                                                          const float* __restrict__ shift, const typename P::Weight* __restrict__ w,
                                                          const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y) {
  constexpr int64_t per_image = int64_t(P::out_channels) * P::out_h * P::out_w;
  const int64_t i = image_element<per_image>(block);
  if (i < 0) return;
  y[strided_index<per_image, P::y_image_stride>(i)] =
      from_float<typename P::Output>(typename P::Act()(conv_sum<P>(i, w, bias, NormalizedInput<P>{x, stats, scale, shift})));
}

template <class P>
__global__ void conv2d_normed_input(const typename P::Input* __restrict__ x, const float* __restrict__ stats,
                                    const float* __restrict__ scale, const float* __restrict__ shift,
                                    const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                    typename P::Output* __restrict__ y) {
  conv2d_normed_input_block<P>(int(blockIdx.x), x, stats, scale, shift, w, bias, y);
}

// ---- Both: a GroupNorm on the way in, the next GroupNorm's statistics on the way out -------------
// P has both sets of fields (in_groups, using InAct; stats_groups, block_threads, epsilon).
template <class P>
__device__ __forceinline__ void conv2d_normed_group_stats_block(int block, const typename P::Input* __restrict__ x,
                                                                const float* __restrict__ in_stats, const float* __restrict__ scale,
                                                                const float* __restrict__ shift, const typename P::Weight* __restrict__ w,
                                                                const typename P::Weight* __restrict__ bias,
                                                                typename P::Output* __restrict__ y, float* __restrict__ partials,
                                                                unsigned int* __restrict__ counters, float* __restrict__ stats) {
  conv_group_stats_body<P>(block, NormalizedInput<P>{x, in_stats, scale, shift}, w, bias, y, partials, counters, stats);
}

template <class P>
__global__ void conv2d_normed_group_stats(const typename P::Input* __restrict__ x, const float* __restrict__ in_stats,
                                          const float* __restrict__ scale, const float* __restrict__ shift,
                                          const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                          typename P::Output* __restrict__ y, float* __restrict__ partials,
                                          unsigned int* __restrict__ counters, float* __restrict__ stats) {
  conv2d_normed_group_stats_block<P>(int(blockIdx.x), x, in_stats, scale, shift, w, bias, y, partials, counters, stats);
}

}  // namespace yhc
