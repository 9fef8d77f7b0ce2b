// mma.cuh — one warp-wide tensor-core product: D = A·B + C with A 16x8 (row-major), B 8x8
// (column-major), f16 inputs and f32 accumulation — PTX mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32.
//
// Fragments, per lane (PTX ISA, "Matrix Fragments for mma.m16n8k8", f16 A/B, f32 C/D), with
// group = lane / 4 and pair = lane % 4:
//   a[0] = {A[group][2·pair], A[group][2·pair + 1]}    a[1] = the same for row group + 8
//   b    = {B[2·pair][group], B[2·pair + 1][group]}
//   c[0], c[1] = C[group][2·pair], C[group][2·pair + 1]
//   c[2], c[3] = C[group + 8][2·pair], C[group + 8][2·pair + 1]        (d likewise)
// All 32 lanes of the warp must call it together (it is a warp-synchronous instruction).
//
// On sm_80 and newer the instruction itself runs. Elsewhere — the host emulation, older GPUs —
// the product is computed from the fragments the 32 lanes hold (gathered with shuffles on a GPU,
// in one warp rendezvous on the host emulation), by that same layout: a kernel that indexes its
// fragments wrongly gets wrong numbers on the CPU too, which is how CI checks fragment indexing
// without a GPU.
#pragma once
#include <cstdint>
#include <cstring>

#include "yhc_device.h"

namespace yhc {

struct MmaA {
  __half2 a[2];
};
struct MmaB {
  __half2 b;
};

__device__ __forceinline__ unsigned half2_bits(__half2 h) {
  unsigned bits;
  memcpy(&bits, &h, sizeof bits);
  return bits;
}

// Element `high` (0: .x, 1: .y) of a half2 held as 32 bits, as a float.
__device__ __forceinline__ float half_of(unsigned bits, int high) {
  return __half2float(__ushort_as_half(static_cast<unsigned short>(high ? bits >> 16 : bits & 0xffffu)));
}

// The 64-bit values of all 32 lanes, in lane order (the emulated product's operand exchange).
__device__ __forceinline__ void warp_all(std::uint64_t bits, std::uint64_t out[32]) {
#if defined(__CUDACC__)
  for (int l = 0; l < 32; ++l) out[l] = __shfl_sync(0xffffffffu, bits, l);
#else
  ::yhc_emu::warp_gather(bits, out);  // one rendezvous instead of 32 shuffles
#endif
}

// This lane's four results of D = A·B + C from every lane's fragments (a_all: a[1] << 32 | a[0];
// b_all: b in bits `shift`..shift + 31), by the layout above.
__device__ __forceinline__ void mma_from_fragments(float d[4], const std::uint64_t a_all[32], const std::uint64_t b_all[32], int shift,
                                                   const float c[4]) {
  const int lane = int(threadIdx.x) % 32;
  const int group = lane / 4;
  const int pair = lane % 4;
  float acc[4] = {c[0], c[1], c[2], c[3]};
  for (int k = 0; k < 8; ++k) {
    // A[r][k] lives in lane (r mod 8)·4 + k/2, half k mod 2 of a[r ≥ 8]; B[k][n] in lane n·4 + k/2.
    const std::uint64_t a_lane = a_all[group * 4 + k / 2];
    const float a_row = half_of(unsigned(a_lane), k % 2);                                       // A[group][k]
    const float a_row8 = half_of(unsigned(a_lane >> 32), k % 2);                                // A[group + 8][k]
    const float b_col = half_of(unsigned(b_all[(2 * pair) * 4 + k / 2] >> shift), k % 2);       // B[k][2·pair]
    const float b_col1 = half_of(unsigned(b_all[(2 * pair + 1) * 4 + k / 2] >> shift), k % 2);  // B[k][2·pair + 1]
    acc[0] += a_row * b_col;
    acc[1] += a_row * b_col1;
    acc[2] += a_row8 * b_col;
    acc[3] += a_row8 * b_col1;
  }
  for (int i = 0; i < 4; ++i) d[i] = acc[i];
}

__device__ __forceinline__ void mma_m16n8k8(float d[4], const MmaA& a, const MmaB& b, const float c[4]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5}, {%6}, {%7, %8, %9, %10};\n"
               : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
               : "r"(half2_bits(a.a[0])), "r"(half2_bits(a.a[1])), "r"(half2_bits(b.b)), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
#else
  // Every lane's fragments, then this lane's four results from them.
  std::uint64_t a_all[32], b_all[32];
  warp_all((std::uint64_t(half2_bits(a.a[1])) << 32) | half2_bits(a.a[0]), a_all);
  warp_all(half2_bits(b.b), b_all);
  mma_from_fragments(d, a_all, b_all, 0, c);
#endif
}

// Four products sharing A: d[s] = A·B[s] + c[s] (a warp's 16 x 32 part). On the GPU four
// mma.sync; emulated, the fragments are exchanged in three warp rendezvous (A, then two B's per
// 64-bit word) instead of eight — each lane's results still come from the exchanged fragments by
// the same layout.
__device__ __forceinline__ void mma_m16n8k8_x4(float d[4][4], const MmaA& a, const MmaB (&b)[4], const float c[4][4]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#pragma unroll
  for (int s = 0; s < 4; ++s) mma_m16n8k8(d[s], a, b[s], c[s]);
#else
  std::uint64_t a_all[32], b01[32], b23[32];
  warp_all((std::uint64_t(half2_bits(a.a[1])) << 32) | half2_bits(a.a[0]), a_all);
  warp_all((std::uint64_t(half2_bits(b[1].b)) << 32) | half2_bits(b[0].b), b01);
  warp_all((std::uint64_t(half2_bits(b[3].b)) << 32) | half2_bits(b[2].b), b23);
  for (int s = 0; s < 4; ++s) mma_from_fragments(d[s], a_all, s < 2 ? b01 : b23, 32 * (s % 2), c[s]);
#endif
}

}  // namespace yhc
