// matmul.cuh — ONNX MatMul (numpy matmul): Y[..., m, n] = Σ_k A[..., m, k] · B[..., k, n], batch
// dims broadcast, one thread per output element. A 1-D A is one row (M = 1), a 1-D B one column
// (N = 1); the unit dim they add is absent from Y, which does not change Y's row-major order.
//
// Threads of a warp take neighbouring n: they read one row of A (the same addresses) and
// neighbouring elements of each row of B. The sum runs over k in order, in P::Acc (float for
// float and half storage; the element type itself for integers, wrapping as C++ does).
//
// P: using T (element type of A, B and Y), using Acc, M, K, N, per_image (output elements per
//    image: the grid is image-major when A, B and Y share the leading batch dim), batch_rank
// The launcher passes the broadcast batch dims and each operand's batch strides in elements
// (0 on a broadcast dim).
#pragma once
#include "yhc_common.cuh"

namespace yhc {

__device__ __forceinline__ float matmul_value(float v) { return v; }
__device__ __forceinline__ float matmul_value(__half v) { return __half2float(v); }
template <class T> __device__ __forceinline__ T matmul_value(T v) { return v; }

template <class P>
__global__ void matmul(const typename P::T* __restrict__ a, const typename P::T* __restrict__ b, typename P::T* __restrict__ y,
                       Dims<P::batch_rank> batch_dims, Strides<P::batch_rank> a_batch, Strides<P::batch_rank> b_batch) {
  using Acc = typename P::Acc;
  const int64_t i = image_element<P::per_image>(int(blockIdx.x));
  if (i < 0) return;
  const int n = int(i % P::N);
  const int m = int((i / P::N) % P::M);
  const int64_t batch = i / (int64_t(P::M) * P::N);
  const typename P::T* row = a + offset_of(batch, batch_dims, a_batch) + int64_t(m) * P::K;
  const typename P::T* col = b + offset_of(batch, batch_dims, b_batch) + n;
  Acc acc = Acc(0);
  for (int k = 0; k < P::K; ++k) acc += matmul_value(row[k]) * matmul_value(col[int64_t(k) * P::N]);
  if constexpr (std::is_same<typename P::T, __half>::value)
    y[i] = from_float<__half>(acc);
  else
    y[i] = static_cast<typename P::T>(acc);
}

}  // namespace yhc
