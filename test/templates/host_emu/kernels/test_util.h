// Shared by the host-emulation test kernels: a tiny JSON writer and CUDA call checking. The same
// files compile with nvcc (compile-only in CI) and with g++ against the host emulation.
#pragma once
#include "yhc_device.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

// A CUDA call that must succeed; otherwise the run prints the error and exits with status 3.
#define CHECK_CUDA(call)                                                                         \
  do {                                                                                           \
    const cudaError_t check_err_ = (call);                                                       \
    if (check_err_ != cudaSuccess) {                                                             \
      std::fprintf(stderr, "%s:%d: %s -> %s\n", __FILE__, __LINE__, #call,                       \
                   cudaGetErrorName(check_err_));                                                \
      std::exit(3);                                                                              \
    }                                                                                            \
  } while (0)

// Writes one JSON object: {"key": value, ...}. Non-finite floats become null (unwritten outputs
// are poisoned with NaN, so they show up as null).
class JsonOut {
 public:
  JsonOut() { std::printf("{"); }
  ~JsonOut() { std::printf("}\n"); }
  void key(const char* k) {
    std::printf("%s\"%s\":", first_ ? "" : ",", k);
    first_ = false;
  }
  void number(const char* k, double v) {
    key(k);
    put(v);
  }
  void string(const char* k, const char* v) {
    key(k);
    std::putchar('"');
    for (const char* p = v; *p; ++p) {
      if (*p == '"' || *p == '\\') std::putchar('\\');
      if (static_cast<unsigned char>(*p) >= 0x20) std::putchar(*p);
    }
    std::putchar('"');
  }
  template <class T>
  void array(const char* k, const std::vector<T>& values) {
    key(k);
    std::putchar('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) std::putchar(',');
      put(static_cast<double>(values[i]));
    }
    std::putchar(']');
  }

 private:
  static void put(double v) {
    if (std::isfinite(v))
      std::printf("%.17g", v);
    else
      std::printf("null");
  }
  bool first_ = true;
};

// Device buffer of n elements, poisoned with 0xff bytes (NaN for floats, -1 for ints).
template <class T>
T* device_buffer(size_t n) {
  T* p = nullptr;
  CHECK_CUDA(cudaMalloc(&p, n * sizeof(T)));
  CHECK_CUDA(cudaMemset(p, 0xff, n * sizeof(T)));
  return p;
}
template <class T>
T* device_copy(const std::vector<T>& host) {
  T* p = device_buffer<T>(host.size());
  CHECK_CUDA(cudaMemcpy(p, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  return p;
}
template <class T>
std::vector<T> host_copy(const T* device, size_t n) {
  std::vector<T> host(n);
  CHECK_CUDA(cudaMemcpy(host.data(), device, n * sizeof(T), cudaMemcpyDeviceToHost));
  return host;
}

// Each test file defines this; driver.cpp calls it (an engine's C ABI looks the same).
extern "C" YHC_EXPORT int yhc_test_run(void);
