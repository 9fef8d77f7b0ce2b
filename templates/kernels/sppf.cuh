// sppf.cuh — SPPF's three chained MaxPools (5x5, stride 1, pad 2) in one kernel. Chaining two
// 5x5 windows whose padding never wins is one 9x9 window, and three are one 13x13 window, so a
// block stages one tile of one plane with a 6-pixel halo and writes the 5-, 9- and 13-window
// maxima of it (y5, y9, y13: the three pools' outputs, usually ranges of the Concat's buffer).
// Separable: each staged row's horizontal maxima of widths 5, 9 and 13, then the vertical ones.
// Outside the plane reads as -inf (padding never wins; every window holds its centre).
// NaN: max_pool.cuh's rule (a NaN wins only as a window's first tap) is not reproduced here.
//
// P: using T (element type), channels, h, w, tile_h, tile_w (output tile), tiles_x, tiles_y, and
// x_image_stride, y5_image_stride, y9_image_stride, y13_image_stride (elements from one image
// to the next: channels · h · w, or a concat buffer's when the tensor is a range of it).
// The grid is image-major: image · channels · tiles_y · tiles_x blocks.
#pragma once
#include "yhc_common.cuh"

namespace yhc {

template <class P>
__device__ __forceinline__ void sppf_block(int block, const typename P::T* __restrict__ x, typename P::T* __restrict__ y5,
                                           typename P::T* __restrict__ y9, typename P::T* __restrict__ y13) {
  constexpr int kHalo = 6;
  constexpr int kRows = P::tile_h + 2 * kHalo;
  constexpr int kCols = P::tile_w + 2 * kHalo;
  __shared__ float staged[kRows][kCols];
  __shared__ float row5[kRows][P::tile_w];
  __shared__ float row9[kRows][P::tile_w];
  __shared__ float row13[kRows][P::tile_w];
  const int tx = block % P::tiles_x;
  const int ty = (block / P::tiles_x) % P::tiles_y;
  const int plane = block / (P::tiles_x * P::tiles_y);  // image · channels + channel
  const int64_t image = plane / P::channels;
  const int64_t in_image = int64_t(plane % P::channels) * P::h * P::w;  // the plane's start within its image
  const int x0 = tx * P::tile_w, y0 = ty * P::tile_h;
  const typename P::T* src = x + image * P::x_image_stride + in_image;
  for (int i = threadIdx.x; i < kRows * kCols; i += blockDim.x) {
    const int r = i / kCols, c = i % kCols;
    const int iy = y0 - kHalo + r, ix = x0 - kHalo + c;
    staged[r][c] = (iy >= 0 && iy < P::h && ix >= 0 && ix < P::w) ? to_float(src[iy * P::w + ix]) : -INFINITY;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < kRows * P::tile_w; i += blockDim.x) {
    const int r = i / P::tile_w, c = i % P::tile_w + kHalo;
    float m5 = staged[r][c];
    for (int d = 1; d <= 2; ++d) m5 = fmaxf(m5, fmaxf(staged[r][c - d], staged[r][c + d]));
    float m9 = m5;
    for (int d = 3; d <= 4; ++d) m9 = fmaxf(m9, fmaxf(staged[r][c - d], staged[r][c + d]));
    float m13 = m9;
    for (int d = 5; d <= 6; ++d) m13 = fmaxf(m13, fmaxf(staged[r][c - d], staged[r][c + d]));
    row5[r][c - kHalo] = m5;
    row9[r][c - kHalo] = m9;
    row13[r][c - kHalo] = m13;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < P::tile_h * P::tile_w; i += blockDim.x) {
    const int r = i / P::tile_w + kHalo, c = i % P::tile_w;
    const int oy = y0 + r - kHalo, ox = x0 + c;
    if (oy >= P::h || ox >= P::w) continue;
    float m5 = row5[r][c], m9 = row9[r][c], m13 = row13[r][c];
    for (int d = 1; d <= 6; ++d) {
      if (d <= 2) m5 = fmaxf(m5, fmaxf(row5[r - d][c], row5[r + d][c]));
      if (d <= 4) m9 = fmaxf(m9, fmaxf(row9[r - d][c], row9[r + d][c]));
      m13 = fmaxf(m13, fmaxf(row13[r - d][c], row13[r + d][c]));
    }
    const int64_t at = in_image + int64_t(oy) * P::w + ox;
    y5[image * P::y5_image_stride + at] = from_float<typename P::T>(m5);
    y9[image * P::y9_image_stride + at] = from_float<typename P::T>(m9);
    y13[image * P::y13_image_stride + at] = from_float<typename P::T>(m13);
  }
}

template <class P>
__global__ void sppf(const typename P::T* __restrict__ x, typename P::T* __restrict__ y5, typename P::T* __restrict__ y9,
                     typename P::T* __restrict__ y13) {
  sppf_block<P>(int(blockIdx.x), x, y5, y9, y13);
}

}  // namespace yhc
