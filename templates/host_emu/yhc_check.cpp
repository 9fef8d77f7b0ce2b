// yhc_check.cpp — runtime of the checked host build (see yhc_check.h and docs/checker.md).
//
// Compiled into every host engine; empty unless YHC_CHECK is defined. Kernel translation units of
// a checked build are compiled with -fsanitize=thread and no libtsan: the __tsan_* entry points
// the instrumentation calls are defined here and classify each access by address:
// - the running fiber's own stack: ignored (locals);
// - shared memory (the worker thread's TLS block, where __shared__ arrays live, and the dynamic
//   shared buffer): per byte, the last writer and reader thread, the barrier epoch (number of
//   __syncthreads() the thread has passed) and its warp-sync count; another thread's access in the
//   same epoch without a warp sync of the writer between is a race;
// - device memory (cudaMalloc'd regions and the engine's registered inputs/outputs): per byte,
//   the launch and block that last wrote it. Two blocks of one launch writing a byte (not by
//   atomics) race; a read of a byte nothing wrote this run is uninitialized; an address outside
//   every registered tensor (guard bytes) or in a tensor that is no argument of the launch is out
//   of bounds. Naturally aligned accesses (float4, int4, ...) must be aligned on the address too.
// - anything else (kernel parameters, constants, the emulator's records): ignored.
// Reports are collected per launch; a launch with reports fails (cudaErrorLaunchFailure) and
// yhc_emu_last_failure() holds the first; every report is also printed on stderr.
#if defined(YHC_CHECK)

#include "yhc_host_emu.h"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>

#pragma GCC visibility push(hidden)

namespace yhc_emu {

// Defined in yhc_host_emu.cpp: the stack of the fiber behind a lane (null in a plain-loop launch).
void lane_stack(const Lane* lane, const void** lo, size_t* bytes);

namespace check {
namespace {

constexpr size_t kMaxReportsPerLaunch = 20;

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// ---- source lines of program counters (addr2line on the module, once per pc) ---------------------
std::mutex symbol_mutex;
std::map<const void*, std::string> symbol_cache;

std::string source_line(const void* pc) {
  if (!pc) return "?";
  std::lock_guard<std::mutex> lock(symbol_mutex);
  auto it = symbol_cache.find(pc);
  if (it != symbol_cache.end()) return it->second;
  std::string where = fmt("%p", pc);
  Dl_info info{};
  if (dladdr(pc, &info) && info.dli_fname) {
    const uintptr_t offset = reinterpret_cast<uintptr_t>(pc) - 1 - reinterpret_cast<uintptr_t>(info.dli_fbase);
    // Non-PIE executables are linked at their load address: addr2line wants the absolute pc.
    const bool exec = info.dli_fbase == reinterpret_cast<void*>(0x400000);
    const uintptr_t address = exec ? reinterpret_cast<uintptr_t>(pc) - 1 : offset;
    where = fmt("%s+0x%lx", info.dli_fname, static_cast<unsigned long>(offset));
    std::string cmd = "addr2line -i -e '";
    for (const char* c = info.dli_fname; *c; ++c) cmd += *c == '\'' ? std::string("'\\''") : std::string(1, *c);
    cmd += fmt("' 0x%lx 2>/dev/null", static_cast<unsigned long>(address));
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char line[2048];
      std::string first;
      // Innermost frame first: skip the emulator's own inline wrappers (__syncthreads, ...).
      while (fgets(line, sizeof line, p)) {
        std::string l(line);
        while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
        const size_t paren = l.find(" (discriminator");
        if (paren != std::string::npos) l.resize(paren);
        if (l.empty() || l[0] == '?') continue;
        if (first.empty()) first = l;
        if (l.find("yhc_host_emu.h:") == std::string::npos) {
          first = l;
          break;
        }
      }
      pclose(p);
      if (!first.empty()) {
        // Paths relative to the build directory read best: keep from "include/" or "kernels/".
        for (const char* anchor : {"/include/", "/kernels/", "/templates/"}) {
          const size_t at = first.rfind(anchor);
          if (at != std::string::npos) {
            first = first.substr(at + 1);
            break;
          }
        }
        where = first;
      }
    }
  }
  symbol_cache.emplace(pc, where);
  return where;
}

// ---- device memory: regions (allocations, engine inputs/outputs) and the tensors in them -----------
struct Extent {
  uintptr_t lo, hi;
  std::string name;
  char kind;
  size_t elem;
  int id;  // index into Registry::extents
};

struct Region {
  uintptr_t lo, hi;  // including the guard bytes after the allocation
  uintptr_t user_hi;
  bool io;                                               // an engine input/output registered for one run (host memory)
  std::unique_ptr<std::atomic<std::uint64_t>[]> shadow;  // per byte: launch << 32 | (block + 1); 0: unwritten
  int allocation;                                        // the extent of the whole allocation
  std::vector<int> tensors;                              // named tensors in it, sorted by lo
};

struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<Region>> regions;  // sorted by lo
  std::vector<Extent> extents;                   // ids are stable; a freed region's extents stay (hi = lo)
  int allocations = 0;
};
Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: engines may free memory at exit
  return *r;
}

