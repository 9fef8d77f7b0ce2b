// Launch failures: barriers in barrier-free launches, deadlocks, __trap, invalid configurations.
// Every failure must come back through the error API while the process carries on.
#include "test_util.h"

__global__ void uses_barrier(int* out) {
  out[threadIdx.x] = 1;
  __syncthreads();
  out[threadIdx.x] = 2;
}

__global__ void uses_shuffle(int* out) { out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, int(threadIdx.x), 1); }

// Even lanes wait at the block barrier, odd lanes at a warp sync that needs the even lanes.
__global__ void barrier_vs_warp_sync(int* out) {
  if (threadIdx.x % 2 == 0)
    __syncthreads();
  else
    __syncwarp();
  out[threadIdx.x] = 3;
}

// Half of warp 1 shuffles with the whole warp while the other half waits at the block barrier.
__global__ void divergent_shuffle(int* out) {
  int v = threadIdx.x;
  if (threadIdx.x >= 32 && threadIdx.x < 48) v = __shfl_xor_sync(0xffffffffu, v, 1);
  __syncthreads();
  out[threadIdx.x] = v;
}

// Threads that exit early count as arrived: this completes (as on current GPUs).
__global__ void early_exit_then_barrier(int* out) {
  if (threadIdx.x >= 40) return;
  __syncthreads();
  out[threadIdx.x] = 4;
}

__global__ void traps(int* out) {
  if (blockIdx.x == 1 && threadIdx.x == 7) __trap();
  __syncthreads();
  out[blockIdx.x * blockDim.x + threadIdx.x] = 5;
}

__global__ void marks(int* out) { out[blockIdx.x * blockDim.x + threadIdx.x] = 6; }

// Records a launch's error, that the next cudaGetLastError is clear again, what the next two
// synchronizes return, and the failure text.
#define LAUNCH_OUTCOME(json, key, launch)                                                  \
  do {                                                                                     \
    launch;                                                                                \
    const int error_ = cudaGetLastError();                                                 \
    const int error_after_ = cudaGetLastError();                                           \
    const int sync_error_ = cudaDeviceSynchronize();                                       \
    (json).number(key "_error", error_);                                                   \
    (json).number(key "_error_after", error_after_);                                       \
    (json).number(key "_sync_error", sync_error_);                                         \
    (json).number(key "_sync_error_after", cudaDeviceSynchronize());                       \
    (json).string(key "_message", error_ ? yhc_emu_last_failure() : "");                   \
    cudaGetLastError(); /* a failed synchronize records its error too, as in CUDA */       \
  } while (0)

extern "C" int yhc_test_run(void) {
  JsonOut json;
  int* d = device_buffer<int>(4096);
  LAUNCH_OUTCOME(json, "barrier_in_plain", (YHC_LAUNCH_NO_BARRIER(uses_barrier, 2, 64, 0, 0, d)));
  LAUNCH_OUTCOME(json, "shuffle_in_plain", (YHC_LAUNCH_NO_BARRIER(uses_shuffle, 1, 32, 0, 0, d)));
  LAUNCH_OUTCOME(json, "barrier_vs_warp_sync", (YHC_LAUNCH(barrier_vs_warp_sync, 3, 64, 0, 0, d)));
  LAUNCH_OUTCOME(json, "divergent_shuffle", (YHC_LAUNCH(divergent_shuffle, 2, 64, 0, 0, d)));
  CHECK_CUDA(cudaMemset(d, 0, 4096 * sizeof(int)));
  LAUNCH_OUTCOME(json, "early_exit", (YHC_LAUNCH(early_exit_then_barrier, 1, 64, 0, 0, d)));
  json.array("early_exit_out", host_copy(d, 64));
  LAUNCH_OUTCOME(json, "trap", (YHC_LAUNCH(traps, 4, 32, 0, 0, d)));

  // Invalid configurations: nothing runs (the buffer keeps its zeros).
  CHECK_CUDA(cudaMemset(d, 0, 4096 * sizeof(int)));
  LAUNCH_OUTCOME(json, "block_2048", (YHC_LAUNCH(marks, 1, 2048, 0, 0, d)));
  LAUNCH_OUTCOME(json, "block_32x32x2", (YHC_LAUNCH_NO_BARRIER(marks, 1, dim3(32, 32, 2), 0, 0, d)));
  LAUNCH_OUTCOME(json, "block_z_65", (YHC_LAUNCH(marks, 1, dim3(1, 1, 65), 0, 0, d)));
  LAUNCH_OUTCOME(json, "grid_y_70000", (YHC_LAUNCH(marks, dim3(1, 70000), 32, 0, 0, d)));
  LAUNCH_OUTCOME(json, "grid_0", (YHC_LAUNCH(marks, 0, 32, 0, 0, d)));
  LAUNCH_OUTCOME(json, "block_0", (YHC_LAUNCH_NO_BARRIER(marks, 4, dim3(0, 1), 0, 0, d)));
  LAUNCH_OUTCOME(json, "smem_300k", (YHC_LAUNCH(marks, 1, 32, 300 * 1024, 0, d)));
  LAUNCH_OUTCOME(json, "smem_64k_no_optin", (YHC_LAUNCH(marks, 1, 32, 64 * 1024, 0, d)));
  json.array("untouched", host_copy(d, 64));

  // After all that, launches still work, in both modes.
  LAUNCH_OUTCOME(json, "recovered_fibers", (YHC_LAUNCH(uses_barrier, 4, 64, 0, 0, d)));
  json.array("recovered_fibers_out", host_copy(d, 64));
  LAUNCH_OUTCOME(json, "recovered_plain", (YHC_LAUNCH_NO_BARRIER(marks, 64, 64, 0, 0, d)));
  json.array("recovered_plain_out", host_copy(d, 4096));
  CHECK_CUDA(cudaFree(d));
  return 0;
}
