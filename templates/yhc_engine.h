/*
 * yhc_engine.h — the C ABI of every engine yhc builds (libyhc_<model>.so), for both the CUDA
 * target and the host-emulation target. Tensor names, shapes and dtypes are in the build's
 * manifest.json; inputs and outputs are passed positionally in manifest order, as dense
 * row-major buffers of exactly yhc_input_bytes(i) / yhc_output_bytes(i) bytes.
 */
#ifndef YHC_ENGINE_H
#define YHC_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define YHC_API __declspec(dllexport)
#else
#define YHC_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* 2 adds execution contexts (the yhc_context calls), yhc_weight_bytes and yhc_context_bytes; version 1's calls are unchanged. */
#define YHC_ABI_VERSION 2

/* Status codes; non-zero means failure and yhc_last_error() says why. */
#define YHC_OK 0
#define YHC_ERROR_INVALID_ARGUMENT 1
#define YHC_ERROR_WEIGHTS 2 /* weights file missing, truncated, corrupt, or of another build */
#define YHC_ERROR_OUT_OF_MEMORY 3
#define YHC_ERROR_CUDA 4 /* a CUDA runtime call or kernel launch failed */

typedef struct yhc_engine yhc_engine;
typedef struct yhc_context yhc_context;

/* Load weights.bin of this build, allocate device memory for weights and one execution context
 * (the engine's own: what yhc_engine_run* use). Runs allocate nothing. On failure *engine is set
 * to NULL. */
YHC_API int yhc_engine_create(const char* weights_path, yhc_engine** engine);

/* Free everything the engine holds, its live contexts included (their handles stop being live).
 * Accepts NULL; a handle already destroyed (or never made by
 * yhc_engine_create) is ignored, so a second destroy is harmless. Any later call with a destroyed
 * handle returns YHC_ERROR_INVALID_ARGUMENT ("not live") instead of touching freed memory — until
 * a new yhc_engine_create happens to return the same address, so drop handles you destroy. Do not
 * destroy an engine while another thread is inside a call on it or on one of its contexts. */
YHC_API void yhc_engine_destroy(yhc_engine* engine);

/* Enqueue one inference on `stream` (a cudaStream_t; NULL for the default stream).
 * inputs[i] / outputs[i] are device pointers (host pointers on the host target).
 * Returns once the work is enqueued; synchronize the stream before reading outputs.
 * On a GPU the first run captures every launch into a CUDA graph, and later runs replay it
 * (one launch); new input/output pointers re-capture and update the graph. Set the environment
 * variable YHC_NO_CUDA_GRAPH=1 (read at engine creation) to launch kernel by kernel instead.
 * Runs of one engine must not overlap: for concurrent streams or threads use one context each
 * (yhc_context_create, below); a call made while another thread is inside a run of the same
 * engine returns YHC_ERROR_INVALID_ARGUMENT. Engines of one build share only their read-only
 * code: two engines also run in two threads at once, each with its own copy of the weights. */
YHC_API int yhc_engine_run(yhc_engine* engine, const void* const* inputs, void* const* outputs, void* stream);

/* Convenience for callers with host memory: copy inputs in, run, copy outputs out, wait. */
YHC_API int yhc_engine_run_host(yhc_engine* engine, const void* const* host_inputs, void* const* host_outputs);

/* Dynamic batch: the same, for the first `batch` images, 1 <= batch <= yhc_max_batch() — fewer
 * than the maximum only when yhc_dynamic_batch() is 1. Every input and output then holds `batch`
 * images: yhc_input_bytes(i) / yhc_max_batch() * batch bytes (outputs likewise). Kernels launch
 * only the blocks of those images; a CUDA graph is re-captured when the batch changes. */
YHC_API int yhc_engine_run_batch(yhc_engine* engine, int batch, const void* const* inputs, void* const* outputs, void* stream);
YHC_API int yhc_engine_run_host_batch(yhc_engine* engine, int batch, const void* const* host_inputs, void* const* host_outputs);

/* Execution contexts: one engine's weights (loaded once), several contexts, each with its own
 * activation arena, state, staged input/output buffers, stream and CUDA graph, so runs of
 * different contexts proceed at once on different threads and streams. The engine's own
 * context (yhc_engine_run*) is one more. A context allocates yhc_context_bytes() of device
 * memory at creation and nothing afterwards; on failure *context is set to NULL.
 * The run calls behave as yhc_engine_run* above, on the context's buffers; _run_host copies
 * through the context's staged buffers on the context's own stream and waits for that stream
 * only. Misuse, as for engines: NULL, a destroyed context, a context of a destroyed engine
 * (yhc_engine_destroy destroys its contexts) or a pointer yhc_context_create never returned is
 * refused as "not live"; a run of a context while another thread is inside a run of the same
 * context returns YHC_ERROR_INVALID_ARGUMENT; yhc_context_destroy accepts NULL and ignores a
 * handle that is not live. Do not destroy a context while another thread is inside a call on it.
 * A checked build (yhc compile --check) tracks one run at a time: run its contexts one after another. */
YHC_API int yhc_context_create(yhc_engine* engine, yhc_context** context);
YHC_API void yhc_context_destroy(yhc_context* context);
YHC_API int yhc_context_run(yhc_context* context, const void* const* inputs, void* const* outputs, void* stream);
YHC_API int yhc_context_run_host(yhc_context* context, const void* const* host_inputs, void* const* host_outputs);
YHC_API int yhc_context_run_batch(yhc_context* context, int batch, const void* const* inputs, void* const* outputs, void* stream);
YHC_API int yhc_context_run_host_batch(yhc_context* context, int batch, const void* const* host_inputs, void* const* host_outputs);
/* Why the context's last run failed, or "" if it succeeded (from any thread: for callers whose
 * runs happen on worker threads). Valid until the context's next run; "" for a handle not live. */
YHC_API const char* yhc_context_last_error(yhc_context* context);

/* The last failure on this thread, or "" if none. Valid until the next yhc call on this thread. */
YHC_API const char* yhc_last_error(void);

/* Introspection: ABI version, counts and byte sizes of the positional inputs and outputs,
 * and the build id recorded in manifest.json. */
YHC_API int yhc_abi_version(void);
YHC_API int yhc_num_inputs(void);
YHC_API int yhc_num_outputs(void);
YHC_API size_t yhc_input_bytes(int index);
YHC_API size_t yhc_output_bytes(int index);
YHC_API const char* yhc_build_id(void);
/* The batch the engine was compiled for (--batch), and 1 if a run may take fewer images. */
YHC_API int yhc_max_batch(void);
YHC_API int yhc_dynamic_batch(void);
/* Device bytes of the weights (allocated once per engine) and of one execution context (arena,
 * state and, on the CUDA target, the staged inputs and outputs). An engine with n contexts holds
 * yhc_weight_bytes() + (n + 1) * yhc_context_bytes(). */
YHC_API size_t yhc_weight_bytes(void);
YHC_API size_t yhc_context_bytes(void);
/* "cuda" or "host". */
YHC_API const char* yhc_target(void);

#ifdef __cplusplus
}
#endif

#endif /* YHC_ENGINE_H */
