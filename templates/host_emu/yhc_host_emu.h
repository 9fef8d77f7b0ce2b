// yhc_host_emu.h — runs the CUDA kernels yhc emits on the CPU, for g++ builds (--target host).
//
// Every CUDA thread is a fiber; all fibers of a block run on one worker thread, blocks are spread
// over worker threads. The scheduler (yhc_host_emu.cpp) resumes a warp's lanes in order until each
// reaches a barrier. Include this through yhc_device.h, never directly from emitted code.
//
// Works with the CUDA toolkit's headers on the include path (-I<cuda>/include: vector_types.h and
// cuda_fp16.h are used, so __half behaves exactly as CUDA's host code) and without them (own
// dim3/uint3/float4/... and a small __half). Define YHC_EMU_NO_CUDA_HEADERS to force the latter.
#pragma once

#if defined(__CUDACC__)
#error "yhc_host_emu.h is for g++ host builds; nvcc builds get the real CUDA headers from yhc_device.h"
#endif

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <math.h>  // the global float overloads (expf, sqrt(float), ...) that device code calls unqualified
#include <memory>  // before __noinline__ is defined: libstdc++ writes __attribute__((__noinline__))
#include <tuple>
#include <type_traits>
#include <utility>
#if defined(YHC_CHECK)
#include <string>
#endif

#if defined(__has_include) && !defined(YHC_EMU_NO_CUDA_HEADERS)
#if __has_include(<vector_types.h>) && __has_include(<cuda_fp16.h>) && __has_include(<cuda_runtime_api.h>)
#define YHC_EMU_HAVE_CUDA_HEADERS 1
#endif
#endif

#if defined(YHC_EMU_HAVE_CUDA_HEADERS)
// CUDA's own headers compile under g++; they define __device__, __shared__, ... for the host
// compiler, so they come first and the execution-space macros are redefined below.
#include <vector_types.h>
#include <vector_functions.h>
#include <cuda_runtime_api.h>
#include <cuda_fp16.h>
#endif

#define YHC_HOST_EMU 1

// ---- execution-space and attribute keywords ------------------------------------------------------
#undef __host__
#undef __device__
#undef __global__
#undef __shared__
#undef __constant__
#undef __managed__
#undef __forceinline__
#undef __noinline__
#undef __launch_bounds__
#undef __grid_constant__
#undef __align__
#define __host__
#define __device__
#define __global__
// One copy per worker thread; all threads of a block run on one worker, so the block shares it.
// thread_local is implicitly static at block scope, like __shared__.
#define __shared__ thread_local
#define __constant__
#define __managed__
#define __grid_constant__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
// __restrict__ is a g++ keyword already.

// Everything the emulator declares stays inside the shared library that links it, so two engines
// loaded into one process (or an engine next to a real libcudart) never bind to each other's copy.
#pragma GCC visibility push(hidden)

#include "yhc_check.h"  // the checked build's hooks (empty unless YHC_CHECK)

// ---- vector types and the CUDA runtime's types, when the toolkit is absent -------------------------
#if !defined(YHC_EMU_HAVE_CUDA_HEADERS)
struct uint3 {
  unsigned int x, y, z;
};
struct int3 {
  int x, y, z;
};
struct float3 {
  float x, y, z;
};
struct dim3 {
  unsigned int x, y, z;
  constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  constexpr operator uint3() const { return uint3{x, y, z}; }
};
// Same sizes and alignments as CUDA's vector_types.h.
#define YHC_EMU_VEC2(T, name, al)            \
  struct __attribute__((aligned(al))) name { \
    T x, y;                                  \
  };
#define YHC_EMU_VEC4(T, name, al)            \
  struct __attribute__((aligned(al))) name { \
    T x, y, z, w;                            \
  };
YHC_EMU_VEC2(signed char, char2, 2)
YHC_EMU_VEC4(signed char, char4, 4)
YHC_EMU_VEC2(unsigned char, uchar2, 2)
YHC_EMU_VEC4(unsigned char, uchar4, 4)
YHC_EMU_VEC2(short, short2, 4)
YHC_EMU_VEC4(short, short4, 8)
YHC_EMU_VEC2(unsigned short, ushort2, 4)
YHC_EMU_VEC4(unsigned short, ushort4, 8)
YHC_EMU_VEC2(int, int2, 8)
YHC_EMU_VEC4(int, int4, 16)
YHC_EMU_VEC2(unsigned int, uint2, 8)
YHC_EMU_VEC4(unsigned int, uint4, 16)
YHC_EMU_VEC2(long long, longlong2, 16)
YHC_EMU_VEC2(unsigned long long, ulonglong2, 16)
YHC_EMU_VEC2(float, float2, 8)
YHC_EMU_VEC4(float, float4, 16)
YHC_EMU_VEC2(double, double2, 16)
#undef YHC_EMU_VEC2
#undef YHC_EMU_VEC4
inline constexpr int2 make_int2(int x, int y) { return int2{x, y}; }
inline constexpr int3 make_int3(int x, int y, int z) { return int3{x, y, z}; }
inline constexpr int4 make_int4(int x, int y, int z, int w) { return int4{x, y, z, w}; }
inline constexpr uint2 make_uint2(unsigned x, unsigned y) { return uint2{x, y}; }
inline constexpr uint3 make_uint3(unsigned x, unsigned y, unsigned z) { return uint3{x, y, z}; }
inline constexpr uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return uint4{x, y, z, w}; }
inline constexpr float2 make_float2(float x, float y) { return float2{x, y}; }
inline constexpr float3 make_float3(float x, float y, float z) { return float3{x, y, z}; }
inline constexpr float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
inline constexpr double2 make_double2(double x, double y) { return double2{x, y}; }
inline constexpr char4 make_char4(signed char x, signed char y, signed char z, signed char w) { return char4{x, y, z, w}; }
inline constexpr uchar4 make_uchar4(unsigned char x, unsigned char y, unsigned char z, unsigned char w) { return uchar4{x, y, z, w}; }

