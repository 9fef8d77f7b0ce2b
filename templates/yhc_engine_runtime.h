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
#include <new>
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

// One execution context: everything a run writes. The engine holds the weights, which its
// contexts only read, and one context of its own (yhc_engine_run*).
struct yhc_context {
  yhc_engine* engine = nullptr;
  unsigned char* arena = nullptr;    // device
  unsigned char* state = nullptr;    // device, zeroed at creation, kept across runs
  std::vector<void*> staged_inputs;  // device copies for the _run_host calls (CUDA target)
  std::vector<void*> staged_outputs;
#if defined(__CUDACC__)
  cudaStream_t stream = nullptr;  // the stream of the _run_host calls
  // The whole run as a CUDA graph, captured on `capture_stream` with the pointers below.
  bool use_graph = true;
  cudaStream_t capture_stream = nullptr;
  cudaGraphExec_t graph = nullptr;
  std::vector<const void*> graph_inputs;
  std::vector<void*> graph_outputs;
  int graph_batch = 0;
#endif
  std::atomic<bool> running{false};  // a run in progress on some thread
  std::string error;                 // why the last run failed (yhc_context_last_error)
};

struct yhc_engine {
  unsigned char* weights = nullptr;    // device
  yhc_context* own = nullptr;          // the context of yhc_engine_run*
  std::vector<yhc_context*> contexts;  // made by yhc_context_create and live; guarded by live_mutex()
};

namespace yhc {

// The engines and contexts alive in this process. Every call checks its handle here, so a
// destroyed handle (or a pointer yhc_engine_create / yhc_context_create never returned) is an
// error instead of a use after free, and a second destroy does nothing. A handle destroyed and
// later handed out again by a new create names that new object: drop handles when you destroy them.
inline std::mutex& live_mutex() {
  static std::mutex m;
  return m;
}
inline std::unordered_set<const yhc_engine*>& live_engines() {
  static std::unordered_set<const yhc_engine*> engines;
  return engines;
}
inline std::unordered_set<const yhc_context*>& live_contexts() {
  static std::unordered_set<const yhc_context*> contexts;
  return contexts;
}
inline bool is_live(const yhc_engine* e) {
  std::lock_guard<std::mutex> lock(live_mutex());
  return live_engines().count(e) != 0;
}
inline bool is_live(const yhc_context* c) {
  std::lock_guard<std::mutex> lock(live_mutex());
  return live_contexts().count(c) != 0;
}

// Marks a run of one context in progress; a second concurrent run of it is refused.
class RunGuard {
 public:
  explicit RunGuard(yhc_context* c) : c_(c), owned_(!c->running.exchange(true)) {}
  ~RunGuard() {
    if (owned_) c_->running.store(false);
  }
  bool owned() const { return owned_; }