Region* find_region_locked(uintptr_t a) {
  auto& rs = registry().regions;
  auto it = std::upper_bound(rs.begin(), rs.end(), a, [](uintptr_t v, const std::unique_ptr<Region>& r) { return v < r->lo; });
  if (it == rs.begin()) return nullptr;
  Region* r = (it - 1)->get();
  return a < r->hi ? r : nullptr;
}

void add_region_locked(uintptr_t lo, size_t bytes, size_t guard, bool io, const std::string& default_name) {
  Registry& reg = registry();
  auto r = std::make_unique<Region>();
  r->lo = lo;
  r->user_hi = lo + bytes;
  r->hi = lo + bytes + guard;
  r->io = io;
  r->shadow.reset(new std::atomic<std::uint64_t>[bytes + guard]());
  const int id = int(reg.extents.size());
  reg.extents.push_back(Extent{lo, lo + bytes, default_name, io ? 'i' : 'm', 1, id});
  r->allocation = id;
  auto pos =
      std::upper_bound(reg.regions.begin(), reg.regions.end(), lo, [](uintptr_t v, const std::unique_ptr<Region>& x) { return v < x->lo; });
  reg.regions.insert(pos, std::move(r));
}

void remove_region_locked(uintptr_t lo) {
  auto& rs = registry().regions;
  for (auto it = rs.begin(); it != rs.end(); ++it) {
    if ((*it)->lo != lo) continue;
    for (int id : (*it)->tensors) registry().extents[size_t(id)].hi = registry().extents[size_t(id)].lo;
    registry().extents[size_t((*it)->allocation)].hi = registry().extents[size_t((*it)->allocation)].lo;
    rs.erase(it);
    return;
  }
}

// ---- the launch being checked ------------------------------------------------------------------------
struct Report {
  std::string kind;
  const void* pc;
  std::string text;  // without source lines, which are added when the launch ends
  const void* pc2;   // the other access, for races (may be null)
};

struct LaunchState {
  std::mutex launch_mutex;  // one checked launch at a time in the process
  std::uint32_t seq = 1;    // launch number; 1 marks bytes written by the host
  const char* name = "";
  const char* file = "";
  int line = 0;
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  size_t smem = 0;
  std::vector<char> is_arg;  // by extent id: passed to this launch
  bool any_arg = false;
  std::mutex report_mutex;
  std::vector<Report> reports;
  std::set<std::pair<std::string, const void*>> seen;
  size_t dropped = 0;
  std::string all;  // every report of the process, one per line
};
LaunchState* const the_launch = new LaunchState();
inline LaunchState& launch_state() { return *the_launch; }

void report(const char* kind, const void* pc, std::string text, const void* pc2 = nullptr) {
  LaunchState& L = launch_state();
  std::lock_guard<std::mutex> lock(L.report_mutex);
  if (!L.seen.emplace(kind, pc).second) return;
  if (L.reports.size() >= kMaxReportsPerLaunch) {
    ++L.dropped;
    return;
  }
  L.reports.push_back(Report{kind, pc, std::move(text), pc2});
}

std::string block_text(std::uint64_t b) {
  const LaunchState& L = launch_state();
  return fmt("(%u,%u,%u)", unsigned(b % L.grid[0]), unsigned(b / L.grid[0] % L.grid[1]),
             unsigned(b / (std::uint64_t(L.grid[0]) * L.grid[1])));
}
std::string thread_text(unsigned t) {
  const LaunchState& L = launch_state();
  return fmt("(%u,%u,%u)", t % L.block[0], t / L.block[0] % L.block[1], t / (L.block[0] * L.block[1]));
}

// ---- per worker thread: the block it runs, its threads' barrier and warp state, shared shadow ------
struct SharedCell {
  std::uint32_t gen;  // block generation of the worker; a stale cell is empty
  std::uint16_t writer, reader;
  bool watomic;  // the last write was an atomic
  std::uint32_t wepoch, repoch;
  std::uint32_t wwarp;  // writer's warp-sync count at the write
  std::uint32_t rwarp;  // reader's, at the read
  const void* wpc;
  const void* rpc;
};
constexpr std::uint16_t kNone = 0xffff, kMany = 0xfffe;

struct WarpWait {
  bool active = false;
  bool validated = false;
  int op = 0;
  unsigned mask = 0;
  const void* site = nullptr;
};

struct Worker {
  std::uint32_t launch = 0;
  bool has_block = false;
  std::uint64_t block = 0;
  std::uint32_t gen = 0;
  unsigned nthreads = 0;
  std::vector<std::uint32_t> epoch;  // barriers passed, per thread
  std::vector<std::uint32_t> wsync;  // warp syncs passed, per thread
  std::vector<char> exited;
  std::vector<WarpWait> waiting;
  std::vector<const void*> barrier_sites;  // per barrier number: where the first thread waited
  bool barrier_mismatch_reported = false;
  // Shared memory of this OS thread: the module's TLS block (static __shared__) and dynamic smem.
  uintptr_t tls_lo = 0, tls_hi = 0;
  std::vector<SharedCell> tls_cells, dyn_cells;
  // The running fiber's stack.
  const Lane* stack_lane = nullptr;
  uintptr_t stack_lo = 0, stack_hi = 0;
  Region* last_region = nullptr;
  uintptr_t emu_slot0 = 0, emu_slot1 = 0;
};

