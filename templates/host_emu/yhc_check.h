// yhc_check.h — the checked host build (yhc compile --target host --check): racecheck, memcheck
// and synccheck for the emulated kernels. Included by yhc_host_emu.h; everything here is empty
// unless YHC_CHECK is defined. The runtime is yhc_check.cpp; docs/checker.md explains it.
//
// How accesses reach the checker: the kernel translation units of a checked build are compiled
// with g++'s ThreadSanitizer instrumentation (-fsanitize=thread) but linked WITHOUT libtsan:
// every load and store the compiler emits in kernel code calls __tsan_read4(addr),
// __tsan_write16(addr), __tsan_atomic32_fetch_add(...), ..., and yhc_check.cpp defines those
// entry points. So every kernel template is checked as written, with no accessor type to adopt.
// The hooks below add what instrumentation cannot see: barriers, warp syncs, thread exit, launches.
#pragma once

#if defined(YHC_CHECK)

// yhc_host_emu.h includes <string>, <cstddef> and <cstdint> before its hidden-visibility region.
namespace yhc_emu {
namespace check {

// A launch about to run (its pointer arguments: the tensors it may touch) / that has run: true
// and the first report in `message` if the checker reported anything (the launch then fails).
void launch_begin(const char* name, const char* file, int line, unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned block_x,
                  unsigned block_y, unsigned block_z, size_t smem_bytes, const void* const* pointer_args, int count);
bool launch_end(std::string& message);

// Barrier and warp-synchronous intrinsics, called by the intrinsic's inline wrapper (the call
// site, for reports, is the hook's return address: a program counter in the kernel's code).
enum WarpOp : int { kOpSyncwarp = 0, kOpShuffle = 1, kOpVote = 2 };
void barrier_enter();
void barrier_leave();
void warp_enter(int op, unsigned mask);
void warp_leave();
void thread_exit();

// Device memory made by the runtime API (cudaMalloc, cudaMemcpy, cudaMemset): the checker's
// regions and their "written" state.
void on_malloc(void* p, size_t bytes, size_t guard_bytes);
void on_free(void* p);
void on_host_write(void* p, size_t bytes);

}  // namespace check
}  // namespace yhc_emu

// The C API an engine (or a test) uses to name what lives in device memory. Kinds: 'a' an
// activation (unwritten at the start of each run: reading it first is an error), 'w' a weight,
// 's' engine state, 'i' an input, 'o' an output. `ptr` must lie inside memory the checker knows
// (a cudaMalloc'd region) or, for 'i'/'o', is registered as a region of its own until
// yhc_check_forget_io. `elem_bytes` is the size of one element, for the index in reports.
extern "C" {
void yhc_check_tensor(const char* name, char kind, const void* ptr, size_t bytes, size_t elem_bytes);
void yhc_check_run_begin(void);
// Whether tensors are registered in the allocation that holds `ptr`.
int yhc_check_knows(const void* ptr);
void yhc_check_forget_io(void);
// Every report of this process so far, one per line ("" if none); exported for tests and FFI.
__attribute__((visibility("default"))) const char* yhc_check_reports(void);
}

#endif  // YHC_CHECK
