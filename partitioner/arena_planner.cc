#include "partitioner/arena_planner.h"

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

namespace tandem::partitioner {
namespace {

int64_t AlignUp(int64_t x, int64_t a) { return (x + a - 1) / a * a; }

}  // namespace

executors::MemoryPlan PlanArena(absl::Span<const executors::BufferRequest> requests,
                                int64_t alignment) {
  executors::MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  if (requests.empty()) return plan;
  // Same order as executors::PlanMemory: by size, largest first, ties by index.
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return requests[a].bytes > requests[b].bytes;
  });
  int min_step = requests[0].first, max_step = requests[0].last;
  for (const auto& r : requests) {
    min_step = std::min(min_step, r.first);
    max_step = std::max(max_step, r.last);
  }
  // The placed buffers live at step t are slots[start[t] .. start[t] + filled[t]), one flat array
  // sized by how many requests cover each step.
  const size_t steps = static_cast<size_t>(max_step - min_step + 1);
  std::vector<size_t> start(steps + 1, 0), filled(steps, 0);
  for (const auto& r : requests) {
    if (r.first > r.last) continue;
    start[r.first - min_step + 1] += 1;
    if (static_cast<size_t>(r.last - min_step + 2) <= steps) start[r.last - min_step + 2] -= 1;
  }
  // start[] now holds coverage deltas shifted by one; turn them into counts, then offsets.
  for (size_t t = 1; t <= steps; ++t) start[t] += start[t - 1];
  for (size_t t = 1; t <= steps; ++t) start[t] += start[t - 1];
  std::vector<size_t> slots(start[steps]);
  std::vector<size_t> seen(requests.size(), SIZE_MAX);
  std::vector<std::pair<int64_t, int64_t>> busy;
  for (size_t i : order) {
    const executors::BufferRequest& r = requests[i];
    const int64_t size = AlignUp(std::max<int64_t>(r.bytes, 1), alignment);
    busy.clear();
    for (int t = r.first; t <= r.last; ++t) {
      const size_t k = static_cast<size_t>(t - min_step);
      for (size_t s = start[k]; s < start[k] + filled[k]; ++s) {
        const size_t j = slots[s];
        if (seen[j] == i) continue;
        seen[j] = i;
        busy.emplace_back(plan.offsets[j],
                          plan.offsets[j] + AlignUp(std::max<int64_t>(requests[j].bytes, 1), alignment));
      }
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (begin - offset >= size) break;
      offset = std::max(offset, end);
    }
    plan.offsets[i] = offset;
    plan.peak_bytes = std::max(plan.peak_bytes, offset + size);
    for (int t = r.first; t <= r.last; ++t) {
      const size_t k = static_cast<size_t>(t - min_step);
      slots[start[k] + filled[k]++] = i;
    }
  }
  return plan;
}

}  // namespace tandem::partitioner