int find_tls(struct dl_phdr_info* info, size_t, void* data) {
  Worker* w = static_cast<Worker*>(data);
  const uintptr_t self = reinterpret_cast<uintptr_t>(&find_tls);
  bool mine = false;
  size_t tls_bytes = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && self >= info->dlpi_addr + ph.p_vaddr && self < info->dlpi_addr + ph.p_vaddr + ph.p_memsz) mine = true;
    if (ph.p_type == PT_TLS) tls_bytes = ph.p_memsz;
  }
  if (!mine) return 0;
  if (info->dlpi_tls_data && tls_bytes) {
    w->tls_lo = reinterpret_cast<uintptr_t>(info->dlpi_tls_data);
    w->tls_hi = w->tls_lo + tls_bytes;
  }
  return 1;
}

void finalize_block(Worker& w);
bool in_launch = false;
std::string source_line(const void* pc);

// Two call sites of a sync: the same if at one source line (optimization may duplicate code).
bool same_site(const void* a, const void* b) { return a == b || source_line(a) == source_line(b); }

// Workers are pooled: a launch's helper threads are new OS threads, their state is not.
std::mutex pool_mutex;
std::vector<Worker*> worker_pool;

struct WorkerHandle {
  Worker* w = nullptr;
  ~WorkerHandle();  // at thread exit: finalize the last block, give the state back
};
thread_local WorkerHandle tls_handle;
thread_local Worker* tls_worker = nullptr;  // trivial: no TLS wrapper call on the hot path

__attribute__((noinline)) Worker& new_worker() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (!worker_pool.empty()) {
      tls_handle.w = worker_pool.back();
      worker_pool.pop_back();
    }
  }
  if (!tls_handle.w) tls_handle.w = new Worker();
  Worker* w = tls_handle.w;
  w->tls_lo = w->tls_hi = 0;
  dl_iterate_phdr(&find_tls, w);  // this thread's copy of the module's TLS (where __shared__ lives)
  if (w->tls_cells.size() < w->tls_hi - w->tls_lo) w->tls_cells.assign(w->tls_hi - w->tls_lo, SharedCell{});
  // The emulator's own thread_locals live there too; kernel code reads them (threadIdx, ...).
  w->emu_slot0 = reinterpret_cast<uintptr_t>(&current_lane);
  w->emu_slot1 = reinterpret_cast<uintptr_t>(&yhc_emu_dyn_smem);
  w->stack_lane = nullptr;
  w->last_region = nullptr;
  tls_worker = w;
  return *w;
}

__attribute__((always_inline)) inline Worker& worker() {
  Worker* w = tls_worker;
  return w ? *w : new_worker();
}

unsigned linear_thread(const Lane& l) { return l.thread_idx.x + l.block_dim.x * (l.thread_idx.y + l.block_dim.y * l.thread_idx.z); }
std::uint64_t linear_block(const Lane& l) {
  return l.block_idx.x + std::uint64_t(l.grid_dim.x) * (l.block_idx.y + std::uint64_t(l.grid_dim.y) * l.block_idx.z);
}

void finalize_block(Worker& w) {
  w.has_block = false;
  if (w.nthreads == 0) return;
  std::uint32_t lo = w.epoch[0], hi = w.epoch[0];
  unsigned lagging = 0;
  for (unsigned t = 0; t < w.nthreads; ++t) lo = std::min(lo, w.epoch[t]), hi = std::max(hi, w.epoch[t]);
  if (lo == hi) return;
  unsigned reached = 0;
  for (unsigned t = 0; t < w.nthreads; ++t) {
    if (w.epoch[t] > lo)
      ++reached;
    else if (reached == 0 || lagging == 0)
      lagging = t;
  }
  for (unsigned t = 0; t < w.nthreads; ++t)
    if (w.epoch[t] == lo) {
      lagging = t;
      break;
    }
  const void* site = lo < w.barrier_sites.size() ? w.barrier_sites[lo] : nullptr;
  report("divergent-barrier", site,
         fmt("divergent __syncthreads() in kernel '%s', block %s: reached by %u of %u threads (thread %s exited after %u barriers)",
             launch_state().name, block_text(w.block).c_str(), reached, w.nthreads, thread_text(lagging).c_str(), unsigned(lo)));
}

void begin_block(Worker& w, const Lane& l) {
  w.has_block = true;
  w.block = linear_block(l);
  ++w.gen;
  if (w.gen == 0) {  // wrapped: clear the cells once
    for (auto& c : w.tls_cells) c = SharedCell{};
    for (auto& c : w.dyn_cells) c = SharedCell{};
    w.gen = 1;
  }
  w.nthreads = l.block_dim.x * l.block_dim.y * l.block_dim.z;
  w.epoch.assign(w.nthreads, 0);
  w.wsync.assign(w.nthreads, 0);
  w.exited.assign(w.nthreads, 0);
  w.waiting.assign(w.nthreads, WarpWait{});
  w.barrier_sites.clear();
  w.barrier_mismatch_reported = false;
}

