// Host-emulation speed: fiber switches at barriers, and barrier-free launches in both modes.
// Not a test. Build and run (from the repository root):
//
//   g++ -std=c++17 -O2 -pthread -I templates -I /usr/local/cuda/include -x c++ bench/host_emu_bench.cu \
//       -x none templates/host_emu/yhc_host_emu.cpp -o /tmp/host_emu_bench && /tmp/host_emu_bench
//
// Add -DYHC_EMU_FORCE_UCONTEXT to measure the ucontext fallback; YHC_EMU_THREADS=1 for one worker.
// Each case prints the best and the median of several launches, in milliseconds.
#include "yhc_device.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

// 8 barriers per thread, shared memory traffic between them.
__global__ void eight_barriers(float* out) {
  __shared__ float tile[256];
  float v = float(threadIdx.x);
  for (int round = 0; round < 8; ++round) {
    tile[threadIdx.x] = v;
    __syncthreads();
    v += tile[(threadIdx.x + 1 + round) % blockDim.x] * 0.5f;
  }
  out[blockIdx.x * blockDim.x + threadIdx.x] = v;
}

// Four warp shuffles per thread (two warp syncs each).
__global__ void warp_sums(const float* in, float* out) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  float v = in[i];
  for (int o = 16; o >= 2; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  out[i] = v;
}

__global__ void saxpy(const float* x, float* y, float a, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

template <class Launch>
static void measure(const char* name, int repeats, Launch launch) {
  launch();  // warm-up: fiber stacks, worker pool, page faults
  if (cudaGetLastError() != cudaSuccess) {
    std::printf("%-44s failed: %s\n", name, yhc_emu_last_failure());
    return;
  }
  std::vector<double> ms;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    launch();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%-44s best %8.2f ms   median %8.2f ms\n", name, ms.front(), ms[ms.size() / 2]);
}

int main() {
#if defined(YHC_EMU_FORCE_UCONTEXT)
  const char* switcher = "ucontext";
#else
  const char* switcher = "asm (x86-64)";
#endif
  const char* threads = std::getenv("YHC_EMU_THREADS");
  std::printf("context switch: %s, YHC_EMU_THREADS=%s\n", switcher, threads ? threads : "(all cores)");
  const int n = 1 << 20;
  float *x, *y, *out;
  cudaMalloc(&x, n * sizeof(float));
  cudaMalloc(&y, n * sizeof(float));
  cudaMalloc(&out, n * sizeof(float));
  cudaMemset(x, 0, n * sizeof(float));
  cudaMemset(y, 0, n * sizeof(float));

  measure("256x256 threads, 8 barriers each (YHC_LAUNCH)", 5,
          [&] { YHC_LAUNCH(eight_barriers, 256, 256, 0, 0, out); });
  measure("256x256 threads, 4 warp shuffles each", 5, [&] { YHC_LAUNCH(warp_sums, 256, 256, 0, 0, x, out); });
  measure("1M threads saxpy, YHC_LAUNCH_NO_BARRIER", 9,
          [&] { YHC_LAUNCH_NO_BARRIER(saxpy, n / 256, 256, 0, 0, x, y, 2.0f, n); });
  measure("1M threads saxpy, YHC_LAUNCH (fibers)", 9,
          [&] { YHC_LAUNCH(saxpy, n / 256, 256, 0, 0, x, y, 2.0f, n); });
  cudaFree(x);
  cudaFree(y);
  cudaFree(out);
  return 0;
}
