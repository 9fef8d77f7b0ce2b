// resize_nearest.cuh — ONNX Resize, mode "nearest": one thread per output element, each copying
// one input element. Output coordinate c on axis d reads input coordinate
//   c · num[d] / den[d]          (integer division: floor for these non-negative values), or
//   table[table_begin[d] + c]    (P::use_table: the per-axis index maps, in weights.bin),
// whichever the generator found equal to the interpreter's map (src/ops/resize.ts: coordinate
// transformation, rounding mode and clamping are all decided there). A x2 upsample with
// asymmetric coordinates and floor rounding is num 1, den 2 on H and W.
//
// P: using T; per_image (output elements per image), rank, use_table, x_image_stride and
// y_image_stride (elements from one image to the next: a channel range of a concat's buffer has
// the buffer's, codegen/views.ts; otherwise the leading dim's row-major stride)
// The grid is image-major when the batch axis is not resized (image_element, yhc_common.cuh).
#pragma once
#include "yhc_common.cuh"

namespace yhc {

template <class P>
__global__ void resize_nearest(const typename P::T* __restrict__ x, typename P::T* __restrict__ y, Dims<P::rank> out_dims,
                               Strides<P::rank> in_strides, Dims<P::rank> num, Dims<P::rank> den, const int32_t* __restrict__ table,
                               Dims<P::rank> table_begin) {
  const int64_t i = image_element<P::per_image>(int(blockIdx.x));
  if (i < 0) return;
  int64_t rest = i;
  int64_t offset = 0;
#pragma unroll
  for (int d = P::rank - 1; d >= 0; --d) {
    const int64_t c = rest % out_dims.size[d];
    rest /= out_dims.size[d];
    const int64_t src = P::use_table ? int64_t(table[table_begin.size[d] + c]) : c * num.size[d] / den.size[d];
    offset += src * (d == 0 ? P::x_image_stride : in_strides.step[d]);
  }
  y[strided_index<P::per_image, P::y_image_stride>(i)] = x[offset];
}

}  // namespace yhc
