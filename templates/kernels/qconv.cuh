// qconv.cuh — ai.yhc.QConv (src/ops/yhc/qconv.ts): a convolution on 8-bit integers, NCHW.
//
//   acc[m][p] = sum_k (xq[k][p] − xz) · (w[m][k] − wz[m])          exact, int32
//   y[m][p]   = act(float(acc) · (x_scale · w_scale[m]) + bias[m])  each float step rounded as
//                                                                   the ONNX chain rounds it
// (requantize: y is stored as clamp(rint(y / y_scale) + y_zero_point) in Output, int8 or uint8).
//
// qconv_tiled, dense convs: an implicit GEMM per image, W[m][k] · X_col[k][p] with k = (ic, ky, kx),
// on integer tensor cores (mma.sync m16n8k32, mma_int8.cuh) in 64 x 64 output tiles: per step 32
// rows of W (int8/uint8 as stored) and of X_col (quantized as they are loaded; padding reads the
// zero point, as onnxruntime pads) are staged in shared memory, each of the 8 warps a 16 x 32
// part of the tile as four m16n8k32. The zero points are applied after the product by sums:
//   acc = sum_k xq·w − wz[m] · sum_k xq[k][p] − xz · w_sum[m],   w_sum[m] = sum_k (w[m][k] − wz[m])
// w_sum comes with the weights (codegen/kernels/qconv.ts); the window sums sum_k xq[k][p] are
// accumulated from the staged tile by the tile's first 64 threads, only when some wz is non-zero
// (P::weight_zero_points). The epilogue reads the accumulators in fragment layout.
//
// qconv_direct, grouped and depthwise convs: one thread per output, plain int32 multiply-adds of
// the centred operands on CUDA cores (no reuse for a tile to exploit, as conv2d_direct.cuh).
//
// P: batch, in_channels, in_h, in_w, out_channels, out_h, out_w, groups, kernel_h, kernel_w,
//    stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w, has_bias, using Act,
//    using Input (float or __half: dynamic_input, quantized by qparams = {scale, zero point} that
//    qconv_input_range left; int8_t or uint8_t: already quantized by x_scale, x_zero_point),
//    using Weight (int8_t or uint8_t), using Output (float or __half; int8_t or uint8_t with
//    requantize, y_scale, y_zero_point), dynamic_input, x_scale, x_zero_point,
//    weight_zero_points, requantize, y_scale, y_zero_point; the tiled kernel adds tile_m, tile_n,
//    tile_k, block_threads, tile_shared_bytes (64, 64, 32, 256).
// Arguments: x, qparams (nullptr unless dynamic_input), w, w_zero_point (int32 [M]), w_sum (int32
// [M]), w_scale (float [M]), bias (float [M] or nullptr), table (Output [256] or nullptr: has_table,
// a QDQ activation after the requantization, looked up), y.
#pragma once
#include <cstdint>
#include <type_traits>

#include "mma_int8.cuh"
#include "qconv_quant.cuh"
#include "yhc_common.cuh"

