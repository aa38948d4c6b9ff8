// The partitioner's fast arena planner gives exactly executors::PlanMemory's plan.
#include "partitioner/arena_planner.h"

#include <random>

#include "executors/memory_planner.h"
#include "gtest/gtest.h"

namespace tandem::partitioner {
namespace {

using executors::BufferRequest;

TEST(PlanArena, IdenticalToTheExecutorsPlannerOnRandomRequests) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 500; ++trial) {
    const int steps = 1 + static_cast<int>(rng() % 60);
    const int n = static_cast<int>(rng() % 80);
    std::vector<BufferRequest> requests;
    for (int i = 0; i < n; ++i) {
      int first = static_cast<int>(rng() % steps);
      int last = first + static_cast<int>(rng() % (rng() % 3 == 0 ? steps : 4));
      // Few distinct sizes, so ties (and their order) matter.
      int64_t bytes = (rng() % 5 == 0) ? 0 : static_cast<int64_t>(16 << (rng() % 6)) + rng() % 3;
      requests.push_back({bytes, first, last});
    }
    for (int64_t alignment : {1, 64, 256}) {
      executors::MemoryPlan want = executors::PlanMemory(requests, alignment);
      executors::MemoryPlan got = PlanArena(requests, alignment);
      ASSERT_EQ(got.peak_bytes, want.peak_bytes) << "trial " << trial;
      ASSERT_EQ(got.offsets, want.offsets) << "trial " << trial;
    }
  }
}

TEST(PlanArena, EmptyAndSingle) {
  EXPECT_EQ(PlanArena({}, 64).peak_bytes, 0);
  std::vector<BufferRequest> one = {{100, 3, 3}};
  EXPECT_EQ(PlanArena(one, 64).peak_bytes, 128);
}

}  // namespace
}  // namespace tandem::partitioner
