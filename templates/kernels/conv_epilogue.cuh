// conv_epilogue.cuh — what a conv adds to its activated result before the store.
//
// NoResidual: nothing. Residual<T, IMAGE_STRIDE>: the residual tensor's element (ai.yhc.Conv's
// fourth input, passes/fuse_residual.ts: y = act(conv + bias) + residual, a bottleneck's skip
// connection), at the output element's own place (image, element within the image) — the
// residual has the output's shape; its images lie IMAGE_STRIDE elements apart (a channel range
// of a bigger tensor: codegen/views.ts).
#pragma once
#include "yhc_common.cuh"

namespace yhc {

struct NoResidual {
  __device__ __forceinline__ float operator()(int64_t, int64_t, float v) const { return v; }
};

template <class T, int64_t IMAGE_STRIDE> struct Residual {
  const T* __restrict__ r;
  __device__ __forceinline__ float operator()(int64_t image, int64_t local, float v) const {
    return v + to_float(r[image * IMAGE_STRIDE + local]);
  }
};

}  // namespace yhc
