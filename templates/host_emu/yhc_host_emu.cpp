// yhc_host_emu.cpp — scheduler and CUDA runtime subset of the host emulation (see yhc_host_emu.h).
//
// Build once per engine and link with the kernels' objects:
//   g++ -std=c++17 -O2 -fPIC -pthread -I<templates> [-I<cuda>/include] -c yhc_host_emu.cpp
//
// Model
// - A launch spreads its blocks over worker threads (the caller plus YHC_EMU_THREADS-1 threads
//   spawned for this launch and joined before it returns). All threads of a block run on one
//   worker, so `__shared__` (thread_local) is shared by the block, and fibers never migrate.
// - YHC_LAUNCH: every CUDA thread runs on a fiber with its own mmap'd stack (guard page below).
//   The scheduler walks the warps; within a warp it resumes lanes in order until each waits
//   (at __syncthreads or at a warp sync) or exits, releases warp syncs whose lanes have all
//   arrived, and repeats; when every live thread of the block waits at __syncthreads it releases
//   them. A thread that exits counts as arrived (as on current GPUs). If a pass ends with
//   threads waiting on something that cannot complete, the block is deadlocked: the launch fails.
//   A thread that never suspends gives its fiber back, so the next thread reuses it: a
//   barrier-free kernel costs one switch pair per thread.
// - YHC_LAUNCH_NO_BARRIER: each block's threads run as a plain loop on the worker's stack.
//   Reaching a barrier, warp sync, shuffle or vote there throws; the launch fails.
// - Failures never hang or abort: the launch returns cudaErrorLaunchFailure (also the next
//   cudaGetLastError() and the next synchronize) and yhc_emu_last_failure() says why. Fibers left
//   suspended are resumed with a cancel flag and unwound by an exception (destructors run).
// - Context switch: a small x86-64 assembly routine (callee-saved registers + stack pointer,
//   ends in jmp); elsewhere, or with -DYHC_EMU_FORCE_UCONTEXT, ucontext (10-20x slower in
//   barrier-heavy kernels: a signal-mask system call per switch). Kernels must not change the
//   floating-point environment (MXCSR/x87 control words are not switched).
// - Scheduler functions around a switch are always_inline: every extra call/return pair around
//   the jmp-based switch costs a return misprediction (measured: 18 -> 11 ms for 1M threads).
// - ASan: switches are annotated with __sanitizer_{start,finish}_switch_fiber.
#include "yhc_host_emu.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <cxxabi.h>
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(__x86_64__) || defined(YHC_EMU_FORCE_UCONTEXT)
#define YHC_EMU_UCONTEXT 1
#include <ucontext.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define YHC_EMU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define YHC_EMU_ASAN 1
#endif
#endif
#if defined(YHC_EMU_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#pragma GCC visibility push(hidden)

// Opaque handle types of the runtime API.
struct CUstream_st {
  unsigned int flags;
};
struct CUevent_st {
  std::chrono::steady_clock::time_point when;
  bool recorded;
};

#if !defined(YHC_EMU_UCONTEXT)
// yhc_emu_switch_x86_64(save, load): push the callee-saved registers, store the stack pointer in
// *save, load `load` as the stack pointer, pop the registers saved there and jump to the address
// under them. A fresh fiber's stack is laid out so that this "returns" into the entry trampoline,
// which calls r13(r12) = fiber_main(fiber).
extern "C" void yhc_emu_switch_x86_64(void** save, void* load);
extern "C" void yhc_emu_fiber_entry_x86_64();
asm(R"(
    .text
    .p2align 4
    .globl  yhc_emu_switch_x86_64
    .hidden yhc_emu_switch_x86_64
    .type   yhc_emu_switch_x86_64, @function
yhc_emu_switch_x86_64:
    .cfi_startproc
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    popq    %rcx
    jmp     *%rcx
    .cfi_endproc
    .size   yhc_emu_switch_x86_64, .-yhc_emu_switch_x86_64

    .p2align 4
    .globl  yhc_emu_fiber_entry_x86_64
    .hidden yhc_emu_fiber_entry_x86_64
    .type   yhc_emu_fiber_entry_x86_64, @function
yhc_emu_fiber_entry_x86_64:
    .cfi_startproc
    .cfi_undefined rip
    movq    %r12, %rdi
    callq   *%r13
    ud2
    .cfi_endproc
    .size   yhc_emu_fiber_entry_x86_64, .-yhc_emu_fiber_entry_x86_64
)");
#endif

