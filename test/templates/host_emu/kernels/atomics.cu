// Atomics from many blocks that run in parallel on worker threads: the totals must be exact.
#include "test_util.h"

struct Counters {
  int count;                  // atomicAdd(int)
  float half_sum;             // atomicAdd(float) of 0.5: exact up to 2^24
  int max_value;              // atomicMax(int)
  int min_value;              // atomicMin(int)
  unsigned long long big_sum; // atomicAdd(unsigned long long)
  unsigned long long max_u64; // atomicMax(unsigned long long)
  double dsum;                // atomicAdd(double) of 0.25
  int cas_count;              // increments through an atomicCAS loop
  unsigned wrap;              // atomicInc(&wrap, 99)
  unsigned bits;              // atomicOr of one bit per block % 32
  int histogram[16];          // atomicAdd(&histogram[value % 16], 1)
};

// Value for global thread i, recomputed by the test.
__device__ __host__ int value_of(int i) { return int((i * 7919LL) % 100003); }

__global__ void hammer(Counters* c) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const int v = value_of(i);
  atomicAdd(&c->count, 1);
  atomicAdd(&c->half_sum, 0.5f);
  atomicMax(&c->max_value, v);
  atomicMin(&c->min_value, v);
  atomicAdd(&c->big_sum, (unsigned long long)v * 1000003ULL);
  atomicMax(&c->max_u64, (unsigned long long)v << 20);
  atomicAdd(&c->dsum, 0.25);
  int old = c->cas_count, seen;
  do {
    seen = old;
    old = atomicCAS(&c->cas_count, seen, seen + 1);
  } while (old != seen);
  atomicInc(&c->wrap, 99u);
  atomicOr(&c->bits, 1u << (blockIdx.x % 32));
  atomicAdd(&c->histogram[v % 16], 1);
}

static void report(JsonOut& json, const std::string& k, const Counters& c) {
  json.number((k + "_count").c_str(), c.count);
  json.number((k + "_half_sum").c_str(), c.half_sum);
  json.number((k + "_max").c_str(), c.max_value);
  json.number((k + "_min").c_str(), c.min_value);
  json.number((k + "_big_sum").c_str(), double(c.big_sum));
  json.number((k + "_max_u64").c_str(), double(c.max_u64));
  json.number((k + "_dsum").c_str(), c.dsum);
  json.number((k + "_cas_count").c_str(), c.cas_count);
  json.number((k + "_wrap").c_str(), c.wrap);
  json.number((k + "_bits").c_str(), c.bits);
  json.array((k + "_histogram").c_str(), std::vector<int>(c.histogram, c.histogram + 16));
}

extern "C" int yhc_test_run(void) {
  JsonOut json;
  const int blocks = 512, block = 256;
  json.number("threads", blocks * block);
  Counters init{};
  init.min_value = 1 << 30;
  Counters* d_c = device_copy(std::vector<Counters>{init});

  YHC_LAUNCH_NO_BARRIER(hammer, blocks, block, 0, 0, d_c);
  json.number("plain_error", cudaGetLastError());
  report(json, "plain", host_copy(d_c, 1)[0]);

  CHECK_CUDA(cudaMemcpy(d_c, &init, sizeof init, cudaMemcpyHostToDevice));
  YHC_LAUNCH(hammer, blocks / 4, block, 0, 0, d_c);
  json.number("fibers_error", cudaGetLastError());
  report(json, "fibers", host_copy(d_c, 1)[0]);
  CHECK_CUDA(cudaFree(d_c));
  return 0;
}
