// conv_tile_product.cuh — the main loop of conv2d_tiled.cuh: one block's tile of
//   Y[oc][p] = sum_k W[oc][k] * X_col[k][p],   k = (ic, ky, kx), p = an output pixel,
// X_col being the im2col of the input (never materialized; zero padding on load). The result is
// left in acc[4][4] as thread t's 4 x 4 patch: rows tm + i, columns tn + j with
// tm = (t / 16) * 4 and tn = (t % 16) * 4 (TiledConvShape), whichever way it was computed:
//
//   tile_product_fma  CUDA cores, float weights: per step tile_k rows of W and X_col staged in
//                     shared memory (W and pointwise X_col rows as 16-byte loads where rows
//                     allow); 8 loads from shared memory feed 16 multiply-adds.
//   tile_product_mma  tensor cores, half weights (--precision fp16): the same staging in half
//                     (W rows as one 16-byte load each), each of the 8 warps a 16 x 32 part of the
//                     tile as four mma.sync m16n8k8 per step with fp32 accumulators (mma.cuh),
//                     then the accumulators moved through shared memory into the 4 x 4 patches.
#pragma once
#include <type_traits>

#include "conv_inputs.cuh"
#include "mma.cuh"
#include "yhc_common.cuh"

namespace yhc {

// The tile sizes come from P (codegen/kernels/conv_tiled.ts emits them, and budgets the shared
// memory of horizontally fused launches with P::tile_shared_bytes, which the tile products
// static_assert against their own arrays).
template <class P> struct TiledConvShape {
  static constexpr int tile_m = P::tile_m;  // output channels per block
  static constexpr int tile_n = P::tile_n;  // output pixels per block
  static constexpr int tile_k = P::tile_k;  // reduction rows per shared-memory step
  static constexpr int threads = P::block_threads;
  static constexpr int pixels = P::out_h * P::out_w;
  static constexpr int k_total = P::in_channels * P::kernel_h * P::kernel_w;
  static constexpr int m_tiles = (P::out_channels + tile_m - 1) / tile_m;
  static constexpr int n_tiles = (pixels + tile_n - 1) / tile_n;
  // X_col row k is input plane k itself: its tile rows can be read as 16-byte runs of pixels.
  static constexpr bool pointwise = P::kernel_h == 1 && P::kernel_w == 1 && P::stride_h == 1 && P::stride_w == 1 && P::pad_top == 0 &&
                                    P::pad_left == 0 && P::in_h == P::out_h && P::in_w == P::out_w;
};

// X_col[kk][p] of one image: the input under tap kk of output pixel p; 0 in the padding and
// past the ends of the tile.
template <class P, class Load> __device__ __forceinline__ float im2col(Load load, int image, int kk, int p) {
  using S = TiledConvShape<P>;
  if (kk >= S::k_total || p >= S::pixels) return 0.0f;
  const int ic = kk / (P::kernel_h * P::kernel_w);
  const int ky = (kk / P::kernel_w) % P::kernel_h;
  const int kx = kk % P::kernel_w;
  const int iy = (p / P::out_w) * P::stride_h - P::pad_top + ky * P::dilation_h;
  const int ix = (p % P::out_w) * P::stride_w - P::pad_left + kx * P::dilation_w;
  if (iy < 0 || iy >= P::in_h || ix < 0 || ix >= P::in_w) return 0.0f;
  return load(image, ic, iy, ix);
}

// Stages X_col rows k0 .. k0 + tile_k - 1 of the tile: store(k, n, X_col[k0 + k][p0 + n]) for
// every k < tile_k, n < tile_n. A pointwise conv whose planes are whole 16-byte runs reads each
// run in one load (Load::run); any other conv gathers element by element (im2col).
template <class P, class Load, class Store> __device__ __forceinline__ void stage_x_col(Load load, int image, int k0, int p0, Store store) {
  using S = TiledConvShape<P>;
  constexpr int V = Load::kRunLength;
  if constexpr (S::pointwise && S::pixels % V == 0 && S::tile_n % V == 0) {
    constexpr int runs_per_row = S::tile_n / V;
    for (int e = int(threadIdx.x); e < S::tile_k * runs_per_row; e += S::threads) {
      const int k = e / runs_per_row;
      const int n = (e % runs_per_row) * V;
      float v[V] = {};
      // Runs start at multiples of V and planes hold whole runs: a run is all in or all out.
      if (k0 + k < S::k_total && p0 + n < S::pixels) load.run(image, k0 + k, p0 + n, v);
#pragma unroll
      for (int j = 0; j < V; ++j) store(k, n + j, v[j]);
    }
  } else {
    for (int e = int(threadIdx.x); e < S::tile_k * S::tile_n; e += S::threads) {
      const int k = e / S::tile_n;  // consecutive threads take consecutive pixels
      const int n = e % S::tile_n;
      store(k, n, im2col<P>(load, image, k0 + k, p0 + n));
    }
  }
}

template <class P, class Load>
__device__ __forceinline__ void tile_product_fma(int image, int m0, int p0, Load load, const typename P::Weight* __restrict__ w,
                                                 float (&acc)[4][4]) {
  using S = TiledConvShape<P>;
  static_assert(S::tile_m * S::tile_n == S::threads * 16 && S::tile_n == 64, "each thread computes a 4 x 4 patch, 16 threads a row");
  __shared__ float w_tile[S::tile_k][S::tile_m];  // W[m0 + m][k0 + k], transposed
  __shared__ float x_tile[S::tile_k][S::tile_n];  // X_col[k0 + k][p0 + n]
  static_assert(sizeof(w_tile) + sizeof(x_tile) == P::tile_shared_bytes,
                "codegen/kernels/conv_tiled.ts budgets a different shared-memory size for the CUDA-core tile product");
  const int t = int(threadIdx.x);
  const int tm = (t / 16) * 4;
  const int tn = (t % 16) * 4;
  for (int k0 = 0; k0 < S::k_total; k0 += S::tile_k) {
    // Stage W: 64 x 8 values; rows of W are contiguous in k: 16-byte runs of 4 when rows allow.
    if constexpr (S::k_total % 4 == 0 && std::is_same<typename P::Weight, float>::value) {
      for (int e = t; e < S::tile_m * S::tile_k / 4; e += S::threads) {
        const int m = e / (S::tile_k / 4);
        const int k = (e % (S::tile_k / 4)) * 4;
        float v[4] = {};
        if (m0 + m < P::out_channels && k0 + k < S::k_total) load_run(w + int64_t(m0 + m) * S::k_total + k0 + k, v);
#pragma unroll
        for (int j = 0; j < 4; ++j) w_tile[k + j][m] = v[j];
      }
    } else {
      for (int e = t; e < S::tile_m * S::tile_k; e += S::threads) {
        const int m = e / S::tile_k;
        const int k = e % S::tile_k;
        const bool inside = m0 + m < P::out_channels && k0 + k < S::k_total;
        w_tile[k][m] = inside ? to_float(w[int64_t(m0 + m) * S::k_total + k0 + k]) : 0.0f;
      }
    }
    stage_x_col<P>(load, image, k0, p0, [&](int k, int n, float v) { x_tile[k][n] = v; });
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
}

// Shared memory of tile_product_mma (codegen/kernels/conv_tiled.ts mirrors `bytes`: P::tile_shared_bytes). The
// staging tiles and the accumulator exchange are never live at once, so they share one buffer:
// a horizontally fused launch holds every part's, and three levels' must fit beside a DwPw tile.
template <class P> struct MmaTileStorage {
  using S = TiledConvShape<P>;
  static constexpr int x_row = S::tile_k + 2;  // halves per x_tile row (padded: see below)
  static constexpr int exchange_rows = 16;     // accumulator rows moved per round
  static constexpr int exchange_row = S::tile_n + 4;
  static constexpr int w_bytes = S::tile_m * S::tile_k * 2;
  static constexpr int staging_bytes = w_bytes + S::tile_n * x_row * 2;
  static constexpr int exchange_bytes = exchange_rows * exchange_row * 4;
  static constexpr int bytes = staging_bytes > exchange_bytes ? staging_bytes : exchange_bytes;
};

template <class P, class Load>
__device__ __forceinline__ void tile_product_mma(int image, int m0, int p0, Load load, const __half* __restrict__ w, float (&acc)[4][4]) {
  using S = TiledConvShape<P>;
  using M = MmaTileStorage<P>;
  static_assert(S::tile_m == 64 && S::tile_n == 64 && S::tile_k == 8 && S::threads == 256,
                "8 warps, 4 x 2 parts of 16 x 32, one k-step of m16n8k8 per stage");
  // w_tile[m][k] = W[m0 + m][k0 + k]: a row is 16 bytes, one vector load when rows are 16-byte aligned.
  // x_tile[n][k] = X_col[k0 + k][p0 + n]; rows padded to 10 halves so that 32 consecutive pixels
  // stored at one k spread over the banks. Fragment reads: 8 rows x 4 words, conflict-free.
  __shared__ __align__(16) unsigned char storage[M::bytes];
  static_assert(M::bytes == P::tile_shared_bytes,
                "codegen/kernels/conv_tiled.ts budgets a different shared-memory size for the tensor-core tile product");
  auto w_tile = reinterpret_cast<__half(*)[S::tile_k]>(storage);              // [tile_m][tile_k]
  auto x_tile = reinterpret_cast<__half(*)[M::x_row]>(storage + M::w_bytes);  // [tile_n][x_row]
  auto exchange = reinterpret_cast<float(*)[M::exchange_row]>(storage);       // after the K loop

  const int t = int(threadIdx.x);
  const int warp = t / 32;
  const int group = (t % 32) / 4;  // fragment coordinates (mma.cuh)
  const int pair = t % 4;
  const int wm = (warp % 4) * 16;  // the warp's 16 rows
  const int wn = (warp / 4) * 32;  // and 32 columns: four m16n8 parts
  float c[4][4] = {};              // c[s]: the part at columns wn + 8s, in fragment layout

  for (int k0 = 0; k0 < S::k_total; k0 += S::tile_k) {
    if constexpr (S::k_total % S::tile_k == 0) {
      if (t < S::tile_m) {
        uint4 row = make_uint4(0u, 0u, 0u, 0u);
        if (m0 + t < P::out_channels) row = *reinterpret_cast<const uint4*>(w + int64_t(m0 + t) * S::k_total + k0);
        *reinterpret_cast<uint4*>(&w_tile[t][0]) = row;
      }
    } else {
      for (int e = t; e < S::tile_m * S::tile_k; e += S::threads) {
        const int m = e / S::tile_k;
        const int k = e % S::tile_k;
        const bool inside = m0 + m < P::out_channels && k0 + k < S::k_total;
        w_tile[m][k] = inside ? w[int64_t(m0 + m) * S::k_total + k0 + k] : __float2half_rn(0.0f);
      }
    }
    stage_x_col<P>(load, image, k0, p0, [&](int k, int n, float v) { x_tile[n][k] = __float2half_rn(v); });
    __syncthreads();
    MmaA a;  // A = W rows wm.., k0..k0 + 7
    a.a[0] = *reinterpret_cast<const __half2*>(&w_tile[wm + group][2 * pair]);
    a.a[1] = *reinterpret_cast<const __half2*>(&w_tile[wm + group + 8][2 * pair]);
    MmaB b[4];  // b[s] = X_col rows k0..k0 + 7, columns wn + 8s..
#pragma unroll
    for (int s = 0; s < 4; ++s) b[s].b = *reinterpret_cast<const __half2*>(&x_tile[wn + 8 * s + group][2 * pair]);
    mma_m16n8k8_x4(c, a, b, c);
    __syncthreads();
  }

  // Fragments → 4 x 4 patches, 16 rows a round: the two warps holding rows 16r.. write them,
  // the 64 threads whose patches lie there read them.
  const int tm = (t / 16) * 4;
  const int tn = (t % 16) * 4;
#pragma unroll
  for (int r = 0; r < S::tile_m / M::exchange_rows; ++r) {
    if (wm == M::exchange_rows * r) {
#pragma unroll
      for (int s = 0; s < 4; ++s) {
        const int col = wn + 8 * s + 2 * pair;
        exchange[group][col] = c[s][0];
        exchange[group][col + 1] = c[s][1];
        exchange[group + 8][col] = c[s][2];
        exchange[group + 8][col + 1] = c[s][3];
      }
    }
    __syncthreads();
    if (tm / M::exchange_rows == r) {
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = exchange[tm % M::exchange_rows + i][tn + j];
    }
    __syncthreads();
  }
}

// The tile product the weights' storage type calls for.
template <class P, class Load>
__device__ __forceinline__ void tile_product(int image, int m0, int p0, Load load, const typename P::Weight* __restrict__ w,
                                             float (&acc)[4][4]) {
  if constexpr (std::is_same<typename P::Weight, __half>::value) {
    tile_product_mma<P>(image, m0, p0, load, w, acc);
  } else {
    tile_product_fma<P>(image, m0, p0, load, w, acc);
  }
}

}  // namespace yhc
