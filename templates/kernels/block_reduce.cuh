// block_reduce.cuh — sum a value over all threads of a block through shared memory.
#pragma once
#include "yhc_common.cuh"

namespace yhc {

// Every thread passes its partial sum and gets the block's total. `scratch` must hold
// BLOCK_THREADS floats; BLOCK_THREADS is a power of two equal to blockDim.x.
template <int BLOCK_THREADS> __device__ __forceinline__ float block_sum(float value, float* scratch) {
  static_assert((BLOCK_THREADS & (BLOCK_THREADS - 1)) == 0, "block size must be a power of two");
  scratch[threadIdx.x] = value;
  __syncthreads();
  for (int half = BLOCK_THREADS / 2; half > 0; half /= 2) {
    if (int(threadIdx.x) < half) scratch[threadIdx.x] += scratch[threadIdx.x + half];
    __syncthreads();
  }
  const float total = scratch[0];
  __syncthreads();  // scratch may be reused right after
  return total;
}

}  // namespace yhc