// The worker's state for the running CUDA thread; null outside a checked launch.
__attribute__((always_inline)) inline Worker* enter(const Lane*& lane_out) {
  const Lane* lane = current_lane;
  if (!lane || !in_launch) return nullptr;
  Worker& w = worker();
  const LaunchState& L = launch_state();
  if (w.launch != L.seq) {
    w.launch = L.seq;
    w.has_block = false;
    w.stack_lane = nullptr;
    w.last_region = nullptr;
    w.dyn_cells.assign(L.smem, SharedCell{});
  }
  if (!w.has_block || w.block != linear_block(*lane)) {
    if (w.has_block) finalize_block(w);
    begin_block(w, *lane);
  }
  lane_out = lane;
  return &w;
}

// ---- accesses --------------------------------------------------------------------------------------
enum Access : int { kRead = 0, kWrite = 1, kAtomic = 2 };

const char* verb(int kind) { return kind == kRead ? "reads" : kind == kWrite ? "writes" : "updates (atomic)"; }

std::string element_text(const Extent& e, uintptr_t a) {
  const long long delta = (long long)(a) - (long long)(e.lo);
  if (e.elem > 1 && delta % (long long)e.elem == 0) return fmt("%s[%lld]", e.name.c_str(), delta / (long long)e.elem);
  return fmt("%s[byte %lld]", e.name.c_str(), delta);
}

// The tensor that holds `a`; the allocation itself where no tensor is named in it; null in the
// guard bytes (between tensors, or after the allocation).
const Extent* extent_at(const Region& r, uintptr_t a) {
  const auto& all = registry().extents;
  if (r.tensors.empty()) return a < r.user_hi ? &all[size_t(r.allocation)] : nullptr;
  auto it = std::upper_bound(r.tensors.begin(), r.tensors.end(), a, [&](uintptr_t v, int id) { return v < all[size_t(id)].lo; });
  if (it == r.tensors.begin()) return nullptr;
  const Extent& e = all[size_t(*(it - 1))];
  return a < e.hi ? &e : nullptr;
}

// The tensor nearest to `a` (an argument of the launch, if args_only).
const Extent* nearest_extent(const Region& r, uintptr_t a, bool args_only) {
  const auto& all = registry().extents;
  const LaunchState& L = launch_state();
  const Extent* best = nullptr;
  std::uint64_t best_d = ~0ull;
  std::vector<int> ids = r.tensors;
  if (ids.empty()) ids.push_back(r.allocation);
  for (int id : ids) {
    const Extent& e = all[size_t(id)];
    if (args_only && !L.is_arg[size_t(id)]) continue;
    const std::uint64_t d = a < e.lo ? e.lo - a : a >= e.hi ? a - e.hi + 1 : 0;
    if (d < best_d) best = &e, best_d = d;
  }
  return best;
}

void global_access(Worker& w, const Lane& lane, Region& r, uintptr_t a, size_t n, int kind, bool aligned, const void* pc) {
  const LaunchState& L = launch_state();
  const unsigned t = linear_thread(lane);
  const Extent* e = extent_at(r, a);
  auto who_text = [&]() { return fmt("thread %s of block %s", thread_text(t).c_str(), block_text(w.block).c_str()); };
  if (!e) {
    const Extent* near = nearest_extent(r, a, L.any_arg);
    if (!near) near = nearest_extent(r, a, false);
    const char* where = !near ? "" : a >= near->hi ? ", past the end of " : ", before the start of ";
    report("bounds", pc,
           fmt("out-of-bounds access in kernel '%s': %s %s %zu bytes at %s%s%s (%zu bytes)", L.name, who_text().c_str(), verb(kind), n,
               near ? element_text(*near, a).c_str() : fmt("%p", reinterpret_cast<void*>(a)).c_str(), where, near ? near->name.c_str() : "",
               near ? size_t(near->hi - near->lo) : size_t(0)));
    return;
  }
  if (L.any_arg && !L.is_arg[size_t(e->id)]) {
    const Extent* near = nearest_extent(r, a, true);
    report("bounds", pc,
           fmt("out-of-bounds access in kernel '%s': %s %s %zu bytes at %s, a tensor that is not an argument of the launch%s%s", L.name,
               who_text().c_str(), verb(kind), n, element_text(*e, a).c_str(), near ? " (nearest argument: " : "",
               near ? (element_text(*near, a) + ")").c_str() : ""));
    return;
  }
  if (aligned && n > 1 && (a % n) != 0) {
    report("misaligned", pc,
           fmt("misaligned %zu-byte %s in kernel '%s': %s at %s, address %p is not %zu-byte aligned", n, kind == kRead ? "load" : "store",
               L.name, who_text().c_str(), element_text(*e, a).c_str(), reinterpret_cast<void*>(a), n));
  }
  std::atomic<std::uint64_t>* s = &r.shadow[a - r.lo];
  const size_t count = std::min<size_t>(n, r.hi - a);
  if (kind == kRead) {
    for (size_t i = 0; i < count; ++i) {
      if (s[i].load(std::memory_order_relaxed) == 0) {
        report("uninitialized", pc,
               fmt("uninitialized read in kernel '%s': %s reads %s, which nothing has written in this run", L.name, who_text().c_str(),
                   element_text(*e, a + i).c_str()));
        break;
      }
    }
    return;
  }
  const std::uint64_t mine = (std::uint64_t(L.seq) << 32) | (kind == kAtomic ? 0u : std::uint32_t(w.block + 1));
  for (size_t i = 0; i < count; ++i) {
    const std::uint64_t old = kind == kAtomic ? s[i].load(std::memory_order_relaxed) : s[i].exchange(mine, std::memory_order_relaxed);
    if (kind == kAtomic) {
      if (old >> 32 != L.seq) s[i].store(mine, std::memory_order_relaxed);
      continue;
    }
    const std::uint32_t other = std::uint32_t(old);
    if ((old >> 32) == L.seq && other != 0 && other != std::uint32_t(w.block + 1)) {
      report("global-race", pc,
             fmt("write-write race on global memory in kernel '%s': %s writes %s, which block %s also wrote in this launch (not atomics)",
                 L.name, who_text().c_str(), element_text(*e, a + i).c_str(), block_text(other - 1).c_str()));
      break;
    }
  }
}

