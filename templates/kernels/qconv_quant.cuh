// qconv_quant.cuh — the input quantizer of ai.yhc.QConv (src/ops/yhc/qconv.ts) and its statistics.
//
// Dynamic input quantization (input_quant = dynamic_uint8) is ONNX DynamicQuantizeLinear over the
// whole input tensor: lo = min(0, min x), hi = max(0, max x) (NaNs ignored),
//   scale = hi == lo ? 1 : (hi − lo) / 255            (float32, each step rounded)
//   zero point = rint(clamp(0 − lo / scale, 0, 255))
//   q = clamp(rint(x / scale) + zero point, 0, 255)   (rint: half to even; NaN → the zero point)
// Every value must be known before any element is quantized, so the statistics are their own
// kernel, qconv_input_range, in front of the conv: each block reduces a chunk of one image to
// (lo, hi) in partials[block]; the last block to arrive (last_to_arrive, group_moments.cuh: a
// counter in zero-initialized engine state that block resets) merges every block's partial in
// block order and writes qparams = {scale, zero point}. The merge counts gridDim.x blocks, so a
// run of the first n images (dynamic batch: n · image_blocks blocks) quantizes by those images.
//
// P: per_image (elements per image), image_blocks, block_threads, using Input (float or __half).
// Launch: batch · image_blocks blocks of block_threads (never horizontally fused: gridDim counts).
#pragma once
#include "group_moments.cuh"
#include "yhc_common.cuh"

namespace yhc {

// The input quantizer's parameters as the conv's load uses them.
struct InputQuant {
  float scale;
  int zero_point;
};

// QuantizeLinear to uint8 with a per-tensor scale and zero point (DynamicQuantizeLinear's y).
__device__ __forceinline__ int quantize_uint8(float v, InputQuant q) {
  const float r = rintf(__fdiv_rn(v, q.scale));
  if (r != r) return q.zero_point;
  const float shifted = r + float(q.zero_point);  // exact: |r| < 2^24 or far outside [0, 255] either way
  return shifted < 0.0f ? 0 : shifted > 255.0f ? 255 : int(shifted);
}

// DynamicQuantizeLinear's scale and zero point from the tensor's range (lo ≤ 0 ≤ hi).
__device__ __forceinline__ InputQuant dynamic_quant_params(float lo, float hi) {
  const float scale = hi == lo ? 1.0f : __fdiv_rn(__fsub_rn(hi, lo), 255.0f);
  const float initial = __fsub_rn(0.0f, __fdiv_rn(lo, scale));
  return {scale, int(rintf(fminf(255.0f, fmaxf(0.0f, initial))))};
}

// (lo, hi) merged over the block; valid in thread 0. `scratch` holds 2 · BLOCK_THREADS floats.
template <int BLOCK_THREADS> __device__ __forceinline__ void block_range(float& lo, float& hi, float* scratch) {
  static_assert((BLOCK_THREADS & (BLOCK_THREADS - 1)) == 0, "block size must be a power of two");
  const int t = int(threadIdx.x);
  scratch[t] = lo;
  scratch[BLOCK_THREADS + t] = hi;
  __syncthreads();
  for (int half = BLOCK_THREADS / 2; half > 0; half /= 2) {
    if (t < half) {
      scratch[t] = fminf(scratch[t], scratch[t + half]);
      scratch[BLOCK_THREADS + t] = fmaxf(scratch[BLOCK_THREADS + t], scratch[BLOCK_THREADS + t + half]);
    }
    __syncthreads();
  }
  lo = scratch[0];
  hi = scratch[BLOCK_THREADS];
}

template <class P>
__global__ void qconv_input_range(const typename P::Input* __restrict__ x, float* __restrict__ partials, unsigned int* __restrict__ counter,
                                  float* __restrict__ qparams) {
  __shared__ float scratch[2 * P::block_threads];
  const int block = int(blockIdx.x);
  const int image = block / P::image_blocks;
  const int chunk = block % P::image_blocks;
  const typename P::Input* plane = x + int64_t(image) * P::per_image;
  float lo = 0.0f, hi = 0.0f;  // min(0, ·) and max(0, ·); comparisons skip NaN
  for (int64_t i = int64_t(chunk) * P::block_threads + threadIdx.x; i < P::per_image; i += int64_t(P::image_blocks) * P::block_threads) {
    const float v = to_float(plane[i]);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  block_range<P::block_threads>(lo, hi, scratch);
  if (threadIdx.x == 0) {
    partials[2 * block] = lo;
    partials[2 * block + 1] = hi;
    __threadfence();  // the partial is visible before the count says so
  }
  if (!last_to_arrive(counter, gridDim.x)) return;
  lo = 0.0f;
  hi = 0.0f;
  for (int b = int(threadIdx.x); b < int(gridDim.x); b += P::block_threads) {
    lo = fminf(lo, partials[2 * b]);
    hi = fmaxf(hi, partials[2 * b + 1]);
  }
  __syncthreads();  // scratch is reused
  block_range<P::block_threads>(lo, hi, scratch);
  if (threadIdx.x == 0) {
    const InputQuant q = dynamic_quant_params(lo, hi);
    qparams[0] = q.scale;
    qparams[1] = float(q.zero_point);
  }
}

}  // namespace yhc
