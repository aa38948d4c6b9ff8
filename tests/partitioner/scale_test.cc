// Scale: a synthetic 10,000-node DAG partitions well within the 100 ms (target < 50 ms
// in an optimised build), and the partitioner's memory grows linearly with the graph.
//
// Each budget is partitioned three times and the fastest run is reported (as a benchmark would:
// other processes on a shared machine only ever add time), as wall and thread CPU time; the CPU
// time is asserted against 100 ms in optimised builds without sanitizers only.
// Memory is measured by counting the bytes this test binary's operator new hands out while a
// test asks it to (the replacement below), so the peak the partitioner adds is exact. Sanitizer
// builds keep their own allocator (which owns operator new there), and skip that test.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>

#include "partitioner/partitioner.h"
#include "tests/null/test_util.h"
#include "tests/partitioner/partitioner_test_util.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TANDEM_COUNT_ALLOCATIONS 0
#else
#define TANDEM_COUNT_ALLOCATIONS 1
#endif

namespace {

std::atomic<bool> g_counting{false};
std::atomic<int64_t> g_live_bytes{0};
std::atomic<int64_t> g_peak_bytes{0};

// Every block carries a header saying whether (and how much) it was counted, so that a block
// allocated before counting started and freed during it does not skew the sum.
struct alignas(16) Header {
  int64_t counted_bytes;
};

[[maybe_unused]] void* CountedAlloc(size_t n) {
  void* base = std::malloc(sizeof(Header) + n);
  if (base == nullptr) throw std::bad_alloc();
  Header* h = static_cast<Header*>(base);
  h->counted_bytes = 0;
  if (g_counting.load(std::memory_order_relaxed)) {
    h->counted_bytes = static_cast<int64_t>(n);
    const int64_t live = g_live_bytes += h->counted_bytes;
    int64_t peak = g_peak_bytes.load(std::memory_order_relaxed);
    while (live > peak && !g_peak_bytes.compare_exchange_weak(peak, live)) {
    }
  }
  return h + 1;
}

[[maybe_unused]] void CountedFree(void* p) {
  if (p == nullptr) return;
  Header* h = static_cast<Header*>(p) - 1;
  if (h->counted_bytes != 0) g_live_bytes -= h->counted_bytes;
  std::free(h);
}

}  // namespace

#if TANDEM_COUNT_ALLOCATIONS
void* operator new(size_t n) { return CountedAlloc(n); }
void* operator new[](size_t n) { return CountedAlloc(n); }
void operator delete(void* p) noexcept { CountedFree(p); }
void operator delete[](void* p) noexcept { CountedFree(p); }
void operator delete(void* p, size_t) noexcept { CountedFree(p); }
void operator delete[](void* p, size_t) noexcept { CountedFree(p); }
#endif

