// __half conversions and math. Run with CUDA's cuda_fp16.h and with the emulation's own __half:
// the test requires identical bits from both.
#include "test_util.h"

__global__ void half_ops(const float* in, unsigned short* bits, float* round_trip, unsigned short* sum_bits,
                         unsigned short* exp_bits, unsigned short* fma_bits, unsigned short* max_bits, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const __half h = __float2half(in[i]);
  bits[i] = __half_as_ushort(h);
  round_trip[i] = __half2float(h);
  sum_bits[i] = __half_as_ushort(__hadd(h, __float2half(0.125f)));
  exp_bits[i] = __half_as_ushort(hexp(__float2half(in[i] * 0.001f)));
  fma_bits[i] = __half_as_ushort(__hfma(h, __float2half(0.5f), __float2half(1.0f)));
  max_bits[i] = __half_as_ushort(__hmax(h, __float2half(-1.0f)));
}

extern "C" int yhc_test_run(void) {
  JsonOut json;
  // Ties, subnormals, the overflow edge, signed zero, infinities, NaN and ordinary values.
  const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, 1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048, 0.1f, 1.0f / 3,
                            65504.0f, 65519.0f, 65520.0f, -65520.0f, 1e6f, 5.9604645e-8f, 2.9802322e-8f,
                            4.4703484e-8f, 8.940697e-8f, 6.1035156e-5f, 6.097555e-5f, 1e-10f, 3.14159f,
                            -2.71828f, 1000.5f, 2049.0f, 2051.0f, INFINITY, -INFINITY, NAN};
  std::vector<float> in(specials, specials + sizeof specials / sizeof specials[0]);
  for (int i = 0; i < 200; ++i) in.push_back(float((i * 7919) % 20011 - 10000) / float(1 + i % 37));
  const int n = int(in.size());
  float* d_in = device_copy(in);
  unsigned short *bits = device_buffer<unsigned short>(n), *sum = device_buffer<unsigned short>(n),
                 *ex = device_buffer<unsigned short>(n), *fma = device_buffer<unsigned short>(n),
                 *mx = device_buffer<unsigned short>(n);
  float* rt = device_buffer<float>(n);
  YHC_LAUNCH_NO_BARRIER(half_ops, (n + 63) / 64, 64, 0, 0, d_in, bits, rt, sum, ex, fma, mx, n);
  json.number("error", cudaGetLastError());
  json.array("input", in);
  json.array("bits", host_copy(bits, n));
  json.array("round_trip", host_copy(rt, n));
  json.array("sum_bits", host_copy(sum, n));
  json.array("exp_bits", host_copy(ex, n));
  json.array("fma_bits", host_copy(fma, n));
  json.array("max_bits", host_copy(mx, n));
  void* buffers[] = {d_in, bits, sum, ex, fma, mx, rt};
  for (void* p : buffers) CHECK_CUDA(cudaFree(p));
  return 0;
}
