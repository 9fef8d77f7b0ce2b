// yhc_device.h — the one header every kernel file yhc emits includes.
//
// nvcc (--target cuda): the real CUDA runtime and fp16 headers.
// g++  (--target host): host_emu/yhc_host_emu.h, which runs the same kernels on the CPU.
//
// Launch and dynamic shared memory go through the macros below so one source serves both targets:
//   YHC_LAUNCH(kernel, grid, block, smem_bytes, stream, args...)
//   YHC_LAUNCH_NO_BARRIER(kernel, grid, block, smem_bytes, stream, args...)
//       for kernels that never reach __syncthreads, __syncwarp, a shuffle or a vote; the host
//       target then runs each block's threads as a plain loop (a violation fails the launch).
//   YHC_DYNAMIC_SHARED(T, name);   inside a kernel: T* name = the dynamic shared memory
// `kernel` must not contain a comma: take `auto k = kern<float, 16>;` first and launch `k`.
// `grid`/`block` are an integer or a dim3 expression (`dim3(x, y)`, not a braced list).
// A launch does not return an error: read cudaGetLastError() afterwards, as with <<<>>>.
//
// Build engines with -fvisibility=hidden (nvcc: -Xcompiler -fvisibility=hidden) and mark the C ABI
// with YHC_EXPORT: otherwise kernels, template helpers and the static __shared__ arrays of template
// kernels (STB_GNU_UNIQUE thread_locals on the host) of two engines in one process bind to each
// other when one is loaded RTLD_GLOBAL.
#pragma once

#define YHC_EXPORT __attribute__((visibility("default")))

#if defined(__CUDACC__)

#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cstdint>

#define YHC_LAUNCH(kernel, grid, block, smem_bytes, stream, ...) kernel<<<(grid), (block), (smem_bytes), (stream)>>>(__VA_ARGS__)
#define YHC_LAUNCH_NO_BARRIER(kernel, grid, block, smem_bytes, stream, ...) kernel<<<(grid), (block), (smem_bytes), (stream)>>>(__VA_ARGS__)
#define YHC_DYNAMIC_SHARED(T, name)                              \
  extern __shared__ __align__(16) unsigned char yhc_dyn_smem_[]; \
  T* name = reinterpret_cast<T*>(yhc_dyn_smem_)

// Host-emulation diagnostics do not exist on a GPU; shared engine code may still ask.
static inline const char* yhc_emu_last_failure(void) { return ""; }

#else  // host emulation

#include "host_emu/yhc_host_emu.h"

#define YHC_LAUNCH(kernel, grid, block, smem_bytes, stream, ...)                                                                      \
  ((void)::yhc_emu::make_launcher((kernel), #kernel, __FILE__, __LINE__, ::dim3(grid), ::dim3(block), (size_t)(smem_bytes), (stream), \
                                  true)(__VA_ARGS__))
#define YHC_LAUNCH_NO_BARRIER(kernel, grid, block, smem_bytes, stream, ...)                                                           \
  ((void)::yhc_emu::make_launcher((kernel), #kernel, __FILE__, __LINE__, ::dim3(grid), ::dim3(block), (size_t)(smem_bytes), (stream), \
                                  false)(__VA_ARGS__))
#define YHC_DYNAMIC_SHARED(T, name) T* name = reinterpret_cast<T*>(::yhc_emu_dyn_smem)

#endif