namespace yhc {

// The 8-bit type the product reads X_col as: uint8 when quantized on load, the stored type otherwise.
template <class P> using QInput = typename std::conditional<P::dynamic_input, std::uint8_t, typename P::Input>::type;

template <class P> __device__ __forceinline__ InputQuant qconv_input_quant(const float* __restrict__ qparams) {
  if constexpr (P::dynamic_input) {
    return {qparams[0], int(qparams[1])};
  } else {
    return {P::x_scale, P::x_zero_point};
  }
}

// x[n][c][iy][ix] as the product's 8-bit value (an in-bounds position).
template <class P>
__device__ __forceinline__ int qconv_load(const typename P::Input* __restrict__ x, InputQuant q, int n, int c, int iy, int ix) {
  const typename P::Input v = x[((int64_t(n) * P::in_channels + c) * P::in_h + iy) * P::in_w + ix];
  if constexpr (P::dynamic_input) {
    return quantize_uint8(to_float(v), q);
  } else {
    return int(v);
  }
}

// The dequantized, biased, activated value of accumulator `acc` of output channel m, stored as Output.
template <class P>
__device__ __forceinline__ typename P::Output qconv_output(int acc, int m, InputQuant q, const float* __restrict__ w_scale,
                                                           const float* __restrict__ bias, const typename P::Output* __restrict__ table) {
  (void)table;
  const float multiplier = __fmul_rn(q.scale, w_scale[m]);  // the chain's Mul of the two scales
  float v = __fmul_rn(float(acc), multiplier);
  if constexpr (P::has_bias) v = __fadd_rn(v, bias[m]);
  v = typename P::Act()(v);
  if constexpr (P::requantize) {
    constexpr float lo = std::is_signed<typename P::Output>::value ? -128.0f : 0.0f;
    constexpr float hi = std::is_signed<typename P::Output>::value ? 127.0f : 255.0f;
    const float r = rintf(__fdiv_rn(v, P::y_scale));
    const float s = r != r ? float(P::y_zero_point) : r + float(P::y_zero_point);
    const typename P::Output out(s < lo ? lo : s > hi ? hi : s);
    // y_table: an elementwise int8 function of the requantized value (a QDQ SiLU), looked up.
    if constexpr (P::has_table) return table[int(out) - int(lo)];
    return out;
  } else {
    return from_float<typename P::Output>(v);
  }
}

// ---- grouped and depthwise: one thread per output element ----------------------------------------
template <class P>
__device__ __forceinline__ void qconv_direct_block(int block, const typename P::Input* __restrict__ x, const float* __restrict__ qparams,
                                                   const typename P::Weight* __restrict__ w, const int* __restrict__ w_zero_point,
                                                   const int* __restrict__ w_sum, const float* __restrict__ w_scale,
                                                   const float* __restrict__ bias, const typename P::Output* __restrict__ table,
                                                   typename P::Output* __restrict__ y) {
  constexpr int per_image = P::out_channels * P::out_h * P::out_w;
  constexpr int image_blocks = (per_image + P::block_threads - 1) / P::block_threads;
  const int image = block / image_blocks;
  const int e = (block % image_blocks) * P::block_threads + int(threadIdx.x);
  if (e >= per_image) return;
  (void)w_sum;
  const InputQuant q = qconv_input_quant<P>(qparams);
  const int m = e / (P::out_h * P::out_w);
  const int oy = (e / P::out_w) % P::out_h;
  const int ox = e % P::out_w;
  constexpr int group_in = P::in_channels / P::groups;
  constexpr int group_out = P::out_channels / P::groups;
  const int c0 = (m / group_out) * group_in;
  const int wz = w_zero_point[m];
  const typename P::Weight* wm = w + int64_t(m) * group_in * P::kernel_h * P::kernel_w;
  int acc = 0;
  for (int c = 0; c < group_in; ++c) {
    for (int ky = 0; ky < P::kernel_h; ++ky) {
      const int iy = oy * P::stride_h - P::pad_top + ky * P::dilation_h;
      for (int kx = 0; kx < P::kernel_w; ++kx) {
        const int ix = ox * P::stride_w - P::pad_left + kx * P::dilation_w;
        if (iy < 0 || iy >= P::in_h || ix < 0 || ix >= P::in_w) continue;  // padding: x − xz = 0
        const int xv = qconv_load<P>(x, q, image, c0 + c, iy, ix) - q.zero_point;
        acc += xv * (int(wm[(c * P::kernel_h + ky) * P::kernel_w + kx]) - wz);
      }
    }
  }
  y[int64_t(image) * per_image + e] = qconv_output<P>(acc, m, q, w_scale, bias, table);
}

template <class P>
__global__ void qconv_direct(const typename P::Input* __restrict__ x, const float* __restrict__ qparams,
                             const typename P::Weight* __restrict__ w, const int* __restrict__ w_zero_point, const int* __restrict__ w_sum,
                             const float* __restrict__ w_scale, const float* __restrict__ bias,
                             const typename P::Output* __restrict__ table, typename P::Output* __restrict__ y) {
  qconv_direct_block<P>(int(blockIdx.x), x, qparams, w, w_zero_point, w_sum, w_scale, bias, table, y);
}

// ---- dense: the tiled implicit GEMM on integer tensor cores -------------------------------------
template <class P> struct QConvTile {
  static constexpr int tile_m = P::tile_m;
  static constexpr int tile_n = P::tile_n;
  static constexpr int tile_k = P::tile_k;
  static constexpr int threads = P::block_threads;
  static constexpr int pixels = P::out_h * P::out_w;
  static constexpr int k_total = P::in_channels * P::kernel_h * P::kernel_w;
  static constexpr int m_tiles = (P::out_channels + tile_m - 1) / tile_m;
  static constexpr int n_tiles = (pixels + tile_n - 1) / tile_n;
  // Tile rows of 32 bytes padded to 48: the fragment reads (8 rows x 4 words) hit 32 banks.
  static constexpr int row = tile_k + 16;
  static constexpr int bytes = (tile_m + tile_n) * row + 4 * tile_n;
};

// X_col[k][p] of one image as the product's 8-bit value: the zero point in the padding, 0 past
// the reduction's end (and past the last pixel, whose outputs are not stored).
template <class P>
__device__ __forceinline__ int qconv_im2col(const typename P::Input* __restrict__ x, InputQuant q, int image, int k, int p) {
  using S = QConvTile<P>;
  if (k >= S::k_total || p >= S::pixels) return 0;
  const int ic = k / (P::kernel_h * P::kernel_w);
  const int ky = (k / P::kernel_w) % P::kernel_h;
  const int kx = k % P::kernel_w;
  const int iy = (p / P::out_w) * P::stride_h - P::pad_top + ky * P::dilation_h;
  const int ix = (p % P::out_w) * P::stride_w - P::pad_left + kx * P::dilation_w;
  if (iy < 0 || iy >= P::in_h || ix < 0 || ix >= P::in_w) return q.zero_point;
  return qconv_load<P>(x, q, image, ic, iy, ix);
}

// The four bytes of a word, lowest first, as 8-bit values of T.
__device__ __forceinline__ unsigned pack_bytes(int b0, int b1, int b2, int b3) {
  return (unsigned(b0) & 0xffu) | ((unsigned(b1) & 0xffu) << 8) | ((unsigned(b2) & 0xffu) << 16) | ((unsigned(b3) & 0xffu) << 24);
}

template <class P>
__device__ __forceinline__ void qconv_tiled_block(int block, const typename P::Input* __restrict__ x, const float* __restrict__ qparams,
                                                  const typename P::Weight* __restrict__ w, const int* __restrict__ w_zero_point,
                                                  const int* __restrict__ w_sum, const float* __restrict__ w_scale,
                                                  const float* __restrict__ bias, const typename P::Output* __restrict__ table,
                                                  typename P::Output* __restrict__ y) {
  using S = QConvTile<P>;
  using XQ = QInput<P>;
  using WQ = typename P::Weight;
  static_assert(S::tile_m == 64 && S::tile_n == 64 && S::tile_k == 32 && S::threads == 256,
                "8 warps, 4 x 2 parts of 16 x 32, one k-step of m16n8k32 per stage");
  static_assert(S::bytes == P::tile_shared_bytes, "codegen/kernels/qconv.ts budgets a different shared-memory size for the int8 tile");
  __shared__ __align__(16) unsigned char w_tile[S::tile_m][S::row];  // W[m0 + m][k0 + k]
  __shared__ __align__(16) unsigned char x_tile[S::tile_n][S::row];  // X_col[k0 + k][p0 + n]
  __shared__ int x_sums[S::tile_n];                                  // sum_k X_col[k][p0 + n]

  const int n_tile = block % S::n_tiles;
  const int m_tile = (block / S::n_tiles) % S::m_tiles;
  const int image = block / (S::n_tiles * S::m_tiles);
  const int m0 = m_tile * S::tile_m;
  const int p0 = n_tile * S::tile_n;
  const int t = int(threadIdx.x);
  const int warp = t / 32;
  const int group = (t % 32) / 4;  // fragment coordinates (mma_int8.cuh)
  const int pair = t % 4;
  const int wm = (warp % 4) * 16;  // the warp's 16 rows
  const int wn = (warp / 4) * 32;  // and 32 columns: four m16n8 parts
  const InputQuant q = qconv_input_quant<P>(qparams);
  int c[4][4] = {};
  int window_sum = 0;  // thread t < tile_n: sum_k X_col[k][p0 + t] so far

  for (int k0 = 0; k0 < S::k_total; k0 += S::tile_k) {
    // W: 64 rows x 8 words; rows are contiguous in k.
    for (int e = t; e < S::tile_m * S::tile_k / 4; e += S::threads) {
      const int m = e / (S::tile_k / 4);
      const int k = (e % (S::tile_k / 4)) * 4;
      int v[4] = {0, 0, 0, 0};
      if (m0 + m < P::out_channels) {
        const WQ* row = w + int64_t(m0 + m) * S::k_total;
#pragma unroll
        for (int j = 0; j < 4; ++j)
          if (k0 + k + j < S::k_total) v[j] = int(row[k0 + k + j]);
      }
      *reinterpret_cast<unsigned*>(&w_tile[m][k]) = pack_bytes(v[0], v[1], v[2], v[3]);
    }
    // X_col: 64 pixels x 8 words, quantized on load; consecutive threads take consecutive pixels.
    for (int e = t; e < S::tile_n * S::tile_k / 4; e += S::threads) {
      const int n = e % S::tile_n;
      const int k = (e / S::tile_n) * 4;
      int v[4];
#pragma unroll
      for (int j = 0; j < 4; ++j) v[j] = qconv_im2col<P>(x, q, image, k0 + k + j, p0 + n);
      *reinterpret_cast<unsigned*>(&x_tile[n][k]) = pack_bytes(v[0], v[1], v[2], v[3]);
    }
    __syncthreads();
    if constexpr (P::weight_zero_points) {
      if (t < S::tile_n) {
#pragma unroll
        for (int k = 0; k < S::tile_k; k += 4) {
          const unsigned word = *reinterpret_cast<const unsigned*>(&x_tile[t][k]);
#pragma unroll
          for (int j = 0; j < 4; ++j) window_sum += int8_element<XQ>(word, j);
        }
      }
    }
    MmaInt8A a;  // A = W rows wm.., k0..k0 + 31
    a.a[0] = *reinterpret_cast<const unsigned*>(&w_tile[wm + group][4 * pair]);
    a.a[1] = *reinterpret_cast<const unsigned*>(&w_tile[wm + group + 8][4 * pair]);
    a.a[2] = *reinterpret_cast<const unsigned*>(&w_tile[wm + group][16 + 4 * pair]);
    a.a[3] = *reinterpret_cast<const unsigned*>(&w_tile[wm + group + 8][16 + 4 * pair]);
    MmaInt8B b[4];  // b[s] = X_col rows k0..k0 + 31, columns wn + 8s..
#pragma unroll
    for (int s = 0; s < 4; ++s) {
      b[s].b[0] = *reinterpret_cast<const unsigned*>(&x_tile[wn + 8 * s + group][4 * pair]);
      b[s].b[1] = *reinterpret_cast<const unsigned*>(&x_tile[wn + 8 * s + group][16 + 4 * pair]);
    }
    mma_m16n8k32_x4<WQ, XQ>(c, a, b, c);
    __syncthreads();
  }
  if constexpr (P::weight_zero_points) {
    if (t < S::tile_n) x_sums[t] = window_sum;
    __syncthreads();
  }

  // The epilogue, in fragment layout: c[s][i] is row wm + group (+ 8 for i ≥ 2), column wn + 8s + 2·pair (+ 1 for odd i).
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int m = m0 + wm + group + (i >= 2 ? 8 : 0);
    if (m >= P::out_channels) continue;
    const unsigned correction = unsigned(q.zero_point) * unsigned(w_sum[m]);
    const int wz = w_zero_point[m];
#pragma unroll
    for (int s = 0; s < 4; ++s) {
      const int n = wn + 8 * s + 2 * pair + (i % 2);
      if (p0 + n >= S::pixels) continue;
      unsigned acc = unsigned(c[s][i]) - correction;  // modulo 2^32: exact when the true sum fits in int32
      if constexpr (P::weight_zero_points) acc -= unsigned(wz) * unsigned(x_sums[n]);
      y[(int64_t(image) * P::out_channels + m) * S::pixels + p0 + n] = qconv_output<P>(int(acc), m, q, w_scale, bias, table);
    }
  }
}

template <class P>
__global__ void qconv_tiled(const typename P::Input* __restrict__ x, const float* __restrict__ qparams,
                            const typename P::Weight* __restrict__ w, const int* __restrict__ w_zero_point, const int* __restrict__ w_sum,
                            const float* __restrict__ w_scale, const float* __restrict__ bias, const typename P::Output* __restrict__ table,
                            typename P::Output* __restrict__ y) {
  qconv_tiled_block<P>(int(blockIdx.x), x, qparams, w, w_zero_point, w_sum, w_scale, bias, table, y);
}

}  // namespace yhc