// Numeric values are CUDA's, so codes printed by an engine mean the same on both targets.
enum cudaError {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInitializationError = 3,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidSymbol = 13,
  cudaErrorInvalidDevicePointer = 17,
  cudaErrorInvalidMemcpyDirection = 21,
  cudaErrorInvalidDeviceFunction = 98,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorNotReady = 600,
  cudaErrorIllegalAddress = 700,
  cudaErrorLaunchOutOfResources = 701,
  cudaErrorAssert = 710,
  cudaErrorLaunchFailure = 719,
  cudaErrorNotSupported = 801,
  cudaErrorUnknown = 999,
};
typedef enum cudaError cudaError_t;
enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};
enum cudaFuncAttribute {
  cudaFuncAttributeMaxDynamicSharedMemorySize = 8,
  cudaFuncAttributePreferredSharedMemoryCarveout = 9,
};
enum cudaDeviceAttr {
  cudaDevAttrMaxThreadsPerBlock = 1,
  cudaDevAttrMaxSharedMemoryPerBlock = 8,
  cudaDevAttrWarpSize = 10,
  cudaDevAttrMultiProcessorCount = 16,
  cudaDevAttrComputeCapabilityMajor = 75,
  cudaDevAttrComputeCapabilityMinor = 76,
  cudaDevAttrMaxSharedMemoryPerBlockOptin = 97,
};
typedef struct CUstream_st* cudaStream_t;
typedef struct CUevent_st* cudaEvent_t;
#define cudaStreamDefault 0x00
#define cudaStreamNonBlocking 0x01
#define cudaEventDefault 0x00
#define cudaEventDisableTiming 0x02
#endif  // !YHC_EMU_HAVE_CUDA_HEADERS

// ---- the CUDA runtime API subset (defined in yhc_host_emu.cpp) -------------------------------------
// With the toolkit's headers these redeclare cuda_runtime_api.h's functions (whose default
// arguments stay in force) and make them hidden; without them they are the only declarations.
#if defined(YHC_EMU_HAVE_CUDA_HEADERS)
#define YHC_EMU_DEFAULT(v)
#else
#define YHC_EMU_DEFAULT(v) = v
#endif
extern "C" {
cudaError_t cudaGetLastError(void);
cudaError_t cudaPeekAtLastError(void);
const char* cudaGetErrorString(cudaError_t error);
const char* cudaGetErrorName(cudaError_t error);
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaDeviceGetAttribute(int* value, enum cudaDeviceAttr attr, int device);
cudaError_t cudaDeviceSynchronize(void);
cudaError_t cudaStreamCreate(cudaStream_t* stream);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaEventCreate(cudaEvent_t* event);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream YHC_EMU_DEFAULT(0));
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end);
cudaError_t cudaMalloc(void** ptr, size_t size);
cudaError_t cudaFree(void* ptr);
cudaError_t cudaMallocHost(void** ptr, size_t size);
cudaError_t cudaFreeHost(void* ptr);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind, cudaStream_t stream YHC_EMU_DEFAULT(0));
cudaError_t cudaMemset(void* ptr, int value, size_t count);
cudaError_t cudaMemsetAsync(void* ptr, int value, size_t count, cudaStream_t stream YHC_EMU_DEFAULT(0));
cudaError_t cudaMemcpyToSymbol(const void* symbol, const void* src, size_t count, size_t offset YHC_EMU_DEFAULT(0),
                               enum cudaMemcpyKind kind YHC_EMU_DEFAULT(cudaMemcpyHostToDevice));
cudaError_t cudaMemcpyFromSymbol(void* dst, const void* symbol, size_t count, size_t offset YHC_EMU_DEFAULT(0),
                                 enum cudaMemcpyKind kind YHC_EMU_DEFAULT(cudaMemcpyDeviceToHost));
cudaError_t cudaFuncSetAttribute(const void* func, enum cudaFuncAttribute attr, int value);

// Why the last failed launch in this library failed (kernel, launch site, grid, block, reason), or
// "" if none has. The text stays until the next failure. Exported so an FFI caller can read it.
__attribute__((visibility("default"))) const char* yhc_emu_last_failure(void);
// Bytes of cudaMalloc allocations live in this library (what an engine and its contexts hold).
__attribute__((visibility("default"))) size_t yhc_emu_device_bytes(void);
}
#undef YHC_EMU_DEFAULT

// C++ conveniences that cuda_runtime.h (not included on the host) adds over the C API.
template <class T> inline cudaError_t cudaMalloc(T** ptr, size_t size) { return cudaMalloc(reinterpret_cast<void**>(ptr), size); }
template <class T> inline cudaError_t cudaMallocHost(T** ptr, size_t size) { return cudaMallocHost(reinterpret_cast<void**>(ptr), size); }
template <class T> inline cudaError_t cudaFuncSetAttribute(T* kernel, enum cudaFuncAttribute attr, int value) {
  return cudaFuncSetAttribute(reinterpret_cast<const void*>(kernel), attr, value);
}
template <class T>
inline cudaError_t cudaMemcpyToSymbol(const T& symbol, const void* src, size_t count, size_t offset = 0,
                                      enum cudaMemcpyKind kind = cudaMemcpyHostToDevice) {
  return cudaMemcpyToSymbol(static_cast<const void*>(&symbol), src, count, offset, kind);
}
template <class T>
inline cudaError_t cudaMemcpyFromSymbol(void* dst, const T& symbol, size_t count, size_t offset = 0,
                                        enum cudaMemcpyKind kind = cudaMemcpyDeviceToHost) {
  return cudaMemcpyFromSymbol(dst, static_cast<const void*>(&symbol), count, offset, kind);
}