 private:
  yhc_context* c_;
  bool owned_;
};

inline void release(yhc_context* c) {
  if (!c) return;
#if defined(__CUDACC__)
  if (c->graph) cudaGraphExecDestroy(c->graph);
  if (c->capture_stream) cudaStreamDestroy(c->capture_stream);
  if (c->stream) cudaStreamDestroy(c->stream);
#endif
  cudaFree(c->arena);
  cudaFree(c->state);
  for (void* p : c->staged_inputs) cudaFree(p);
  for (void* p : c->staged_outputs) cudaFree(p);
  delete c;
}

inline void release(yhc_engine* e) {
  if (!e) return;
  for (yhc_context* c : e->contexts) release(c);
  release(e->own);
  cudaFree(e->weights);
  delete e;
}

// Device bytes of one context (zero-sized buffers take one byte, as allocated).
inline size_t context_bytes() {
  size_t n = (yhc_plan::kArenaBytes ? yhc_plan::kArenaBytes : 1) + (yhc_plan::kStateBytes ? yhc_plan::kStateBytes : 1);
#if defined(__CUDACC__)
  for (int i = 0; i < yhc_plan::kNumInputs; ++i) n += yhc_plan::kInputBytes[i];
  for (int i = 0; i < yhc_plan::kNumOutputs; ++i) n += yhc_plan::kOutputBytes[i];
#endif
  return n;
}

inline int fail_cuda(const char* what, cudaError_t err) {
  return fail(err == cudaErrorMemoryAllocation ? YHC_ERROR_OUT_OF_MEMORY : YHC_ERROR_CUDA, cuda_message(what, err));
}

// A new context of engine `e`: its arena, zeroed state, staged buffers, streams. Not yet live.
inline int make_context(yhc_engine* e, yhc_context** out) {
  *out = nullptr;
  yhc_context* c = new (std::nothrow) yhc_context();
  if (!c) return fail(YHC_ERROR_OUT_OF_MEMORY, "cannot allocate a context");
  c->engine = e;
  auto failed = [&](const char* what, cudaError_t err) {
    release(c);
    return fail_cuda(what, err);
  };
  cudaError_t err;
  if ((err = cudaMalloc(reinterpret_cast<void**>(&c->arena), yhc_plan::kArenaBytes ? yhc_plan::kArenaBytes : 1)) != cudaSuccess)
    return failed("cudaMalloc(arena)", err);
  if ((err = cudaMalloc(reinterpret_cast<void**>(&c->state), yhc_plan::kStateBytes ? yhc_plan::kStateBytes : 1)) != cudaSuccess)
    return failed("cudaMalloc(state)", err);
  if (yhc_plan::kStateBytes && (err = cudaMemset(c->state, 0, yhc_plan::kStateBytes)) != cudaSuccess)
    return failed("cudaMemset(state)", err);
#if defined(__CUDACC__)
  for (int i = 0; i < yhc_plan::kNumInputs; ++i) {
    c->staged_inputs.push_back(nullptr);
    if ((err = cudaMalloc(&c->staged_inputs.back(), yhc_plan::kInputBytes[i])) != cudaSuccess) return failed("cudaMalloc(input)", err);
  }
  for (int i = 0; i < yhc_plan::kNumOutputs; ++i) {
    c->staged_outputs.push_back(nullptr);
    if ((err = cudaMalloc(&c->staged_outputs.back(), yhc_plan::kOutputBytes[i])) != cudaSuccess) return failed("cudaMalloc(output)", err);
  }
  if ((err = cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking)) != cudaSuccess) return failed("cudaStreamCreateWithFlags", err);
  const char* no_graph = std::getenv("YHC_NO_CUDA_GRAPH");
  c->use_graph = !(no_graph && no_graph[0] && std::strcmp(no_graph, "0") != 0);
  if (c->use_graph && (err = cudaStreamCreateWithFlags(&c->capture_stream, cudaStreamNonBlocking)) != cudaSuccess)
    return failed("cudaStreamCreateWithFlags", err);
#endif
  *out = c;
  return YHC_OK;
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
inline int run_graph(yhc_context* c, const Buffers& b, int batch, cudaStream_t stream) {
  const std::vector<const void*> ins(b.inputs, b.inputs + yhc_plan::kNumInputs);
  const std::vector<void*> outs(b.outputs, b.outputs + yhc_plan::kNumOutputs);
  if (!c->graph || ins != c->graph_inputs || outs != c->graph_outputs || batch != c->graph_batch) {
    cudaGraph_t captured = nullptr;
    YHC_CUDA_OR_FAIL(cudaStreamBeginCapture(c->capture_stream, cudaStreamCaptureModeThreadLocal));
    const int status = yhc_plan::run(b, batch, c->capture_stream);
    const cudaError_t ended = cudaStreamEndCapture(c->capture_stream, &captured);
    if (status != YHC_OK) {
      if (captured) cudaGraphDestroy(captured);
      return status;
    }
    if (ended != cudaSuccess) return fail(YHC_ERROR_CUDA, cuda_message("cudaStreamEndCapture", ended));
    cudaGraphExecUpdateResultInfo info;
    if (!c->graph || cudaGraphExecUpdate(c->graph, captured, &info) != cudaSuccess) {
      cudaGetLastError();  // a failed update is not an error: instantiate afresh
      if (c->graph) cudaGraphExecDestroy(c->graph);
      c->graph = nullptr;
      const cudaError_t made = cudaGraphInstantiate(&c->graph, captured, 0);
      if (made != cudaSuccess) {
        cudaGraphDestroy(captured);
        c->graph = nullptr;
        return fail(YHC_ERROR_CUDA, cuda_message("cudaGraphInstantiate", made));
      }
    }
    cudaGraphDestroy(captured);
    c->graph_inputs = ins;
    c->graph_outputs = outs;
    c->graph_batch = batch;
  }
  YHC_CUDA_OR_FAIL(cudaGraphLaunch(c->graph, stream));
  return YHC_OK;
}
#endif

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
inline int check_call(const yhc_context* c, const void* inputs, const void* outputs) {
  if (!c || !inputs || !outputs) return fail(YHC_ERROR_INVALID_ARGUMENT, "context, inputs and outputs must not be NULL");
  if (!is_live(c))
    return fail(YHC_ERROR_INVALID_ARGUMENT,
                "the context handle is not live (destroyed, its engine destroyed, or not made by yhc_context_create)");
  return YHC_OK;
}

inline int busy(bool own) {
  return fail(YHC_ERROR_INVALID_ARGUMENT,
              own ? "the engine is already running on another thread (use one context per thread: yhc_context_create)"
                  : "the context is already running on another thread (use one context per thread)");
}

// One run with the caller's device (host target: host) pointers, on a context check_call passed.
inline int run_batch(yhc_context* c, int batch, const void* const* inputs, void* const* outputs, void* stream) {
  if (int s = check_batch(batch)) return s;
  for (int i = 0; i < yhc_plan::kNumInputs; ++i)
    if (!inputs[i] && yhc_plan::kInputBytes[i]) return fail(YHC_ERROR_INVALID_ARGUMENT, "input " + std::to_string(i) + " is NULL");
  for (int i = 0; i < yhc_plan::kNumOutputs; ++i)
    if (!outputs[i] && yhc_plan::kOutputBytes[i]) return fail(YHC_ERROR_INVALID_ARGUMENT, "output " + std::to_string(i) + " is NULL");
#if !defined(__CUDACC__)
  if (int s = yhc_plan::check_inputs(inputs, batch)) return s;  // host memory: frame sizes checked before any kernel
#endif
  const Buffers b{inputs, outputs, c->engine->weights, c->arena, c->state};
#if defined(__CUDACC__)
  if (c->use_graph) return run_graph(c, b, batch, static_cast<cudaStream_t>(stream));
#endif
  return yhc_plan::run(b, batch, static_cast<cudaStream_t>(stream));
}

// A run on host memory: on a GPU, copied through the context's staged buffers on its own stream.
inline int run_host_batch(yhc_context* c, int batch, const void* const* host_inputs, void* const* host_outputs) {
  if (int s = check_batch(batch)) return s;
#if defined(__CUDACC__)
  if (int s = yhc_plan::check_inputs(host_inputs, batch)) return s;
  for (int i = 0; i < yhc_plan::kNumInputs; ++i)
    YHC_CUDA_OR_FAIL(cudaMemcpyAsync(c->staged_inputs[i], host_inputs[i], batch_bytes(yhc_plan::kInputBytes[i], batch),
                                     cudaMemcpyHostToDevice, c->stream));
  if (int s = run_batch(c, batch, c->staged_inputs.data(), c->staged_outputs.data(), c->stream)) return s;
  for (int i = 0; i < yhc_plan::kNumOutputs; ++i)
    YHC_CUDA_OR_FAIL(cudaMemcpyAsync(host_outputs[i], c->staged_outputs[i], batch_bytes(yhc_plan::kOutputBytes[i], batch),
                                     cudaMemcpyDeviceToHost, c->stream));
  YHC_CUDA_OR_FAIL(cudaStreamSynchronize(c->stream));
  return YHC_OK;
#else
  return run_batch(c, batch, host_inputs, host_outputs, nullptr);
#endif
}

// The run entry points of engines (their own context) and contexts alike.
inline yhc_context* context_of(yhc_engine* e) { return e->own; }
inline yhc_context* context_of(yhc_context* c) { return c; }

// The entry points of engines (their own context) and contexts alike: handle checks, then one
// run at a time per context; the outcome is kept for yhc_context_last_error.
template <class Handle, class Run> int run_entry(Handle* h, const void* inputs, const void* outputs, Run run) {
  last_error().clear();
  if (int s = check_call(h, inputs, outputs)) return s;
  yhc_context* c = context_of(h);
  const RunGuard guard(c);
  if (!guard.owned()) return busy(c == c->engine->own);
  const int status = run(c);
  c->error = status ? last_error() : std::string();
  return status;
}

template <class Handle> int run_device(Handle* h, int batch, const void* const* inputs, void* const* outputs, void* stream) {
  return run_entry(h, inputs, outputs, [&](yhc_context* c) { return run_batch(c, batch, inputs, outputs, stream); });
}

template <class Handle> int run_host(Handle* h, int batch, const void* const* host_inputs, void* const* host_outputs) {
  return run_entry(h, host_inputs, host_outputs, [&](yhc_context* c) { return run_host_batch(c, batch, host_inputs, host_outputs); });
}

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
YHC_API size_t yhc_weight_bytes(void) { return yhc_plan::kWeightBytes ? yhc_plan::kWeightBytes : 1; }
YHC_API size_t yhc_context_bytes(void) { return yhc::context_bytes(); }

YHC_API int yhc_engine_create(const char* weights_path, yhc_engine** out) {
  yhc::last_error().clear();
  if (!out) return yhc::fail(YHC_ERROR_INVALID_ARGUMENT, "engine out-pointer is NULL");
  *out = nullptr;
  std::vector<unsigned char> payload;
  if (int s = yhc::read_weights(weights_path, payload)) return s;
  yhc_engine* e = new (std::nothrow) yhc_engine();
  if (!e) return yhc::fail(YHC_ERROR_OUT_OF_MEMORY, "cannot allocate an engine");
  auto failed = [&](const char* what, cudaError_t err) {
    yhc::release(e);
    return yhc::fail_cuda(what, err);
  };
  cudaError_t err;
  if ((err = cudaMalloc(reinterpret_cast<void**>(&e->weights), payload.size() ? payload.size() : 1)) != cudaSuccess)
    return failed("cudaMalloc(weights)", err);
  if (!payload.empty() && (err = cudaMemcpy(e->weights, payload.data(), payload.size(), cudaMemcpyHostToDevice)) != cudaSuccess)
    return failed("cudaMemcpy(weights)", err);
  if (int s = yhc::make_context(e, &e->own)) {
    yhc::release(e);
    return s;
  }
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
    for (const yhc_context* c : e->contexts) yhc::live_contexts().erase(c);
  }
  yhc::release(e);
}

