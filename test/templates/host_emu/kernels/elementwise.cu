// Barrier-free kernels with 2-D and 3-D index arithmetic, launched both ways.
#include "test_util.h"

// out = in * scale + x * 1000 + y over a width x height image (exact in float for these sizes).
__global__ void affine2d(const float* __restrict__ in, float* __restrict__ out, int width, int height, float scale) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x < width && y < height) out[y * width + x] = in[y * width + x] * scale + float(x) * 1000.0f + float(y);
}

// Each thread writes its 6 coordinates, packed in decimal digits, at its global linear index.
__global__ void index3d(int* out) {
  const int threads_per_block = blockDim.x * blockDim.y * blockDim.z;
  const int block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const int thread = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  out[block * threads_per_block + thread] = threadIdx.x + 10 * threadIdx.y + 100 * threadIdx.z +
                                            1000 * blockIdx.x + 10000 * blockIdx.y + 100000 * blockIdx.z;
}

// A kernel without parameters, a __device__ variable and a __constant__ array, set and read
// through the symbol copy API.
__device__ unsigned int threads_seen;
__constant__ unsigned int per_thread[1];

__global__ void count_threads() { atomicAdd(&threads_seen, per_thread[0]); }

extern "C" int yhc_test_run(void) {
  JsonOut json;
  const int width = 100, height = 37, n = width * height;
  std::vector<float> in(n);
  for (int i = 0; i < n; ++i) in[i] = float(i % 13 - 6);
  float* d_in = device_copy(in);
  const dim3 block(16, 8);
  const dim3 grid((width + block.x - 1) / block.x, (height + block.y - 1) / block.y);

  float* d_out = device_buffer<float>(n);
  YHC_LAUNCH_NO_BARRIER(affine2d, grid, block, 0, 0, d_in, d_out, width, height, 0.5f);
  json.number("affine2d_plain_error", cudaGetLastError());
  json.array("affine2d_plain", host_copy(d_out, n));

  CHECK_CUDA(cudaMemset(d_out, 0xff, n * sizeof(float)));
  cudaStream_t stream;
  CHECK_CUDA(cudaStreamCreate(&stream));
  YHC_LAUNCH(affine2d, grid, block, 0, stream, d_in, d_out, width, height, 0.5f);
  json.number("affine2d_fibers_error", cudaGetLastError());
  CHECK_CUDA(cudaStreamSynchronize(stream));
  json.array("affine2d_fibers", host_copy(d_out, n));
  CHECK_CUDA(cudaStreamDestroy(stream));

  const dim3 block3(4, 3, 2), grid3(2, 3, 4);
  const int n3 = 4 * 3 * 2 * 2 * 3 * 4;
  int* d_idx = device_buffer<int>(n3);
  YHC_LAUNCH_NO_BARRIER(index3d, grid3, block3, 0, 0, d_idx);
  json.number("index3d_plain_error", cudaGetLastError());
  json.array("index3d_plain", host_copy(d_idx, n3));
  CHECK_CUDA(cudaMemset(d_idx, 0xff, n3 * sizeof(int)));
  YHC_LAUNCH(index3d, grid3, block3, 0, 0, d_idx);
  json.number("index3d_fibers_error", cudaGetLastError());
  json.array("index3d_fibers", host_copy(d_idx, n3));

  const unsigned int zero = 0, two = 2;
  CHECK_CUDA(cudaMemcpyToSymbol(threads_seen, &zero, sizeof zero));
  CHECK_CUDA(cudaMemcpyToSymbol(per_thread, &two, sizeof two));
  YHC_LAUNCH_NO_BARRIER(count_threads, 3, 5, 0, 0);
  json.number("count_threads_error", cudaGetLastError());
  unsigned int seen = 0;
  CHECK_CUDA(cudaMemcpyFromSymbol(&seen, threads_seen, sizeof seen));
  json.number("count_threads", seen);

  CHECK_CUDA(cudaFree(d_in));
  CHECK_CUDA(cudaFree(d_out));
  CHECK_CUDA(cudaFree(d_idx));
  return 0;
}