namespace tandem::partitioner {
namespace {

using testing::Budgets;
using testing::GraphBuilder;

// A chain of residual blocks (skip edges every few nodes), weights of 16-128 KiB on every third
// node; copies cost as much as the smaller nodes, so budgets force real splits. Node i is
// NodeId(i), and its times are keyed by id as the measured cost model keys them.
std::unique_ptr<ir::Graph> SyntheticDag(int nodes, TableCostModel* cost) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<> u(0.01, 0.2);
  GraphBuilder b;
  ir::ValueId h = b.Input("x", {1, 256});
  ir::ValueId skip = h;
  for (int i = 0; i < nodes; ++i) {
    std::vector<ir::ValueId> inputs = {h};
    if (i % 4 == 3) {
      inputs.push_back(skip);
      skip = h;
    }
    if (i % 3 == 0) inputs.push_back(b.Weight("w" + std::to_string(i), {256, 16 * (1 + i % 8)}));
    h = b.Node("Op", "n" + std::to_string(i), inputs, {1, 256});
    double cpu = u(rng);
    cost->by_node_id[i] = {cpu, cpu * (i % 3 == 0 ? 0.1 : 0.8)};
  }
  b.Output(h);
  cost->transfer_latency_ms = 0.01;
  cost->transfer_ms_per_byte = 1e-6;
  return b.Build();
}

double ThreadCpuMs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

constexpr bool kTimesAreMeaningful =
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    true;
#else
    false;
#endif

TEST(Scale, TenThousandNodes) {
  TableCostModel cost;
  auto g = SyntheticDag(10000, &cost);
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({});
  const int64_t weights = ModelWeightBytes(*g);
  for (int percent : {100, 50, 10}) {
    double best_wall = 1e9, best_cpu = 1e9, best_build = 0, slowest_cpu = 0;
    for (int run = 0; run < 3; ++run) {
      const auto wall_start = std::chrono::steady_clock::now();
      const double cpu_start = ThreadCpuMs();
      ASSERT_OK_AND_ASSIGN(Partitioner p,
                           Partitioner::Create(*g, {&cpu, &gpu}, cost,
                                               Budgets(int64_t{1} << 34, weights * percent / 100)));
      const double cpu_built = ThreadCpuMs();
      SolverStats stats;
      ASSERT_OK_AND_ASSIGN(Plan plan, p.RunOptimal(&stats));
      const double cpu_ms = ThreadCpuMs() - cpu_start;
      const double wall_ms = std::chrono::duration<double, std::milli>(
                                 std::chrono::steady_clock::now() - wall_start)
                                 .count();
      for (const DeviceMemory& m : plan.memory) EXPECT_TRUE(m.fits());
      EXPECT_LT(wall_ms, 5000);  // any build, any load
      slowest_cpu = std::max(slowest_cpu, cpu_ms);
      if (cpu_ms < best_cpu) {
        best_cpu = cpu_ms;
        best_build = cpu_built - cpu_start;
      }
      best_wall = std::min(best_wall, wall_ms);
      if (run == 2) {
        std::printf("[ scale ] 10,000 nodes, gpu budget %3d%% of weights: best of 3 %.1f ms wall, "
                    "%.1f ms cpu (build %.1f + solve %.1f; slowest %.1f ms cpu); %d cuts, %d "
                    "memory checks, %d moves, %zu segments, predicted %.1f ms\n",
                    percent, best_wall, best_cpu, best_build, best_cpu - best_build, slowest_cpu,
                    stats.cuts, stats.memory_checks, stats.local_moves, plan.segments.size(),
                    plan.predicted_ms);
      }
    }
    if (kTimesAreMeaningful) EXPECT_LT(best_cpu, 100);  // the target
  }
}

// The bytes the partitioner allocates at its peak (Problem, solver state, plan) per node stay
// flat from 2,500 to 20,000 nodes: memory is linear in the graph.
TEST(Scale, MemoryIsLinearInTheGraph) {
  if (!TANDEM_COUNT_ALLOCATIONS) GTEST_SKIP() << "sanitizer build: the sanitizer's allocator owns operator new";
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({});
  double first_per_node = 0;
  for (int nodes : {2500, 5000, 10000, 20000}) {
    TableCostModel cost;
    auto g = SyntheticDag(nodes, &cost);
    const int64_t weights = ModelWeightBytes(*g);
    const int64_t before = g_live_bytes.load();
    g_peak_bytes = before;
    g_counting = true;
    {
      ASSERT_OK_AND_ASSIGN(Partitioner p, Partitioner::Create(*g, {&cpu, &gpu}, cost,
                                                              Budgets(int64_t{1} << 34, weights / 2)));
      ASSERT_OK_AND_ASSIGN(Plan plan, p.RunOptimal(nullptr));
      EXPECT_FALSE(plan.segments.empty());
    }
    g_counting = false;
    const double per_node = static_cast<double>(g_peak_bytes.load() - before) / nodes;
    std::printf("[ scale ] %6d nodes: peak %.2f MiB above the graph, %.0f bytes per node\n", nodes,
                (g_peak_bytes.load() - before) / 1048576.0, per_node);
    if (first_per_node == 0) first_per_node = per_node;
    EXPECT_LT(per_node, 1.5 * first_per_node) << nodes << " nodes";
    EXPECT_LT(per_node, 16 * 1024) << "more than 16 KiB per node";
  }
}

}  // namespace
}  // namespace tandem::partitioner
