// conv_epilogue.cuh — what a conv adds to its activated result before the store.
//
// NoResidual: nothing. Residual<T>: the residual tensor's element (ai.yhc.Conv's fourth input,
// passes/fuse_residual.ts: y = act(conv + bias) + residual, a bottleneck's skip connection),
// read at the output element's own flat index — the residual has the output's shape.
#pragma once
#include "yhc_common.cuh"

namespace yhc {

struct NoResidual {
  __device__ __forceinline__ float operator()(int64_t, float v) const { return v; }
};

template <class T> struct Residual {
  const T* __restrict__ r;
  __device__ __forceinline__ float operator()(int64_t i, float v) const { return v + to_float(r[i]); }
};

}  // namespace yhc