// ---- per-thread built-ins ------------------------------------------------------------------------
namespace yhc_emu {

// What a running CUDA thread sees. One record per fiber (records never move), plus one per worker
// for barrier-free launches that run the block's threads as a plain loop.
struct Lane {
  uint3 thread_idx;
  uint3 block_idx;
  dim3 block_dim;
  dim3 grid_dim;
  void* fiber;  // the scheduler's fiber record; null in a barrier-free (plain loop) launch
};

// The lane now running on this worker thread. Inline + constant-initialised: no TLS wrapper call.
// Default TLS model on purpose: initial-exec would make a dlopen'd engine put its whole TLS block,
// including every kernel's __shared__ arrays, into glibc's small static TLS reserve (dlopen fails).
inline thread_local Lane* current_lane = nullptr;

}  // namespace yhc_emu

// The one dynamic shared memory buffer of this worker thread, sized by the launch's smem_bytes.
inline thread_local unsigned char* yhc_emu_dyn_smem = nullptr;

#define threadIdx (static_cast<const ::uint3&>(::yhc_emu::current_lane->thread_idx))
#define blockIdx (static_cast<const ::uint3&>(::yhc_emu::current_lane->block_idx))
#define blockDim (static_cast<const ::dim3&>(::yhc_emu::current_lane->block_dim))
#define gridDim (static_cast<const ::dim3&>(::yhc_emu::current_lane->grid_dim))
constexpr int warpSize = 32;

// ---- scheduler entry points (yhc_host_emu.cpp) ------------------------------------------------------
namespace yhc_emu {

enum ShuffleMode : unsigned { kShflIdx = 0, kShflUp = 1, kShflDown = 2, kShflXor = 3 };
enum VoteKind : int { kVoteBallot = 0, kVoteAny = 1, kVoteAll = 2 };
enum BarrierReduce : int { kBarrierCount = 0, kBarrierAnd = 1, kBarrierOr = 2 };

void sync_block();
int sync_block_reduce(int predicate, int op);
void sync_warp(unsigned mask);
// PTX shfl.sync: mode, b = lane/offset, c = ((32 - width) << 8) | clamp; values travel as 64 bits.
std::uint64_t shuffle(unsigned mask, std::uint64_t bits, unsigned mode, unsigned b, unsigned c);
unsigned vote(unsigned mask, int predicate, int kind);
// Every lane of the (full) warp publishes `bits`; each gets all 32 values, lane order, in `out`.
// One rendezvous instead of 32 shuffles: what the emulated tensor-core product (mma.cuh) uses.
void warp_gather(std::uint64_t bits, std::uint64_t out[32]);
unsigned active_mask();
[[noreturn]] void trap();

struct LaunchSpec {
  const char* name;  // the kernel expression as written at the launch site
  const void* kernel;
  const char* file;
  int line;
  dim3 grid;
  dim3 block;
  size_t smem_bytes;
  cudaStream_t stream;
  bool barriers_allowed;            // false: YHC_LAUNCH_NO_BARRIER
  void (*run_thread)(const void*);  // runs the kernel for ::yhc_emu::current_lane
  const void* call;
};
cudaError_t launch(const LaunchSpec& spec);

// The kernel's arguments, converted to its parameter types once per launch (as <<<>>> does).
template <class... P> struct BoundCall {
  void (*kernel)(P...);
  std::tuple<std::decay_t<P>...> args;
  static void run(const void* self) {
    const BoundCall* call = static_cast<const BoundCall*>(self);
    std::apply(call->kernel, call->args);
#if defined(YHC_CHECK)
    ::yhc_emu::check::thread_exit();
#endif
  }
};

// YHC_LAUNCH(kernel, grid, block, smem, stream, args...) expands to
// `make_launcher(kernel, ...)(args...)`, so an empty argument list needs no comma tricks.
template <class... P> struct Launcher {
  void (*kernel)(P...);
  const char* name;
  const char* file;
  int line;
  dim3 grid;
  dim3 block;
  size_t smem_bytes;
  cudaStream_t stream;
  bool barriers_allowed;

  template <class... A> cudaError_t operator()(A&&... args) const {
    static_assert(sizeof...(P) == sizeof...(A), "YHC_LAUNCH: wrong number of kernel arguments");
    const BoundCall<P...> call{kernel, std::tuple<std::decay_t<P>...>(std::forward<A>(args)...)};
    const LaunchSpec spec{
        name, reinterpret_cast<const void*>(kernel), file, line, grid, block, smem_bytes, stream, barriers_allowed, &BoundCall<P...>::run,
        &call};
#if defined(YHC_CHECK)
    return checked_launch(spec, call.args);
#else
    return launch(spec);
#endif
  }
};

#if defined(YHC_CHECK)
// The checked launch: the checker learns the kernel's pointer arguments (words of by-value structs
// too), runs it, and fails the launch if it reported anything.
cudaError_t fail_checked_launch(const LaunchSpec& spec, const char* why);
template <class... T> inline cudaError_t checked_launch(const LaunchSpec& spec, const std::tuple<T...>& args) {
  constexpr size_t kWords = 1 + sizeof...(T) + (size_t(0) + ... + (sizeof(T) / sizeof(void*)));
  const void* pointers[kWords] = {};
  int count = 0;
  std::apply(
      [&](const auto&... a) {
        auto add = [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_pointer<V>::value) {
            pointers[count++] = reinterpret_cast<const void*>(v);
          } else if constexpr (std::is_class<V>::value && std::is_trivially_copyable<V>::value) {
            for (size_t off = 0; off + sizeof(void*) <= sizeof(V); off += sizeof(void*)) {
              const void* word;
              __builtin_memcpy(static_cast<void*>(&word), reinterpret_cast<const char*>(&v) + off, sizeof word);
              pointers[count++] = word;
            }
          }
        };
        (add(a), ...);
      },
      args);
  check::launch_begin(spec.name, spec.file, spec.line, spec.grid.x, spec.grid.y, spec.grid.z, spec.block.x, spec.block.y, spec.block.z,
                      spec.smem_bytes, pointers, count);
  const cudaError_t e = launch(spec);
  std::string why;
  if (check::launch_end(why) && e == cudaSuccess) return fail_checked_launch(spec, why.c_str());
  return e;
}
#endif

