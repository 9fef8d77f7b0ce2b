// gather.cuh — ONNX Gather, GatherElements and GatherND, one thread per output element.
// Negative indices count from the end; an index still out of range reads 0 instead of
// faulting (onnxruntime rejects such inputs; a kernel cannot throw).
#pragma once
#include "yhc_common.cuh"

namespace yhc {

__device__ __forceinline__ bool wrap_index(int64_t& idx, int64_t len) {
  if (idx < 0) idx += len;
  return idx >= 0 && idx < len;
}

// Gather: data [outer, axis_len, inner], indices [num_indices] -> y [outer, num_indices, inner]
// P: using T, Index; outer, axis_len, inner, num_indices
template <class P>
__global__ void gather_axis(const typename P::T* __restrict__ data, const typename P::Index* __restrict__ indices,
                            typename P::T* __restrict__ y) {
  const int64_t i = global_thread_index();
  if (i >= int64_t(P::outer) * P::num_indices * P::inner) return;
  const int64_t inner = i % P::inner;
  const int64_t j = (i / P::inner) % P::num_indices;
  const int64_t o = i / (int64_t(P::inner) * P::num_indices);
  int64_t idx = static_cast<int64_t>(indices[j]);
  y[i] = wrap_index(idx, P::axis_len) ? data[(o * P::axis_len + idx) * P::inner + inner] : typename P::T(0);
}

// GatherElements: y[c] = data[c with c[axis] replaced by indices[c]]
// P: using T, Index; count, rank, axis, axis_len
template <class P>
__global__ void gather_elements(const typename P::T* __restrict__ data, const typename P::Index* __restrict__ indices,
                                typename P::T* __restrict__ y, Dims<P::rank> index_dims, Strides<P::rank> data_strides) {
  const int64_t i = global_thread_index();
  if (i >= P::count) return;
  int64_t idx = static_cast<int64_t>(indices[i]);
  if (!wrap_index(idx, P::axis_len)) {
    y[i] = typename P::T(0);
    return;
  }
  int64_t rest = i;
  int64_t offset = 0;
#pragma unroll
  for (int d = P::rank - 1; d >= 0; --d) {
    const int64_t coord = rest % index_dims.size[d];
    rest /= index_dims.size[d];
    offset += (d == P::axis ? idx : coord) * data_strides.step[d];
  }
  y[i] = data[offset];
}

// GatherND: indices [batch..., middle..., depth]; y[b, m, s] = data[b, indices[b, m, :], s]
// P: using T, Index; batch, middle, depth, slice, data_batch_stride
template <class P>
__global__ void gather_nd(const typename P::T* __restrict__ data, const typename P::Index* __restrict__ indices,
                          typename P::T* __restrict__ y, Dims<P::depth> indexed_dims, Strides<P::depth> indexed_strides) {
  const int64_t i = global_thread_index();
  if (i >= int64_t(P::batch) * P::middle * P::slice) return;
  const int64_t s = i % P::slice;
  const int64_t m = (i / P::slice) % P::middle;
  const int64_t b = i / (int64_t(P::slice) * P::middle);
  const typename P::Index* tuple = indices + (b * P::middle + m) * P::depth;
  int64_t offset = b * P::data_batch_stride + s;
  for (int k = 0; k < P::depth; ++k) {
    int64_t idx = static_cast<int64_t>(tuple[k]);
    if (!wrap_index(idx, indexed_dims.size[k])) {
      y[i] = typename P::T(0);
      return;
    }
    offset += idx * indexed_strides.step[k];
  }
  y[i] = data[offset];
}

}  // namespace yhc
