// Scale: a synthetic 10,000-node DAG partitions in well under a second (the target is 100 ms in
// a Release build; the time is printed, not asserted tightly, so that sanitizer and debug builds
// pass).
#include <chrono>
#include <cstdio>
#include <random>

#include "partitioner/partitioner.h"
#include "tests/null/test_util.h"
#include "tests/partitioner/partitioner_test_util.h"

namespace tandem::partitioner {
namespace {

using testing::Budgets;
using testing::GraphBuilder;

// A chain of residual blocks (skip edges every few nodes), weights of 16-128 KiB on every third
// node; copies cost as much as the smaller nodes, so budgets force real splits.
std::unique_ptr<ir::Graph> SyntheticDag(int nodes, TableCostModel* cost) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<> u(0.01, 0.2);
  GraphBuilder b;
  ir::ValueId h = b.Input("x", {1, 256});
  ir::ValueId skip = h;
  for (int i = 0; i < nodes; ++i) {
    std::string name = "n" + std::to_string(i);
    std::vector<ir::ValueId> inputs = {h};
    if (i % 4 == 3) {
      inputs.push_back(skip);
      skip = h;
    }
    if (i % 3 == 0) inputs.push_back(b.Weight("w" + std::to_string(i), {256, 16 * (1 + i % 8)}));
    h = b.Node("Op", name, inputs, {1, 256});
    double cpu = u(rng);
    cost->by_node_name[name] = {cpu, cpu * (i % 3 == 0 ? 0.1 : 0.8)};
  }
  b.Output(h);
  cost->transfer_latency_ms = 0.01;
  cost->transfer_ms_per_byte = 1e-6;
  return b.Build();
}

TEST(Scale, TenThousandNodes) {
  TableCostModel cost;
  auto g = SyntheticDag(10000, &cost);
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({});
  const int64_t weights = ModelWeightBytes(*g);
  for (int percent : {100, 50, 10}) {
    auto start = std::chrono::steady_clock::now();
    ASSERT_OK_AND_ASSIGN(Partitioner p,
                         Partitioner::Create(*g, {&cpu, &gpu}, cost,
                                             Budgets(int64_t{1} << 34, weights * percent / 100)));
    auto built = std::chrono::steady_clock::now();
    SolverStats stats;
    ASSERT_OK_AND_ASSIGN(Plan plan, p.RunOptimal(&stats));
    auto done = std::chrono::steady_clock::now();
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    std::printf("[ scale ] 10,000 nodes, gpu budget %3d%% of weights: build %.1f ms, solve %.1f ms "
                "(%d cuts, %d memory checks, %d moves), %zu segments, predicted %.1f ms\n",
                percent, ms(start, built), ms(built, done), stats.cuts, stats.memory_checks,
                stats.local_moves, plan.segments.size(), plan.predicted_ms);
    for (const DeviceMemory& m : plan.memory) EXPECT_TRUE(m.fits());
    EXPECT_LT(ms(start, done), 5000);  // generous: the Release target is 100 ms
  }
}

}  // namespace
}  // namespace tandem::partitioner
