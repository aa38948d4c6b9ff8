#include "executors/memory_planner.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace tandem::executors {
namespace {

int64_t AlignUp(int64_t x, int64_t a) { return (x + a - 1) / a * a; }

}  // namespace

MemoryPlan PlanMemory(absl::Span<const BufferRequest> requests, int64_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return requests[a].bytes > requests[b].bytes;
  });
  std::vector<size_t> placed;
  for (size_t i : order) {
    const BufferRequest& r = requests[i];
    int64_t size = AlignUp(std::max<int64_t>(r.bytes, 1), alignment);
    // Busy intervals of placed buffers whose lifetimes intersect this one, by offset.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t j : placed) {
      const BufferRequest& o = requests[j];
      if (o.last < r.first || r.last < o.first) continue;
      busy.emplace_back(plan.offsets[j], plan.offsets[j] + AlignUp(std::max<int64_t>(o.bytes, 1), alignment));
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (begin - offset >= size) break;  // the gap before this buffer is big enough
      offset = std::max(offset, end);
    }
    plan.offsets[i] = offset;
    plan.peak_bytes = std::max(plan.peak_bytes, offset + size);
    placed.push_back(i);
  }
  return plan;
}

int64_t LiveBytesLowerBound(absl::Span<const BufferRequest> requests) {
  std::map<int, int64_t> delta;
  for (const BufferRequest& r : requests) {
    delta[r.first] += r.bytes;
    delta[r.last + 1] -= r.bytes;
  }
  int64_t live = 0, peak = 0;
  for (const auto& [step, d] : delta) {
    live += d;
    peak = std::max(peak, live);
  }
  return peak;
}

}  // namespace tandem::executors
