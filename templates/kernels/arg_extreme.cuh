// arg_extreme.cuh — ONNX ArgMax / ArgMin along one axis (a postprocess's class labels), one
// thread per output element walking the axis. The first extreme wins (the last with
// select_last_index); a NaN is never better than what was seen, as in yhc's interpreter.
//
// P: using In;  count (outputs), len (the axis), inner (elements after the axis), largest, select_last
#pragma once
#include "yhc_common.cuh"

namespace yhc {

template <class P> __global__ void arg_extreme_axis(const typename P::In* __restrict__ x, int64_t* __restrict__ y) {
  const int64_t i = global_thread_index();
  if (i >= P::count) return;
  const typename P::In* row = x + (i / P::inner) * P::len * P::inner + i % P::inner;
  typename P::In best = row[0];
  int64_t at = 0;
  for (int64_t j = 1; j < P::len; ++j) {
    const typename P::In v = row[j * P::inner];
    const bool better = P::largest ? v > best : v < best;
    if (better || (P::select_last && v == best)) {
      best = v;
      at = j;
    }
  }
  y[i] = at;
}

}  // namespace yhc
