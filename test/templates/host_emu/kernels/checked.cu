// Planted bugs for the checked host build (YHC_CHECK, kernels instrumented with
// -fsanitize=thread and no libtsan; templates/host_emu/yhc_check.cpp). Each scenario launches one
// kernel and records the launch's error and the checker's message; correct kernels next to each
// bug must stay silent. Lines marked CHECK_LINE(name) are where the report must point.
#include "test_util.h"

// ---- correct kernels: no report ----------------------------------------------------------------
__global__ void block_sum(const float* x, float* out) {
  __shared__ float s[128];
  const int t = threadIdx.x;
  s[t] = x[blockIdx.x * 128 + t];
  __syncthreads();
  for (int stride = 64; stride > 0; stride /= 2) {
    if (t < stride) s[t] += s[t + stride];
    __syncthreads();
  }
  if (t == 0) out[blockIdx.x] = s[0];
}

__global__ void warp_sum(const float* x, float* out) {
  float v = x[blockIdx.x * 64 + threadIdx.x];
  for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  if (threadIdx.x % 32 == 0) atomicAdd(out, v);
}

__global__ void aligned_float4(const float* x, float* y) {
  const int t = threadIdx.x;
  const float4 v = reinterpret_cast<const float4*>(x)[t];
  reinterpret_cast<float4*>(y)[t] = v;
}

// ---- planted bugs --------------------------------------------------------------------------------
// 1. Missing barrier: thread t reads what thread t+1 wrote in the same barrier interval.
__global__ void missing_barrier(const float* x, float* y) {
  __shared__ float s[64];
  const int t = threadIdx.x;
  s[t] = x[t];             // CHECK_LINE(missing_barrier_write)
  y[t] = s[(t + 1) % 64];  // CHECK_LINE(missing_barrier)
}

// 2. Off-by-one store: one element past `a`, into the tensor after it.
__global__ void off_by_one(float* a) {
  const int t = threadIdx.x;
  a[t + 1] = float(t);  // CHECK_LINE(off_by_one)
}

// 3. Two blocks write the same elements (each block should write its own half).
__global__ void two_block_race(float* y) {
  y[threadIdx.x] = float(blockIdx.x);  // CHECK_LINE(two_block_race)
}

// 4. A shuffle over the full warp after half of the warp has exited.
__global__ void shuffle_inactive(const float* x, float* y) {
  const int t = threadIdx.x;
  if (t >= 16) return;
  const float v = __shfl_down_sync(0xffffffffu, x[t], 16);  // CHECK_LINE(shuffle_inactive)
  y[t] = v;
}

// 5. A float4 load at an address that is 4 bytes past a 16-byte boundary.
__global__ void misaligned_float4(const float* x, float* y) {
  const float4 v = *reinterpret_cast<const float4*>(x + 1 + 4 * threadIdx.x);  // CHECK_LINE(misaligned_float4)
  y[threadIdx.x] = v.x + v.y + v.z + v.w;
}

// 6. __syncthreads() inside a branch that half of the block takes.
__global__ void barrier_in_branch(const float* x, float* y) {
  __shared__ float s[128];
  const int t = threadIdx.x;
  s[t] = x[t];
  if (t < 64) {
    __syncthreads();  // CHECK_LINE(barrier_in_branch)
    y[t] = s[t + 64];
  }
}

// Uninitialized read: `fresh` was allocated but nothing wrote it.
__global__ void reads_unwritten(const float* fresh, float* y) { y[threadIdx.x] = fresh[threadIdx.x]; }  // CHECK_LINE(uninitialized)

#define OUTCOME(json, key, launch)                                       \
  do {                                                                   \
    launch;                                                              \
    const int error_ = cudaGetLastError();                               \
    cudaDeviceSynchronize();                                             \
    cudaGetLastError();                                                  \
    (json).number(key "_error", error_);                                 \
    (json).string(key "_message", error_ ? yhc_emu_last_failure() : ""); \
  } while (0)

extern "C" YHC_EXPORT int yhc_test_run(void);

extern "C" int yhc_test_run(void) {
  JsonOut json;
  std::vector<float> ones(512, 1.0f);
  float* x = device_copy(ones);
  float* y = device_buffer<float>(512);
  float* out = device_buffer<float>(4);
  CHECK_CUDA(cudaMemset(out, 0, 4 * sizeof(float)));

  OUTCOME(json, "block_sum", (YHC_LAUNCH(block_sum, 4, 128, 0, 0, x, y)));
  json.array("block_sum_out", host_copy(y, 4));
  OUTCOME(json, "warp_sum", (YHC_LAUNCH(warp_sum, 2, 64, 0, 0, x, out)));
  json.array("warp_sum_out", host_copy(out, 1));
  OUTCOME(json, "aligned_float4", (YHC_LAUNCH_NO_BARRIER(aligned_float4, 1, 64, 0, 0, x, y)));

  OUTCOME(json, "missing_barrier", (YHC_LAUNCH(missing_barrier, 1, 64, 0, 0, x, y)));

  // Two tensors of one arena, as an engine lays them out: a (64 floats) then b (64 floats).
  float* arena = device_buffer<float>(128);
  yhc_check_tensor("a", 'a', arena, 64 * sizeof(float), sizeof(float));
  yhc_check_tensor("b", 'a', arena + 64, 64 * sizeof(float), sizeof(float));
  OUTCOME(json, "off_by_one", (YHC_LAUNCH_NO_BARRIER(off_by_one, 1, 64, 0, 0, arena)));

  OUTCOME(json, "two_block_race", (YHC_LAUNCH_NO_BARRIER(two_block_race, 2, 64, 0, 0, y)));
  OUTCOME(json, "shuffle_inactive", (YHC_LAUNCH(shuffle_inactive, 1, 32, 0, 0, x, y)));
  OUTCOME(json, "misaligned_float4", (YHC_LAUNCH_NO_BARRIER(misaligned_float4, 1, 32, 0, 0, x, y)));
  OUTCOME(json, "barrier_in_branch", (YHC_LAUNCH(barrier_in_branch, 1, 128, 0, 0, x, y)));

  float* fresh = nullptr;
  CHECK_CUDA(cudaMalloc(&fresh, 64 * sizeof(float)));
  OUTCOME(json, "uninitialized", (YHC_LAUNCH_NO_BARRIER(reads_unwritten, 1, 64, 0, 0, fresh, y)));

  // After the reports, a correct launch is clean again.
  OUTCOME(json, "recovered", (YHC_LAUNCH(block_sum, 4, 128, 0, 0, x, y)));
  json.string("all_reports", yhc_check_reports());
  CHECK_CUDA(cudaFree(fresh));
  CHECK_CUDA(cudaFree(arena));
  CHECK_CUDA(cudaFree(out));
  CHECK_CUDA(cudaFree(y));
  CHECK_CUDA(cudaFree(x));
  return 0;
}