namespace yhc_emu {
namespace {

constexpr unsigned kWarpSize = 32;
constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr unsigned kMaxWarps = kMaxThreadsPerBlock / kWarpSize;
constexpr size_t kDefaultDynamicSmem = 48 * 1024;  // above this a kernel must opt in (sm_70+)
constexpr size_t kMaxDynamicSmem = 227 * 1024;     // sm_90 opt-in limit per block

// ---- errors ---------------------------------------------------------------------------------------
thread_local cudaError_t tls_last_error = cudaSuccess;
thread_local cudaError_t tls_pending_sync_error = cudaSuccess;  // a failed launch, for the next sync

std::mutex failure_mutex;
std::string last_failure;  // guarded by failure_mutex

cudaError_t record(cudaError_t e) {
  if (e != cudaSuccess) tls_last_error = e;
  return e;
}

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

// Thrown on a kernel thread to abandon its block: a barrier in a barrier-free launch, __trap().
struct KernelAbort {
  std::string why;
};
// Thrown inside a suspended fiber that the scheduler abandons (after a deadlock or an abort).
struct FiberCancelled {};

// ---- configuration --------------------------------------------------------------------------------
unsigned env_unsigned(const char* name, unsigned fallback, unsigned lo, unsigned hi) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  char* end = nullptr;
  const unsigned long v = std::strtoul(text, &end, 10);
  if (*end != '\0' || v < lo || v > hi) return fallback;
  return unsigned(v);
}

unsigned worker_count() {
  unsigned hw = std::thread::hardware_concurrency();
  if (hw == 0) hw = 1;
  return env_unsigned("YHC_EMU_THREADS", hw, 1, 1024);
}

size_t fiber_stack_bytes() {
#if defined(YHC_EMU_ASAN)
  constexpr unsigned kDefaultKb = 256;  // ASan's redzones make frames several times larger
#else
  constexpr unsigned kDefaultKb = 64;
#endif
  static const size_t bytes = size_t(env_unsigned("YHC_EMU_STACK_KB", kDefaultKb, 16, 1u << 20)) * 1024;
  return bytes;
}

// ---- fibers and workers ---------------------------------------------------------------------------
enum class ThreadState : std::uint8_t { NotStarted, Ready, AtBarrier, AtWarpSync, Done };

struct Worker;

struct Fiber {
  Lane lane{};  // what the CUDA thread on this fiber sees; lane.fiber == this
  Worker* worker = nullptr;
  unsigned tid = 0;                        // linear thread index in the block it runs
  ThreadState state = ThreadState::Ready;  // why it last switched to the scheduler
  unsigned wait_mask = 0;                  // AtWarpSync: lanes it waits for
  bool cancel = false;                     // set by the scheduler to unwind the fiber
  bool ran = false;                        // has run kernel code since its context was laid out
  void* map_base = nullptr;                // guard page + stack
  size_t map_bytes = 0;
  char* stack_lo = nullptr;
  size_t stack_bytes = 0;
#if defined(YHC_EMU_UCONTEXT)
  ucontext_t context;
#else
  void* saved_sp = nullptr;
#endif
  void* asan_fake_stack = nullptr;
};

struct WarpState {
  unsigned exist;                 // lanes present (the last warp of a block may be partial)
  unsigned done;                  // lanes that have exited
  unsigned waiting;               // lanes waiting at a warp sync
  std::uint64_t slot[kWarpSize];  // shuffle/vote exchange, one value per lane
};

struct Worker {
  // The scheduler's side of every switch (the worker thread's own stack).
#if defined(YHC_EMU_UCONTEXT)
  ucontext_t sched_context;
#else
  void* sched_sp = nullptr;
#endif
  void* sched_fake_stack = nullptr;
  const void* sched_stack_bottom = nullptr;
  size_t sched_stack_size = 0;

  std::vector<std::unique_ptr<Fiber>> fibers;  // owns all fibers; records never move
  std::vector<Fiber*> idle;                    // fibers not bound to a thread (LIFO: reuse is warm)

  const LaunchSpec* spec = nullptr;
  Lane block_lane{};  // block-wide fields copied into each thread's lane
  unsigned nthreads = 0;
  unsigned nwarps = 0;
  unsigned done_count = 0;
  unsigned barrier_count = 0;
  int bar_count = 0, bar_and = 1, bar_or = 0;              // __syncthreads_count/and/or so far
  int bar_count_out = 0, bar_and_out = 1, bar_or_out = 0;  // results of the last release
  bool aborted = false;
  std::string abort_reason;
  Fiber* fiber_of[kMaxThreadsPerBlock];
  ThreadState state_of[kMaxThreadsPerBlock];
  WarpState warps[kMaxWarps];

  uint3 thread_idx_of[kMaxThreadsPerBlock];  // threadIdx of each linear index, for this launch
  Lane plain_lane{};                         // the lane of barrier-free launches

  unsigned char* dyn_smem = nullptr;
  size_t dyn_smem_capacity = 0;

  ~Worker() {
    for (auto& f : fibers) {
#if defined(YHC_EMU_ASAN)
      __asan_unpoison_memory_region(f->stack_lo, f->stack_bytes);
#endif
      munmap(f->map_base, f->map_bytes);
    }
    std::free(dyn_smem);
  }
};

void fiber_main(Fiber* f);

#if defined(YHC_EMU_UCONTEXT)
void fiber_entry_ucontext(unsigned hi, unsigned lo) {
  fiber_main(reinterpret_cast<Fiber*>((std::uintptr_t(hi) << 32) | std::uintptr_t(lo)));
}
#endif

// Lays out a fresh stack that starts fiber_main(f) on the first switch.
void init_fiber_context(Fiber* f) {
#if defined(YHC_EMU_ASAN)
  if (f->ran) __asan_unpoison_memory_region(f->stack_lo, f->stack_bytes);  // frames left by a previous run
#endif
  f->ran = false;
#if defined(YHC_EMU_UCONTEXT)
  getcontext(&f->context);
  f->context.uc_stack.ss_sp = f->stack_lo;
  f->context.uc_stack.ss_size = f->stack_bytes;
  f->context.uc_link = nullptr;
  const std::uintptr_t p = reinterpret_cast<std::uintptr_t>(f);
  makecontext(&f->context, reinterpret_cast<void (*)()>(&fiber_entry_ucontext), 2, unsigned(p >> 32), unsigned(p & 0xffffffffu));
#else
  // Popped by the switch: r15 r14 r13 r12 rbx rbp, then the "return" address. After the pops the
  // stack pointer is 16-byte aligned, so the trampoline's call gives fiber_main an ABI frame.
  const std::uintptr_t top = (reinterpret_cast<std::uintptr_t>(f->stack_lo) + f->stack_bytes) & ~std::uintptr_t(15);
  void** sp = reinterpret_cast<void**>(top - 72);
  sp[0] = nullptr;                                               // r15
  sp[1] = nullptr;                                               // r14
  sp[2] = reinterpret_cast<void*>(&fiber_main);                  // r13: function
  sp[3] = f;                                                     // r12: argument
  sp[4] = nullptr;                                               // rbx
  sp[5] = nullptr;                                               // rbp: ends frame chains
  sp[6] = reinterpret_cast<void*>(&yhc_emu_fiber_entry_x86_64);  // jump target
  sp[7] = nullptr;
  sp[8] = nullptr;
  f->saved_sp = sp;
#endif
}

Fiber* new_fiber(Worker& w) {
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  const size_t stack = (fiber_stack_bytes() + page - 1) / page * page;
  const size_t total = stack + page;
  void* base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) return nullptr;
  if (mprotect(base, page, PROT_NONE) != 0) {  // guard page: an overflow faults instead of corrupting
    munmap(base, total);
    return nullptr;
  }
  auto fiber = std::make_unique<Fiber>();
  Fiber* f = fiber.get();
  f->worker = &w;
  f->map_base = base;
  f->map_bytes = total;
  f->stack_lo = static_cast<char*>(base) + page;
  f->stack_bytes = stack;
  f->lane.fiber = f;
  init_fiber_context(f);
  w.fibers.push_back(std::move(fiber));
  return f;
}

