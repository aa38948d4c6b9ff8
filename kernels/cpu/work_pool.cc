#include "kernels/cpu/work_pool.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace tandem::kernels {
namespace {

// How long an idle worker spins before it sleeps: consecutive operators of a model start
// regions microseconds apart, and a futex wake costs more than that.
constexpr auto kWorkerSpin = std::chrono::microseconds(100);
// Pause iterations the caller spins on unfinished items before it yields its CPU, which a
// worker holding the last items may need on a loaded machine.
constexpr int kCallerSpinsBeforeYield = 2000;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

void FutexWait(std::atomic<uint32_t>* word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

void FutexWakeAll(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

// Flush-to-zero and denormals-are-zero while a region asks for it (PTHREADPOOL_FLAG_DISABLE_DENORMALS).
class DenormalsOff {
 public:
  explicit DenormalsOff(bool enable) {
#if defined(__x86_64__) || defined(__i386__)
    if (enable) {
      saved_ = _mm_getcsr();
      _mm_setcsr(saved_ | 0x8040);  // FTZ | DAZ
      active_ = true;
    }
#else
    (void)enable;
#endif
  }
  ~DenormalsOff() {
#if defined(__x86_64__) || defined(__i386__)
    if (active_) _mm_setcsr(saved_);
#endif
  }

 private:
  unsigned saved_ = 0;
  bool active_ = false;
};

}  // namespace

struct WorkPool::Region {
  RangeFn fn;
  void* context;
  size_t items;
  size_t threads;
  uint32_t flags;
  std::atomic<size_t> next{0};  // first unclaimed item
  std::atomic<size_t> done{0};  // items finished
};

WorkPool::WorkPool(size_t threads, std::function<void()> worker_hook) : worker_hook_(std::move(worker_hook)) {
  if (threads == 0) threads = static_cast<size_t>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  workers_.reserve(threads - 1);
  // Workers start from generation 0, not from what they read when they first run: a region (or
  // the destructor) may bump it before a new thread gets there.
  for (size_t i = 1; i < threads; ++i) workers_.emplace_back([this] { WorkerMain(); });
}

WorkPool::~WorkPool() {
  stopping_.store(true, std::memory_order_seq_cst);
  generation_.fetch_add(1, std::memory_order_seq_cst);
  FutexWakeAll(&generation_);
  for (std::thread& t : workers_) t.join();
}

// Claims ranges until none is left. Ranges shrink as the region drains (guided scheduling): big
// contiguous ranges first for locality, small ones at the end so that threads finish together.
void WorkPool::Work(Region& region) {
  DenormalsOff denormals_off((region.flags & kDisableDenormals) != 0);
  size_t begin = region.next.load(std::memory_order_relaxed);
  while (begin < region.items) {
    size_t chunk = std::max<size_t>(1, (region.items - begin) / (2 * region.threads));
    if (!region.next.compare_exchange_weak(begin, begin + chunk, std::memory_order_relaxed)) continue;
    size_t end = begin + chunk;
    region.fn(region.context, begin, end);
    region.done.fetch_add(chunk, std::memory_order_acq_rel);
    begin = region.next.load(std::memory_order_relaxed);
  }
}

void WorkPool::RunInline(size_t items, RangeFn fn, void* context, uint32_t flags) {
  if (items == 0) return;
  DenormalsOff denormals_off((flags & kDisableDenormals) != 0);
  fn(context, 0, items);
}

void WorkPool::Run(size_t items, RangeFn fn, void* context, uint32_t flags) {
  if (workers_.empty() || items <= 1) return RunInline(items, fn, context, flags);
  std::lock_guard<std::mutex> lock(run_mutex_);
  Region region{fn, context, items, threads(), flags};
  yield_workers_.store((flags & kYieldWorkers) != 0, std::memory_order_relaxed);
  region_.store(&region, std::memory_order_seq_cst);
  generation_.fetch_add(1, std::memory_order_seq_cst);
  if (sleeping_workers_.load(std::memory_order_seq_cst) > 0) FutexWakeAll(&generation_);

  Work(region);
  // Items other threads claimed: those threads are running (they claimed after waking), so this
  // wait is short unless the OS preempts one mid-range.
  for (int spins = 0; region.done.load(std::memory_order_acquire) < items; ++spins) {
    if (spins < kCallerSpinsBeforeYield) {
      CpuRelax();
    } else {
      sched_yield();
    }
  }
  // Workers that woke late see no region; those that already hold `region` leave it at once
  // (nothing is left to claim), and must do so before it goes out of scope.
  region_.store(nullptr, std::memory_order_seq_cst);
  for (int spins = 0; busy_workers_.load(std::memory_order_seq_cst) > 0; ++spins) {
    if (spins < kCallerSpinsBeforeYield) {
      CpuRelax();
    } else {
      sched_yield();
    }
  }
  regions_.fetch_add(1, std::memory_order_relaxed);
}

uint32_t WorkPool::WaitForNextRegion(uint32_t seen, bool spin) {
  if (spin) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0;; ++i) {
      uint32_t now = generation_.load(std::memory_order_acquire);
      if (now != seen) return now;
      CpuRelax();
      if ((i & 63) == 63 && std::chrono::steady_clock::now() - start > kWorkerSpin) break;
    }
  }
  for (;;) {
    // Dekker with Run: either Run sees this count and wakes us, or we see its new generation.
    sleeping_workers_.fetch_add(1, std::memory_order_seq_cst);
    uint32_t now = generation_.load(std::memory_order_seq_cst);
    if (now == seen) FutexWait(&generation_, seen);
    sleeping_workers_.fetch_sub(1, std::memory_order_seq_cst);
    now = generation_.load(std::memory_order_acquire);
    if (now != seen) return now;
  }
}

void WorkPool::WorkerMain() {
  uint32_t seen = 0;
  bool spin = false;
  for (;;) {
    seen = WaitForNextRegion(seen, spin);
    if (stopping_.load(std::memory_order_acquire)) return;
    if (worker_hook_) worker_hook_();
    // Dekker with Run's exit: either Run sees this count and waits for us, or we see null.
    busy_workers_.fetch_add(1, std::memory_order_seq_cst);
    Region* region = region_.load(std::memory_order_seq_cst);
    if (region != nullptr) Work(*region);
    busy_workers_.fetch_sub(1, std::memory_order_seq_cst);
    spin = !yield_workers_.load(std::memory_order_relaxed);
  }
}

}  // namespace tandem::kernels