void shared_access(Worker& w, const Lane& lane, SharedCell* cells, uintptr_t base_offset, size_t n, int kind, bool aligned, uintptr_t a,
                   const void* pc, const char* space) {
  const unsigned t = linear_thread(lane);
  const std::uint32_t ep = w.epoch[t];
  const LaunchState& L = launch_state();
  if (aligned && n > 1 && (a % n) != 0) {
    report("misaligned", pc,
           fmt("misaligned %zu-byte %s in kernel '%s': thread %s of block %s at %s+%zu, address %p is not %zu-byte aligned", n,
               kind == kRead ? "load" : "store", L.name, thread_text(t).c_str(), block_text(w.block).c_str(), space, size_t(base_offset),
               reinterpret_cast<void*>(a), n));
  }
  for (size_t i = 0; i < n; ++i) {
    SharedCell& c = cells[base_offset + i];
    // Fast path: a read of a byte this thread (or several) already read in this interval, that no
    // other thread wrote in it.
    if (kind == kRead && c.gen == w.gen && c.repoch == ep && (c.reader == t || c.reader == kMany) &&
        (c.writer == kNone || c.writer == t || c.wepoch != ep))
      continue;
    if (c.gen != w.gen) c = SharedCell{w.gen, kNone, kNone, false, 0, 0, 0, 0, nullptr, nullptr};
    // The writer is ordered before this access if it passed a barrier since (epoch) or, in the
    // same warp, a warp sync since (its warp-sync count moved on).
    // Atomics do not race with each other.
    const bool writer_conflicts = c.writer != kNone && c.writer != t && c.wepoch == ep && !(kind == kAtomic && c.watomic) &&
                                  !((c.writer / 32 == t / 32) && w.wsync[c.writer] > c.wwarp);
    if (writer_conflicts) {
      report("shared-race", pc,
             fmt("race on shared memory in kernel '%s', block %s: thread %s %s %s+%zu, which thread %s wrote (at %%OTHER%%) with no "
                 "__syncthreads() between",
                 L.name, block_text(w.block).c_str(), thread_text(t).c_str(), verb(kind), space, size_t(base_offset + i),
                 thread_text(c.writer).c_str()),
             c.wpc);
      return;
    }
    if (kind == kRead) {
      if (c.reader == kNone || c.repoch != ep) {
        c.reader = std::uint16_t(t);
        c.repoch = ep;
        c.rwarp = w.wsync[t];
        c.rpc = pc;
      } else if (c.reader != t) {
        c.reader = kMany;
      }
      continue;
    }
    if (c.reader != kNone && c.reader != t && c.repoch == ep &&
        !(c.reader != kMany && c.reader / 32 == t / 32 && w.wsync[c.reader] > c.rwarp)) {
      report("shared-race", pc,
             fmt("race on shared memory in kernel '%s', block %s: thread %s writes %s+%zu, which %s read (at %%OTHER%%) with no "
                 "__syncthreads() between",
                 L.name, block_text(w.block).c_str(), thread_text(t).c_str(), space, size_t(base_offset + i),
                 c.reader == kMany ? "other threads" : ("thread " + thread_text(c.reader)).c_str()),
             c.rpc);
      return;
    }
    c.writer = std::uint16_t(t);
    c.watomic = kind == kAtomic;
    c.wepoch = ep;
    c.wwarp = w.wsync[t];
    c.wpc = pc;
    c.reader = kNone;
  }
}

__attribute__((always_inline)) inline void access(const void* addr, size_t n, int kind, bool aligned, const void* pc) {
  const Lane* lane;
  Worker* wp = enter(lane);
  if (!wp) return;
  Worker& w = *wp;
  const uintptr_t a = reinterpret_cast<uintptr_t>(addr);
  if (w.stack_lane != lane) {
    const void* lo = nullptr;
    size_t bytes = 0;
    lane_stack(lane, &lo, &bytes);
    if (!lo) {  // a plain-loop launch runs on the worker thread's own stack
      pthread_attr_t attr;
      if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void* slo = nullptr;
        pthread_attr_getstack(&attr, &slo, &bytes);
        pthread_attr_destroy(&attr);
        lo = slo;
      }
    }
    w.stack_lane = lane;
    w.stack_lo = reinterpret_cast<uintptr_t>(lo);
    w.stack_hi = w.stack_lo + bytes;
  }
  if (a >= w.stack_lo && a < w.stack_hi) return;
  if (a - reinterpret_cast<uintptr_t>(lane) < sizeof(Lane) || a == w.emu_slot0 || a == w.emu_slot1) return;  // threadIdx, ...
  if (a >= w.tls_lo && a + n <= w.tls_hi)
    return shared_access(w, *lane, w.tls_cells.data(), a - w.tls_lo, n, kind, aligned, a, pc, "__shared__");
  const uintptr_t dyn = reinterpret_cast<uintptr_t>(yhc_emu_dyn_smem);
  if (dyn && a >= dyn && a + n <= dyn + w.dyn_cells.size())
    return shared_access(w, *lane, w.dyn_cells.data(), a - dyn, n, kind, aligned, a, pc, "dynamic shared memory");
  Region* r = w.last_region;
  if (!r || a < r->lo || a >= r->hi) {
    r = find_region_locked(a);  // regions do not change during a launch
    if (!r) return;
    w.last_region = r;
  }
  global_access(w, *lane, *r, a, n, kind, aligned, pc);
}