// Scheduler -> fiber.
__attribute__((always_inline)) inline void switch_to_fiber(Worker& w, Fiber* f) {
  current_lane = &f->lane;
#if defined(YHC_EMU_ASAN)
  __sanitizer_start_switch_fiber(&w.sched_fake_stack, f->stack_lo, f->stack_bytes);
#endif
#if defined(YHC_EMU_UCONTEXT)
  swapcontext(&w.sched_context, &f->context);
#else
  yhc_emu_switch_x86_64(&w.sched_sp, f->saved_sp);
#endif
#if defined(YHC_EMU_ASAN)
  __sanitizer_finish_switch_fiber(w.sched_fake_stack, nullptr, nullptr);
#endif
}

// Fiber -> scheduler; returns when the scheduler resumes this fiber.
__attribute__((always_inline)) inline void switch_to_scheduler(Fiber* f) {
  Worker& w = *f->worker;
#if defined(YHC_EMU_ASAN)
  __sanitizer_start_switch_fiber(&f->asan_fake_stack, w.sched_stack_bottom, w.sched_stack_size);
#endif
#if defined(YHC_EMU_UCONTEXT)
  swapcontext(&f->context, &w.sched_context);
#else
  yhc_emu_switch_x86_64(&f->saved_sp, w.sched_sp);
#endif
#if defined(YHC_EMU_ASAN)
  __sanitizer_finish_switch_fiber(f->asan_fake_stack, &w.sched_stack_bottom, &w.sched_stack_size);
#endif
}

// Suspends the running CUDA thread in `why` until the scheduler releases it.
__attribute__((always_inline)) inline void suspend(Fiber* f, ThreadState why) {
  f->state = why;
  switch_to_scheduler(f);
  if (f->cancel) throw FiberCancelled{};
}

uint3 thread_index(const Lane& block, unsigned t) {
  const unsigned bx = block.block_dim.x, by = block.block_dim.y;
  return uint3{t % bx, (t / bx) % by, t / (bx * by)};
}

__attribute__((noinline)) void run_kernel_thread(Fiber* f) {
  Worker& w = *f->worker;
  try {
    w.spec->run_thread(w.spec->call);
  } catch (const FiberCancelled&) {
  } catch (const KernelAbort& e) {
    w.aborted = true;
    w.abort_reason = e.why;
  } catch (...) {
    w.aborted = true;
    w.abort_reason = "a kernel thread threw a C++ exception";
  }
}

void fiber_main(Fiber* f) {
#if defined(YHC_EMU_ASAN)
  __sanitizer_finish_switch_fiber(nullptr, &f->worker->sched_stack_bottom, &f->worker->sched_stack_size);
#endif
  for (;;) {  // one CUDA thread per iteration; the fiber is reused until a thread suspends on it
    run_kernel_thread(f);
    f->state = ThreadState::Done;
    switch_to_scheduler(f);
  }
}

// ---- one block, fiber mode ------------------------------------------------------------------------
void begin_block(Worker& w, uint3 block_idx) {
  const LaunchSpec& s = *w.spec;
  w.block_lane.block_idx = block_idx;
  w.nthreads = s.block.x * s.block.y * s.block.z;
  w.nwarps = (w.nthreads + kWarpSize - 1) / kWarpSize;
  w.done_count = 0;
  w.barrier_count = 0;
  w.bar_count = 0, w.bar_and = 1, w.bar_or = 0;
  w.aborted = false;
  for (unsigned t = 0; t < w.nthreads; ++t) {
    w.fiber_of[t] = nullptr;
    w.state_of[t] = ThreadState::NotStarted;
  }
  for (unsigned i = 0; i < w.nwarps; ++i) {
    const unsigned lanes = std::min(kWarpSize, w.nthreads - i * kWarpSize);
    w.warps[i].exist = lanes == 32 ? 0xffffffffu : (1u << lanes) - 1u;
    w.warps[i].done = 0;
    w.warps[i].waiting = 0;
  }
}

// Runs thread t's fiber until it waits or exits, and books the outcome.
__attribute__((always_inline)) inline void resume_thread(Worker& w, unsigned t) {
  Fiber* f = w.fiber_of[t];
  switch_to_fiber(w, f);
  WarpState& warp = w.warps[t / kWarpSize];
  const unsigned bit = 1u << (t % kWarpSize);
  switch (f->state) {
    case ThreadState::Done:
      w.state_of[t] = ThreadState::Done;
      ++w.done_count;
      warp.done |= bit;
      w.fiber_of[t] = nullptr;
      w.idle.push_back(f);
      break;
    case ThreadState::AtBarrier:
      w.state_of[t] = ThreadState::AtBarrier;
      ++w.barrier_count;
      break;
    case ThreadState::AtWarpSync:
      w.state_of[t] = ThreadState::AtWarpSync;
      warp.waiting |= bit;
      break;
    default:
      break;
  }
}

bool start_thread(Worker& w, unsigned t) {
  Fiber* f = nullptr;
  if (!w.idle.empty()) {
    f = w.idle.back();
    w.idle.pop_back();
  } else {
    f = new_fiber(w);
    if (!f) {
      w.aborted = true;
      w.abort_reason = format("cannot map a %zu KiB fiber stack", fiber_stack_bytes() / 1024);
      return false;
    }
  }
  f->tid = t;
  f->ran = true;
  f->lane = w.block_lane;
  f->lane.thread_idx = w.thread_idx_of[t];
  f->lane.fiber = f;
  w.fiber_of[t] = f;
  resume_thread(w, t);
  return true;
}

