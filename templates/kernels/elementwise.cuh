// elementwise.cuh — one thread per output element: unary maps, broadcasting binary ops, Where.
//
// Template parameter P (generated per kernel) names everything:
//   using In = ...; using Out = ...;           element types (binary: InA, InB)
//   using Op = yhc::op::...;                   the scalar function
//   static constexpr int64_t count;            output elements
//   static constexpr int64_t per_image;        output elements per image (the leading dim's stride)
//   x_image_stride, y_image_stride, …          elements from one image of a tensor to the next in its
//                                              storage (a channel range of a concat's buffer: the
//                                              buffer's, codegen/views.ts); unary_map and fused_map
//                                              take them, binary_broadcast y's and (same_shapes)
//                                              a's and b's, where_select none
//   static constexpr bool image_major;         (unary_map, binary_broadcast, fused_map) a dynamic
//                                              batch: blocks never straddle two images
//                                              (image_element), so a run of n images writes only
//                                              their elements (an output buffer holds n images)
//   static constexpr int rank;                 rank of the output iteration space (>= 1)
//   static constexpr bool same_shapes;         every operand has the output's shape: no index math
#pragma once
#include <utility>

#include "yhc_common.cuh"

namespace yhc {
namespace op {

// Unary ops. Float math in float; integer inputs go through the same expression.
struct Identity {
  template <class T> __device__ T operator()(T x) const { return x; }
};
struct Sigmoid {
  __device__ float operator()(float x) const { return sigmoid(x); }
};
struct Sqrt {
  __device__ float operator()(float x) const { return sqrtf(x); }
};
struct Exp {
  __device__ float operator()(float x) const { return expf(x); }
};
struct Erf {
  __device__ float operator()(float x) const { return erff(x); }
};
struct Tanh {
  __device__ float operator()(float x) const { return tanhf(x); }
};
struct Relu {
  template <class T> __device__ T operator()(T x) const { return x > T(0) ? x : T(0); }
};
struct Neg {
  template <class T> __device__ T operator()(T x) const { return -x; }
};
struct Abs {
  template <class T> __device__ T operator()(T x) const { return x < T(0) ? -x : x; }
};
struct Reciprocal {
  __device__ float operator()(float x) const { return 1.0f / x; }
};
struct Floor {
  __device__ float operator()(float x) const { return floorf(x); }
};
struct Ceil {
  __device__ float operator()(float x) const { return ceilf(x); }
};
struct Not {
  __device__ bool operator()(bool x) const { return !x; }
};
template <class To> struct Cast {
  template <class T> __device__ To operator()(T x) const { return convert<To>(x); }
};

// Binary ops, ONNX semantics (integer division truncates; division by zero gives 0 instead of
// a trap, so a bad input cannot kill the process that runs the host emulation).
struct Add {
  template <class T> __device__ T operator()(T a, T b) const { return a + b; }
};
struct Sub {
  template <class T> __device__ T operator()(T a, T b) const { return a - b; }
};
struct Mul {
  template <class T> __device__ T operator()(T a, T b) const { return a * b; }
};
struct Div {
  template <class T> __device__ T operator()(T a, T b) const {
    if constexpr (std::is_integral<T>::value)
      return b == T(0) ? T(0) : T(a / b);
    else
      return a / b;
  }
};
struct Pow {
  __device__ float operator()(float a, float b) const { return b == 2.0f ? a * a : powf(a, b); }
  template <class T> __device__ T operator()(T a, T b) const { return convert<T>(pow(double(a), double(b))); }
};
// Mod with fmod = 0: the result takes the divisor's sign (Python's %).
struct Mod {
  template <class T> __device__ T operator()(T a, T b) const {
    if (b == T(0)) return T(0);
    T r = T(a % b);
    if (r != T(0) && ((r < T(0)) != (b < T(0)))) r = T(r + b);
    return r;
  }
};
// Mod with fmod = 1: C's fmod, the result takes the dividend's sign.
struct FMod {
  __device__ float operator()(float a, float b) const { return fmodf(a, b); }
  __device__ double operator()(double a, double b) const { return fmod(a, b); }
  template <class T> __device__ T operator()(T a, T b) const { return b == T(0) ? T(0) : T(a % b); }
};
struct And {
  __device__ bool operator()(bool a, bool b) const { return a && b; }
};
struct Or {
  __device__ bool operator()(bool a, bool b) const { return a || b; }
};
struct Equal {
  template <class T> __device__ bool operator()(T a, T b) const { return a == b; }
};
struct Less {
  template <class T> __device__ bool operator()(T a, T b) const { return a < b; }
};
struct Greater {
  template <class T> __device__ bool operator()(T a, T b) const { return a > b; }
};
struct Max {
  template <class T> __device__ T operator()(T a, T b) const { return a != a ? a : (a > b ? a : b); }
};
struct Min {
  template <class T> __device__ T operator()(T a, T b) const { return a != a ? a : (a < b ? a : b); }
};

// Clip as the interpreter has it: below lo -> lo, then above hi -> hi (lo > hi gives hi); NaN stays NaN.
struct Clip {
  template <class T> __device__ T operator()(T x, T lo, T hi) const {
    if (x < lo) x = lo;
    if (x > hi) x = hi;
    return x;
  }
};

// QuantizeLinear / DequantizeLinear per tensor (scale and zero point are literals of the
// generated fused body), as ONNX and the interpreter define them: the quotient x / scale in
// float32 (correctly rounded: no fast math), rounded half to even, plus the zero point,
// saturated into T (NaN gives the zero point); dequantization (q - zero_point) * scale, one
// float32 product.
template <class T> __device__ __forceinline__ T quantize_linear(float x, float scale, int zero_point) {
  const float r = rintf(x / scale);
  if (r != r) return static_cast<T>(zero_point);
  const float v = r + static_cast<float>(zero_point);
  const float lo = static_cast<float>(std::numeric_limits<T>::lowest());
  const float hi = static_cast<float>(std::numeric_limits<T>::max());
  return static_cast<T>(v < lo ? lo : v > hi ? hi : v);
}
template <class T> __device__ __forceinline__ float dequantize_linear(T q, float scale, int zero_point) {
  return static_cast<float>(static_cast<int>(q) - zero_point) * scale;
}

}  // namespace op

// y[i] = Op(x[i])
template <class P> __global__ void unary_map(const typename P::In* __restrict__ x, typename P::Out* __restrict__ y) {
  const int64_t i = P::image_major ? image_element<P::per_image>(int(blockIdx.x)) : global_thread_index();
  if (i < 0 || i >= P::count) return;
  const typename P::In v = x[strided_index<P::per_image, P::x_image_stride>(i)];
  y[strided_index<P::per_image, P::y_image_stride>(i)] = static_cast<typename P::Out>(typename P::Op()(v));
}

// Half operands are widened to float, and a half result is rounded once (to nearest even):
// arithmetic on half storage happens in float, as in every other yhc kernel.
template <class T> __device__ __forceinline__ auto widen(T v) {
  if constexpr (std::is_same<T, __half>::value)
    return __half2float(v);
  else
    return v;
}
template <class Out, class T> __device__ __forceinline__ Out narrow(T v) {
  if constexpr (std::is_same<Out, __half>::value)
    return __float2half_rn(float(v));
  else
    return static_cast<Out>(v);
}

// y[i] = Op(a[broadcast(i)], b[broadcast(i)])
template <class P>
__global__ void binary_broadcast(const typename P::InA* __restrict__ a, const typename P::InB* __restrict__ b,
                                 typename P::Out* __restrict__ y, Dims<P::rank> dims, Strides<P::rank> a_strides,
                                 Strides<P::rank> b_strides) {
  using A = decltype(widen(std::declval<typename P::InA>()));
  const int64_t i = P::image_major ? image_element<P::per_image>(int(blockIdx.x)) : global_thread_index();
  if (i < 0 || i >= P::count) return;
  const int64_t at = strided_index<P::per_image, P::y_image_stride>(i);
  if constexpr (P::same_shapes) {
    const A lhs = widen(a[strided_index<P::per_image, P::a_image_stride>(i)]);
    y[at] = narrow<typename P::Out>(typename P::Op()(lhs, static_cast<A>(widen(b[strided_index<P::per_image, P::b_image_stride>(i)]))));
  } else {
    // Pow may take an exponent of another type; every other op has InA == InB.
    const A rhs = static_cast<A>(widen(b[offset_of(i, dims, b_strides)]));
    y[at] = narrow<typename P::Out>(typename P::Op()(widen(a[offset_of(i, dims, a_strides)]), rhs));
  }
}

// y[i] = cond[i] ? a[i] : b[i], all broadcast.
template <class P>
__global__ void where_select(const bool* __restrict__ cond, const typename P::Out* __restrict__ a, const typename P::Out* __restrict__ b,
                             typename P::Out* __restrict__ y, Dims<P::rank> dims, Strides<P::rank> cond_strides, Strides<P::rank> a_strides,
                             Strides<P::rank> b_strides) {
  const int64_t i = global_thread_index();
  if (i >= P::count) return;
  y[i] = cond[offset_of(i, dims, cond_strides)] ? a[offset_of(i, dims, a_strides)] : b[offset_of(i, dims, b_strides)];
}

// ---- Fused elementwise trees (codegen/kernels/fused_elementwise.ts) ------------------------------
// The generated P::Body computes one output element from the kernel's inputs: a pointer table and
// each input's strides over the output's iteration space (0 on broadcast dims).
template <int N, int RANK> struct FusedInputs {
  const void* ptr[N];
  Dims<RANK> dims;
  Strides<RANK> strides[N];
};

// Element i of input k, which has the output's shape.
template <class T, int N, int RANK> __device__ __forceinline__ T fused_at(const FusedInputs<N, RANK>& in, int k, int64_t i) {
  return static_cast<const T*>(in.ptr[k])[i];
}

// The element of input k that broadcasts to output element i.
template <class T, int N, int RANK> __device__ __forceinline__ T fused_gather(const FusedInputs<N, RANK>& in, int k, int64_t i) {
  return static_cast<const T*>(in.ptr[k])[offset_of(i, in.dims, in.strides[k])];
}

// P: using Out, using Body; count, inputs, rank, per_image, y_image_stride, image_major. The
// generated body reads an input of the output's shape at strided_index<per_image,
// a<k>_image_stride>(i). Image-major (a dynamic batch): blocks never straddle two images
// (image_element), so a run of n images touches only their elements, not part of image n.
template <class P> __global__ void fused_map(FusedInputs<P::inputs, P::rank> in, typename P::Out* __restrict__ y) {
  const int64_t i = P::image_major ? image_element<P::per_image>(int(blockIdx.x)) : global_thread_index();
  if (i < 0 || i >= P::count) return;
  y[strided_index<P::per_image, P::y_image_stride>(i)] = typename P::Body()(in, i);
}

}  // namespace yhc