template <class... P>
inline Launcher<P...> make_launcher(void (*kernel)(P...), const char* name, const char* file, int line, dim3 grid, dim3 block,
                                    size_t smem_bytes, cudaStream_t stream, bool barriers_allowed) {
  return Launcher<P...>{kernel, name, file, line, grid, block, smem_bytes, stream, barriers_allowed};
}

template <class T> inline std::uint64_t to_bits(T v) {
  static_assert(sizeof(T) <= 8, "warp shuffles move at most 8 bytes");
  std::uint64_t bits = 0;
  __builtin_memcpy(static_cast<void*>(&bits), static_cast<const void*>(&v), sizeof(T));
  return bits;
}
template <class T> inline T from_bits(std::uint64_t bits) {
  T v;
  __builtin_memcpy(static_cast<void*>(&v), static_cast<const void*>(&bits), sizeof(T));
  return v;
}

}  // namespace yhc_emu

// ---- synchronisation and warp intrinsics ------------------------------------------------------------
#if defined(YHC_CHECK)
// Checked builds tell the checker where each thread syncs (yhc_check.h).
namespace yhc_emu {
// Always inlined, so the hook's return address is the call site in the kernel.
struct CheckedBarrier {
  __attribute__((always_inline)) CheckedBarrier() { check::barrier_enter(); }
  __attribute__((always_inline)) ~CheckedBarrier() { check::barrier_leave(); }
};
struct CheckedWarpOp {
  __attribute__((always_inline)) CheckedWarpOp(int op, unsigned mask) { check::warp_enter(op, mask); }
  __attribute__((always_inline)) ~CheckedWarpOp() { check::warp_leave(); }
};
}  // namespace yhc_emu
#define YHC_EMU_CHECK_BARRIER() const ::yhc_emu::CheckedBarrier yhc_checked_barrier_
#define YHC_EMU_CHECK_WARP(op, mask) const ::yhc_emu::CheckedWarpOp yhc_checked_warp_(::yhc_emu::check::op, mask)
#define YHC_EMU_SYNC inline __attribute__((always_inline))
#else
#define YHC_EMU_CHECK_BARRIER() (void)0
#define YHC_EMU_CHECK_WARP(op, mask) (void)0
#define YHC_EMU_SYNC inline
#endif
YHC_EMU_SYNC void __syncthreads() {
  YHC_EMU_CHECK_BARRIER();
  ::yhc_emu::sync_block();
}
YHC_EMU_SYNC int __syncthreads_count(int p) {
  YHC_EMU_CHECK_BARRIER();
  return ::yhc_emu::sync_block_reduce(p, ::yhc_emu::kBarrierCount);
}
YHC_EMU_SYNC int __syncthreads_and(int p) {
  YHC_EMU_CHECK_BARRIER();
  return ::yhc_emu::sync_block_reduce(p, ::yhc_emu::kBarrierAnd);
}
YHC_EMU_SYNC int __syncthreads_or(int p) {
  YHC_EMU_CHECK_BARRIER();
  return ::yhc_emu::sync_block_reduce(p, ::yhc_emu::kBarrierOr);
}
YHC_EMU_SYNC void __syncwarp(unsigned mask = 0xffffffffu) {
  YHC_EMU_CHECK_WARP(kOpSyncwarp, mask);
  ::yhc_emu::sync_warp(mask);
}