YHC_API int yhc_context_create(yhc_engine* e, yhc_context** out) {
  yhc::last_error().clear();
  if (!out) return yhc::fail(YHC_ERROR_INVALID_ARGUMENT, "context out-pointer is NULL");
  *out = nullptr;
  if (!e) return yhc::fail(YHC_ERROR_INVALID_ARGUMENT, "engine is NULL");
  if (!yhc::is_live(e))
    return yhc::fail(YHC_ERROR_INVALID_ARGUMENT, "the engine handle is not live (destroyed, or not made by yhc_engine_create)");
  yhc_context* c = nullptr;
  if (int s = yhc::make_context(e, &c)) return s;
  {
    std::lock_guard<std::mutex> lock(yhc::live_mutex());
    if (yhc::live_engines().count(e)) {  // still live: not destroyed while the context was made
      e->contexts.push_back(c);
      yhc::live_contexts().insert(c);
    } else {
      c->engine = nullptr;
    }
  }
  if (!c->engine) {
    yhc::release(c);
    return yhc::fail(YHC_ERROR_INVALID_ARGUMENT, "the engine was destroyed while the context was made");
  }
  *out = c;
  return YHC_OK;
}

YHC_API void yhc_context_destroy(yhc_context* c) {
  {
    std::lock_guard<std::mutex> lock(yhc::live_mutex());
    if (!yhc::live_contexts().erase(c)) return;  // NULL, already destroyed (or its engine), or not a context
    std::vector<yhc_context*>& mine = c->engine->contexts;
    for (size_t i = 0; i < mine.size(); ++i)
      if (mine[i] == c) {
        mine.erase(mine.begin() + long(i));
        break;
      }
  }
  yhc::release(c);
}