// Runs warp i until none of its lanes can move without a block-wide release.
bool run_warp(Worker& w, unsigned i) {
  WarpState& warp = w.warps[i];
  const unsigned base = i * kWarpSize;
  const unsigned lanes = std::min(kWarpSize, w.nthreads - base);
  for (;;) {
    for (unsigned l = 0; l < lanes; ++l) {
      const unsigned t = base + l;
      if (w.state_of[t] == ThreadState::NotStarted) {
        if (!start_thread(w, t)) return false;
      } else if (w.state_of[t] == ThreadState::Ready) {
        resume_thread(w, t);
      } else {
        continue;
      }
      if (w.aborted) return false;
    }
    if (!warp.waiting) return true;
    // A warp sync completes when every lane it names has arrived at a warp sync or exited.
    const unsigned arrived = warp.waiting | warp.done;
    unsigned release = 0;
    for (unsigned m = warp.waiting; m; m &= m - 1) {
      const unsigned l = unsigned(__builtin_ctz(m));
      if ((w.fiber_of[base + l]->wait_mask & warp.exist & ~arrived) == 0) release |= 1u << l;
    }
    if (!release) return true;
    warp.waiting &= ~release;
    for (unsigned m = release; m; m &= m - 1) w.state_of[base + unsigned(__builtin_ctz(m))] = ThreadState::Ready;
  }
}

void release_block_barrier(Worker& w) {
  for (unsigned t = 0; t < w.nthreads; ++t)
    if (w.state_of[t] == ThreadState::AtBarrier) w.state_of[t] = ThreadState::Ready;
  w.barrier_count = 0;
  w.bar_count_out = w.bar_count, w.bar_and_out = w.bar_and, w.bar_or_out = w.bar_or;
  w.bar_count = 0, w.bar_and = 1, w.bar_or = 0;
}

// Unwinds every fiber still bound to a thread of the block, so it can be reused.
void cancel_block(Worker& w) {
  for (unsigned t = 0; t < w.nthreads; ++t) {
    Fiber* f = w.fiber_of[t];
    if (!f) continue;
    f->cancel = true;
    switch_to_fiber(w, f);  // FiberCancelled unwinds the kernel frames; fiber_main parks it
    f->cancel = false;
    w.fiber_of[t] = nullptr;
    w.idle.push_back(f);
  }
}

std::string describe_thread(const Worker& w, unsigned t) {
  const uint3 i = thread_index(w.block_lane, t);
  return format("(%u,%u,%u)", i.x, i.y, i.z);
}

std::string describe_deadlock(const Worker& w) {
  unsigned at_barrier = 0, at_warp = 0, first_barrier = 0, first_warp = 0;
  for (unsigned t = 0; t < w.nthreads; ++t) {
    if (w.state_of[t] == ThreadState::AtBarrier && at_barrier++ == 0) first_barrier = t;
    if (w.state_of[t] == ThreadState::AtWarpSync && at_warp++ == 0) first_warp = t;
  }
  std::string msg = format("deadlock: %u of %u threads wait at __syncthreads()", at_barrier, w.nthreads);
  if (at_barrier) msg += " (first: thread " + describe_thread(w, first_barrier) + ")";
  msg += format(", %u wait at a warp sync (__syncwarp/shuffle/vote) that cannot complete", at_warp);
  if (at_warp) msg += format(" (first: thread %s, mask 0x%08x)", describe_thread(w, first_warp).c_str(), w.fiber_of[first_warp]->wait_mask);
  msg += format(", %u have exited", w.done_count);
  return msg;
}

bool run_block_fibers(Worker& w, uint3 block_idx) {
  begin_block(w, block_idx);
  for (;;) {
    for (unsigned i = 0; i < w.nwarps; ++i) {
      if (!run_warp(w, i)) {
        cancel_block(w);
        return false;
      }
    }
    if (w.done_count == w.nthreads) return true;
    if (w.done_count + w.barrier_count == w.nthreads) {
      release_block_barrier(w);
      continue;
    }
    w.aborted = true;
    w.abort_reason = describe_deadlock(w);
    cancel_block(w);
    return false;
  }
}

// ---- one block, plain loop (YHC_LAUNCH_NO_BARRIER) --------------------------------------------------
bool run_block_plain(Worker& w, uint3 block_idx) {
  const LaunchSpec& s = *w.spec;
  Lane& lane = w.plain_lane;
  lane = w.block_lane;
  lane.block_idx = block_idx;
  lane.fiber = nullptr;
  current_lane = &lane;
  try {
    for (unsigned z = 0; z < s.block.z; ++z)
      for (unsigned y = 0; y < s.block.y; ++y)
        for (unsigned x = 0; x < s.block.x; ++x) {
          lane.thread_idx = uint3{x, y, z};
          s.run_thread(s.call);
        }
  } catch (const KernelAbort& e) {
    w.abort_reason = e.why;
    return false;
  } catch (...) {
    w.abort_reason = "a kernel thread threw a C++ exception";
    return false;
  }
  return true;
}

// ---- worker pool: fibers and stacks are kept across launches ------------------------------------------
struct WorkerPool {
  std::mutex mutex;
  std::vector<std::unique_ptr<Worker>> idle;
  ~WorkerPool() {
    std::lock_guard<std::mutex> lock(mutex);
    idle.clear();
  }
};
WorkerPool worker_pool;

std::unique_ptr<Worker> acquire_worker() {
  {
    std::lock_guard<std::mutex> lock(worker_pool.mutex);
    if (!worker_pool.idle.empty()) {
      std::unique_ptr<Worker> w = std::move(worker_pool.idle.back());
      worker_pool.idle.pop_back();
      return w;
    }
  }
  return std::make_unique<Worker>();
}

void release_worker(std::unique_ptr<Worker> w) {
  std::lock_guard<std::mutex> lock(worker_pool.mutex);
  worker_pool.idle.push_back(std::move(w));
}

// Binds a pooled worker to the calling OS thread for one launch.
bool prepare_worker(Worker& w, const LaunchSpec& s, std::string& error) {
  w.spec = &s;
  w.block_lane = Lane{};
  w.block_lane.block_dim = s.block;
  w.block_lane.grid_dim = s.grid;
  if (s.barriers_allowed) {
    const unsigned nthreads = s.block.x * s.block.y * s.block.z;
    for (unsigned t = 0; t < nthreads; ++t) w.thread_idx_of[t] = thread_index(w.block_lane, t);
  }
  // Fibers parked by an earlier launch may hold frames of another OS thread (cached TLS
  // addresses): start every fiber afresh on this thread.
  w.idle.clear();
  for (auto& f : w.fibers) {
    init_fiber_context(f.get());
    w.idle.push_back(f.get());
  }
  if (s.smem_bytes > w.dyn_smem_capacity) {
    std::free(w.dyn_smem);
    w.dyn_smem_capacity = 0;
    w.dyn_smem = static_cast<unsigned char*>(std::aligned_alloc(128, (s.smem_bytes + 127) / 128 * 128));
    if (!w.dyn_smem) {
      error = format("cannot allocate %zu bytes of dynamic shared memory", s.smem_bytes);
      return false;
    }
    w.dyn_smem_capacity = s.smem_bytes;
  }
  // Uninitialised shared memory reads as NaN (0xff bytes), so a kernel that relies on it shows.
  if (s.smem_bytes) std::memset(w.dyn_smem, 0xff, s.smem_bytes);
  yhc_emu_dyn_smem = s.smem_bytes ? w.dyn_smem : nullptr;
  return true;
}

