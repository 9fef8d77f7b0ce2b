// conv2d_tiled.cuh — a dense 2-D convolution (group 1, NCHW) as a tiled implicit GEMM on CUDA
// cores: per image, Y[oc][p] = sum_k W[oc][k] * X_col[k][p] with k = (ic, ky, kx) and p an output
// pixel, X_col never materialized (im2col on load, zero padding included).
//
// A block computes a tile of tile_m output channels x tile_n pixels; each of its 256 threads
// a 4 x 4 patch of it (register blocking: 8 loads from shared memory feed 16 multiply-adds).
// The K loop stages tile_k rows of W and of X_col in shared memory per step. Bias and the
// activation are the epilogue.
//
// P: batch, in_channels, in_h, in_w, out_channels, out_h, out_w, kernel_h, kernel_w, stride_h,
//    stride_w, pad_top, pad_left, dilation_h, dilation_w, has_bias, using Act,
//    using Input, Weight, Output (element types of x, of w and bias, of y: float or __half)
// Launch: batch * ceil(out_channels / 64) * ceil(out_h * out_w / 64) blocks of 256 threads.
// conv2d_tiled_normed reads its input through a GroupNorm (conv_inputs.cuh).
#pragma once
#include "conv_inputs.cuh"
#include "group_moments.cuh"

namespace yhc {

template <class P>
struct TiledConvShape {
  static constexpr int tile_m = 64;  // output channels per block
  static constexpr int tile_n = 64;  // output pixels per block
  static constexpr int tile_k = 8;   // reduction rows per shared-memory step
  static constexpr int threads = 256;
  static constexpr int pixels = P::out_h * P::out_w;
  static constexpr int k_total = P::in_channels * P::kernel_h * P::kernel_w;
  static constexpr int m_tiles = (P::out_channels + tile_m - 1) / tile_m;
  static constexpr int n_tiles = (pixels + tile_n - 1) / tile_n;
};

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

template <class P, class Load, class Stats = NoPlaneStats>
__device__ __forceinline__ void conv_tiled_body(int block, Load load, const typename P::Weight* __restrict__ w,
                                                const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y,
                                                Stats plane_stats = Stats{}) {
  using S = TiledConvShape<P>;
  static_assert(S::tile_m * S::tile_n == S::threads * 16, "each thread computes a 4 x 4 patch");
  __shared__ float w_tile[S::tile_k][S::tile_m];  // W[m0 + m][k0 + k], transposed
  __shared__ float x_tile[S::tile_k][S::tile_n];  // X_col[k0 + k][p0 + n]

  const int n_tile = block % S::n_tiles;
  const int m_tile = (block / S::n_tiles) % S::m_tiles;
  const int image = block / (S::n_tiles * S::m_tiles);
  const int m0 = m_tile * S::tile_m;
  const int p0 = n_tile * S::tile_n;
  const int t = int(threadIdx.x);
  const int tm = (t / 16) * 4;  // this thread's rows (output channels) within the tile
  const int tn = (t % 16) * 4;  // and columns (pixels)

  float acc[4][4] = {};
  for (int k0 = 0; k0 < S::k_total; k0 += S::tile_k) {
    // Stage W: 64 x 8 values, 2 per thread; consecutive threads read consecutive k of one row.
    for (int e = t; e < S::tile_m * S::tile_k; e += S::threads) {
      const int m = e / S::tile_k;
      const int k = e % S::tile_k;
      const bool inside = m0 + m < P::out_channels && k0 + k < S::k_total;
      w_tile[k][m] = inside ? to_float(w[int64_t(m0 + m) * S::k_total + k0 + k]) : 0.0f;
    }
    // Stage X_col: 8 x 64 values, 2 per thread; consecutive threads take consecutive pixels.
    for (int e = t; e < S::tile_k * S::tile_n; e += S::threads) {
      const int k = e / S::tile_n;
      const int n = e % S::tile_n;
      const int kk = k0 + k;
      const int p = p0 + n;
      float v = 0.0f;
      if (kk < S::k_total && p < S::pixels) {
        const int ic = kk / (P::kernel_h * P::kernel_w);
        const int ky = (kk / P::kernel_w) % P::kernel_h;
        const int kx = kk % P::kernel_w;
        const int iy = (p / P::out_w) * P::stride_h - P::pad_top + ky * P::dilation_h;
        const int ix = (p % P::out_w) * P::stride_w - P::pad_left + kx * P::dilation_w;
        if (iy >= 0 && iy < P::in_h && ix >= 0 && ix < P::in_w) v = load(image, ic, iy, ix);
      }
      x_tile[k][n] = v;
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < S::tile_k; ++k) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) a[i] = w_tile[k][tm + i];
#pragma unroll
      for (int j = 0; j < 4; ++j) b[j] = x_tile[k][tn + j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }

  Moments mine[4] = {};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int oc = m0 + tm + i;
    if (oc >= P::out_channels) continue;
    const float b0 = P::has_bias ? to_float(bias[oc]) : 0.0f;
    typename P::Output* row = y + (int64_t(image) * P::out_channels + oc) * S::pixels;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int p = p0 + tn + j;
      if (p >= S::pixels) continue;
      const typename P::Output v = from_float<typename P::Output>(typename P::Act()(acc[i][j] + b0));
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
      for (int q = 0; q < S::n_tiles; ++q) m = merge(m, load_moments(plane_stats.partials + 3 * ((int64_t(image) * P::out_channels + oc) * S::n_tiles + q)));
      const float variance = m.m2 / (m.count - 1.0f);
      plane_stats.stats[2 * (int64_t(image) * P::out_channels + oc)] = m.mean;
      plane_stats.stats[2 * (int64_t(image) * P::out_channels + oc) + 1] = 1.0f / (4.0f * (variance + plane_stats.lambda));
    }
  }
}