YHC_API int yhc_engine_run_batch(yhc_engine* e, int batch, const void* const* inputs, void* const* outputs, void* stream) {
  return yhc::run_device(e, batch, inputs, outputs, stream);
}
YHC_API int yhc_engine_run(yhc_engine* e, const void* const* inputs, void* const* outputs, void* stream) {
  return yhc::run_device(e, yhc_plan::kMaxBatch, inputs, outputs, stream);
}
YHC_API int yhc_engine_run_host_batch(yhc_engine* e, int batch, const void* const* host_inputs, void* const* host_outputs) {
  return yhc::run_host(e, batch, host_inputs, host_outputs);
}
YHC_API int yhc_engine_run_host(yhc_engine* e, const void* const* host_inputs, void* const* host_outputs) {
  return yhc::run_host(e, yhc_plan::kMaxBatch, host_inputs, host_outputs);
}

YHC_API int yhc_context_run_batch(yhc_context* c, int batch, const void* const* inputs, void* const* outputs, void* stream) {
  return yhc::run_device(c, batch, inputs, outputs, stream);
}
YHC_API int yhc_context_run(yhc_context* c, const void* const* inputs, void* const* outputs, void* stream) {
  return yhc::run_device(c, yhc_plan::kMaxBatch, inputs, outputs, stream);
}
YHC_API int yhc_context_run_host_batch(yhc_context* c, int batch, const void* const* host_inputs, void* const* host_outputs) {
  return yhc::run_host(c, batch, host_inputs, host_outputs);
}
YHC_API int yhc_context_run_host(yhc_context* c, const void* const* host_inputs, void* const* host_outputs) {
  return yhc::run_host(c, yhc_plan::kMaxBatch, host_inputs, host_outputs);
}

YHC_API const char* yhc_context_last_error(yhc_context* c) {
  if (!yhc::is_live(c)) return "";
  return c->error.c_str();
}

}  // extern "C"
