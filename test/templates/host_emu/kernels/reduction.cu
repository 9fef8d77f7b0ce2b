// Block reductions through static __shared__ memory and __syncthreads, many blocks in parallel.
#include "test_util.h"

// Tree reduction of BLOCK values in shared memory; a __device__ function with barriers inside.
template <int BLOCK>
__device__ int tree_sum(int* partial) {
  const int t = threadIdx.x;
  for (int stride = BLOCK / 2; stride > 0; stride >>= 1) {
    if (t < stride) partial[t] += partial[t + stride];
    __syncthreads();
  }
  return partial[0];
}

template <int BLOCK>
__global__ void __launch_bounds__(BLOCK) block_sum(const int* in, int* sums, int* positives, int* all_small) {
  __shared__ int partial[BLOCK];
  const int v = in[blockIdx.x * BLOCK + threadIdx.x];
  partial[threadIdx.x] = v;
  __syncthreads();
  const int sum = tree_sum<BLOCK>(partial);
  const int count = __syncthreads_count(v > 0);
  const int small = __syncthreads_and(v < 1000);
  if (threadIdx.x == 0) {
    sums[blockIdx.x] = sum;
    positives[blockIdx.x] = count;
    all_small[blockIdx.x] = small;
  }
}

// Input value i: deterministic, both signs, no zeros bias. The test recomputes it in TypeScript.
static int input_value(long long i) { return int((i * 7919) % 2001) - 1000; }

template <int BLOCK>
static void run(JsonOut& json, const char* name, int blocks) {
  std::vector<int> in(size_t(blocks) * BLOCK);
  for (size_t i = 0; i < in.size(); ++i) in[i] = input_value((long long)i);
  int* d_in = device_copy(in);
  int* d_sums = device_buffer<int>(blocks);
  int* d_pos = device_buffer<int>(blocks);
  int* d_small = device_buffer<int>(blocks);
  YHC_LAUNCH(block_sum<BLOCK>, blocks, BLOCK, 0, 0, d_in, d_sums, d_pos, d_small);
  const cudaError_t err = cudaGetLastError();
  CHECK_CUDA(cudaDeviceSynchronize());
  std::string key = name;
  json.number((key + "_error").c_str(), err);
  json.array((key + "_sums").c_str(), host_copy(d_sums, blocks));
  json.array((key + "_positives").c_str(), host_copy(d_pos, blocks));
  json.array((key + "_all_small").c_str(), host_copy(d_small, blocks));
  CHECK_CUDA(cudaFree(d_in));
  CHECK_CUDA(cudaFree(d_sums));
  CHECK_CUDA(cudaFree(d_pos));
  CHECK_CUDA(cudaFree(d_small));
}

extern "C" int yhc_test_run(void) {
  JsonOut json;
  run<256>(json, "block256", 300);
  run<1024>(json, "block1024", 40);
  return 0;
}