// ---- dynamic shared memory opt-in (cudaFuncSetAttribute) ---------------------------------------------
std::mutex attribute_mutex;
std::unordered_map<const void*, size_t> max_dynamic_smem;  // guarded by attribute_mutex

size_t dynamic_smem_limit(const void* kernel) {
  std::lock_guard<std::mutex> lock(attribute_mutex);
  auto it = max_dynamic_smem.find(kernel);
  return it == max_dynamic_smem.end() ? kDefaultDynamicSmem : it->second;
}

// ---- launch ---------------------------------------------------------------------------------------
std::string kernel_display_name(const LaunchSpec& s) {
  std::string name = format("'%s'", s.name);
  Dl_info info{};  // the symbol's real name where it is exported (hidden kernels show as written)
  if (dladdr(s.kernel, &info) && info.dli_sname && info.dli_saddr == s.kernel) {
    int status = 0;
    char* demangled = abi::__cxa_demangle(info.dli_sname, nullptr, nullptr, &status);
    const char* real = status == 0 && demangled ? demangled : info.dli_sname;
    if (std::strcmp(real, s.name) != 0) name += format(" (%s)", real);
    std::free(demangled);
  }
  return name;
}

cudaError_t fail_launch(const LaunchSpec& s, cudaError_t code, const std::string& why) {
  const std::string msg =
      format("kernel %s launched at %s:%d with grid (%u,%u,%u) block (%u,%u,%u) smem %zu: ", kernel_display_name(s).c_str(), s.file, s.line,
             s.grid.x, s.grid.y, s.grid.z, s.block.x, s.block.y, s.block.z, s.smem_bytes) +
      why;
  {
    std::lock_guard<std::mutex> lock(failure_mutex);
    last_failure = msg;
  }
  if (code == cudaErrorLaunchFailure) tls_pending_sync_error = code;
  return record(code);
}

}  // namespace

// For the checked build (yhc_check.cpp): the stack a lane's fiber runs on, and a launch failure.
void lane_stack(const Lane* lane, const void** lo, size_t* bytes) {
  const Fiber* f = lane ? static_cast<const Fiber*>(lane->fiber) : nullptr;
  *lo = f ? f->stack_lo : nullptr;
  *bytes = f ? f->stack_bytes : 0;
}
cudaError_t fail_checked_launch(const LaunchSpec& spec, const char* why) { return fail_launch(spec, cudaErrorLaunchFailure, why); }

namespace {

// Same limits as an sm_90 GPU; a launch that breaks one runs nothing.
cudaError_t validate(const LaunchSpec& s) {
  const dim3 g = s.grid, b = s.block;
  if (!g.x || !g.y || !g.z || !b.x || !b.y || !b.z) return fail_launch(s, cudaErrorInvalidConfiguration, "a grid or block dimension is 0");
  if (b.x > 1024 || b.y > 1024 || b.z > 64 || std::uint64_t(b.x) * b.y * b.z > kMaxThreadsPerBlock)
    return fail_launch(s, cudaErrorInvalidConfiguration, "a block may have at most 1024 threads (x, y <= 1024, z <= 64)");
  if (g.x > 0x7fffffffu || g.y > 65535 || g.z > 65535)
    return fail_launch(s, cudaErrorInvalidConfiguration, "grid dimensions are limited to (2^31-1, 65535, 65535)");
  if (s.smem_bytes > kMaxDynamicSmem)
    return fail_launch(s, cudaErrorInvalidConfiguration,
                       format("dynamic shared memory of %zu bytes exceeds the 227 KiB per block", s.smem_bytes));
  const size_t limit = dynamic_smem_limit(s.kernel);
  if (s.smem_bytes > limit)
    return fail_launch(s, cudaErrorInvalidValue,
                       format("dynamic shared memory of %zu bytes exceeds the kernel's limit of %zu; raise it with "
                              "cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes)",
                              s.smem_bytes, limit));
  return cudaSuccess;
}

}  // namespace

cudaError_t launch_blocks(const LaunchSpec& s);

// YHC_EMU_PROFILE=1: one line per launch on stderr (kernel, grid, block, wall time).
cudaError_t launch(const LaunchSpec& s) {
  static const bool profile = env_unsigned("YHC_EMU_PROFILE", 0, 0, 1) == 1;
  if (!profile) return launch_blocks(s);
  const auto start = std::chrono::steady_clock::now();
  const cudaError_t e = launch_blocks(s);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "yhc_emu_profile %10.3f ms  grid %u  block %u  %s  %s\n", ms, s.grid.x * s.grid.y * s.grid.z,
               s.block.x * s.block.y * s.block.z, s.barriers_allowed ? "fibers" : "plain ", s.file);
  return e;
}

