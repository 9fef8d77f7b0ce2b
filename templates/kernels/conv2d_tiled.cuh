// conv2d_tiled.cuh — a dense 2-D convolution (group 1, NCHW) as a tiled implicit GEMM: per image,
// Y[oc][p] = sum_k W[oc][k] * X_col[k][p] with k = (ic, ky, kx) and p an output pixel, X_col
// never materialized (im2col on load, zero padding included).
//
// A block computes a tile of tile_m output channels x tile_n pixels (conv_tile_product.cuh: on
// CUDA cores for float weights, on tensor cores for half ones), which leaves each of its
// block_threads threads a 4 x 4 patch of it. Bias, the activation, the store (and SimAM's
// statistics) are the epilogue, here.
//
// P: batch, in_channels, in_h, in_w, out_channels, out_h, out_w, kernel_h, kernel_w, stride_h,
//    stride_w, pad_top, pad_left, dilation_h, dilation_w, has_bias, using Act,
//    using Input, Weight, Output (element types of x, of w and bias, of y: float or __half),
//    tile_m, tile_n, tile_k, block_threads, tile_shared_bytes (the tile: 64, 64, 8, 256),
//    x_image_stride, y_image_stride (elements from one image to the next: C·H·W, or the
//    concat buffer's when x or y is a channel range of it, codegen/views.ts)
// Launch: batch * ceil(out_channels / tile_m) * ceil(out_h * out_w / tile_n) blocks of block_threads.
// conv2d_tiled_normed reads its input through a GroupNorm (conv_inputs.cuh), conv2d_tiled_letterbox
// letterboxes uint8 frames on load (letterbox.cuh); conv2d_tiled_residual
// adds a residual tensor in the epilogue (conv_epilogue.cuh).
#pragma once
#include "conv_epilogue.cuh"
#include "conv_inputs.cuh"
#include "conv_tile_product.cuh"
#include "group_moments.cuh"
#include "letterbox.cuh"

namespace yhc {

// No statistics of the output.
struct NoPlaneStats {
  static constexpr bool enabled = false;
};

// SimAM's statistics of every output plane, gathered in the epilogue: each block merges its
// tile's per-channel Moments into partials[(image, channel, pixel tile)]; the last block of an
// (image, channel tile) merges a channel's pixel tiles in order and writes
// stats[2 * (image * out_channels + c)] = {mean, 1 / (4 * (var + lambda))}, var = m2 / (n - 1).
struct PlaneStats {
  static constexpr bool enabled = true;
  float* __restrict__ partials;
  unsigned int* __restrict__ counters;  // one per (image, channel tile), zeroed engine state
  float* __restrict__ stats;
  float lambda;
};

template <class P, class Load, class Stats = NoPlaneStats, class Epilogue = NoResidual>
__device__ __forceinline__ void conv_tiled_body(int block, Load load, const typename P::Weight* __restrict__ w,
                                                const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y,
                                                Stats plane_stats = Stats{}, Epilogue epilogue = Epilogue{}) {
  using S = TiledConvShape<P>;
  const int n_tile = block % S::n_tiles;
  const int m_tile = (block / S::n_tiles) % S::m_tiles;
  const int image = block / (S::n_tiles * S::m_tiles);
  const int m0 = m_tile * S::tile_m;
  const int p0 = n_tile * S::tile_n;
  const int t = int(threadIdx.x);
  const int tm = (t / 16) * 4;  // this thread's rows (output channels) within the tile
  const int tn = (t % 16) * 4;  // and columns (pixels)

  float acc[4][4] = {};
  tile_product<P>(image, m0, p0, load, w, acc);

  Moments mine[4] = {};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int oc = m0 + tm + i;
    if (oc >= P::out_channels) continue;
    const float b0 = P::has_bias ? to_float(bias[oc]) : 0.0f;
    typename P::Output* row = y + int64_t(image) * P::y_image_stride + int64_t(oc) * S::pixels;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int p = p0 + tn + j;
      if (p >= S::pixels) continue;
      const int64_t local = int64_t(oc) * S::pixels + p;
      const typename P::Output v = from_float<typename P::Output>(epilogue(image, local, typename P::Act()(acc[i][j] + b0)));
      row[p] = v;
      if constexpr (Stats::enabled) mine[i] = merge(mine[i], Moments{1.0f, to_float(v), 0.0f});  // of what is stored
    }
  }
  if constexpr (Stats::enabled) {
    // The 16 threads of a row group (16 consecutive lanes of a warp) hold a channel's 64
    // pixels: merge across them with shuffles; lane 0 of the group writes the channel's partial.
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      Moments m = mine[i];
#pragma unroll
      for (int offset = 8; offset > 0; offset /= 2) {
        const Moments other{__shfl_down_sync(0xffffffffu, m.count, offset, 16), __shfl_down_sync(0xffffffffu, m.mean, offset, 16),
                            __shfl_down_sync(0xffffffffu, m.m2, offset, 16)};
        m = merge(m, other);
      }
      const int oc = m0 + tm + i;
      if (t % 16 == 0 && oc < P::out_channels) {
        store_moments(plane_stats.partials + 3 * ((int64_t(image) * P::out_channels + oc) * S::n_tiles + n_tile), m);
        __threadfence();  // the partial is visible before the count says so
      }
    }
    if (!last_to_arrive(&plane_stats.counters[image * S::m_tiles + m_tile], unsigned(S::n_tiles))) return;
    const int oc = m0 + t;
    if (t < S::tile_m && oc < P::out_channels) {
      Moments m{0.0f, 0.0f, 0.0f};
      for (int q = 0; q < S::n_tiles; ++q)
        m = merge(m, load_moments(plane_stats.partials + 3 * ((int64_t(image) * P::out_channels + oc) * S::n_tiles + q)));
      const float variance = m.m2 / (m.count - 1.0f);
      plane_stats.stats[2 * (int64_t(image) * P::out_channels + oc)] = m.mean;
      plane_stats.stats[2 * (int64_t(image) * P::out_channels + oc) + 1] = 1.0f / (4.0f * (variance + plane_stats.lambda));
    }
  }
}