WorkerHandle::~WorkerHandle() {
  if (!w) return;
  tls_worker = nullptr;
  if (w->has_block && in_launch && w->launch == launch_state().seq) finalize_block(*w);
  w->launch = 0;
  std::lock_guard<std::mutex> lock(pool_mutex);
  worker_pool.push_back(w);
}

}  // namespace

// ---- hooks ------------------------------------------------------------------------------------------
void launch_begin(const char* name, const char* file, int line, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                  unsigned bz, size_t smem, const void* const* pointer_args, int count) {
  LaunchState& L = launch_state();
  L.launch_mutex.lock();
  std::lock_guard<std::mutex> lock(registry().mutex);
  ++L.seq;
  L.name = name;
  L.file = file;
  L.line = line;
  L.grid[0] = gx, L.grid[1] = gy, L.grid[2] = gz;
  L.block[0] = bx, L.block[1] = by, L.block[2] = bz;
  L.smem = smem;
  L.reports.clear();
  L.seen.clear();
  L.dropped = 0;
  L.is_arg.assign(registry().extents.size(), 0);
  L.any_arg = false;
  for (int i = 0; i < count; ++i) {
    const uintptr_t p = reinterpret_cast<uintptr_t>(pointer_args[i]);
    Region* r = p ? find_region_locked(p) : nullptr;
    if (!r) continue;
    const Extent* e = extent_at(*r, p);
    if (!e) continue;
    L.is_arg[size_t(e->id)] = 1;
    L.any_arg = true;
  }
  in_launch = true;
}

bool launch_end(std::string& message) {
  LaunchState& L = launch_state();
  if (Worker* w = tls_handle.w) {
    if (w->launch == L.seq && w->has_block) finalize_block(*w);
    w->launch = 0;
  }
  in_launch = false;
  std::vector<std::string> lines;
  for (const Report& r : L.reports) {
    std::string text = r.text;
    const size_t other = text.find("%OTHER%");
    if (other != std::string::npos) text.replace(other, 7, source_line(r.pc2));
    lines.push_back(fmt("yhc check: %s (%s)", text.c_str(), source_line(r.pc).c_str()));
  }
  if (L.dropped) lines.push_back(fmt("yhc check: %zu more reports in kernel '%s' left out", L.dropped, L.name));
  for (const std::string& l : lines) {
    std::fprintf(stderr, "%s\n", l.c_str());
    L.all += l + "\n";
  }
  const bool failed = !L.reports.empty();
  if (failed) {
    message = lines.front().substr(11);
    if (L.reports.size() + L.dropped > 1) message += fmt(" (and %zu more reports)", L.reports.size() + L.dropped - 1);
  }
  L.launch_mutex.unlock();
  return failed;
}

void barrier_enter() {
  const void* site = __builtin_return_address(0);
  const Lane* lane;
  Worker* w = enter(lane);
  if (!w) return;
  const unsigned t = linear_thread(*lane);
  const std::uint32_t e = w->epoch[t];
  if (e < w->barrier_sites.size()) {
    if (w->barrier_sites[e] != site && !w->barrier_mismatch_reported && !same_site(w->barrier_sites[e], site)) {
      w->barrier_mismatch_reported = true;
      report("divergent-barrier", site,
             fmt("divergent __syncthreads() in kernel '%s', block %s: thread %s waits at a different __syncthreads() than the threads "
                 "before it (at %%OTHER%%)",
                 launch_state().name, block_text(w->block).c_str(), thread_text(t).c_str()),
             w->barrier_sites[e]);
    }
  } else {
    w->barrier_sites.resize(e + 1, nullptr);
    w->barrier_sites[e] = site;
  }
}

void barrier_leave() {
  const Lane* lane;
  Worker* w = enter(lane);
  if (w) ++w->epoch[linear_thread(*lane)];
}

void warp_enter(int op, unsigned mask) {
  const void* site = __builtin_return_address(0);
  const Lane* lane;
  Worker* w = enter(lane);
  if (!w) return;
  const unsigned t = linear_thread(*lane);
  w->waiting[t] = WarpWait{true, false, op, mask | (1u << (t % 32)), site};
}

