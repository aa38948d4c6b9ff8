// On random DAGs small enough to enumerate every assignment, the optimal strategy's predicted
// latency is within 2% of the exhaustive optimum, never worse than greedy, and always fits.
// Small graphs end in the exact branch and bound, so the default solver must match the
// enumeration; the heuristic alone (what large graphs get) is measured on the same instances.
#include <algorithm>
#include <cstdio>
#include <random>

#include "partitioner/evaluate.h"
#include "partitioner/partitioner.h"
#include "tests/null/test_util.h"
#include "tests/partitioner/partitioner_test_util.h"

namespace tandem::partitioner {
namespace {

using testing::Budgets;
using testing::GraphBuilder;

struct Instance {
  std::unique_ptr<ir::Graph> graph;
  TableCostModel cost;
  std::set<std::string> gpu_refuses;  // node names
};

// n nodes; each reads one or two earlier values (or the input); about half carry a weight;
// some are Reshapes whose second operand is read on the host; a few the GPU refuses.
Instance RandomInstance(std::mt19937& rng, int n) {
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng); };
  auto pick = [&](int k) { return std::uniform_int_distribution<>(0, k - 1)(rng); };
  Instance inst;
  GraphBuilder b;
  std::vector<ir::ValueId> values = {b.Input("x", {1, 64 * (1 + pick(16))})};
  std::vector<bool> consumed(1, false);
  for (int i = 0; i < n; ++i) {
    std::string name = "n" + std::to_string(i);
    std::vector<ir::ValueId> inputs = {values[values.size() - 1 - pick(std::min<int>(3, values.size()))]};
    std::string op = "Op";
    if (values.size() > 1 && pick(3) == 0) inputs.push_back(values[pick(values.size())]);
    if (inputs.size() == 2 && pick(4) == 0) op = "Reshape";  // input 1 read on the host
    if (pick(2) == 0) inputs.push_back(b.Weight("w" + std::to_string(i), {1, 1024 * (1 + pick(64))}));
    for (ir::ValueId v : inputs) {
      for (size_t k = 0; k < values.size(); ++k) consumed[k] = consumed[k] || values[k] == v;
    }
    values.push_back(b.Node(op, name, inputs, {1, 256 * (1 + pick(64))}));
    consumed.push_back(false);
    double cpu = uniform(0.05, 2.0);
    inst.cost.by_node_name[name] = {cpu, cpu * uniform(0.05, 1.5)};
    if (pick(8) == 0) inst.gpu_refuses.insert(name);
  }
  for (size_t k = 1; k < values.size(); ++k) {
    if (!consumed[k] || k + 1 == values.size()) b.Output(values[k]);
  }
  inst.cost.transfer_latency_ms = uniform(0.001, 0.05);
  inst.cost.transfer_ms_per_byte = uniform(1e-8, 1e-6);
  inst.graph = b.Build();
  return inst;
}

// The best feasible time over every assignment; +inf when none fits.
double Exhaustive(const Problem& p) {
  const int n = p.num_steps();
  Assignment a(n, Placement::kCpu);
  std::vector<std::vector<Placement>> options(n);
  for (int s = 0; s < n; ++s) {
    for (Placement q : {Placement::kCpu, Placement::kGpu, Placement::kGpuStreamed}) {
      if (p.node(s).allowed(q)) options[s].push_back(q);
    }
  }
  std::vector<size_t> digit(n, 0);
  double best = kInfinity;
  while (true) {
    for (int s = 0; s < n; ++s) a[s] = options[s][digit[s]];
    double ms = PredictTime(p, a);
    if (ms < best) {
      MemoryPair m = ComputeMemory(p, a);
      if (m[0].fits() && m[1].fits()) best = ms;
    }
    int s = 0;
    while (s < n && ++digit[s] == options[s].size()) digit[s++] = 0;
    if (s == n) break;
  }
  return best;
}

double Combinations(const Problem& p) {
  double c = 1;
  for (const ProblemNode& n : p.nodes()) {
    c *= n.allowed(Placement::kCpu) + n.allowed(Placement::kGpu) + n.allowed(Placement::kGpuStreamed);
  }
  return c;
}

