// max_pool.cuh — ONNX MaxPool over 1, 2 or 3 spatial dims (NC[D][H]W), one thread per output
// element. 1-D and 2-D pools are 3-D pools with unit leading spatial dims (kernel 1, stride 1,
// no padding), so one loop serves all three.
//
// Semantics (src/ops/pool.ts is the definition): the window of output (od, oh, ow) starts at
// o·stride − pad_begin and steps by the dilation; taps in the padding are skipped (padding never
// wins). The first real tap initializes the maximum and a later one replaces it only when it is
// strictly greater, in window order (row-major over the taps): among equal maxima the first wins
// (it is the one Indices reports), and a NaN wins only as the first tap. A window with no real
// tap (possible only with pads wider than the dilated kernel) yields -inf.
//
// P: using T (element type), using Acc (comparison type: float, or int for 8-bit integers),
//    channels, in_d, in_h, in_w, out_d, out_h, out_w, kernel_d, kernel_h, kernel_w,
//    stride_d, stride_h, stride_w, pad_d, pad_h, pad_w (leading pads), dilation_d, dilation_h,
//    dilation_w, spatial_dims (as the model has them), has_indices, column_major (storage_order 1: Indices count the first spatial dim
//    fastest), x_image_stride, y_image_stride (elements from one image to the next: a channel
//    range of a concat's buffer has the buffer's, codegen/views.ts)
// The grid is image-major (image_element, yhc_common.cuh): a run of fewer images launches
// fewer blocks. Indices (int64) are offsets into the flattened input, batch and channel included.
#pragma once
#include "yhc_common.cuh"

namespace yhc {

__device__ __forceinline__ float pool_value(float v) { return v; }
__device__ __forceinline__ float pool_value(__half v) { return __half2float(v); }
__device__ __forceinline__ int pool_value(int8_t v) { return v; }
__device__ __forceinline__ int pool_value(uint8_t v) { return v; }

// First tap index k in [0, kernel) whose input position o·stride − pad + k·dilation is >= 0,
// and one past the last one that is < len: the taps of this window that are real elements.
__device__ __forceinline__ void pool_taps(int o, int stride, int pad, int dilation, int kernel, int len, int& lo, int& hi) {
  const int start = o * stride - pad;
  lo = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  hi = start + (kernel - 1) * dilation < len ? kernel : (len - 1 - start) / dilation + 1;
  if (hi < lo) hi = lo;
}

template <class P>
__device__ __forceinline__ void max_pool_block(int block, const typename P::T* __restrict__ x, typename P::T* __restrict__ y,
                                               int64_t* __restrict__ indices) {
  constexpr int64_t in_plane = int64_t(P::in_d) * P::in_h * P::in_w;
  constexpr int64_t out_plane = int64_t(P::out_d) * P::out_h * P::out_w;
  constexpr int64_t per_image = int64_t(P::channels) * out_plane;
  const int64_t i = image_element<per_image>(block);
  if (i < 0) return;
  const int64_t plane = i / out_plane;  // image · channels + channel
  const int64_t image = plane / P::channels;
  const int64_t o = i % out_plane;
  const int ow = int(o % P::out_w);
  const int oh = int((o / P::out_w) % P::out_h);
  const int od = int(o / (int64_t(P::out_w) * P::out_h));
  int d_lo, d_hi, h_lo, h_hi, w_lo, w_hi;
  pool_taps(od, P::stride_d, P::pad_d, P::dilation_d, P::kernel_d, P::in_d, d_lo, d_hi);
  pool_taps(oh, P::stride_h, P::pad_h, P::dilation_h, P::kernel_h, P::in_h, h_lo, h_hi);
  pool_taps(ow, P::stride_w, P::pad_w, P::dilation_w, P::kernel_w, P::in_w, w_lo, w_hi);

  const typename P::T* src = x + image * P::x_image_stride + (plane % P::channels) * in_plane;
  typename P::Acc best = typename P::Acc(0);
  typename P::T best_raw = typename P::T(0);
  int64_t best_at = -1;  // offset in the plane of the winning tap
  for (int kd = d_lo; kd < d_hi; ++kd) {
    const int id = od * P::stride_d - P::pad_d + kd * P::dilation_d;
    for (int kh = h_lo; kh < h_hi; ++kh) {
      const int ih = oh * P::stride_h - P::pad_h + kh * P::dilation_h;
      for (int kw = w_lo; kw < w_hi; ++kw) {
        const int iw = ow * P::stride_w - P::pad_w + kw * P::dilation_w;
        const int64_t at = (int64_t(id) * P::in_h + ih) * P::in_w + iw;
        const typename P::T raw = src[at];
        const typename P::Acc v = pool_value(raw);
        if (best_at < 0 || v > best) {
          best = v;
          best_raw = raw;
          best_at = at;
        }
      }
    }
  }
  if constexpr (std::is_floating_point<typename P::Acc>::value) {
    y[strided_index<per_image, P::y_image_stride>(i)] = best_at < 0 ? from_float<typename P::T>(-INFINITY) : best_raw;
  } else {
    y[strided_index<per_image, P::y_image_stride>(i)] = best_at < 0 ? std::numeric_limits<typename P::T>::lowest() : best_raw;
  }
  if constexpr (P::has_indices) {
    int64_t at = best_at;  // -1 without a real tap, as the interpreter reports it
    if (P::column_major && at >= 0) {
      const int64_t iw = at % P::in_w, ih = (at / P::in_w) % P::in_h, id = at / (int64_t(P::in_w) * P::in_h);
      // The spatial dims as the model has them (1-D: w; 2-D: h, w; 3-D: d, h, w), first fastest.
      if (P::spatial_dims == 1)
        at = iw;
      else if (P::spatial_dims == 2)
        at = ih + iw * int64_t(P::in_h);
      else
        at = id + ih * int64_t(P::in_d) + iw * int64_t(P::in_d) * P::in_h;
    }
    indices[i] = plane * in_plane + at;
  }
}

template <class P>
__global__ void max_pool(const typename P::T* __restrict__ x, typename P::T* __restrict__ y, int64_t* __restrict__ indices) {
  max_pool_block<P>(int(blockIdx.x), x, y, indices);
}

}  // namespace yhc