cudaError_t launch_blocks(const LaunchSpec& s) {
  if (const cudaError_t e = validate(s)) return e;
  const std::uint64_t nblocks = std::uint64_t(s.grid.x) * s.grid.y * s.grid.z;
  const unsigned nworkers = unsigned(std::min<std::uint64_t>(worker_count(), nblocks));

  std::atomic<std::uint64_t> next_block{0};
  std::atomic<bool> failed{false};
  std::mutex failure_lock;
  std::string failure;  // the first block failure, guarded by failure_lock

  auto note_failure = [&](const std::string& why) {
    std::lock_guard<std::mutex> lock(failure_lock);
    if (!failed.load()) failure = why;
    failed.store(true);
  };
  auto work = [&]() {
    std::unique_ptr<Worker> w = acquire_worker();
    std::string error;
    if (!prepare_worker(*w, s, error)) {
      note_failure(error);
    } else {
      for (;;) {
        if (failed.load(std::memory_order_relaxed)) break;
        const std::uint64_t b = next_block.fetch_add(1, std::memory_order_relaxed);
        if (b >= nblocks) break;
        const uint3 block_idx{unsigned(b % s.grid.x), unsigned(b / s.grid.x % s.grid.y),
                              unsigned(b / (std::uint64_t(s.grid.x) * s.grid.y))};
        const bool ok = s.barriers_allowed ? run_block_fibers(*w, block_idx) : run_block_plain(*w, block_idx);
        if (!ok) {
          note_failure(format("block (%u,%u,%u): ", block_idx.x, block_idx.y, block_idx.z) + w->abort_reason);
          break;
        }
      }
    }
    current_lane = nullptr;
    yhc_emu_dyn_smem = nullptr;
    w->spec = nullptr;
    release_worker(std::move(w));
  };

  std::vector<std::thread> helpers;
  for (unsigned i = 1; i < nworkers; ++i) {
    try {
      helpers.emplace_back(work);
    } catch (...) {
      break;  // fewer threads is still correct
    }
  }
  work();
  for (std::thread& t : helpers) t.join();

  if (failed.load()) return fail_launch(s, cudaErrorLaunchFailure, failure);
  return cudaSuccess;
}

// ---- device-side entry points -----------------------------------------------------------------------
namespace {

// The fiber of the running CUDA thread; in a barrier-free launch there is none and the intrinsic
// `what` fails the launch.
Fiber* fiber_for(const char* what) {
  Lane* lane = current_lane;
  if (lane && lane->fiber) return static_cast<Fiber*>(lane->fiber);
  if (!lane) throw KernelAbort{format("%s called outside a kernel", what)};
  throw KernelAbort{
      format("%s reached by thread (%u,%u,%u) in a kernel launched with YHC_LAUNCH_NO_BARRIER; "
             "launch it with YHC_LAUNCH",
             what, lane->thread_idx.x, lane->thread_idx.y, lane->thread_idx.z)};
}

__attribute__((always_inline)) inline void wait_warp(Fiber* f, unsigned mask) {
  f->wait_mask = mask | (1u << (f->tid % kWarpSize));  // a lane always syncs with itself
  suspend(f, ThreadState::AtWarpSync);
}

}  // namespace

void sync_block() { suspend(fiber_for("__syncthreads()"), ThreadState::AtBarrier); }

int sync_block_reduce(int predicate, int op) {
  Fiber* f = fiber_for("__syncthreads_count/and/or()");
  Worker& w = *f->worker;
  const int p = predicate != 0;
  w.bar_count += p;
  w.bar_and &= p;
  w.bar_or |= p;
  suspend(f, ThreadState::AtBarrier);
  return op == kBarrierCount ? w.bar_count_out : op == kBarrierAnd ? w.bar_and_out : w.bar_or_out;
}

void sync_warp(unsigned mask) { wait_warp(fiber_for("__syncwarp()"), mask); }

std::uint64_t shuffle(unsigned mask, std::uint64_t bits, unsigned mode, unsigned b, unsigned c) {
  Fiber* f = fiber_for("a warp shuffle (__shfl*_sync)");
  Worker& w = *f->worker;
  WarpState& warp = w.warps[f->tid / kWarpSize];
  const unsigned lane = f->tid % kWarpSize;
  warp.slot[lane] = bits;
  wait_warp(f, mask);  // every lane of mask has published its value
  // Source lane as PTX shfl.sync defines it; out of range -> the caller's own value.
  const unsigned clamp = c & 31u, segmask = (c >> 8) & 31u;
  const unsigned min_lane = lane & segmask, max_lane = min_lane | (clamp & ~segmask);
  b &= 31u;
  int j = int(lane);
  bool in_range = false;
  switch (mode) {
    case kShflUp:
      j = int(lane) - int(b);
      in_range = j >= int(max_lane);
      break;
    case kShflDown:
      j = int(lane + b);
      in_range = j <= int(max_lane);
      break;
    case kShflXor:
      j = int(lane ^ b);
      in_range = j <= int(max_lane);
      break;
    default:
      j = int(min_lane | (b & ~segmask));
      in_range = j <= int(max_lane);
      break;
  }
  std::uint64_t result = bits;
  // Reading a lane that does not exist or has exited is undefined on a GPU; here: own value.
  if (in_range && ((warp.exist & ~warp.done) >> j & 1u)) result = warp.slot[j];
  wait_warp(f, mask);  // every lane has read before anyone publishes the next value
  return result;
}

void warp_gather(std::uint64_t bits, std::uint64_t out[kWarpSize]) {
  Fiber* f = fiber_for("a warp gather (mma emulation)");
  WarpState& warp = f->worker->warps[f->tid / kWarpSize];
  warp.slot[f->tid % kWarpSize] = bits;
  wait_warp(f, 0xffffffffu);
  for (unsigned l = 0; l < kWarpSize; ++l) out[l] = warp.slot[l];
  wait_warp(f, 0xffffffffu);
}

unsigned vote(unsigned mask, int predicate, int kind) {
  Fiber* f = fiber_for("a warp vote (__ballot_sync/__any_sync/__all_sync)");
  Worker& w = *f->worker;
  WarpState& warp = w.warps[f->tid / kWarpSize];
  warp.slot[f->tid % kWarpSize] = predicate != 0;
  wait_warp(f, mask);
  const unsigned active = (mask | (1u << (f->tid % kWarpSize))) & warp.exist & ~warp.done;
  unsigned ballot = 0;
  for (unsigned m = active; m; m &= m - 1) {
    const unsigned l = unsigned(__builtin_ctz(m));
    if (warp.slot[l]) ballot |= 1u << l;
  }
  wait_warp(f, mask);
  if (kind == kVoteAny) return ballot != 0;
  if (kind == kVoteAll) return ballot == active;
  return ballot;
}