TEST(RandomDags, OptimalIsWithinTwoPercentOfExhaustiveAndNeverWorseThanGreedy) {
  std::mt19937 rng(20240605);
  int instances = 0, exact = 0, binding = 0;
  double worst_ratio = 1;
  int heuristic_exact = 0, heuristic_within = 0, heuristic_missed = 0;
  double heuristic_worst = 1;
  for (int trial = 0; instances < 300 && trial < 2000; ++trial) {
    const int n = 4 + trial % 11;  // 4..14 nodes
    Instance inst = RandomInstance(rng, n);
    auto cpu = testing::Refusing({});
    std::set<std::string> refuses = inst.gpu_refuses;
    FunctionCapability gpu([refuses](const ir::Graph&, const ir::Node& node) -> std::string {
      return refuses.count(node.name) ? "refused (test)" : "";
    });
    // The all-GPU need sets the scale; the budget is a random share of it.
    ASSERT_OK_AND_ASSIGN(Partitioner probe, Partitioner::Create(*inst.graph, {&cpu, &gpu},
                                                                inst.cost, Budgets(int64_t{1} << 40, int64_t{1} << 40)));
    if (Combinations(probe.problem()) > 60000) continue;
    MemoryPair all_gpu = ComputeMemory(probe.problem(), AllGpu(probe.problem()));
    MemoryPair all_cpu = ComputeMemory(probe.problem(), AllCpu(probe.problem()));
    std::uniform_real_distribution<> share(0.0, 1.1);
    int64_t gpu_budget = static_cast<int64_t>(share(rng) * all_gpu[1].total_bytes());
    // Sometimes the host is tight too.
    int64_t cpu_budget = trial % 5 == 0 ? static_cast<int64_t>(0.8 * all_cpu[0].total_bytes())
                                        : int64_t{1} << 40;
    ASSERT_OK_AND_ASSIGN(Partitioner p, Partitioner::Create(*inst.graph, {&cpu, &gpu}, inst.cost,
                                                            Budgets(cpu_budget, gpu_budget)));
    double best = Exhaustive(p.problem());
    auto plan = p.Run(Strategy::kOptimal);
    if (best == kInfinity) {
      EXPECT_EQ(plan.status().code(), absl::StatusCode::kResourceExhausted) << plan.status();
      continue;
    }
    ++instances;
    ASSERT_TRUE(plan.ok()) << "trial " << trial << ": " << plan.status();
    MemoryPair unconstrained = ComputeMemory(p.problem(), AssignForPrices(p.problem(), {}));
    binding += !(unconstrained[0].fits() && unconstrained[1].fits());
    double ratio = plan->predicted_ms / best;
    worst_ratio = std::max(worst_ratio, ratio);
    exact += ratio <= 1 + 1e-9;
    EXPECT_LE(plan->predicted_ms, best * 1.02 + 1e-12) << "trial " << trial << ", " << n << " nodes";
    for (const DeviceMemory& m : plan->memory) EXPECT_TRUE(m.fits()) << "trial " << trial;
    Baselines baselines = p.ComputeBaselines();
    if (baselines.greedy_ms) {
      EXPECT_LE(plan->predicted_ms, *baselines.greedy_ms + 1e-12) << "trial " << trial;
    }
    // The heuristic alone.
    PartitionOptions heuristic = Budgets(cpu_budget, gpu_budget);
    heuristic.solver.exact_up_to = 0;
    ASSERT_OK_AND_ASSIGN(Partitioner h, Partitioner::Create(*inst.graph, {&cpu, &gpu}, inst.cost,
                                                            heuristic));
    auto h_plan = h.Run(Strategy::kOptimal);
    if (!h_plan.ok()) {
      ++heuristic_missed;
      continue;
    }
    for (const DeviceMemory& m : h_plan->memory) EXPECT_TRUE(m.fits()) << "trial " << trial;
    double h_ratio = h_plan->predicted_ms / best;
    heuristic_worst = std::max(heuristic_worst, h_ratio);
    heuristic_exact += h_ratio <= 1 + 1e-9;
    heuristic_within += h_ratio <= 1.02 + 1e-12;
    if (baselines.greedy_ms) {
      EXPECT_LE(h_plan->predicted_ms, *baselines.greedy_ms + 1e-12) << "trial " << trial;
    }
  }
  EXPECT_GE(instances, 200);
  std::printf("[ random DAGs ] %d instances (%d with a binding budget): %d exactly optimal, "
              "worst ratio %.4f\n", instances, binding, exact, worst_ratio);
  std::printf("[ random DAGs ] heuristic alone: %d exactly optimal, %d within 2%%, %d found no "
              "fit, worst ratio %.4f\n", heuristic_exact, heuristic_within, heuristic_missed,
              heuristic_worst);
  // The heuristic is not exact; it must still be close on nearly every instance.
  EXPECT_GE(heuristic_within, instances * 95 / 100);
}

}  // namespace
}  // namespace tandem::partitioner
