// The CPU thread pool that XNNPACK and tandem's own kernels run on.
//
// Why not Debian's pthreadpool: its parallel region ends only when every worker has woken up and
// acknowledged, even a worker whose share the caller has already stolen. On a machine with other
// load, a descheduled worker holds the caller for a scheduler time slice at each of the ~60
// regions of a resnet18 run: 268 ms with 2 threads against 18 ms idle and 55 ms for ONNX Runtime
// under the same load (docs/cpu_executor.md, "Thread pool"). Here the caller never waits for a
// worker that has not started: items are claimed from a shared counter, the caller takes
// whatever is left, and it waits only for workers that are inside the region, which are running.
//
// kernels/cpu/pthreadpool_api.cc implements pthreadpool's C API on this class, so XNNPACK (which
// calls pthreadpool_parallelize_*) runs on it too; see that file for how the calls bind here.
#ifndef TANDEM_KERNELS_CPU_WORK_POOL_H_
#define TANDEM_KERNELS_CPU_WORK_POOL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tandem::kernels {

class WorkPool {
 public:
  // Processes items [begin, end) of a region.
  using RangeFn = void (*)(void* context, size_t begin, size_t end);

  // Flags of Run, with pthreadpool's values (PTHREADPOOL_FLAG_*).
  static constexpr uint32_t kDisableDenormals = 1;  // flush denormals to zero while the region runs
  static constexpr uint32_t kYieldWorkers = 2;      // workers sleep right after, instead of spinning

  // `threads` counts the caller: a pool of N threads starts N - 1 workers. 0 means one per
  // online CPU. `worker_hook`, for tests only, runs in a worker each time it wakes for a region,
  // before it joins in (a test blocks it there to prove that the caller does not wait).
  explicit WorkPool(size_t threads, std::function<void()> worker_hook = nullptr);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  size_t threads() const { return workers_.size() + 1; }

  // Calls fn over [0, items) in contiguous ranges, on the caller and the workers, and returns
  // when every item is done. Regions from several threads run one after another (as
  // pthreadpool's do). Not reentrant: fn must not call Run on the same pool.
  void Run(size_t items, RangeFn fn, void* context, uint32_t flags = 0);
  // The same on the calling thread alone (what a null pthreadpool_t means).
  static void RunInline(size_t items, RangeFn fn, void* context, uint32_t flags = 0);

  // Regions that went to the workers so far (not those run inline on the caller); for tests.
  uint64_t regions() const { return regions_.load(std::memory_order_relaxed); }

 private:
  struct Region;
  void WorkerMain();
  void Work(Region& region);
  uint32_t WaitForNextRegion(uint32_t seen, bool spin);

  std::vector<std::thread> workers_;
  std::function<void()> worker_hook_;
  std::mutex run_mutex_;  // one region at a time
  // Futex word: bumped for every region and at shutdown.
  std::atomic<uint32_t> generation_{0};
  std::atomic<Region*> region_{nullptr};
  std::atomic<int> busy_workers_{0};     // workers that may be reading region_'s Region
  std::atomic<int> sleeping_workers_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> yield_workers_{false};
  std::atomic<uint64_t> regions_{0};
};

}  // namespace tandem::kernels

#endif  // TANDEM_KERNELS_CPU_WORK_POOL_H_
