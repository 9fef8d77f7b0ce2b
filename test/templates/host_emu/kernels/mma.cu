// The m16n8k8 tensor-core product (templates/kernels/mma.cuh): one warp loads A (16x8), B (8x8)
// and C (16x8) into fragments by the PTX ISA's layout, multiplies, and stores D by the same
// layout. The test recomputes D = A·B + C; a wrong fragment index anywhere shows.
#include "test_util.h"
#include "kernels/mma.cuh"

__global__ void mma_tile(const float* a, const float* b, const float* c, float* d) {
  const int lane = int(threadIdx.x);
  const int group = lane / 4, pair = lane % 4;
  yhc::MmaA fa;
  fa.a[0] = __floats2half2_rn(a[group * 8 + 2 * pair], a[group * 8 + 2 * pair + 1]);
  fa.a[1] = __floats2half2_rn(a[(group + 8) * 8 + 2 * pair], a[(group + 8) * 8 + 2 * pair + 1]);
  yhc::MmaB fb;
  fb.b = __floats2half2_rn(b[(2 * pair) * 8 + group], b[(2 * pair + 1) * 8 + group]);  // B row-major in memory
  const float fc[4] = {c[group * 8 + 2 * pair], c[group * 8 + 2 * pair + 1], c[(group + 8) * 8 + 2 * pair],
                       c[(group + 8) * 8 + 2 * pair + 1]};
  float fd[4];
  yhc::mma_m16n8k8(fd, fa, fb, fc);
  d[group * 8 + 2 * pair] = fd[0];
  d[group * 8 + 2 * pair + 1] = fd[1];
  d[(group + 8) * 8 + 2 * pair] = fd[2];
  d[(group + 8) * 8 + 2 * pair + 1] = fd[3];
}

extern "C" int yhc_test_run(void) {
  JsonOut json;
  // Values exact in f16 (multiples of 1/8 up to 4), so only the f32 sums round.
  std::vector<float> a(16 * 8), b(8 * 8), c(16 * 8);
  for (size_t i = 0; i < a.size(); ++i) a[i] = float(int((i * 37 + 11) % 65) - 32) / 8.0f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = float(int((i * 53 + 5) % 49) - 24) / 8.0f;
  for (size_t i = 0; i < c.size(); ++i) c[i] = float(int((i * 29 + 3) % 41) - 20) / 4.0f;
  float *da = device_copy(a), *db = device_copy(b), *dc = device_copy(c), *dd = device_buffer<float>(16 * 8);
  YHC_LAUNCH(mma_tile, 1, 32, 0, 0, da, db, dc, dd);
  json.number("error", cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  json.array("a", a);
  json.array("b", b);
  json.array("c", c);
  json.array("d", host_copy(dd, 16 * 8));
  void* buffers[] = {da, db, dc, dd};
  for (void* p : buffers) CHECK_CUDA(cudaFree(p));
  return 0;
}
