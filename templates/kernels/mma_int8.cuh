// mma_int8.cuh — one warp-wide integer tensor-core product: D = A·B + C with A 16x32 (row-major),
// B 32x8 (column-major), 8-bit inputs (TA, TB: int8_t or uint8_t each) and int32 accumulation —
// PTX mma.sync.aligned.m16n8k32.row.col.s32.{s8,u8}.{s8,u8}.s32.
//
// Fragments, per lane (PTX ISA, "Matrix Fragments for mma.m16n8k32", .s8/.u8 A/B, .s32 C/D), with
// group = lane / 4 and pair = lane % 4; four 8-bit elements per 32-bit register, the lowest k in
// the lowest byte:
//   a[0] = A[group][4·pair .. 4·pair + 3]          a[1] = the same for row group + 8
//   a[2] = A[group][16 + 4·pair .. 16 + 4·pair + 3]  a[3] = the same for row group + 8
//   b[0] = B[4·pair .. 4·pair + 3][group]          b[1] = B[16 + 4·pair .. 16 + 4·pair + 3][group]
//   c[0], c[1] = C[group][2·pair], C[group][2·pair + 1]
//   c[2], c[3] = C[group + 8][2·pair], C[group + 8][2·pair + 1]        (d likewise)
// All 32 lanes of the warp must call it together.
//
// On sm_80 and newer the instruction itself runs. Elsewhere (the host emulation, older GPUs) the
// product is computed from the fragments the 32 lanes hold, gathered as mma.cuh gathers the f16
// ones, by that same layout: a kernel that indexes its fragments wrongly gets wrong numbers on the
// CPU too. The emulated sum wraps modulo 2^32 like the instruction (no .satfinite).
#pragma once
#include <cstdint>
#include <type_traits>

#include "mma.cuh"

namespace yhc {

struct MmaInt8A {
  unsigned a[4];
};
struct MmaInt8B {
  unsigned b[2];
};

// Byte j of a 32-bit fragment register as a value of T (int8_t: sign-extended).
template <class T> __device__ __forceinline__ int int8_element(unsigned word, int j) {
  const unsigned byte = (word >> (8 * j)) & 0xffu;
  return std::is_signed<T>::value ? int(byte) - (byte >= 128u ? 256 : 0) : int(byte);
}

// This lane's four results of D = A·B + C from every lane's fragments (a_lo: a[1] << 32 | a[0];
// a_hi: a[3] << 32 | a[2]; b_all: b[1] << 32 | b[0] of the part), by the layout above.
template <class TA, class TB>
__device__ __forceinline__ void mma_int8_from_fragments(int d[4], const std::uint64_t a_lo[32], const std::uint64_t a_hi[32],
                                                        const std::uint64_t b_all[32], const int c[4]) {
  const int lane = int(threadIdx.x) % 32;
  const int group = lane / 4;
  const int pair = lane % 4;
  unsigned acc[4] = {unsigned(c[0]), unsigned(c[1]), unsigned(c[2]), unsigned(c[3])};
  for (int k = 0; k < 32; ++k) {
    // A[r][k] lives in lane (r mod 8)·4 + (k mod 16)/4, byte k mod 4 of a[(r ≥ 8) + 2·(k ≥ 16)];
    // B[k][n] in lane n·4 + (k mod 16)/4, byte k mod 4 of b[k ≥ 16].
    const int owner = (k % 16) / 4;
    const int byte = k % 4;
    const std::uint64_t a_lane = (k < 16 ? a_lo : a_hi)[group * 4 + owner];
    const int a_row = int8_element<TA>(unsigned(a_lane), byte);         // A[group][k]
    const int a_row8 = int8_element<TA>(unsigned(a_lane >> 32), byte);  // A[group + 8][k]
    const int shift = k < 16 ? 0 : 32;
    const int b_col = int8_element<TB>(unsigned(b_all[(2 * pair) * 4 + owner] >> shift), byte);       // B[k][2·pair]
    const int b_col1 = int8_element<TB>(unsigned(b_all[(2 * pair + 1) * 4 + owner] >> shift), byte);  // B[k][2·pair + 1]
    acc[0] += unsigned(a_row * b_col);
    acc[1] += unsigned(a_row * b_col1);
    acc[2] += unsigned(a_row8 * b_col);
    acc[3] += unsigned(a_row8 * b_col1);
  }
  for (int i = 0; i < 4; ++i) d[i] = int(acc[i]);
}

template <class TA, class TB> __device__ __forceinline__ void mma_m16n8k32(int d[4], const MmaInt8A& a, const MmaInt8B& b, const int c[4]) {
  static_assert(sizeof(TA) == 1 && sizeof(TB) == 1, "8-bit operands");
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define YHC_MMA_INT8(AT, BT)                                                                \
  asm volatile("mma.sync.aligned.m16n8k32.row.col.s32." AT "." BT                           \
               ".s32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%10, %11, %12, %13};\n" \
               : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])                             \
               : "r"(a.a[0]), "r"(a.a[1]), "r"(a.a[2]), "r"(a.a[3]), "r"(b.b[0]), "r"(b.b[1]), "r"(c[0]), "r"(c[1]), "r"(c[2]), "r"(c[3]))
  if constexpr (std::is_signed<TA>::value && std::is_signed<TB>::value) {
    YHC_MMA_INT8("s8", "s8");
  } else if constexpr (std::is_signed<TA>::value) {
    YHC_MMA_INT8("s8", "u8");
  } else if constexpr (std::is_signed<TB>::value) {
    YHC_MMA_INT8("u8", "s8");
  } else {
    YHC_MMA_INT8("u8", "u8");
  }
#undef YHC_MMA_INT8
#else
  std::uint64_t a_lo[32], a_hi[32], b_all[32];
  warp_all((std::uint64_t(a.a[1]) << 32) | a.a[0], a_lo);
  warp_all((std::uint64_t(a.a[3]) << 32) | a.a[2], a_hi);
  warp_all((std::uint64_t(b.b[1]) << 32) | b.b[0], b_all);
  mma_int8_from_fragments<TA, TB>(d, a_lo, a_hi, b_all, c);
#endif
}

// Four products sharing A: d[s] = A·B[s] + c[s] (a warp's 16 x 32 part). On the GPU four mma.sync;
// emulated, six warp rendezvous (A in two, one per B) instead of twelve.
template <class TA, class TB>
__device__ __forceinline__ void mma_m16n8k32_x4(int d[4][4], const MmaInt8A& a, const MmaInt8B (&b)[4], const int c[4][4]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#pragma unroll
  for (int s = 0; s < 4; ++s) mma_m16n8k32<TA, TB>(d[s], a, b[s], c[s]);
#else
  std::uint64_t a_lo[32], a_hi[32], b_all[4][32];
  warp_all((std::uint64_t(a.a[1]) << 32) | a.a[0], a_lo);
  warp_all((std::uint64_t(a.a[3]) << 32) | a.a[2], a_hi);
  for (int s = 0; s < 4; ++s) warp_all((std::uint64_t(b[s].b[1]) << 32) | b[s].b[0], b_all[s]);
  for (int s = 0; s < 4; ++s) mma_int8_from_fragments<TA, TB>(d[s], a_lo, a_hi, b_all[s], c[s]);
#endif
}

}  // namespace yhc
