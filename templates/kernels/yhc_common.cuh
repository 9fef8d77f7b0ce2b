// yhc_common.cuh — small device helpers shared by every yhc kernel template.
#pragma once
#include "yhc_device.h"
#include <cstdint>
#include <limits>
#include <type_traits>

namespace yhc {

// Flat index of this thread in a 1-D launch.
__device__ __forceinline__ int64_t global_thread_index() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }

// Kernels with one thread per element, image by image: the grid is batch x image_blocks blocks,
// image-major, so a run of the first n images launches n x image_blocks of them (dynamic batch).
// The flat index of this thread's element, or -1 past the last element of its image.
template <int64_t PER_IMAGE> __device__ __forceinline__ int64_t image_element(int block) {
  const int64_t image_blocks = (PER_IMAGE + blockDim.x - 1) / blockDim.x;
  const int64_t image = block / image_blocks;
  const int64_t local = (block % image_blocks) * blockDim.x + threadIdx.x;
  return local < PER_IMAGE ? image * PER_IMAGE + local : -1;
}

// Where flat element i of a tensor of PER_IMAGE elements per image lives when its images lie
// IMAGE_STRIDE elements apart: a channel range of a bigger tensor (a Concat's input or a Split's
// output at batch > 1, codegen/views.ts) has the bigger tensor's per-image size as its stride.
template <int64_t PER_IMAGE, int64_t IMAGE_STRIDE> __device__ __forceinline__ int64_t strided_index(int64_t i) {
  if constexpr (PER_IMAGE == IMAGE_STRIDE)
    return i;
  else
    return (i / PER_IMAGE) * IMAGE_STRIDE + i % PER_IMAGE;
}

// Row-major coordinates <-> offsets for up to RANK dims, passed by value to kernels.
template <int RANK> struct Dims {
  int64_t size[RANK];
};

template <int RANK> struct Strides {
  int64_t step[RANK];
};

// Offset in a tensor with `strides` of the element at the flat index `i` of a row-major
// iteration space `dims` (strides may be 0 for broadcast dims, or negative for reversed slices).
template <int RANK> __device__ __forceinline__ int64_t offset_of(int64_t i, const Dims<RANK>& dims, const Strides<RANK>& strides) {
  int64_t offset = 0;
#pragma unroll
  for (int d = RANK - 1; d >= 0; --d) {
    const int64_t coord = i % dims.size[d];
    i /= dims.size[d];
    offset += coord * strides.step[d];
  }
  return offset;
}

// Conversions with defined results where C++ leaves them undefined: NaN to integer is 0 and
// out-of-range floats saturate (what CUDA's cvt.rzi does), so host emulation and GPU agree.
template <class To, class From> __device__ __forceinline__ To convert(From x) {
  if constexpr (std::is_floating_point<From>::value && std::is_integral<To>::value && !std::is_same<To, bool>::value) {
    if (x != x) return To(0);
    const double v = static_cast<double>(x);
    if (v <= static_cast<double>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(x);
  } else if constexpr (std::is_same<To, bool>::value) {
    return x != From(0);
  } else {
    return static_cast<To>(x);
  }
}

// Storage types. Tensors are stored as float or, with --precision fp16, as __half; kernels do
// their arithmetic in float: to_float on load, from_float<T> (round to nearest even) on store.
__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
template <class T> __device__ __forceinline__ T from_float(float v);
template <> __device__ __forceinline__ float from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
// 8-bit quantized storage in kernels that compare or move values in float (SPPF's maxima): exact,
// the values are integers; from_float is only ever given a value that came from to_float.
__device__ __forceinline__ float to_float(int8_t v) { return static_cast<float>(v); }
__device__ __forceinline__ float to_float(uint8_t v) { return static_cast<float>(v); }
template <> __device__ __forceinline__ int8_t from_float<int8_t>(float v) { return static_cast<int8_t>(v); }
template <> __device__ __forceinline__ uint8_t from_float<uint8_t>(float v) { return static_cast<uint8_t>(v); }

__device__ __forceinline__ float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// Activations a kernel applies to its result (ai.yhc ops' `activation` attribute).
namespace act {
struct None {
  __device__ float operator()(float x) const { return x; }
};
struct Silu {
  __device__ float operator()(float x) const { return x * sigmoid(x); }
};
struct Relu {
  __device__ float operator()(float x) const { return x > 0.0f ? x : 0.0f; }
};
struct Sigmoid {
  __device__ float operator()(float x) const { return sigmoid(x); }
};
}  // namespace act

}  // namespace yhc