void warp_leave() {
  const Lane* lane;
  Worker* w = enter(lane);
  if (!w) return;
  const unsigned t = linear_thread(*lane);
  WarpWait& me = w->waiting[t];
  // The first lane to run after the release sees every lane as it was at the release.
  if (!me.validated) {
    static const char* const kNames[] = {"__syncwarp()", "a warp shuffle", "a warp vote"};
    const unsigned base = t / 32 * 32;
    for (unsigned m = me.mask; m; m &= m - 1) {
      const unsigned j = base + unsigned(__builtin_ctz(m));
      if (j == t || j >= w->nthreads) continue;
      WarpWait& other = w->waiting[j];
      if (w->exited[j]) {
        report("warp-sync", me.site,
               fmt("%s in kernel '%s' by thread %s of block %s names lane %u (mask 0x%08x), which has exited", kNames[me.op],
                   launch_state().name, thread_text(t).c_str(), block_text(w->block).c_str(), j % 32, me.mask));
      } else if (other.active && (other.op != me.op || !same_site(other.site, me.site))) {
        report(
            "warp-sync", me.site,
            fmt("%s in kernel '%s' by thread %s of block %s names lane %u (mask 0x%08x), which is at a different warp sync (at %%OTHER%%)",
                kNames[me.op], launch_state().name, thread_text(t).c_str(), block_text(w->block).c_str(), j % 32, me.mask),
            other.site);
      } else if (other.active) {
        other.validated = true;
      }
    }
  }
  me.active = false;
  ++w->wsync[t];
}

void thread_exit() {
  const Lane* lane;
  Worker* w = enter(lane);
  if (w) w->exited[linear_thread(*lane)] = 1;
}

void on_malloc(void* p, size_t bytes, size_t guard) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  add_region_locked(reinterpret_cast<uintptr_t>(p), bytes, guard, false, fmt("allocation #%d", registry().allocations++));
}

void on_free(void* p) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  remove_region_locked(reinterpret_cast<uintptr_t>(p));
}

void on_host_write(void* p, size_t bytes) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  uintptr_t a = reinterpret_cast<uintptr_t>(p);
  const uintptr_t end = a + bytes;
  while (a < end) {
    Region* r = find_region_locked(a);
    if (!r) return;
    const uintptr_t stop = std::min(end, r->hi);
    for (uintptr_t x = a; x < stop; ++x) r->shadow[x - r->lo].store(std::uint64_t(1) << 32, std::memory_order_relaxed);
    a = stop;
  }
}

}  // namespace check
}  // namespace yhc_emu

using namespace yhc_emu::check;

extern "C" {

void yhc_check_tensor(const char* name, char kind, const void* ptr, size_t bytes, size_t elem_bytes) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  const uintptr_t lo = reinterpret_cast<uintptr_t>(ptr);
  Region* r = find_region_locked(lo);
  if ((kind == 'i' || kind == 'o') && (!r || r->io)) {
    if (!r) add_region_locked(lo, bytes, 0, true, name);
    r = find_region_locked(lo);
    if (!r) return;
    Extent& e = registry().extents[size_t(r->allocation)];
    e.name = name, e.kind = kind, e.elem = elem_bytes ? elem_bytes : 1;
    if (kind == 'i')
      for (size_t i = 0; i < bytes; ++i) r->shadow[i].store(std::uint64_t(1) << 32, std::memory_order_relaxed);
    return;
  }
  if (!r) return;
  if (kind == 'i')
    for (size_t i = 0; i < bytes; ++i) r->shadow[lo - r->lo + i].store(std::uint64_t(1) << 32, std::memory_order_relaxed);
  const int id = int(registry().extents.size());
  registry().extents.push_back(Extent{lo, lo + bytes, name, kind, elem_bytes ? elem_bytes : 1, id});
  const auto& all = registry().extents;
  r->tensors.insert(std::upper_bound(r->tensors.begin(), r->tensors.end(), lo, [&](uintptr_t v, int x) { return v < all[size_t(x)].lo; }),
                    id);
}

// A new run: activations and outputs hold nothing written in this run.
void yhc_check_run_begin(void) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  for (auto& r : registry().regions) {
    std::vector<int> ids = r->tensors;
    ids.push_back(r->allocation);
    for (int id : ids) {
      const Extent& e = registry().extents[size_t(id)];
      if (e.kind != 'a' && e.kind != 'o') continue;
      for (uintptr_t x = e.lo; x < e.hi; ++x) r->shadow[x - r->lo].store(0, std::memory_order_relaxed);
    }
  }
}

int yhc_check_knows(const void* ptr) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  const Region* r = find_region_locked(reinterpret_cast<uintptr_t>(ptr));
  return r && !r->tensors.empty();
}

void yhc_check_forget_io(void) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  std::vector<uintptr_t> io;
  for (auto& r : registry().regions)
    if (r->io) io.push_back(r->lo);
  for (uintptr_t lo : io) remove_region_locked(lo);
}

const char* yhc_check_reports(void) { return launch_state().all.c_str(); }