template <class P>
__device__ __forceinline__ void conv2d_tiled_block(int block, const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ w,
                                                   const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y) {
  conv_tiled_body<P>(block, PlainInput<P>{x}, w, bias, y);
}

template <class P>
__global__ void conv2d_tiled(const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                             typename P::Output* __restrict__ y) {
  conv2d_tiled_block<P>(int(blockIdx.x), x, w, bias, y);
}

// The input through a GroupNorm whose statistics its producer left (conv_inputs.cuh): P adds
// in_groups, using InAct.
template <class P>
__device__ __forceinline__ void conv2d_tiled_normed_block(int block, const typename P::Input* __restrict__ x, const float* __restrict__ stats,
                                                          const float* __restrict__ scale, const float* __restrict__ shift,
                                                          const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                                          typename P::Output* __restrict__ y) {
  conv_tiled_body<P>(block, NormalizedInput<P>{x, stats, scale, shift}, w, bias, y);
}

template <class P>
__global__ void conv2d_tiled_normed(const typename P::Input* __restrict__ x, const float* __restrict__ stats, const float* __restrict__ scale,
                                    const float* __restrict__ shift, const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                    typename P::Output* __restrict__ y) {
  conv2d_tiled_normed_block<P>(int(blockIdx.x), x, stats, scale, shift, w, bias, y);
}

// The tiled conv that also leaves SimAM's plane statistics of its output (PlaneStats).
template <class P>
__device__ __forceinline__ void conv2d_tiled_simam_stats_block(int block, const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ w,
                                                               const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y,
                                                               float* __restrict__ partials, unsigned int* __restrict__ counters,
                                                               float* __restrict__ stats) {
  conv_tiled_body<P>(block, PlainInput<P>{x}, w, bias, y, PlaneStats{partials, counters, stats, P::lambda});
}

template <class P>
__global__ void conv2d_tiled_simam_stats(const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                         typename P::Output* __restrict__ y, float* __restrict__ partials, unsigned int* __restrict__ counters,
                                         float* __restrict__ stats) {
  conv2d_tiled_simam_stats_block<P>(int(blockIdx.x), x, w, bias, y, partials, counters, stats);
}

// Both: a GroupNorm on the way in (NormalizedInput), SimAM's statistics on the way out.
template <class P>
__device__ __forceinline__ void conv2d_tiled_normed_simam_stats_block(
    int block, const typename P::Input* __restrict__ x, const float* __restrict__ in_stats, const float* __restrict__ scale,
    const float* __restrict__ shift, const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y,
    float* __restrict__ partials, unsigned int* __restrict__ counters, float* __restrict__ stats) {
  conv_tiled_body<P>(block, NormalizedInput<P>{x, in_stats, scale, shift}, w, bias, y, PlaneStats{partials, counters, stats, P::lambda});
}

template <class P>
__global__ void conv2d_tiled_normed_simam_stats(const typename P::Input* __restrict__ x, const float* __restrict__ in_stats,
                                                const float* __restrict__ scale, const float* __restrict__ shift,
                                                const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y,
                                                float* __restrict__ partials, unsigned int* __restrict__ counters,
                                                float* __restrict__ stats) {
  conv2d_tiled_normed_simam_stats_block<P>(int(blockIdx.x), x, in_stats, scale, shift, w, bias, y, partials, counters, stats);
}

// The input through SimAM (SimamInput, conv_inputs.cuh): x * sigmoid((x - mean)^2 * inv + 0.5).
template <class P>
__device__ __forceinline__ void conv2d_tiled_simam_block(int block, const typename P::Input* __restrict__ x, const float* __restrict__ stats,
                                                         const typename P::Weight* __restrict__ w, const typename P::Weight* __restrict__ bias,
                                                         typename P::Output* __restrict__ y) {
  conv_tiled_body<P>(block, SimamInput<P>{x, stats}, w, bias, y);
}

template <class P>
__global__ void conv2d_tiled_simam(const typename P::Input* __restrict__ x, const float* __restrict__ stats, const typename P::Weight* __restrict__ w,
                                   const typename P::Weight* __restrict__ bias, typename P::Output* __restrict__ y) {
  conv2d_tiled_simam_block<P>(int(blockIdx.x), x, stats, w, bias, y);
}

}  // namespace yhc