template <class P>
__device__ __forceinline__ void conv2d_tiled_block(int block, const typename P::Input* __restrict__ x,
                                                   const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                                   typename P::Output* __restrict__ y) {
  conv_tiled_body<P>(block, PlainInput<P>{x}, w, bias, y);
}

template <class P>
__global__ void conv2d_tiled(const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ w,
                             const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y) {
  conv2d_tiled_block<P>(int(blockIdx.x), x, w, bias, y);
}

// The input a Concat with a nearest x2 Resize in it (UpsampledInput, conv_inputs.cuh): P adds
// up_begin, up_end.
template <class P>
__device__ __forceinline__ void conv2d_tiled_upsampled_block(int block, const typename P::Input* __restrict__ x,
                                                             const typename P::Input* __restrict__ up,
                                                             const typename P::Weight* __restrict__ w,
                                                             const typename P::Weight* __restrict__ bias,
                                                             typename P::Output* __restrict__ y) {
  conv_tiled_body<P>(block, UpsampledInput<P>{x, up}, w, bias, y);
}

template <class P>
__global__ void conv2d_tiled_upsampled(const typename P::Input* __restrict__ x, const typename P::Input* __restrict__ up,
                                       const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                       typename P::Output* __restrict__ y) {
  conv2d_tiled_upsampled_block<P>(int(blockIdx.x), x, up, w, bias, y);
}

// The input letterboxed from uint8 frames on load (LetterboxInput, letterbox.cuh): P adds
// frame_h, frame_w, bgr.
template <class P>
__device__ __forceinline__ void conv2d_tiled_letterbox_block(int block, const uint8_t* __restrict__ frames,
                                                             const int32_t* __restrict__ frame_size,
                                                             const typename P::Weight* __restrict__ w,
                                                             const typename P::Weight* __restrict__ bias,
                                                             typename P::Output* __restrict__ y) {
  using S = TiledConvShape<P>;
  const int image = block / (S::n_tiles * S::m_tiles);
  const LetterboxReader<P> reader{frames, frame_size};
  conv_tiled_body<P>(block, LetterboxInput<P>{reader, reader.geometry(image), image}, w, bias, y);
}

template <class P>
__global__ void conv2d_tiled_letterbox(const uint8_t* __restrict__ frames, const int32_t* __restrict__ frame_size,
                                       const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                       typename P::Output* __restrict__ y) {
  conv2d_tiled_letterbox_block<P>(int(blockIdx.x), frames, frame_size, w, bias, y);
}

// The residual Add in the epilogue (conv_epilogue.cuh): P adds using Residual, its element type,
// and residual_image_stride.
template <class P>
__device__ __forceinline__ void conv2d_tiled_residual_block(int block, const typename P::Input* __restrict__ x,
                                                            const typename P::Weight* __restrict__ w,
                                                            const typename P::Weight* __restrict__ bias,
                                                            const typename P::Residual* __restrict__ residual,
                                                            typename P::Output* __restrict__ y) {
  conv_tiled_body<P>(block, PlainInput<P>{x}, w, bias, y, NoPlaneStats{},
                     Residual<typename P::Residual, P::residual_image_stride>{residual});
}

