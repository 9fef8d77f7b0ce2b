// channel_affine.cuh — y = act(x * scale[c] + shift[c]) per channel, one thread per element
// (ai.yhc.Affine: an inference BatchNormalization that follows no conv).
//
// P: count, channels, spatial (elements per channel plane), using Act
#pragma once
#include "yhc_common.cuh"

namespace yhc {

template <class P>
__global__ void channel_affine(const float* __restrict__ x, const float* __restrict__ scale, const float* __restrict__ shift,
                               float* __restrict__ y) {
  const int64_t i = global_thread_index();
  if (i >= P::count) return;
  const int c = int((i / P::spatial) % P::channels);
  y[i] = typename P::Act()(x[i] * scale[c] + shift[c]);
}

}  // namespace yhc
