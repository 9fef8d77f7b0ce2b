// Dynamic shared memory through YHC_DYNAMIC_SHARED in template kernels, and the 48 KiB opt-in.
#include "test_util.h"

// Reverses each TILE-element tile (the last one may be short) and doubles it.
template <typename T, int TILE>
__global__ void reverse_tiles(const T* in, T* out, int n) {
  YHC_DYNAMIC_SHARED(T, tile);
  __shared__ int tile_len;  // static and dynamic shared memory side by side
  const int base = blockIdx.x * TILE, t = threadIdx.x;
  if (t == 0) tile_len = min(TILE, n - base);
  if (base + t < n) tile[t] = in[base + t];
  __syncthreads();
  if (t < tile_len) out[base + t] = tile[tile_len - 1 - t] * T(2);
}

// Uses `words` ints of dynamic shared memory (more than 48 KiB when asked).
__global__ void big_smem(int* out, int words) {
  YHC_DYNAMIC_SHARED(int, buf);
  for (int i = threadIdx.x; i < words; i += blockDim.x) buf[i] = i + int(blockIdx.x);
  __syncthreads();
  long long sum = 0;
  for (int i = threadIdx.x; i < words; i += blockDim.x) sum += buf[words - 1 - i];
  atomicAdd(reinterpret_cast<unsigned long long*>(out), (unsigned long long)sum);
}

extern "C" int yhc_test_run(void) {
  JsonOut json;
  const int n = 1000;  // 8 tiles of 128, the last one 104 long
  std::vector<float> in(n);
  for (int i = 0; i < n; ++i) in[i] = float(i) - 300.5f;
  float* d_in = device_copy(in);
  float* d_out = device_buffer<float>(n);
  auto kf = reverse_tiles<float, 128>;  // a template with commas cannot go into the macro as is
  YHC_LAUNCH(kf, (n + 127) / 128, 128, 128 * sizeof(float), 0, d_in, d_out, n);
  json.number("float128_error", cudaGetLastError());
  json.array("float128", host_copy(d_out, n));

  std::vector<int> in_i(n);
  for (int i = 0; i < n; ++i) in_i[i] = 3 * i - 700;
  int* d_in_i = device_copy(in_i);
  int* d_out_i = device_buffer<int>(n);
  auto ki = reverse_tiles<int, 64>;
  YHC_LAUNCH(ki, (n + 63) / 64, 64, 64 * sizeof(int), 0, d_in_i, d_out_i, n);
  json.number("int64_error", cudaGetLastError());
  json.array("int64", host_copy(d_out_i, n));

  // 64 KiB: refused until the kernel opts in, as on a GPU.
  const int words = 16384, blocks = 4;
  unsigned long long* d_sum = nullptr;
  CHECK_CUDA(cudaMalloc(&d_sum, sizeof *d_sum));
  CHECK_CUDA(cudaMemset(d_sum, 0, sizeof *d_sum));
  YHC_LAUNCH(big_smem, blocks, 256, words * sizeof(int), 0, reinterpret_cast<int*>(d_sum), words);
  json.number("big_without_optin_error", cudaGetLastError());
  CHECK_CUDA(cudaFuncSetAttribute(big_smem, cudaFuncAttributeMaxDynamicSharedMemorySize, int(words * sizeof(int))));
  YHC_LAUNCH(big_smem, blocks, 256, words * sizeof(int), 0, reinterpret_cast<int*>(d_sum), words);
  json.number("big_with_optin_error", cudaGetLastError());
  json.array("big_sum", host_copy(d_sum, 1));

  CHECK_CUDA(cudaFree(d_in));
  CHECK_CUDA(cudaFree(d_out));
  CHECK_CUDA(cudaFree(d_in_i));
  CHECK_CUDA(cudaFree(d_out_i));
  CHECK_CUDA(cudaFree(d_sum));
  return 0;
}