unsigned active_mask() {
  Lane* lane = current_lane;
  if (!lane) return 0;
  const Lane& l = *lane;
  const unsigned t = l.thread_idx.x + l.block_dim.x * (l.thread_idx.y + l.block_dim.y * l.thread_idx.z);
  const unsigned nthreads = l.block_dim.x * l.block_dim.y * l.block_dim.z;
  const unsigned lanes = std::min(kWarpSize, nthreads - t / kWarpSize * kWarpSize);
  const unsigned exist = lanes == 32 ? 0xffffffffu : (1u << lanes) - 1u;
  if (!l.fiber) return exist;  // plain loop: every thread of the warp is (conceptually) active
  const WarpState& warp = static_cast<Fiber*>(l.fiber)->worker->warps[t / kWarpSize];
  return warp.exist & ~warp.done;
}

void trap() {
  const Lane* lane = current_lane;
  if (!lane) throw KernelAbort{"__trap() called outside a kernel"};
  throw KernelAbort{format("__trap() called by thread (%u,%u,%u)", lane->thread_idx.x, lane->thread_idx.y, lane->thread_idx.z)};
}

}  // namespace yhc_emu

// ---- CUDA runtime API subset ------------------------------------------------------------------------
namespace {

using yhc_emu::record;

// Allocations made through cudaMalloc/cudaMallocHost, so frees of foreign pointers are errors.
std::mutex allocation_mutex;
std::unordered_map<void*, size_t> device_allocations;  // guarded by allocation_mutex
std::unordered_map<void*, size_t> host_allocations;    // guarded by allocation_mutex

cudaError_t allocate(std::unordered_map<void*, size_t>& table, void** ptr, size_t size) {
  if (!ptr) return record(cudaErrorInvalidValue);
  *ptr = nullptr;
  if (size == 0) return cudaSuccess;
  if (size > (size_t(1) << 46)) return record(cudaErrorMemoryAllocation);
  // cudaMalloc aligns to 256 bytes; the exact size lets ASan see accesses past the end.
  void* p = nullptr;
#if defined(YHC_CHECK)
  const size_t guard = 256;  // checked builds: an overrun lands in guard bytes the checker knows
#else
  const size_t guard = 0;
#endif
  if (posix_memalign(&p, 256, size + guard) != 0) return record(cudaErrorMemoryAllocation);
#if defined(YHC_CHECK)
  yhc_emu::check::on_malloc(p, size, guard);
#endif
  std::lock_guard<std::mutex> lock(allocation_mutex);
  table.emplace(p, size);
  *ptr = p;
  return cudaSuccess;
}

cudaError_t release(std::unordered_map<void*, size_t>& table, void* ptr) {
  if (!ptr) return cudaSuccess;
  {
    std::lock_guard<std::mutex> lock(allocation_mutex);
    auto it = table.find(ptr);
    if (it == table.end()) return record(cudaErrorInvalidValue);
    table.erase(it);
  }
#if defined(YHC_CHECK)
  yhc_emu::check::on_free(ptr);
#endif
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t take_pending_sync_error() {
  const cudaError_t e = yhc_emu::tls_pending_sync_error;
  yhc_emu::tls_pending_sync_error = cudaSuccess;
  return record(e);
}

struct ErrorText {
  cudaError_t code;
  const char* name;
  const char* text;
};
const ErrorText kErrorTexts[] = {
    {cudaSuccess, "cudaSuccess", "no error"},
    {cudaErrorInvalidValue, "cudaErrorInvalidValue", "invalid argument"},
    {cudaErrorMemoryAllocation, "cudaErrorMemoryAllocation", "out of memory"},
    {cudaErrorInitializationError, "cudaErrorInitializationError", "initialization error"},
    {cudaErrorInvalidConfiguration, "cudaErrorInvalidConfiguration", "invalid configuration argument"},
    {cudaErrorInvalidSymbol, "cudaErrorInvalidSymbol", "invalid device symbol"},
    {cudaErrorInvalidDevicePointer, "cudaErrorInvalidDevicePointer", "invalid device pointer"},
    {cudaErrorInvalidMemcpyDirection, "cudaErrorInvalidMemcpyDirection", "invalid copy direction for memcpy"},
    {cudaErrorInvalidDeviceFunction, "cudaErrorInvalidDeviceFunction", "invalid device function"},
    {cudaErrorNoDevice, "cudaErrorNoDevice", "no CUDA-capable device is detected"},
    {cudaErrorInvalidDevice, "cudaErrorInvalidDevice", "invalid device ordinal"},
    {cudaErrorInvalidResourceHandle, "cudaErrorInvalidResourceHandle", "invalid resource handle"},
    {cudaErrorNotReady, "cudaErrorNotReady", "device not ready"},
    {cudaErrorIllegalAddress, "cudaErrorIllegalAddress", "an illegal memory access was encountered"},
    {cudaErrorLaunchOutOfResources, "cudaErrorLaunchOutOfResources", "too many resources requested for launch"},
    {cudaErrorAssert, "cudaErrorAssert", "device-side assert triggered"},
    {cudaErrorLaunchFailure, "cudaErrorLaunchFailure", "unspecified launch failure"},
    {cudaErrorNotSupported, "cudaErrorNotSupported", "operation not supported"},
    {cudaErrorUnknown, "cudaErrorUnknown", "unknown error"},
};
const ErrorText* find_error(cudaError_t e) {
  for (const ErrorText& t : kErrorTexts)
    if (t.code == e) return &t;
  return nullptr;
}

}  // namespace

extern "C" {

cudaError_t cudaGetLastError(void) {
  const cudaError_t e = yhc_emu::tls_last_error;
  yhc_emu::tls_last_error = cudaSuccess;
  return e;
}
cudaError_t cudaPeekAtLastError(void) { return yhc_emu::tls_last_error; }
const char* cudaGetErrorString(cudaError_t error) {
  const ErrorText* t = find_error(error);
  return t ? t->text : "unrecognized error code";
}
const char* cudaGetErrorName(cudaError_t error) {
  const ErrorText* t = find_error(error);
  return t ? t->name : "cudaErrorUnknown";
}

__attribute__((visibility("default"))) const char* yhc_emu_last_failure(void) {
  thread_local std::string copy;  // stable for the caller while other threads may fail launches
  std::lock_guard<std::mutex> lock(yhc_emu::failure_mutex);
  copy = yhc_emu::last_failure;
  return copy.c_str();
}

__attribute__((visibility("default"))) size_t yhc_emu_device_bytes(void) {
  std::lock_guard<std::mutex> lock(allocation_mutex);
  size_t n = 0;
  for (const auto& a : device_allocations) n += a.second;
  return n;
}

cudaError_t cudaGetDeviceCount(int* count) {
  if (!count) return record(cudaErrorInvalidValue);
  *count = 1;
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* device) {
  if (!device) return record(cudaErrorInvalidValue);
  *device = 0;
  return cudaSuccess;
}
cudaError_t cudaSetDevice(int device) { return device == 0 ? cudaSuccess : record(cudaErrorInvalidDevice); }
cudaError_t cudaDeviceGetAttribute(int* value, enum cudaDeviceAttr attr, int device) {
  if (!value) return record(cudaErrorInvalidValue);
  if (device != 0) return record(cudaErrorInvalidDevice);
  switch (attr) {  // an H100 SXM, the GPU yhc is tuned for
    case cudaDevAttrMaxThreadsPerBlock:
      *value = 1024;
      break;
    case cudaDevAttrMaxSharedMemoryPerBlock:
      *value = int(yhc_emu::kDefaultDynamicSmem);
      break;
    case cudaDevAttrWarpSize:
      *value = 32;
      break;
    case cudaDevAttrMultiProcessorCount:
      *value = 132;
      break;
    case cudaDevAttrComputeCapabilityMajor:
      *value = 9;
      break;
    case cudaDevAttrComputeCapabilityMinor:
      *value = 0;
      break;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin:
      *value = int(yhc_emu::kMaxDynamicSmem);
      break;
    default:
      return record(cudaErrorInvalidValue);
  }
  return cudaSuccess;
}

// Launches are synchronous; a synchronize reports a launch that failed since the last one.
cudaError_t cudaDeviceSynchronize(void) { return take_pending_sync_error(); }
cudaError_t cudaStreamSynchronize(cudaStream_t) { return take_pending_sync_error(); }

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags) {
  if (!stream) return record(cudaErrorInvalidValue);
  *stream = new (std::nothrow) CUstream_st{flags};
  return *stream ? cudaSuccess : record(cudaErrorMemoryAllocation);
}
cudaError_t cudaStreamCreate(cudaStream_t* stream) { return cudaStreamCreateWithFlags(stream, cudaStreamDefault); }
cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  if (!stream) return record(cudaErrorInvalidResourceHandle);
  delete stream;
  return cudaSuccess;
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int) {
  if (!event) return record(cudaErrorInvalidValue);
  *event = new (std::nothrow) CUevent_st{{}, false};
  return *event ? cudaSuccess : record(cudaErrorMemoryAllocation);
}
cudaError_t cudaEventCreate(cudaEvent_t* event) { return cudaEventCreateWithFlags(event, cudaEventDefault); }
cudaError_t cudaEventDestroy(cudaEvent_t event) {
  if (!event) return record(cudaErrorInvalidResourceHandle);
  delete event;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t) {
  if (!event) return record(cudaErrorInvalidResourceHandle);
  event->when = std::chrono::steady_clock::now();
  event->recorded = true;
  return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t event) { return event ? cudaSuccess : record(cudaErrorInvalidResourceHandle); }
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (!ms) return record(cudaErrorInvalidValue);
  if (!start || !end || !start->recorded || !end->recorded) return record(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(end->when - start->when).count();
  return cudaSuccess;
}

