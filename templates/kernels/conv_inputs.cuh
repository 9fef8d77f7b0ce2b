// conv_inputs.cuh — how a conv kernel reads its input: as it is, or through a GroupNorm or SimAM
// whose statistics the producing kernel left (group_moments.cuh). x holds P::Input elements
// (float or __half); what a load returns is float. Image n of x starts n * P::x_image_stride
// elements in (in_channels * in_h * in_w, or the whole buffer's per-image size when x is a
// channel range of it: codegen/views.ts).
//   load(n, c, iy, ix)          input channel c of image n at an in-bounds position; padding is
//                               the caller's (zero, as in the normalized tensor)
//   load.run(n, c, pixel, out)  kRunLength consecutive pixels of plane c from flat pixel
//                               `pixel` on, in ONE 16-byte load (4 floats or 8 halves): the
//                               caller guarantees the run lies in the plane and starts 16-byte
//                               aligned (planes of a multiple of kRunLength pixels, runs at
//                               multiples of it)
#pragma once
#include <cstring>

#include "yhc_common.cuh"

namespace yhc {

// Pixels in one 16-byte load of a tensor of element type T.
template <class T> constexpr int run_length() { return int(16 / sizeof(T)); }

// The kRunLength elements at p (16-byte aligned), as floats.
template <class T> __device__ __forceinline__ void load_run(const T* __restrict__ p, float (&out)[run_length<T>()]) {
  const uint4 bits = *reinterpret_cast<const uint4*>(p);
  T v[run_length<T>()];
  memcpy(v, &bits, sizeof bits);
#pragma unroll
  for (int j = 0; j < run_length<T>(); ++j) out[j] = to_float(v[j]);
}

// Reads the input as it is.
template <class P> struct PlainInput {
  static constexpr int kRunLength = run_length<typename P::Input>();
  const typename P::Input* __restrict__ x;
  __device__ __forceinline__ float operator()(int n, int c, int iy, int ix) const {
    return to_float(x[int64_t(n) * P::x_image_stride + (int64_t(c) * P::in_h + iy) * P::in_w + ix]);
  }
  __device__ __forceinline__ void run(int n, int c, int pixel, float (&out)[kRunLength]) const {
    load_run(x + int64_t(n) * P::x_image_stride + int64_t(c) * P::in_h * P::in_w + pixel, out);
  }
};

// A Concat whose channels [up_begin, up_end) are a nearest x2 upsampling (Resize asymmetric,
// floor) of `up` [N, up_end - up_begin, in_h / 2, in_w / 2]: those channels read up[y / 2][x / 2]
// and are never stored; the others read x (the concat's buffer, in_channels per image) as it
// is. codegen/upsample_views.ts. P adds: up_begin, up_end, up_image_stride.
template <class P> struct UpsampledInput {
  static constexpr int kRunLength = run_length<typename P::Input>();
  const typename P::Input* __restrict__ x;
  const typename P::Input* __restrict__ up;
  __device__ __forceinline__ bool upsampled(int c) const { return c >= P::up_begin && c < P::up_end; }
  __device__ __forceinline__ float from_up(int n, int c, int iy, int ix) const {
    constexpr int uh = P::in_h / 2, uw = P::in_w / 2;
    return to_float(up[int64_t(n) * P::up_image_stride + (int64_t(c - P::up_begin) * uh + iy / 2) * uw + ix / 2]);
  }
  __device__ __forceinline__ float operator()(int n, int c, int iy, int ix) const {
    if (upsampled(c)) return from_up(n, c, iy, ix);
    return to_float(x[int64_t(n) * P::x_image_stride + (int64_t(c) * P::in_h + iy) * P::in_w + ix]);
  }
  __device__ __forceinline__ void run(int n, int c, int pixel, float (&out)[kRunLength]) const {
    if (!upsampled(c)) {
      load_run(x + int64_t(n) * P::x_image_stride + int64_t(c) * P::in_h * P::in_w + pixel, out);
      return;
    }
#pragma unroll
    for (int j = 0; j < kRunLength; ++j) out[j] = from_up(n, c, (pixel + j) / P::in_w, (pixel + j) % P::in_w);
  }
};

// A GroupNorm applied on load. P adds: in_groups, using InAct. stats[2 * (n * in_groups + g)] = {mean, rstd}.
template <class P> struct NormalizedInput {
  static constexpr int kRunLength = run_length<typename P::Input>();
  const typename P::Input* __restrict__ x;
  const float* __restrict__ stats;
  const float* __restrict__ scale;
  const float* __restrict__ shift;
  // (value − mean) · a + b, then the activation: a = rstd · scale[c], b = shift[c] (the mean is
  // subtracted first: no cancellation when it is large against the spread).
  struct Channel {
    float mean, a, b;
  };
  __device__ __forceinline__ Channel channel(int n, int c) const {
    constexpr int per_group = P::in_channels / P::in_groups;
    const float* s = stats + 2 * (int64_t(n) * P::in_groups + c / per_group);
    return {s[0], s[1] * scale[c], shift[c]};
  }
  __device__ __forceinline__ float operator()(int n, int c, int iy, int ix) const {
    const Channel k = channel(n, c);
    return typename P::InAct()((to_float(x[int64_t(n) * P::x_image_stride + (int64_t(c) * P::in_h + iy) * P::in_w + ix]) - k.mean) * k.a +
                               k.b);
  }
  __device__ __forceinline__ void run(int n, int c, int pixel, float (&out)[kRunLength]) const {
    const Channel k = channel(n, c);
    load_run(x + int64_t(n) * P::x_image_stride + int64_t(c) * P::in_h * P::in_w + pixel, out);
#pragma unroll
    for (int j = 0; j < kRunLength; ++j) out[j] = typename P::InAct()((out[j] - k.mean) * k.a + k.b);
  }
};

// SimAM applied on load, with the plane statistics its producer left:
// stats[2 * (n * in_channels + c)] = {mean, 1 / (4 * (var + lambda))}.
template <class P> struct SimamInput {
  static constexpr int kRunLength = run_length<typename P::Input>();
  const typename P::Input* __restrict__ x;
  const float* __restrict__ stats;
  __device__ __forceinline__ static float gate(float v, const float* s) {
    const float d = v - s[0];
    return v * sigmoid(d * d * s[1] + 0.5f);
  }
  __device__ __forceinline__ float operator()(int n, int c, int iy, int ix) const {
    const float* s = stats + 2 * (int64_t(n) * P::in_channels + c);
    return gate(to_float(x[int64_t(n) * P::x_image_stride + (int64_t(c) * P::in_h + iy) * P::in_w + ix]), s);
  }
  __device__ __forceinline__ void run(int n, int c, int pixel, float (&out)[kRunLength]) const {
    const float* s = stats + 2 * (int64_t(n) * P::in_channels + c);
    load_run(x + int64_t(n) * P::x_image_stride + int64_t(c) * P::in_h * P::in_w + pixel, out);
#pragma unroll
    for (int j = 0; j < kRunLength; ++j) out[j] = gate(out[j], s);
  }
};

}  // namespace yhc
