// Static memory planning: offsets in one arena for buffers with known sizes and lifetimes.
//
// The CPU executor plans its intermediates with it, the GPU executor its device arena, and the
// partitioner uses the same function to price a segment's activations, so "fits the budget" in a
// plan means the executor's real arena fits.
#ifndef TANDEM_EXECUTORS_MEMORY_PLANNER_H_
#define TANDEM_EXECUTORS_MEMORY_PLANNER_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace tandem::executors {

// A buffer live from step `first` to step `last`, inclusive (steps are positions in the
// execution order).
struct BufferRequest {
  int64_t bytes = 0;
  int first = 0;
  int last = 0;
};

struct MemoryPlan {
  std::vector<int64_t> offsets;  // one per request, aligned
  int64_t peak_bytes = 0;        // arena size needed
};

// Greedy by size (as TFLite's arena planner): the largest buffers are placed first, each at the
// lowest aligned offset that overlaps no buffer with an intersecting lifetime. O(n²) in the
// number of buffers. The peak is exact for the returned offsets.
MemoryPlan PlanMemory(absl::Span<const BufferRequest> requests, int64_t alignment = 64);

// The sum, over time, of the live bytes at the busiest step: a lower bound for any plan.
int64_t LiveBytesLowerBound(absl::Span<const BufferRequest> requests);

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_MEMORY_PLANNER_H_
