// conv_inputs.cuh — how a conv kernel reads its input: as it is, or through a GroupNorm whose
// statistics the producing kernel left (group_moments.cuh). load(n, c, iy, ix) reads input
// channel c of image n at an in-bounds position; padding is the caller's (zero, as in the
// normalized tensor).
#pragma once
#include "yhc_common.cuh"

namespace yhc {

// Reads the input as it is.
template <class P>
struct PlainInput {
  const typename P::Input* __restrict__ x;
  __device__ __forceinline__ float operator()(int n, int c, int iy, int ix) const {
    return to_float(x[((int64_t(n) * P::in_channels + c) * P::in_h + iy) * P::in_w + ix]);
  }
};

// A GroupNorm applied on load. P adds: in_groups, using InAct. stats[2 * (n * in_groups + g)] = {mean, rstd}.
template <class P>
struct NormalizedInput {
  const typename P::Input* __restrict__ x;
  const float* __restrict__ stats;
  const float* __restrict__ scale;
  const float* __restrict__ shift;
  __device__ __forceinline__ float operator()(int n, int c, int iy, int ix) const {
    constexpr int per_group = P::in_channels / P::in_groups;
    const float* s = stats + 2 * (int64_t(n) * P::in_groups + c / per_group);
    const float v = to_float(x[((int64_t(n) * P::in_channels + c) * P::in_h + iy) * P::in_w + ix]);
    return typename P::InAct()((v - s[0]) * s[1] * scale[c] + shift[c]);
  }
};

// SimAM applied on load, with the plane statistics its producer left:
// stats[2 * (n * in_channels + c)] = {mean, 1 / (4 * (var + lambda))}.
template <class P>
struct SimamInput {
  const typename P::Input* __restrict__ x;
  const float* __restrict__ stats;
  __device__ __forceinline__ float operator()(int n, int c, int iy, int ix) const {
    const float* s = stats + 2 * (int64_t(n) * P::in_channels + c);
    const float v = to_float(x[((int64_t(n) * P::in_channels + c) * P::in_h + iy) * P::in_w + ix]);
    const float d = v - s[0];
    return v * sigmoid(d * d * s[1] + 0.5f);
  }
};

}  // namespace yhc