// ---- the ThreadSanitizer instrumentation ABI (what g++ -fsanitize=thread emits calls to) ------------
#define YHC_CHECK_RW(n)                                                                                        \
  void __tsan_read##n(void* a) { access(a, n, kRead, true, __builtin_return_address(0)); }                     \
  void __tsan_write##n(void* a) { access(a, n, kWrite, true, __builtin_return_address(0)); }                   \
  void __tsan_unaligned_read##n(void* a) { access(a, n, kRead, false, __builtin_return_address(0)); }          \
  void __tsan_unaligned_write##n(void* a) { access(a, n, kWrite, false, __builtin_return_address(0)); }        \
  void __tsan_volatile_read##n(void* a) { access(a, n, kRead, true, __builtin_return_address(0)); }            \
  void __tsan_volatile_write##n(void* a) { access(a, n, kWrite, true, __builtin_return_address(0)); }          \
  void __tsan_unaligned_volatile_read##n(void* a) { access(a, n, kRead, false, __builtin_return_address(0)); } \
  void __tsan_unaligned_volatile_write##n(void* a) { access(a, n, kWrite, false, __builtin_return_address(0)); }
YHC_CHECK_RW(1)
YHC_CHECK_RW(2)
YHC_CHECK_RW(4)
YHC_CHECK_RW(8)
YHC_CHECK_RW(16)
#undef YHC_CHECK_RW
void __tsan_read_range(void* a, unsigned long n) { access(a, n, kRead, false, __builtin_return_address(0)); }
void __tsan_write_range(void* a, unsigned long n) { access(a, n, kWrite, false, __builtin_return_address(0)); }
void __tsan_init(void) {}
void __tsan_func_entry(void*) {}
void __tsan_func_exit(void) {}
void __tsan_vptr_update(void**, void*) {}
void __tsan_vptr_read(void**) {}

// Atomics run as real atomics (blocks run in parallel); they count as writes that never race.
#define YHC_CHECK_ATOMIC(bits, T)                                                           \
  T __tsan_atomic##bits##_load(const volatile T* a, int) {                                  \
    access(const_cast<T*>(a), sizeof(T), kRead, true, __builtin_return_address(0));         \
    return __atomic_load_n(a, __ATOMIC_SEQ_CST);                                            \
  }                                                                                         \
  void __tsan_atomic##bits##_store(volatile T* a, T v, int) {                               \
    access(const_cast<T*>(a), sizeof(T), kAtomic, true, __builtin_return_address(0));       \
    __atomic_store_n(a, v, __ATOMIC_SEQ_CST);                                               \
  }                                                                                         \
  T __tsan_atomic##bits##_exchange(volatile T* a, T v, int) {                               \
    access(const_cast<T*>(a), sizeof(T), kAtomic, true, __builtin_return_address(0));       \
    return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);                                     \
  }                                                                                         \
  T __tsan_atomic##bits##_fetch_add(volatile T* a, T v, int) {                              \
    access(const_cast<T*>(a), sizeof(T), kAtomic, true, __builtin_return_address(0));       \
    return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST);                                      \
  }                                                                                         \
  T __tsan_atomic##bits##_fetch_sub(volatile T* a, T v, int) {                              \
    access(const_cast<T*>(a), sizeof(T), kAtomic, true, __builtin_return_address(0));       \
    return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST);                                      \
  }                                                                                         \
  T __tsan_atomic##bits##_fetch_and(volatile T* a, T v, int) {                              \
    access(const_cast<T*>(a), sizeof(T), kAtomic, true, __builtin_return_address(0));       \
    return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST);                                      \
  }                                                                                         \
  T __tsan_atomic##bits##_fetch_or(volatile T* a, T v, int) {                               \
    access(const_cast<T*>(a), sizeof(T), kAtomic, true, __builtin_return_address(0));       \
    return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST);                                       \
  }                                                                                         \
  T __tsan_atomic##bits##_fetch_xor(volatile T* a, T v, int) {                              \
    access(const_cast<T*>(a), sizeof(T), kAtomic, true, __builtin_return_address(0));       \
    return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST);                                      \
  }                                                                                         \
  T __tsan_atomic##bits##_fetch_nand(volatile T* a, T v, int) {                             \
    access(const_cast<T*>(a), sizeof(T), kAtomic, true, __builtin_return_address(0));       \
    return __atomic_fetch_nand(a, v, __ATOMIC_SEQ_CST);                                     \
  }                                                                                         \
  int __tsan_atomic##bits##_compare_exchange_strong(volatile T* a, T* c, T v, int, int) {   \
    access(const_cast<T*>(a), sizeof(T), kAtomic, true, __builtin_return_address(0));       \
    return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
  }                                                                                         \
  int __tsan_atomic##bits##_compare_exchange_weak(volatile T* a, T* c, T v, int, int) {     \
    access(const_cast<T*>(a), sizeof(T), kAtomic, true, __builtin_return_address(0));       \
    return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
  }                                                                                         \
  T __tsan_atomic##bits##_compare_exchange_val(volatile T* a, T c, T v, int, int) {         \
    access(const_cast<T*>(a), sizeof(T), kAtomic, true, __builtin_return_address(0));       \
    __atomic_compare_exchange_n(a, &c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);       \
    return c;                                                                               \
  }
YHC_CHECK_ATOMIC(8, char)
YHC_CHECK_ATOMIC(16, short)
YHC_CHECK_ATOMIC(32, int)
YHC_CHECK_ATOMIC(64, long)
#undef YHC_CHECK_ATOMIC
void __tsan_atomic_thread_fence(int) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
void __tsan_atomic_signal_fence(int) {}

}  // extern "C"

#pragma GCC visibility pop

#endif  // YHC_CHECK
