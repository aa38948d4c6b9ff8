#include "partitioner/arena_planner.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace tandem::partitioner {
namespace {

int64_t AlignUp(int64_t x, int64_t a) { return (x + a - 1) / a * a; }

// Buffers reused across calls on one thread: the solvers evaluate memory thousands of times, and
// fresh vectors of this size would come from the kernel (page faults) on every call. Bounded by
// the largest problem this thread has planned.
struct Scratch {
  std::vector<uint32_t> order, swap;  // request indices, largest first, ties by index
  std::vector<uint64_t> key;          // by request: ~bytes, so that ascending is largest first
  std::vector<int64_t> size;          // aligned size by request
  std::vector<uint32_t> start, filled, slots, seen;
  std::vector<std::pair<int64_t, int64_t>> busy;
};

// Sorts s.order (initially 0..n-1) by s.key ascending, stably: an LSD radix sort on the bytes
// of the key, skipping the bytes all keys share. Sizes repeat a lot and mostly differ in one or
// two bytes, so this is a few O(n) passes where a comparison sort was the planner's biggest cost.
void StableSortByKey(Scratch& s) {
  const size_t n = s.order.size();
  s.swap.resize(n);
  uint64_t all = ~uint64_t{0}, any = 0;  // bits set in every key / in some key
  for (uint64_t k : s.key) {
    all &= k;
    any |= k;
  }
  for (int shift = 0; shift < 64; shift += 8) {
    if ((((all ^ any) >> shift) & 0xff) == 0) continue;  // every key has this byte: nothing moves
    size_t count[257] = {0};
    for (uint32_t i : s.order) ++count[((s.key[i] >> shift) & 0xff) + 1];
    for (int b = 0; b < 256; ++b) count[b + 1] += count[b];
    for (uint32_t i : s.order) s.swap[count[(s.key[i] >> shift) & 0xff]++] = i;
    s.order.swap(s.swap);
  }
}

}  // namespace

executors::MemoryPlan PlanArena(absl::Span<const executors::BufferRequest> requests,
                                int64_t alignment) {
  executors::MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  if (requests.empty()) return plan;
  thread_local Scratch s;
  const size_t n = requests.size();
  s.order.resize(n);
  s.key.resize(n);
  s.size.resize(n);
  int min_step = requests[0].first, max_step = requests[0].last;
  for (size_t i = 0; i < n; ++i) {
    const executors::BufferRequest& r = requests[i];
    s.order[i] = static_cast<uint32_t>(i);
    s.key[i] = ~static_cast<uint64_t>(std::max<int64_t>(r.bytes, 0));
    s.size[i] = AlignUp(std::max<int64_t>(r.bytes, 1), std::max<int64_t>(alignment, 1));
    min_step = std::min(min_step, r.first);
    max_step = std::max(max_step, r.last);
  }
  // Same order as executors::PlanMemory: by size, largest first, ties by index.
  StableSortByKey(s);
  // The placed buffers live at step t are slots[start[t] .. start[t] + filled[t]), one flat array
  // sized by how many requests cover each step.
  const size_t steps = static_cast<size_t>(max_step - min_step + 1);
  s.start.assign(steps + 1, 0);
  s.filled.assign(steps, 0);
  for (const auto& r : requests) {
    if (r.first > r.last) continue;
    s.start[r.first - min_step + 1] += 1;
    if (static_cast<size_t>(r.last - min_step + 2) <= steps) s.start[r.last - min_step + 2] -= 1;
  }
  // start[] now holds coverage deltas shifted by one; turn them into counts, then offsets.
  for (size_t t = 1; t <= steps; ++t) s.start[t] += s.start[t - 1];
  for (size_t t = 1; t <= steps; ++t) s.start[t] += s.start[t - 1];
  s.slots.resize(s.start[steps]);
  s.seen.assign(n, UINT32_MAX);
  for (uint32_t i : s.order) {
    const executors::BufferRequest& r = requests[i];
    const int64_t size = s.size[i];
    s.busy.clear();
    for (int t = r.first; t <= r.last; ++t) {
      const size_t k = static_cast<size_t>(t - min_step);
      for (uint32_t q = s.start[k], end = s.start[k] + s.filled[k]; q < end; ++q) {
        const uint32_t j = s.slots[q];
        if (s.seen[j] == i) continue;
        s.seen[j] = i;
        s.busy.emplace_back(plan.offsets[j], plan.offsets[j] + s.size[j]);
      }
    }
    std::sort(s.busy.begin(), s.busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : s.busy) {
      if (begin - offset >= size) break;
      offset = std::max(offset, end);
    }
    plan.offsets[i] = offset;
    plan.peak_bytes = std::max(plan.peak_bytes, offset + size);
    for (int t = r.first; t <= r.last; ++t) {
      const size_t k = static_cast<size_t>(t - min_step);
      s.slots[s.start[k] + s.filled[k]++] = i;
    }
  }
  return plan;
}

}  // namespace tandem::partitioner