template <class T> YHC_EMU_SYNC T __shfl_sync(unsigned mask, T var, int src_lane, int width = warpSize) {
  YHC_EMU_CHECK_WARP(kOpShuffle, mask);
  const unsigned c = (unsigned(warpSize - width) << 8) | 0x1fu;
  return ::yhc_emu::from_bits<T>(::yhc_emu::shuffle(mask, ::yhc_emu::to_bits(var), ::yhc_emu::kShflIdx, unsigned(src_lane), c));
}
template <class T> YHC_EMU_SYNC T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
  YHC_EMU_CHECK_WARP(kOpShuffle, mask);
  const unsigned c = unsigned(warpSize - width) << 8;
  return ::yhc_emu::from_bits<T>(::yhc_emu::shuffle(mask, ::yhc_emu::to_bits(var), ::yhc_emu::kShflUp, delta, c));
}
template <class T> YHC_EMU_SYNC T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
  YHC_EMU_CHECK_WARP(kOpShuffle, mask);
  const unsigned c = (unsigned(warpSize - width) << 8) | 0x1fu;
  return ::yhc_emu::from_bits<T>(::yhc_emu::shuffle(mask, ::yhc_emu::to_bits(var), ::yhc_emu::kShflDown, delta, c));
}
template <class T> YHC_EMU_SYNC T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = warpSize) {
  YHC_EMU_CHECK_WARP(kOpShuffle, mask);
  const unsigned c = (unsigned(warpSize - width) << 8) | 0x1fu;
  return ::yhc_emu::from_bits<T>(::yhc_emu::shuffle(mask, ::yhc_emu::to_bits(var), ::yhc_emu::kShflXor, unsigned(lane_mask), c));
}
YHC_EMU_SYNC unsigned __ballot_sync(unsigned mask, int p) {
  YHC_EMU_CHECK_WARP(kOpVote, mask);
  return ::yhc_emu::vote(mask, p, ::yhc_emu::kVoteBallot);
}
YHC_EMU_SYNC int __any_sync(unsigned mask, int p) {
  YHC_EMU_CHECK_WARP(kOpVote, mask);
  return int(::yhc_emu::vote(mask, p, ::yhc_emu::kVoteAny));
}
YHC_EMU_SYNC int __all_sync(unsigned mask, int p) {
  YHC_EMU_CHECK_WARP(kOpVote, mask);
  return int(::yhc_emu::vote(mask, p, ::yhc_emu::kVoteAll));
}
inline unsigned __activemask() { return ::yhc_emu::active_mask(); }
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_system() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __nanosleep(unsigned) {}
// A trapping thread fails the launch with cudaErrorLaunchFailure (the process goes on).
[[noreturn]] inline void __trap() { ::yhc_emu::trap(); }
inline long long clock64() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// ---- atomics: blocks run in parallel on OS threads, so these are real atomic RMWs -------------------
namespace yhc_emu {
template <class T, class F> inline T atomic_update(T* address, F next) {  // CAS loop for the operations with no __atomic builtin
  T old;
  __atomic_load(address, &old, __ATOMIC_RELAXED);
  T desired;
  do {
    desired = next(old);
  } while (!__atomic_compare_exchange(address, &old, &desired, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return old;
}
}  // namespace yhc_emu

#define YHC_EMU_ATOMIC_INT(T)                                                               \
  inline T atomicAdd(T* a, T v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }      \
  inline T atomicAnd(T* a, T v) { return __atomic_fetch_and(a, v, __ATOMIC_RELAXED); }      \
  inline T atomicOr(T* a, T v) { return __atomic_fetch_or(a, v, __ATOMIC_RELAXED); }        \
  inline T atomicXor(T* a, T v) { return __atomic_fetch_xor(a, v, __ATOMIC_RELAXED); }      \
  inline T atomicExch(T* a, T v) { return __atomic_exchange_n(a, v, __ATOMIC_RELAXED); }    \
  inline T atomicCAS(T* a, T compare, T v) {                                                \
    __atomic_compare_exchange_n(a, &compare, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED); \
    return compare;                                                                         \
  }
YHC_EMU_ATOMIC_INT(int)
YHC_EMU_ATOMIC_INT(unsigned int)
YHC_EMU_ATOMIC_INT(unsigned long long)
#undef YHC_EMU_ATOMIC_INT
inline int atomicSub(int* a, int v) { return __atomic_fetch_sub(a, v, __ATOMIC_RELAXED); }
inline unsigned int atomicSub(unsigned int* a, unsigned int v) { return __atomic_fetch_sub(a, v, __ATOMIC_RELAXED); }
inline unsigned short atomicCAS(unsigned short* a, unsigned short compare, unsigned short v) {
  __atomic_compare_exchange_n(a, &compare, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  return compare;
}
#define YHC_EMU_ATOMIC_MINMAX(T)                                                  \
  inline T atomicMax(T* a, T v) {                                                 \
    return ::yhc_emu::atomic_update(a, [v](T old) { return old < v ? v : old; }); \
  }                                                                               \
  inline T atomicMin(T* a, T v) {                                                 \
    return ::yhc_emu::atomic_update(a, [v](T old) { return v < old ? v : old; }); \
  }
YHC_EMU_ATOMIC_MINMAX(int)
YHC_EMU_ATOMIC_MINMAX(unsigned int)
YHC_EMU_ATOMIC_MINMAX(long long)
YHC_EMU_ATOMIC_MINMAX(unsigned long long)
#undef YHC_EMU_ATOMIC_MINMAX
inline float atomicAdd(float* a, float v) {
  return ::yhc_emu::atomic_update(a, [v](float old) { return old + v; });
}
inline double atomicAdd(double* a, double v) {
  return ::yhc_emu::atomic_update(a, [v](double old) { return old + v; });
}
inline float atomicExch(float* a, float v) {
  float old;
  __atomic_exchange(a, &v, &old, __ATOMIC_RELAXED);
  return old;
}
inline unsigned int atomicInc(unsigned int* a, unsigned int limit) {
  return ::yhc_emu::atomic_update(a, [limit](unsigned int old) { return old >= limit ? 0u : old + 1u; });
}
inline unsigned int atomicDec(unsigned int* a, unsigned int limit) {
  return ::yhc_emu::atomic_update(a, [limit](unsigned int old) { return (old == 0u || old > limit) ? limit : old - 1u; });
}

// ---- device math and bit intrinsics missing from <cmath> on the host ------------------------------
// The fast-math intrinsics are computed exactly; CUDA allows them that (they only bound the error).
inline float __expf(float x) { return expf(x); }
inline float __exp10f(float x) { return powf(10.0f, x); }
inline float __logf(float x) { return logf(x); }
inline float __log2f(float x) { return log2f(x); }
inline float __log10f(float x) { return log10f(x); }
inline float __sinf(float x) { return sinf(x); }
inline float __cosf(float x) { return cosf(x); }
inline float __tanf(float x) { return tanf(x); }
inline void __sincosf(float x, float* s, float* c) {
  *s = sinf(x);
  *c = cosf(x);
}
inline float __powf(float x, float y) { return powf(x, y); }
inline float __fdividef(float a, float b) { return a / b; }
inline float fdividef(float a, float b) { return a / b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fsqrt_rn(float x) { return sqrtf(x); }
inline float __frsqrt_rn(float x) { return 1.0f / sqrtf(x); }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }
inline double __drcp_rn(double x) { return 1.0 / x; }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float rcbrtf(float x) { return 1.0f / cbrtf(x); }
inline float __saturatef(float x) { return x >= 1.0f ? 1.0f : (x > 0.0f ? x : 0.0f); }  // NaN -> 0
inline int __float_as_int(float x) { return ::yhc_emu::from_bits<int>(::yhc_emu::to_bits(x)); }
inline unsigned int __float_as_uint(float x) { return ::yhc_emu::from_bits<unsigned int>(::yhc_emu::to_bits(x)); }
inline float __int_as_float(int x) { return ::yhc_emu::from_bits<float>(::yhc_emu::to_bits(x)); }
inline float __uint_as_float(unsigned int x) { return ::yhc_emu::from_bits<float>(::yhc_emu::to_bits(x)); }
inline long long __double_as_longlong(double x) { return ::yhc_emu::from_bits<long long>(::yhc_emu::to_bits(x)); }
inline double __longlong_as_double(long long x) { return ::yhc_emu::from_bits<double>(::yhc_emu::to_bits(x)); }

namespace yhc_emu {
// CUDA's float->integer conversions saturate and map NaN to 0; a C++ cast would be undefined.
template <class I> inline I saturating_cast(double v) {
  if (v != v) return 0;
  if (v <= double(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (v >= double(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return I(v);
}
}  // namespace yhc_emu
inline int __float2int_rn(float x) { return ::yhc_emu::saturating_cast<int>(nearbyintf(x)); }
inline int __float2int_rz(float x) { return ::yhc_emu::saturating_cast<int>(truncf(x)); }
inline int __float2int_rd(float x) { return ::yhc_emu::saturating_cast<int>(floorf(x)); }
inline int __float2int_ru(float x) { return ::yhc_emu::saturating_cast<int>(ceilf(x)); }
inline unsigned int __float2uint_rn(float x) { return ::yhc_emu::saturating_cast<unsigned int>(nearbyintf(x)); }
inline unsigned int __float2uint_rz(float x) { return ::yhc_emu::saturating_cast<unsigned int>(truncf(x)); }
inline long long __float2ll_rn(float x) { return ::yhc_emu::saturating_cast<long long>(nearbyintf(x)); }
inline long long __float2ll_rz(float x) { return ::yhc_emu::saturating_cast<long long>(truncf(x)); }
inline int __double2int_rn(double x) { return ::yhc_emu::saturating_cast<int>(nearbyint(x)); }
inline int __double2int_rz(double x) { return ::yhc_emu::saturating_cast<int>(trunc(x)); }
inline float __double2float_rn(double x) { return float(x); }
inline float __int2float_rn(int x) { return float(x); }
inline float __uint2float_rn(unsigned int x) { return float(x); }
inline float __ll2float_rn(long long x) { return float(x); }
inline double __int2double_rn(int x) { return double(x); }

inline int __popc(unsigned int x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(unsigned(x)); }
inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll((unsigned long long)x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
inline unsigned int __brev(unsigned int x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
  return __builtin_bswap32(x);
}
inline unsigned long long __brevll(unsigned long long x) {
  return ((unsigned long long)__brev(unsigned(x)) << 32) | __brev(unsigned(x >> 32));
}
inline unsigned int __byte_perm(unsigned int x, unsigned int y, unsigned int s) {
  const unsigned long long bytes = ((unsigned long long)y << 32) | x;
  unsigned int r = 0;
  for (int i = 0; i < 4; ++i) r |= unsigned((bytes >> (8 * ((s >> (4 * i)) & 7))) & 0xff) << (8 * i);
  return r;
}
inline unsigned int __funnelshift_l(unsigned int lo, unsigned int hi, unsigned int shift) {
  return unsigned((((unsigned long long)hi << 32 | lo) << (shift & 31)) >> 32);
}
inline unsigned int __funnelshift_r(unsigned int lo, unsigned int hi, unsigned int shift) {
  return unsigned(((unsigned long long)hi << 32 | lo) >> (shift & 31));
}
inline int __mul24(int a, int b) { return int((long long)(a << 8 >> 8) * (b << 8 >> 8)); }
inline unsigned int __umul24(unsigned int a, unsigned int b) { return (a & 0xffffffu) * (b & 0xffffffu); }
inline int __mulhi(int a, int b) { return int(((long long)a * b) >> 32); }
inline unsigned int __umulhi(unsigned int a, unsigned int b) { return unsigned(((unsigned long long)a * b) >> 32); }
__extension__ typedef __int128 yhc_emu_int128;
__extension__ typedef unsigned __int128 yhc_emu_uint128;
inline long long __mul64hi(long long a, long long b) { return (long long)(((yhc_emu_int128)a * b) >> 64); }
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
  return (unsigned long long)(((yhc_emu_uint128)a * b) >> 64);
}

// Cache-hinted loads and stores are plain memory accesses on the host.
template <class T> inline T __ldg(const T* p) { return *p; }
template <class T> inline T __ldca(const T* p) { return *p; }
template <class T> inline T __ldcg(const T* p) { return *p; }
template <class T> inline T __ldcs(const T* p) { return *p; }
template <class T> inline T __ldlu(const T* p) { return *p; }
template <class T> inline T __ldcv(const T* p) { return *p; }
template <class T> inline void __stwb(T* p, T v) { *p = v; }
template <class T> inline void __stcg(T* p, T v) { *p = v; }
template <class T> inline void __stcs(T* p, T v) { *p = v; }
template <class T> inline void __stwt(T* p, T v) { *p = v; }

// min/max: the overload set of CUDA's math_functions.h, so mixed-sign calls resolve the same way.
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned int umin(unsigned int a, unsigned int b) { return a < b ? a : b; }
inline unsigned int umax(unsigned int a, unsigned int b) { return a > b ? a : b; }
#define YHC_EMU_MINMAX(R, A, B)                           \
  inline R min(A a, B b) {                                \
    const R x = static_cast<R>(a), y = static_cast<R>(b); \
    return x < y ? x : y;                                 \
  }                                                       \
  inline R max(A a, B b) {                                \
    const R x = static_cast<R>(a), y = static_cast<R>(b); \
    return x > y ? x : y;                                 \
  }
YHC_EMU_MINMAX(unsigned int, unsigned int, unsigned int)
YHC_EMU_MINMAX(unsigned int, int, unsigned int)
YHC_EMU_MINMAX(unsigned int, unsigned int, int)
YHC_EMU_MINMAX(long, long, long)
YHC_EMU_MINMAX(unsigned long, unsigned long, unsigned long)
YHC_EMU_MINMAX(unsigned long, long, unsigned long)
YHC_EMU_MINMAX(unsigned long, unsigned long, long)
YHC_EMU_MINMAX(long long, long long, long long)
YHC_EMU_MINMAX(unsigned long long, unsigned long long, unsigned long long)
YHC_EMU_MINMAX(unsigned long long, long long, unsigned long long)
YHC_EMU_MINMAX(unsigned long long, unsigned long long, long long)
#undef YHC_EMU_MINMAX
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }
inline double min(double a, double b) { return fmin(a, b); }
inline double max(double a, double b) { return fmax(a, b); }
inline double min(float a, double b) { return fmin(a, b); }
inline double max(float a, double b) { return fmax(a, b); }
inline double min(double a, float b) { return fmin(a, b); }
inline double max(double a, float b) { return fmax(a, b); }

// ---- half precision --------------------------------------------------------------------------------
#if !defined(YHC_EMU_HAVE_CUDA_HEADERS)
// Without the toolkit: a small __half (IEEE binary16, round-to-nearest-even conversions, arithmetic
// through float). Covers what yhc's fp16 kernels use; CUDA's header has much more.
namespace yhc_emu {
inline unsigned short float_to_half_bits(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  const unsigned short sign = (unsigned short)((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x > 0x7f800000u) return 0x7fffu;          // NaN: CUDA's canonical one
  if (x == 0x7f800000u) return sign | 0x7c00u;  // infinity
  if (x >= 0x477ff000u) return sign | 0x7c00u;  // rounds past 65504
  if (x < 0x38800000u) {                        // half subnormal or 0
    if (x <= 0x33000000u) return sign;          // <= 2^-25: ties to 0
    const unsigned shift = 126u - (x >> 23);
    const std::uint32_t m = (x & 0x7fffffu) | 0x800000u;
    std::uint32_t r = m >> shift;
    const std::uint32_t rest = m & ((1u << shift) - 1u), halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (r & 1u))) ++r;
    return (unsigned short)(sign | r);
  }
  std::uint32_t r = (x - 0x38000000u) >> 13;  // rebias the exponent 127 -> 15
  const std::uint32_t rest = x & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (r & 1u))) ++r;
  return (unsigned short)(sign | r);
}
inline float half_bits_to_float(unsigned short h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  std::uint32_t x;
  if (exp == 0) {
    const float v = float(mant) * 5.9604644775390625e-8f;  // mant * 2^-24, exact
    std::memcpy(&x, &v, 4);
    x |= sign;
  } else if (exp == 31) {
    x = sign | 0x7f800000u | (mant << 13);
  } else {
    x = sign | ((exp + 112u) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
}  // namespace yhc_emu

struct __attribute__((aligned(2))) __half {
  unsigned short __x;
  __half() = default;
  __half(float f) : __x(::yhc_emu::float_to_half_bits(f)) {}
  __half(double f) : __x(::yhc_emu::float_to_half_bits(float(f))) {}
  __half(int i) : __x(::yhc_emu::float_to_half_bits(float(i))) {}
  operator float() const { return ::yhc_emu::half_bits_to_float(__x); }
  __half& operator+=(__half o) { return *this = __half(float(*this) + float(o)); }
  __half& operator-=(__half o) { return *this = __half(float(*this) - float(o)); }
  __half& operator*=(__half o) { return *this = __half(float(*this) * float(o)); }
  __half& operator/=(__half o) { return *this = __half(float(*this) / float(o)); }
};
struct __attribute__((aligned(4))) __half2 {
  __half x, y;
};
typedef __half half;
typedef __half2 half2;
inline __half __float2half(float f) { return __half(f); }
inline __half __float2half_rn(float f) { return __half(f); }
inline float __half2float(__half h) { return float(h); }
inline __half __int2half_rn(int i) { return __half(float(i)); }
inline unsigned short __half_as_ushort(__half h) { return h.__x; }
inline __half __ushort_as_half(unsigned short u) {
  __half h;
  h.__x = u;
  return h;
}
inline __half2 __floats2half2_rn(float a, float b) { return __half2{__half(a), __half(b)}; }
inline __half2 __float2half2_rn(float a) { return __half2{__half(a), __half(a)}; }
inline __half2 __float22half2_rn(float2 v) { return __half2{__half(v.x), __half(v.y)}; }
inline __half2 __halves2half2(__half a, __half b) { return __half2{a, b}; }
inline __half2 __half2half2(__half a) { return __half2{a, a}; }
inline float2 __half22float2(__half2 h) { return float2{float(h.x), float(h.y)}; }
inline float __low2float(__half2 h) { return float(h.x); }
inline float __high2float(__half2 h) { return float(h.y); }
inline __half __low2half(__half2 h) { return h.x; }
inline __half __high2half(__half2 h) { return h.y; }
inline __half operator+(__half a, __half b) { return __half(float(a) + float(b)); }
inline __half operator-(__half a, __half b) { return __half(float(a) - float(b)); }
inline __half operator*(__half a, __half b) { return __half(float(a) * float(b)); }
inline __half operator/(__half a, __half b) { return __half(float(a) / float(b)); }
inline __half operator-(__half a) { return __ushort_as_half((unsigned short)(a.__x ^ 0x8000u)); }
inline bool operator==(__half a, __half b) { return float(a) == float(b); }
inline bool operator!=(__half a, __half b) { return float(a) != float(b); }
inline bool operator<(__half a, __half b) { return float(a) < float(b); }
inline bool operator<=(__half a, __half b) { return float(a) <= float(b); }
inline bool operator>(__half a, __half b) { return float(a) > float(b); }
inline bool operator>=(__half a, __half b) { return float(a) >= float(b); }
inline __half __hadd(__half a, __half b) { return a + b; }
inline __half __hsub(__half a, __half b) { return a - b; }
inline __half __hmul(__half a, __half b) { return a * b; }
inline __half __hdiv(__half a, __half b) { return a / b; }
inline __half __hneg(__half a) { return -a; }
inline __half __habs(__half a) { return __ushort_as_half((unsigned short)(a.__x & 0x7fffu)); }
inline bool __hisnan(__half a) { return (a.__x & 0x7fffu) > 0x7c00u; }
inline __half __hmax(__half a, __half b) { return __hisnan(a) ? b : __hisnan(b) ? a : (a > b ? a : b); }
inline __half __hmin(__half a, __half b) { return __hisnan(a) ? b : __hisnan(b) ? a : (a < b ? a : b); }
inline bool __hgt(__half a, __half b) { return a > b; }
inline bool __hlt(__half a, __half b) { return a < b; }
inline bool __hge(__half a, __half b) { return a >= b; }
inline bool __hle(__half a, __half b) { return a <= b; }
inline bool __heq(__half a, __half b) { return a == b; }
inline __half2 __hadd2(__half2 a, __half2 b) { return __half2{a.x + b.x, a.y + b.y}; }
inline __half2 __hmul2(__half2 a, __half2 b) { return __half2{a.x * b.x, a.y * b.y}; }
#endif  // !YHC_EMU_HAVE_CUDA_HEADERS

// Device-only half functions (declared by cuda_fp16.h only for nvcc): computed in float, rounded once.
#define YHC_EMU_HALF_FN(name, h2name, expr) \
  inline __half name(__half h) {            \
    const float x = __half2float(h);        \
    return __float2half_rn(expr);           \
  }                                         \
  inline __half2 h2name(__half2 h) { return __halves2half2(name(__low2half(h)), name(__high2half(h))); }
YHC_EMU_HALF_FN(hexp, h2exp, expf(x))
YHC_EMU_HALF_FN(hexp2, h2exp2, exp2f(x))
YHC_EMU_HALF_FN(hexp10, h2exp10, powf(10.0f, x))
YHC_EMU_HALF_FN(hlog, h2log, logf(x))
YHC_EMU_HALF_FN(hlog2, h2log2, log2f(x))
YHC_EMU_HALF_FN(hlog10, h2log10, log10f(x))
YHC_EMU_HALF_FN(hsqrt, h2sqrt, sqrtf(x))
YHC_EMU_HALF_FN(hrsqrt, h2rsqrt, 1.0f / sqrtf(x))
YHC_EMU_HALF_FN(hrcp, h2rcp, 1.0f / x)
YHC_EMU_HALF_FN(hsin, h2sin, sinf(x))
YHC_EMU_HALF_FN(hcos, h2cos, cosf(x))
YHC_EMU_HALF_FN(htanh, h2tanh, tanhf(x))
YHC_EMU_HALF_FN(hceil, h2ceil, ceilf(x))
YHC_EMU_HALF_FN(hfloor, h2floor, floorf(x))
YHC_EMU_HALF_FN(htrunc, h2trunc, truncf(x))
YHC_EMU_HALF_FN(hrint, h2rint, nearbyintf(x))
#undef YHC_EMU_HALF_FN
// fma in float then one rounding to half; CUDA rounds once from the exact result (rarely differs).
inline __half __hfma(__half a, __half b, __half c) { return __float2half_rn(fmaf(__half2float(a), __half2float(b), __half2float(c))); }
inline __half __hfma_relu(__half a, __half b, __half c) {
  const float r = fmaf(__half2float(a), __half2float(b), __half2float(c));
  return __float2half_rn(r > 0.0f ? r : (r != r ? r : 0.0f));
}
inline __half2 __hfma2(__half2 a, __half2 b, __half2 c) {
  return __halves2half2(__hfma(__low2half(a), __low2half(b), __low2half(c)), __hfma(__high2half(a), __high2half(b), __high2half(c)));
}
inline int __half2int_rn(__half h) { return __float2int_rn(__half2float(h)); }
inline int __half2int_rd(__half h) { return __float2int_rd(__half2float(h)); }
inline int __half2int_ru(__half h) { return __float2int_ru(__half2float(h)); }
inline unsigned int __half2uint_rn(__half h) { return __float2uint_rn(__half2float(h)); }
inline long long __half2ll_rn(__half h) { return __float2ll_rn(__half2float(h)); }
#if !defined(YHC_EMU_HAVE_CUDA_HEADERS)
inline int __half2int_rz(__half h) { return __float2int_rz(__half2float(h)); }
#endif

#pragma GCC visibility pop