cudaError_t cudaMalloc(void** ptr, size_t size) { return allocate(device_allocations, ptr, size); }
cudaError_t cudaFree(void* ptr) { return release(device_allocations, ptr); }
cudaError_t cudaMallocHost(void** ptr, size_t size) { return allocate(host_allocations, ptr, size); }
cudaError_t cudaFreeHost(void* ptr) { return release(host_allocations, ptr); }

cudaError_t cudaMemcpy(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind) {
  if (unsigned(kind) > unsigned(cudaMemcpyDefault)) return record(cudaErrorInvalidMemcpyDirection);
  if (count == 0) return cudaSuccess;
  if (!dst || !src) return record(cudaErrorInvalidValue);
  std::memmove(dst, src, count);
#if defined(YHC_CHECK)
  yhc_emu::check::on_host_write(dst, count);
#endif
  return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind, cudaStream_t) {
  return cudaMemcpy(dst, src, count, kind);
}
cudaError_t cudaMemset(void* ptr, int value, size_t count) {
  if (count == 0) return cudaSuccess;
  if (!ptr) return record(cudaErrorInvalidValue);
  std::memset(ptr, value, count);
#if defined(YHC_CHECK)
  yhc_emu::check::on_host_write(ptr, count);
#endif
  return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void* ptr, int value, size_t count, cudaStream_t) { return cudaMemset(ptr, value, count); }
cudaError_t cudaMemcpyToSymbol(const void* symbol, const void* src, size_t count, size_t offset, enum cudaMemcpyKind kind) {
  if (!symbol) return record(cudaErrorInvalidSymbol);
  return cudaMemcpy(static_cast<char*>(const_cast<void*>(symbol)) + offset, src, count, kind);
}
cudaError_t cudaMemcpyFromSymbol(void* dst, const void* symbol, size_t count, size_t offset, enum cudaMemcpyKind kind) {
  if (!symbol) return record(cudaErrorInvalidSymbol);
  return cudaMemcpy(dst, static_cast<const char*>(symbol) + offset, count, kind);
}

cudaError_t cudaFuncSetAttribute(const void* func, enum cudaFuncAttribute attr, int value) {
  if (!func) return record(cudaErrorInvalidDeviceFunction);
  if (attr == cudaFuncAttributeMaxDynamicSharedMemorySize) {
    if (value < 0 || size_t(value) > yhc_emu::kMaxDynamicSmem) return record(cudaErrorInvalidValue);
    std::lock_guard<std::mutex> lock(yhc_emu::attribute_mutex);
    yhc_emu::max_dynamic_smem[func] = size_t(value);
    return cudaSuccess;
  }
  if (attr == cudaFuncAttributePreferredSharedMemoryCarveout) return cudaSuccess;
  return record(cudaErrorInvalidValue);
}

}  // extern "C"

#pragma GCC visibility pop
