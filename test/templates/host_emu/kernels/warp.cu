// Warp shuffles and votes, a full and a partial last warp, and a warp+block reduction.
#include "test_util.h"

// Lanes of this thread's warp that exist (the last warp of a block may be partial).
__device__ unsigned warp_mask() {
  const unsigned t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  const unsigned threads = blockDim.x * blockDim.y * blockDim.z;
  const unsigned lanes = min(32u, threads - t / 32 * 32);
  return lanes == 32 ? 0xffffffffu : (1u << lanes) - 1u;
}

struct WarpOut {
  int* xor_sum;      // butterfly sum over the warp, in every lane
  int* down_sum;     // shfl_down tree: lane 0 holds the warp sum
  int* scan;         // inclusive prefix sum with shfl_up
  int* bcast5;       // value of lane 5
  int* width16_src3; // __shfl_sync(..., 3, 16): lane 3 of this lane's 16-lane half
  int* width16_sum;  // xor butterfly within 16-lane halves
  unsigned* ballot;  // __ballot_sync(mask, value > 0)
  int* any_neg;      // __any_sync(mask, value < 0)
  int* all_pos;      // __all_sync(mask, value > -1000)
  unsigned* active;  // __activemask()
  double* dbl_xor1;  // a double from lane ^ 1 (64-bit payload)
  float* flt_down1;  // a float from lane + 1
};

__global__ void warp_ops(const int* in, WarpOut out) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const int lane = threadIdx.x % 32;
  const unsigned mask = warp_mask();
  const int v = in[i];

  int s = v;
  for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(mask, s, o);
  out.xor_sum[i] = s;

  s = v;
  for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(mask, s, o);
  out.down_sum[i] = s;

  s = v;
  for (int o = 1; o < 32; o <<= 1) {
    const int up = __shfl_up_sync(mask, s, o);
    if (lane >= o) s += up;
  }
  out.scan[i] = s;

  out.bcast5[i] = __shfl_sync(mask, v, 5);
  out.width16_src3[i] = __shfl_sync(mask, v, 3, 16);
  s = v;
  for (int o = 8; o > 0; o >>= 1) s += __shfl_xor_sync(mask, s, o, 16);
  out.width16_sum[i] = s;

  out.ballot[i] = __ballot_sync(mask, v > 0);
  out.any_neg[i] = __any_sync(mask, v < 0);
  out.all_pos[i] = __all_sync(mask, v > -1000);
  out.active[i] = __activemask();
  __syncwarp(mask);
  out.dbl_xor1[i] = __shfl_xor_sync(mask, double(v) * 1e10 + 0.25, 1);
  out.flt_down1[i] = __shfl_down_sync(mask, float(v) + 0.5f, 1);
}

// Sum of a block: warp shuffles, one partial per warp in shared memory, then the first warp.
__global__ void block_sum_warps(const int* in, long long* sums) {
  __shared__ long long warp_partials[32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = (blockDim.x + 31) / 32;
  long long s = in[blockIdx.x * blockDim.x + threadIdx.x];
  for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
  if (lane == 0) warp_partials[warp] = s;
  __syncthreads();
  if (warp == 0) {
    s = lane < warps ? warp_partials[lane] : 0;
    for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffffu, s, o);
    if (lane == 0) sums[blockIdx.x] = s;
  }
}

// Input value i, recomputed by the test: both signs, never 0.
static int input_value(int i) { return (i * 37) % 19 - 9 == 0 ? 11 : (i * 37) % 19 - 9; }

static void run_warp_ops(JsonOut& json, const char* name, int block, int blocks) {
  const int n = block * blocks;
  std::vector<int> in(n);
  for (int i = 0; i < n; ++i) in[i] = input_value(i);
  int* d_in = device_copy(in);
  WarpOut out{device_buffer<int>(n), device_buffer<int>(n), device_buffer<int>(n), device_buffer<int>(n),
              device_buffer<int>(n), device_buffer<int>(n), device_buffer<unsigned>(n), device_buffer<int>(n),
              device_buffer<int>(n), device_buffer<unsigned>(n), device_buffer<double>(n), device_buffer<float>(n)};
  YHC_LAUNCH(warp_ops, blocks, block, 0, 0, d_in, out);
  const std::string k = name;
  json.number((k + "_error").c_str(), cudaGetLastError());
  json.array((k + "_xor_sum").c_str(), host_copy(out.xor_sum, n));
  json.array((k + "_down_sum").c_str(), host_copy(out.down_sum, n));
  json.array((k + "_scan").c_str(), host_copy(out.scan, n));
  json.array((k + "_bcast5").c_str(), host_copy(out.bcast5, n));
  json.array((k + "_width16_src3").c_str(), host_copy(out.width16_src3, n));
  json.array((k + "_width16_sum").c_str(), host_copy(out.width16_sum, n));
  json.array((k + "_ballot").c_str(), host_copy(out.ballot, n));
  json.array((k + "_any_neg").c_str(), host_copy(out.any_neg, n));
  json.array((k + "_all_pos").c_str(), host_copy(out.all_pos, n));
  json.array((k + "_active").c_str(), host_copy(out.active, n));
  json.array((k + "_dbl_xor1").c_str(), host_copy(out.dbl_xor1, n));
  json.array((k + "_flt_down1").c_str(), host_copy(out.flt_down1, n));
  void* buffers[] = {d_in, out.xor_sum, out.down_sum, out.scan, out.bcast5, out.width16_src3, out.width16_sum,
                     out.ballot, out.any_neg, out.all_pos, out.active, out.dbl_xor1, out.flt_down1};
  for (void* p : buffers) CHECK_CUDA(cudaFree(p));
}

static void run_block_sum(JsonOut& json, const char* name, int block, int blocks) {
  std::vector<int> in(size_t(block) * blocks);
  for (size_t i = 0; i < in.size(); ++i) in[i] = input_value(int(i));
  int* d_in = device_copy(in);
  long long* d_sums = device_buffer<long long>(blocks);
  YHC_LAUNCH(block_sum_warps, blocks, block, 0, 0, d_in, d_sums);
  const std::string k = name;
  json.number((k + "_error").c_str(), cudaGetLastError());
  json.array((k + "_sums").c_str(), host_copy(d_sums, blocks));
  CHECK_CUDA(cudaFree(d_in));
  CHECK_CUDA(cudaFree(d_sums));
}

extern "C" int yhc_test_run(void) {
  JsonOut json;
  run_warp_ops(json, "full", 64, 3);
  run_warp_ops(json, "partial", 48, 2);
  run_block_sum(json, "blocksum256", 256, 64);
  run_block_sum(json, "blocksum1024", 1024, 16);
  return 0;
}
