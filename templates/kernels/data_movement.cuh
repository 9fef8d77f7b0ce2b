// data_movement.cuh — kernels that only move elements: one thread per output element.
//   strided_gather: Transpose, Slice, Expand, Tile and plain copies — the output is walked in
//                   row-major order and each element is read at src_base + sum(coord * stride)
//                   (Tile walks (repeat, index) pairs, Expand uses stride 0, Slice steps).
//   concat / split: ONNX Concat and Split along one axis, seen as [outer, axis, inner].
#pragma once
#include "yhc_common.cuh"

namespace yhc {

// P: using T; count, rank, per_image (elements of one image of dst), y_image_stride (elements
// from one image of dst to the next: a channel range of a concat's buffer has the buffer's)
template <class P>
__global__ void strided_gather(const typename P::T* __restrict__ src, typename P::T* __restrict__ dst, Dims<P::rank> dims,
                               Strides<P::rank> src_strides, int64_t src_base) {
  const int64_t i = global_thread_index();
  if (i >= P::count) return;
  dst[strided_index<P::per_image, P::y_image_stride>(i)] = src[src_base + offset_of(i, dims, src_strides)];
}

template <int N, class T> struct ConcatInputs {
  const T* part[N];
  int64_t axis_begin[N + 1];  // where each input starts along the axis; axis_begin[N] = total
};

// P: using T; num_inputs, outer, axis_total, inner
template <class P> __global__ void concat_axis(ConcatInputs<P::num_inputs, typename P::T> in, typename P::T* __restrict__ y) {
  const int64_t i = global_thread_index();
  if (i >= int64_t(P::outer) * P::axis_total * P::inner) return;
  const int64_t inner = i % P::inner;
  const int64_t a = (i / P::inner) % P::axis_total;
  const int64_t o = i / (int64_t(P::inner) * P::axis_total);
  int k = 0;
  while (a >= in.axis_begin[k + 1]) ++k;
  const int64_t len = in.axis_begin[k + 1] - in.axis_begin[k];
  y[i] = in.part[k][(o * len + (a - in.axis_begin[k])) * P::inner + inner];
}

template <int N, class T> struct SplitOutputs {
  T* part[N];
  int64_t axis_begin[N + 1];
};

// P: using T; num_outputs, outer, axis_total, inner
template <class P> __global__ void split_axis(const typename P::T* __restrict__ x, SplitOutputs<P::num_outputs, typename P::T> out) {
  const int64_t i = global_thread_index();
  if (i >= int64_t(P::outer) * P::axis_total * P::inner) return;
  const int64_t inner = i % P::inner;
  const int64_t a = (i / P::inner) % P::axis_total;
  const int64_t o = i / (int64_t(P::inner) * P::axis_total);
  int k = 0;
  while (a >= out.axis_begin[k + 1]) ++k;
  const int64_t len = out.axis_begin[k + 1] - out.axis_begin[k];
  out.part[k][(o * len + (a - out.axis_begin[k])) * P::inner + inner] = x[i];
}

}  // namespace yhc
