// reduce.cuh — ONNX Reduce* over any set of axes, one thread per output element walking the
// reduced elements. The input is seen through two index maps: the kept dims (which output
// element) and the reduced dims (which input element of its reduction).
//
// P: using In, Out, Acc, Op;  count (outputs), reduced_count, kept_rank, reduced_rank
#pragma once
#include "yhc_common.cuh"

namespace yhc {
namespace reduce_op {

template <class Acc> struct Sum {
  __device__ static Acc init() { return Acc(0); }
  __device__ static Acc step(Acc acc, Acc x) { return acc + x; }
  __device__ static Acc finish(Acc acc, int64_t) { return acc; }
};
template <class Acc> struct Mean {
  __device__ static Acc init() { return Acc(0); }
  __device__ static Acc step(Acc acc, Acc x) { return acc + x; }
  __device__ static Acc finish(Acc acc, int64_t n) { return acc / Acc(n); }
};
template <class Acc> struct SumSquare {
  __device__ static Acc init() { return Acc(0); }
  __device__ static Acc step(Acc acc, Acc x) { return acc + x * x; }
  __device__ static Acc finish(Acc acc, int64_t) { return acc; }
};
template <class Acc> struct Prod {
  __device__ static Acc init() { return Acc(1); }
  __device__ static Acc step(Acc acc, Acc x) { return acc * x; }
  __device__ static Acc finish(Acc acc, int64_t) { return acc; }
};
// Max/Min propagate NaN, like onnxruntime.
template <class Acc> struct Max {
  __device__ static Acc init() {
    if constexpr (std::numeric_limits<Acc>::has_infinity)
      return -std::numeric_limits<Acc>::infinity();
    else
      return std::numeric_limits<Acc>::lowest();
  }
  __device__ static Acc step(Acc acc, Acc x) { return (x != x || x > acc) ? x : acc; }
  __device__ static Acc finish(Acc acc, int64_t) { return acc; }
};
template <class Acc> struct Min {
  __device__ static Acc init() {
    if constexpr (std::numeric_limits<Acc>::has_infinity)
      return std::numeric_limits<Acc>::infinity();
    else
      return std::numeric_limits<Acc>::max();
  }
  __device__ static Acc step(Acc acc, Acc x) { return (x != x || x < acc) ? x : acc; }
  __device__ static Acc finish(Acc acc, int64_t) { return acc; }
};

}  // namespace reduce_op

template <class P>
__global__ void reduce_axes(const typename P::In* __restrict__ x, typename P::Out* __restrict__ y, Dims<P::kept_rank> kept_dims,
                            Strides<P::kept_rank> kept_strides, Dims<P::reduced_rank> reduced_dims,
                            Strides<P::reduced_rank> reduced_strides) {
  using Op = typename P::Op;
  using Acc = typename P::Acc;
  const int64_t i = global_thread_index();
  if (i >= P::count) return;
  const typename P::In* row = x + offset_of(i, kept_dims, kept_strides);
  Acc acc = Op::init();
  for (int64_t j = 0; j < P::reduced_count; ++j) {
    acc = Op::step(acc, static_cast<Acc>(row[offset_of(j, reduced_dims, reduced_strides)]));
  }
  y[i] = static_cast<typename P::Out>(Op::finish(acc, P::reduced_count));
}

}  // namespace yhc