template <class P>
__global__ void conv2d_tiled_residual(const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ w,
                                      const typename P::Weight* __restrict__ bias, const typename P::Residual* __restrict__ residual,
                                      typename P::Output* __restrict__ y) {
  conv2d_tiled_residual_block<P>(int(blockIdx.x), x, w, bias, residual, y);
}

// The input through a GroupNorm whose statistics its producer left (conv_inputs.cuh): P adds
// in_groups, using InAct.
template <class P>
__device__ __forceinline__ void conv2d_tiled_normed_block(int block, const typename P::Input* __restrict__ x,
                                                          const float* __restrict__ stats, const float* __restrict__ scale,
                                                          const float* __restrict__ shift, const typename P::Weight* __restrict__ w,
                                                          const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y) {
  conv_tiled_body<P>(block, NormalizedInput<P>{x, stats, scale, shift}, w, bias, y);
}

template <class P>
__global__ void conv2d_tiled_normed(const typename P::Input* __restrict__ x, const float* __restrict__ stats,
                                    const float* __restrict__ scale, const float* __restrict__ shift,
                                    const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                    typename P::Output* __restrict__ y) {
  conv2d_tiled_normed_block<P>(int(blockIdx.x), x, stats, scale, shift, w, bias, y);
}

// The tiled conv that also leaves SimAM's plane statistics of its output (PlaneStats).
template <class P>
__device__ __forceinline__ void conv2d_tiled_simam_stats_block(int block, const typename P::Input* __restrict__ x,
                                                               const typename P::Weight* __restrict__ w,
                                                               const typename P::Weight* __restrict__ bias,
                                                               typename P::Output* __restrict__ y, float* __restrict__ partials,
                                                               unsigned int* __restrict__ counters, float* __restrict__ stats) {
  conv_tiled_body<P>(block, PlainInput<P>{x}, w, bias, y, PlaneStats{partials, counters, stats, P::lambda});
}

template <class P>
__global__ void conv2d_tiled_simam_stats(const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ w,
                                         const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y,
                                         float* __restrict__ partials, unsigned int* __restrict__ counters, float* __restrict__ stats) {
  conv2d_tiled_simam_stats_block<P>(int(blockIdx.x), x, w, bias, y, partials, counters, stats);
}

// Both: a GroupNorm on the way in (NormalizedInput), SimAM's statistics on the way out.
template <class P>
__device__ __forceinline__ void conv2d_tiled_normed_simam_stats_block(
    int block, const typename P::Input* __restrict__ x, const float* __restrict__ in_stats, const float* __restrict__ scale,
    const float* __restrict__ shift, const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
    typename P::Output* __restrict__ y, float* __restrict__ partials, unsigned int* __restrict__ counters, float* __restrict__ stats) {
  conv_tiled_body<P>(block, NormalizedInput<P>{x, in_stats, scale, shift}, w, bias, y, PlaneStats{partials, counters, stats, P::lambda});
}

template <class P>
__global__ void conv2d_tiled_normed_simam_stats(const typename P::Input* __restrict__ x, const float* __restrict__ in_stats,
                                                const float* __restrict__ scale, const float* __restrict__ shift,
                                                const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                                typename P::Output* __restrict__ y, float* __restrict__ partials,
                                                unsigned int* __restrict__ counters, float* __restrict__ stats) {
  conv2d_tiled_normed_simam_stats_block<P>(int(blockIdx.x), x, in_stats, scale, shift, w, bias, y, partials, counters, stats);
}

// The input through SimAM (SimamInput, conv_inputs.cuh): x * sigmoid((x - mean)^2 * inv + 0.5).
template <class P>
__device__ __forceinline__ void conv2d_tiled_simam_block(int block, const typename P::Input* __restrict__ x,
                                                         const float* __restrict__ stats, const typename P::Weight* __restrict__ w,
                                                         const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y) {
  conv_tiled_body<P>(block, SimamInput<P>{x, stats}, w, bias, y);
}

template <class P>
__global__ void conv2d_tiled_simam(const typename P::Input* __restrict__ x, const float* __restrict__ stats,
                                   const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                   typename P::Output* __restrict__ y) {
  conv2d_tiled_simam_block<P>(int(blockIdx.x), x, stats, w, bias, y);
}

}  // namespace yhc
