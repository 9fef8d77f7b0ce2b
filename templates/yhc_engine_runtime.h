// yhc_engine_runtime.h — the part of every engine that is not model-specific: buffers, errors,
// the weights file format and the C ABI. engine.cu defines namespace yhc_plan (sizes, build id,
// and run()) and then includes this file.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>
#include "yhc_device.h"
#include "yhc_engine.h"

#if defined(__CUDACC__)
#define YHC_TARGET_NAME "cuda"
#else
#define YHC_TARGET_NAME "host"
#endif

namespace yhc {

// The last failure message, per calling thread (what yhc_last_error returns).
inline std::string& last_error() {
  static thread_local std::string message;
  return message;
}

inline int fail(int status, const std::string& message) {
  last_error() = message;
  return status;
}

// Where the tensors of one run live; offsets come from the generated plan.
struct Buffers {
  const void* const* inputs;
  void* const* outputs;
  unsigned char* weights;
  unsigned char* arena;
  unsigned char* state;

  template <class T> const T* input(int i) const { return static_cast<const T*>(inputs[i]); }
  template <class T> T* output(int i) const { return static_cast<T*>(outputs[i]); }
  template <class T> T* weight(size_t offset) const { return reinterpret_cast<T*>(weights + offset); }
  template <class T> T* arena_at(size_t offset) const { return reinterpret_cast<T*>(arena + offset); }
  template <class T> T* state_at(size_t offset) const { return reinterpret_cast<T*>(state + offset); }
};

// weights.bin: a 64-byte header, then the payload the plan's weight offsets point into.
struct WeightsHeader {
  char magic[8];          // "YHCWTS\0\1"
  uint32_t version;       // 1
  uint32_t header_bytes;  // 64
  uint64_t payload_bytes;
  uint32_t crc32;  // of the payload
  uint32_t reserved;
  char build_id[32];  // hex; must equal the engine's
};
static_assert(sizeof(WeightsHeader) == 64, "weights header layout");

inline uint32_t crc32(const unsigned char* data, size_t n) {
  static const std::array<uint32_t, 256> table = [] {  // thread-safe static init
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

inline std::string cuda_message(const char* what, cudaError_t e) {
  std::string m = std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
#if defined(YHC_HOST_EMU)
  // The emulator knows which block and thread failed, and why.
  const char* detail = yhc_emu_last_failure();
  if (detail && *detail) m += std::string(": ") + detail;
#endif
  return m;
}

// The checked build (yhc compile --target host --check; templates/host_emu/yhc_check.h): run()
// names its tensors to the checker, and each run starts with every activation unwritten.
struct CheckedTensor {
  const char* name;  // buffer name and shape, e.g. "t3 float32[1,64,80,80]"
  char kind;         // 'w' weights, 'a' arena, 's' state
  size_t offset;
  size_t bytes;
  size_t elem_bytes;
};

class CheckedRun {
 public:
#if defined(YHC_CHECK) && defined(YHC_HOST_EMU)
  CheckedRun(const Buffers& b, int batch, const CheckedTensor* tensors, size_t n) {
    if (!yhc_check_knows(b.arena)) {
      for (size_t i = 0; i < n; ++i) {
        const CheckedTensor& t = tensors[i];
        unsigned char* base = t.kind == 'w' ? b.weights : t.kind == 'a' ? b.arena : b.state;
        if (t.bytes) yhc_check_tensor(t.name, t.kind, base + t.offset, t.bytes, t.elem_bytes);
      }
    }
    yhc_check_run_begin();
    const size_t images = size_t(batch), max_images = size_t(yhc_plan::kMaxBatch);
    for (int i = 0; i < yhc_plan::kNumInputs; ++i)
      yhc_check_tensor(("in" + std::to_string(i)).c_str(), 'i', b.inputs[i], yhc_plan::kInputBytes[i] / max_images * images, 1);
    for (int i = 0; i < yhc_plan::kNumOutputs; ++i)
      yhc_check_tensor(("out" + std::to_string(i)).c_str(), 'o', b.outputs[i], yhc_plan::kOutputBytes[i] / max_images * images, 1);
  }
  ~CheckedRun() { yhc_check_forget_io(); }
#else
  CheckedRun(const Buffers&, int, const CheckedTensor*, size_t) {}
#endif
  CheckedRun(const CheckedRun&) = delete;
  CheckedRun& operator=(const CheckedRun&) = delete;
};

}  // namespace yhc

// Checked CUDA runtime call inside a function returning an int status.
#define YHC_CUDA_OR_FAIL(call)                                                                         \
  do {                                                                                                 \
    const cudaError_t yhc_err_ = (call);                                                               \
    if (yhc_err_ != cudaSuccess) return yhc::fail(YHC_ERROR_CUDA, yhc::cuda_message(#call, yhc_err_)); \
  } while (0)

// After each launch in run(): a launch that failed names its kernel.
#define YHC_CHECK_LAUNCH(kernel_id)                                                                                  \
  do {                                                                                                               \
    const cudaError_t yhc_err_ = cudaGetLastError();                                                                 \
    if (yhc_err_ != cudaSuccess) return yhc::fail(YHC_ERROR_CUDA, yhc::cuda_message("kernel " kernel_id, yhc_err_)); \
  } while (0)

struct yhc_engine {
  unsigned char* weights = nullptr;  // device
  unsigned char* arena = nullptr;    // device
  unsigned char* state = nullptr;    // device, zeroed at creation, kept across runs
  std::vector<void*> staged_inputs;  // device copies for yhc_engine_run_host (CUDA target)
  std::vector<void*> staged_outputs;
  cudaStream_t stream = nullptr;
#if defined(__CUDACC__)
  // The whole run as a CUDA graph, captured on `capture_stream` with the pointers below.
  bool use_graph = true;
  cudaStream_t capture_stream = nullptr;
  cudaGraphExec_t graph = nullptr;
  std::vector<const void*> graph_inputs;
  std::vector<void*> graph_outputs;
  int graph_batch = 0;
#endif
  std::atomic<bool> running{false};  // a run in progress on some thread
};

namespace yhc {

// The engines alive in this process. Every call checks its handle here, so a destroyed handle
// (or a pointer yhc_engine_create never returned) is an error instead of a use after free, and a
// second destroy does nothing. A handle destroyed and later handed out again by a new create
// names that new engine: drop handles when you destroy them.
inline std::mutex& live_mutex() {
  static std::mutex m;
  return m;
}
inline std::unordered_set<const yhc_engine*>& live_engines() {
  static std::unordered_set<const yhc_engine*> engines;
  return engines;
}
inline bool is_live(const yhc_engine* e) {
  std::lock_guard<std::mutex> lock(live_mutex());
  return live_engines().count(e) != 0;
}

// Marks a run of one engine in progress; a second concurrent run of it is refused.
class RunGuard {
 public:
  explicit RunGuard(yhc_engine* e) : e_(e), owned_(!e->running.exchange(true)) {}
  ~RunGuard() {
    if (owned_) e_->running.store(false);
  }
  bool owned() const { return owned_; }

 private:
  yhc_engine* e_;
  bool owned_;
};

inline void release(yhc_engine* e) {
  if (!e) return;
#if defined(__CUDACC__)
  if (e->graph) cudaGraphExecDestroy(e->graph);
  if (e->capture_stream) cudaStreamDestroy(e->capture_stream);
#endif
  cudaFree(e->weights);
  cudaFree(e->arena);
  cudaFree(e->state);
  for (void* p : e->staged_inputs) cudaFree(p);
  for (void* p : e->staged_outputs) cudaFree(p);
  delete e;
}

inline int read_weights(const char* path, std::vector<unsigned char>& payload) {
  if (!path) return fail(YHC_ERROR_INVALID_ARGUMENT, "weights path is NULL");
  FILE* f = std::fopen(path, "rb");
  if (!f) return fail(YHC_ERROR_WEIGHTS, std::string("cannot open weights file ") + path);
  WeightsHeader h;
  const bool got_header = std::fread(&h, sizeof h, 1, f) == 1;
  int status = YHC_OK;
  if (!got_header || std::memcmp(h.magic, "YHCWTS\0\1", 8) != 0 || h.version != 1 || h.header_bytes != sizeof h) {
    status = fail(YHC_ERROR_WEIGHTS, std::string(path) + " is not a yhc weights file");
  } else if (std::memcmp(h.build_id, yhc_plan::kBuildId, 32) != 0) {
    status = fail(YHC_ERROR_WEIGHTS, std::string(path) + " belongs to another build (build id differs)");
  } else if (h.payload_bytes != yhc_plan::kWeightBytes) {
    status = fail(YHC_ERROR_WEIGHTS, std::string(path) + " has the wrong payload size");
  } else {
    payload.resize(h.payload_bytes);
    if (h.payload_bytes && std::fread(payload.data(), 1, payload.size(), f) != payload.size()) {
      status = fail(YHC_ERROR_WEIGHTS, std::string(path) + " is truncated");
    } else if (crc32(payload.data(), payload.size()) != h.crc32) {
      status = fail(YHC_ERROR_WEIGHTS, std::string(path) + " is corrupt (checksum mismatch)");
    }
  }
  std::fclose(f);
  return status;
}

#if defined(__CUDACC__)
// The run as a CUDA graph: captured once (again when the caller's pointers change, updating
// the instantiated graph in place when CUDA can), then replayed on the caller's stream.
inline int run_graph(yhc_engine* e, const Buffers& b, int batch, cudaStream_t stream) {
  const std::vector<const void*> ins(b.inputs, b.inputs + yhc_plan::kNumInputs);
  const std::vector<void*> outs(b.outputs, b.outputs + yhc_plan::kNumOutputs);
  if (!e->graph || ins != e->graph_inputs || outs != e->graph_outputs || batch != e->graph_batch) {
    cudaGraph_t captured = nullptr;
    YHC_CUDA_OR_FAIL(cudaStreamBeginCapture(e->capture_stream, cudaStreamCaptureModeThreadLocal));
    const int status = yhc_plan::run(b, batch, e->capture_stream);
    const cudaError_t ended = cudaStreamEndCapture(e->capture_stream, &captured);
    if (status != YHC_OK) {
      if (captured) cudaGraphDestroy(captured);
      return status;
    }
    if (ended != cudaSuccess) return fail(YHC_ERROR_CUDA, cuda_message("cudaStreamEndCapture", ended));
    cudaGraphExecUpdateResultInfo info;
    if (!e->graph || cudaGraphExecUpdate(e->graph, captured, &info) != cudaSuccess) {
      cudaGetLastError();  // a failed update is not an error: instantiate afresh
      if (e->graph) cudaGraphExecDestroy(e->graph);
      e->graph = nullptr;
      const cudaError_t made = cudaGraphInstantiate(&e->graph, captured, 0);
      if (made != cudaSuccess) {
        cudaGraphDestroy(captured);
        e->graph = nullptr;
        return fail(YHC_ERROR_CUDA, cuda_message("cudaGraphInstantiate", made));
      }
    }
    cudaGraphDestroy(captured);
    e->graph_inputs = ins;
    e->graph_outputs = outs;
    e->graph_batch = batch;
  }
  YHC_CUDA_OR_FAIL(cudaGraphLaunch(e->graph, stream));
  return YHC_OK;
}
#endif

}  // namespace yhc

extern "C" {

YHC_API const char* yhc_last_error(void) { return yhc::last_error().c_str(); }
YHC_API int yhc_abi_version(void) { return YHC_ABI_VERSION; }
YHC_API int yhc_num_inputs(void) { return yhc_plan::kNumInputs; }
YHC_API int yhc_num_outputs(void) { return yhc_plan::kNumOutputs; }
YHC_API size_t yhc_input_bytes(int i) { return i >= 0 && i < yhc_plan::kNumInputs ? yhc_plan::kInputBytes[i] : 0; }
YHC_API size_t yhc_output_bytes(int i) { return i >= 0 && i < yhc_plan::kNumOutputs ? yhc_plan::kOutputBytes[i] : 0; }
YHC_API const char* yhc_build_id(void) { return yhc_plan::kBuildId; }
YHC_API const char* yhc_target(void) { return YHC_TARGET_NAME; }
YHC_API int yhc_max_batch(void) { return yhc_plan::kMaxBatch; }
YHC_API int yhc_dynamic_batch(void) { return yhc_plan::kDynamicBatch ? 1 : 0; }

YHC_API int yhc_engine_create(const char* weights_path, yhc_engine** out) {
  yhc::last_error().clear();
  if (!out) return yhc::fail(YHC_ERROR_INVALID_ARGUMENT, "engine out-pointer is NULL");
  *out = nullptr;
  std::vector<unsigned char> payload;
  if (int s = yhc::read_weights(weights_path, payload)) return s;
  yhc_engine* e = new yhc_engine();
  auto fail_cuda = [&](const char* what, cudaError_t err) {
    yhc::release(e);
    return yhc::fail(err == cudaErrorMemoryAllocation ? YHC_ERROR_OUT_OF_MEMORY : YHC_ERROR_CUDA, yhc::cuda_message(what, err));
  };
  cudaError_t err;
  if ((err = cudaMalloc(reinterpret_cast<void**>(&e->weights), payload.size() ? payload.size() : 1)) != cudaSuccess)
    return fail_cuda("cudaMalloc(weights)", err);
  if ((err = cudaMalloc(reinterpret_cast<void**>(&e->arena), yhc_plan::kArenaBytes ? yhc_plan::kArenaBytes : 1)) != cudaSuccess)
    return fail_cuda("cudaMalloc(arena)", err);
  if ((err = cudaMalloc(reinterpret_cast<void**>(&e->state), yhc_plan::kStateBytes ? yhc_plan::kStateBytes : 1)) != cudaSuccess)
    return fail_cuda("cudaMalloc(state)", err);
  if (yhc_plan::kStateBytes && (err = cudaMemset(e->state, 0, yhc_plan::kStateBytes)) != cudaSuccess)
    return fail_cuda("cudaMemset(state)", err);
  if (!payload.empty() && (err = cudaMemcpy(e->weights, payload.data(), payload.size(), cudaMemcpyHostToDevice)) != cudaSuccess)
    return fail_cuda("cudaMemcpy(weights)", err);
#if defined(__CUDACC__)
  for (int i = 0; i < yhc_plan::kNumInputs; ++i) {
    e->staged_inputs.push_back(nullptr);
    if ((err = cudaMalloc(&e->staged_inputs.back(), yhc_plan::kInputBytes[i])) != cudaSuccess) return fail_cuda("cudaMalloc(input)", err);
  }
  for (int i = 0; i < yhc_plan::kNumOutputs; ++i) {
    e->staged_outputs.push_back(nullptr);
    if ((err = cudaMalloc(&e->staged_outputs.back(), yhc_plan::kOutputBytes[i])) != cudaSuccess)
      return fail_cuda("cudaMalloc(output)", err);
  }
  const char* no_graph = std::getenv("YHC_NO_CUDA_GRAPH");
  e->use_graph = !(no_graph && no_graph[0] && std::strcmp(no_graph, "0") != 0);
  if (e->use_graph && (err = cudaStreamCreateWithFlags(&e->capture_stream, cudaStreamNonBlocking)) != cudaSuccess)
    return fail_cuda("cudaStreamCreateWithFlags", err);
#endif
  {
    std::lock_guard<std::mutex> lock(yhc::live_mutex());
    yhc::live_engines().insert(e);
  }
  *out = e;
  return YHC_OK;
}

YHC_API void yhc_engine_destroy(yhc_engine* e) {
  {
    std::lock_guard<std::mutex> lock(yhc::live_mutex());
    if (!yhc::live_engines().erase(e)) return;  // NULL, already destroyed, or not an engine
  }
  yhc::release(e);
}

namespace yhc {
// Bytes of input or output i for a run of `batch` images (the compiled sizes hold kMaxBatch).
inline size_t batch_bytes(size_t max_bytes, int batch) { return max_bytes / yhc_plan::kMaxBatch * size_t(batch); }

inline int check_batch(int batch) {
  if (batch < 1 || batch > yhc_plan::kMaxBatch) {
    return fail(YHC_ERROR_INVALID_ARGUMENT,
                "batch " + std::to_string(batch) + " is outside 1.." + std::to_string(yhc_plan::kMaxBatch) + " (the compiled batch)");
  }
  if (batch != yhc_plan::kMaxBatch && !yhc_plan::kDynamicBatch) {
    return fail(YHC_ERROR_INVALID_ARGUMENT, "batch " + std::to_string(batch) + ": this engine runs its compiled batch " +
                                                std::to_string(yhc_plan::kMaxBatch) + " only (a kernel's grid is not image-major)");
  }
  return YHC_OK;
}

// --input-format rgb8|bgr8: frame_size [batch, 2] = {width, height} per image, within 1x1 ..
// max_w x max_h and not shrinking to 0 pixels in the size x size network input (the letterbox's
// round(side * min(size / h, size / w)), as letterbox.cuh computes it).
inline int check_frame_sizes(const int32_t* sizes, int batch, int max_w, int max_h, int size) {
  for (int n = 0; n < batch; ++n) {
    const int w = sizes[2 * n], h = sizes[2 * n + 1];
    const std::string what = "frame_size[" + std::to_string(n) + "] = " + std::to_string(w) + "x" + std::to_string(h);
    if (w < 1 || w > max_w || h < 1 || h > max_h)
      return fail(YHC_ERROR_INVALID_ARGUMENT,
                  what + " is outside 1x1 .. " + std::to_string(max_w) + "x" + std::to_string(max_h) + " (the largest frame, --frame)");
    const double r = std::min(double(size) / h, double(size) / w);
    if (std::nearbyint(w * r) < 1 || std::nearbyint(h * r) < 1)
      return fail(YHC_ERROR_INVALID_ARGUMENT, what + " shrinks to 0 pixels in " + std::to_string(size) + "x" + std::to_string(size));
  }
  return YHC_OK;
}

// The checks every run entry point makes first: arguments present, the handle live.
inline int check_call(const yhc_engine* e, const void* inputs, const void* outputs) {
  if (!e || !inputs || !outputs) return fail(YHC_ERROR_INVALID_ARGUMENT, "engine, inputs and outputs must not be NULL");
  if (!is_live(e)) return fail(YHC_ERROR_INVALID_ARGUMENT, "the engine handle is not live (destroyed, or not made by yhc_engine_create)");
  return YHC_OK;
}

inline int busy() {
  return fail(YHC_ERROR_INVALID_ARGUMENT, "the engine is already running on another thread (use one engine per thread)");
}

// One run with the caller's device (host target: host) pointers, on a handle check_call passed.
inline int run_batch(yhc_engine* e, int batch, const void* const* inputs, void* const* outputs, void* stream) {
  if (int s = check_batch(batch)) return s;
  for (int i = 0; i < yhc_plan::kNumInputs; ++i)
    if (!inputs[i] && yhc_plan::kInputBytes[i]) return fail(YHC_ERROR_INVALID_ARGUMENT, "input " + std::to_string(i) + " is NULL");
  for (int i = 0; i < yhc_plan::kNumOutputs; ++i)
    if (!outputs[i] && yhc_plan::kOutputBytes[i]) return fail(YHC_ERROR_INVALID_ARGUMENT, "output " + std::to_string(i) + " is NULL");
#if !defined(__CUDACC__)
  if (int s = yhc_plan::check_inputs(inputs, batch)) return s;  // host memory: frame sizes checked before any kernel
#endif
  const Buffers b{inputs, outputs, e->weights, e->arena, e->state};
#if defined(__CUDACC__)
  if (e->use_graph) return run_graph(e, b, batch, static_cast<cudaStream_t>(stream));
#endif
  return yhc_plan::run(b, batch, static_cast<cudaStream_t>(stream));
}
}  // namespace yhc

YHC_API int yhc_engine_run_batch(yhc_engine* e, int batch, const void* const* inputs, void* const* outputs, void* stream) {
  yhc::last_error().clear();
  if (int s = yhc::check_call(e, inputs, outputs)) return s;
  const yhc::RunGuard guard(e);
  if (!guard.owned()) return yhc::busy();
  return yhc::run_batch(e, batch, inputs, outputs, stream);
}

YHC_API int yhc_engine_run(yhc_engine* e, const void* const* inputs, void* const* outputs, void* stream) {
  return yhc_engine_run_batch(e, yhc_plan::kMaxBatch, inputs, outputs, stream);
}

YHC_API int yhc_engine_run_host_batch(yhc_engine* e, int batch, const void* const* host_inputs, void* const* host_outputs) {
  yhc::last_error().clear();
  if (int s = yhc::check_call(e, host_inputs, host_outputs)) return s;
  const yhc::RunGuard guard(e);
  if (!guard.owned()) return yhc::busy();
  if (int s = yhc::check_batch(batch)) return s;
#if defined(__CUDACC__)
  if (int s = yhc_plan::check_inputs(host_inputs, batch)) return s;
  for (int i = 0; i < yhc_plan::kNumInputs; ++i)
    YHC_CUDA_OR_FAIL(
        cudaMemcpy(e->staged_inputs[i], host_inputs[i], yhc::batch_bytes(yhc_plan::kInputBytes[i], batch), cudaMemcpyHostToDevice));
  if (int s = yhc::run_batch(e, batch, e->staged_inputs.data(), e->staged_outputs.data(), nullptr)) return s;
  YHC_CUDA_OR_FAIL(cudaDeviceSynchronize());
  for (int i = 0; i < yhc_plan::kNumOutputs; ++i)
    YHC_CUDA_OR_FAIL(
        cudaMemcpy(host_outputs[i], e->staged_outputs[i], yhc::batch_bytes(yhc_plan::kOutputBytes[i], batch), cudaMemcpyDeviceToHost));
  return YHC_OK;
#else
  return yhc::run_batch(e, batch, host_inputs, host_outputs, nullptr);
#endif
}

YHC_API int yhc_engine_run_host(yhc_engine* e, const void* const* host_inputs, void* const* host_outputs) {
  return yhc_engine_run_host_batch(e, yhc_plan::kMaxBatch, host_inputs, host_outputs);
}

}  // extern "C"
