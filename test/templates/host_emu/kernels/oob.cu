// Deliberate out-of-bounds accesses in fiber-run kernels, for the sanitizer test: ASan must
// report them and point at the kernel line (OOB_KIND=heap or stack selects one).
#include "test_util.h"

#include <cstdlib>
#include <cstring>

__global__ void heap_overflow(int* out) {
  __syncthreads();
  out[threadIdx.x + 1] = 1;  // YHC_OOB_HEAP_LINE: the last thread writes one past the end
}

// UBSan would stop at this access first; the point is ASan's view of the fiber stack.
#if defined(YHC_HOST_EMU)
#define NO_UBSAN __attribute__((no_sanitize("undefined")))
#else
#define NO_UBSAN
#endif

__global__ NO_UBSAN void stack_overflow(int* out, int index) {
  volatile int local[8];
  for (int i = 0; i < 8; ++i) local[i] = i;
  __syncthreads();
  out[threadIdx.x] = local[threadIdx.x == 31 ? index : 0];  // YHC_OOB_STACK_LINE
}

extern "C" int yhc_test_run(void) {
  JsonOut json;
  const char* kind = std::getenv("OOB_KIND");
  int* d = nullptr;
  CHECK_CUDA(cudaMalloc(&d, 32 * sizeof(int)));
  if (kind && std::strcmp(kind, "heap") == 0) YHC_LAUNCH(heap_overflow, 1, 32, 0, 0, d);
  if (kind && std::strcmp(kind, "stack") == 0) YHC_LAUNCH(stack_overflow, 1, 32, 0, 0, d, 8);
  json.number("error", cudaGetLastError());
  CHECK_CUDA(cudaFree(d));
  return 0;
}
