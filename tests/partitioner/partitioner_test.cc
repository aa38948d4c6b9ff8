// Partitioner rules: budgets, errors, capability, exact memory, no graph mutation.
#include "partitioner/partitioner.h"

#include "executors/cpu/cpu_executor.h"
#include "ir/graph_printer.h"
#include "partitioner/evaluate.h"
#include "tests/null/test_util.h"
#include "tests/partitioner/partitioner_test_util.h"

namespace tandem::partitioner {
namespace {

using testing::Budgets;
using testing::GraphBuilder;
using ::testing::HasSubstr;

constexpr int64_t kMiB = int64_t{1} << 20;

TableCostModel Costs() {
  TableCostModel cost;
  cost.by_op["MatMul"] = {10, 1};
  cost.by_op["Relu"] = {1, 0.5};
  cost.by_op["Add"] = {1, 0.5};
  cost.transfer_latency_ms = 0.01;
  cost.transfer_ms_per_byte = 1e-6;
  return cost;
}

// A residual MLP: x → [mm_i (w_i 1 MiB) → relu_i → add_i(+skip)] × n → y.
std::unique_ptr<ir::Graph> ResidualMlp(int blocks) {
  GraphBuilder b;
  auto h = b.Input("x", {1, 512});
  for (int i = 0; i < blocks; ++i) {
    std::string n = std::to_string(i);
    auto m = b.Node("MatMul", "mm" + n, {h, b.Weight("w" + n, {512, 512})}, {1, 512});
    auto r = b.Node("Relu", "relu" + n, {m}, {1, 512});
    h = b.Node("Add", "add" + n, {r, h}, {1, 512});
  }
  b.Output(h);
  return b.Build();
}

// The plan's memory, recomputed from its placements alone.
MemoryPair Recheck(const Partitioner& p, const Plan& plan) {
  std::vector<Placement> by_id = plan.Placements(p.graph().num_nodes());
  Assignment a(p.problem().num_steps());
  for (int s = 0; s < p.problem().num_steps(); ++s) a[s] = by_id[p.problem().node(s).id.value];
  return ComputeMemory(p.problem(), a);
}

TEST(Partitioner, EveryStrategyRespectsBothBudgets) {
  auto g = ResidualMlp(8);
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({});
  TableCostModel cost = Costs();
  for (int64_t gpu_mib : {0, 1, 2, 3, 5, 8, 12}) {
    ASSERT_OK_AND_ASSIGN(Partitioner p, Partitioner::Create(*g, {&cpu, &gpu}, cost,
                                                            Budgets(64 * kMiB, gpu_mib * kMiB)));
    for (Strategy s : {Strategy::kOptimal, Strategy::kGreedy, Strategy::kAllGpu, Strategy::kAllCpu}) {
      auto plan = p.Run(s);
      if (!plan.ok()) {
        EXPECT_EQ(plan.status().code(), absl::StatusCode::kResourceExhausted) << plan.status();
        EXPECT_EQ(s, Strategy::kAllGpu) << "only all-GPU may fail here: " << plan.status();
        continue;
      }
      MemoryPair m = Recheck(p, *plan);
      for (const DeviceMemory& d : m) {
        EXPECT_LE(d.total_bytes(), d.budget_bytes) << StrategyName(s) << " at " << gpu_mib;
        EXPECT_TRUE(*plan->Memory(d.device) == d);
      }
    }
  }
}

TEST(Partitioner, OptimalIsMonotoneInTheGpuBudget) {
  auto g = ResidualMlp(8);
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({});
  TableCostModel cost = Costs();
  ASSERT_OK_AND_ASSIGN(Partitioner p,
                       Partitioner::Create(*g, {&cpu, &gpu}, cost, Budgets(64 * kMiB, 0)));
  double previous = 1e300;
  for (int64_t gpu_mib = 0; gpu_mib <= 10; ++gpu_mib) {
    ASSERT_OK_AND_ASSIGN(Plan plan, p.Run(Strategy::kOptimal, 64 * kMiB, gpu_mib * kMiB));
    EXPECT_LE(plan.predicted_ms, previous + 1e-9) << gpu_mib << " MiB";
    previous = plan.predicted_ms;
  }
}

TEST(Partitioner, DoesNotMutateTheGraph) {
  auto g = ResidualMlp(4);
  std::string before = ir::PrintGraph(*g);
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({"Add"});
  TableCostModel cost = Costs();
  ASSERT_OK(Partition(*g, {&cpu, &gpu}, cost, Budgets(64 * kMiB, 2 * kMiB)).status());
  EXPECT_EQ(ir::PrintGraph(*g), before);
}

TEST(Partitioner, AllCpuArenaIsExactlyTheCpuExecutorsArena) {
  GraphBuilder b;
  auto x = b.Input("x", {3, 64});
  auto m = b.Node("MatMul", "mm", {x, b.Weight("w", {64, 32})}, {3, 32});
  auto r = b.Node("Relu", "relu", {m}, {3, 32});
  auto m2 = b.Node("MatMul", "mm2", {r, b.Weight("w2", {32, 64})}, {3, 64});
  auto a = b.Node("Add", "add", {m2, x}, {3, 64});
  b.Output(b.Node("Relu", "out", {a}, {3, 64}));
  auto g = b.Build();
  // The memory model prices the graph's own nodes, so it matches the executor before its step
  // rewrites (the Add + Relu here would fuse) byte for byte; with them the executor's arena is
  // no larger (asserted below and, on exported models, in partitioner_models_test.cc).
  executors::CpuExecutorOptions plain;
  plain.fuse = plain.channels_last = false;
  ASSERT_OK_AND_ASSIGN(auto executor, executors::CpuExecutor::Create(*g, plain));
  ASSERT_FALSE(executor->interpreted());
  ASSERT_OK_AND_ASSIGN(auto rewritten, executors::CpuExecutor::Create(*g, {}));
  EXPECT_LE(rewritten->arena_bytes(), executor->arena_bytes());
  CpuCapability cpu;
  GpuCapability gpu;
  ASSERT_OK_AND_ASSIGN(MachineProfile profile, BuiltinProfile("laptop-6gb"));
  RooflineCostModel cost(profile);
  PartitionOptions options = OptionsForProfile(profile);
  options.strategy = Strategy::kAllCpu;
  ASSERT_OK_AND_ASSIGN(Plan plan, Partition(*g, {&cpu, &gpu}, cost, options));
  const DeviceMemory* m_cpu = plan.Memory(DeviceKind::kCpu);
  EXPECT_EQ(m_cpu->arena_bytes, executor->arena_bytes());
  EXPECT_EQ(m_cpu->output_bytes, 3 * 64 * 4);
  EXPECT_EQ(m_cpu->weight_bytes, (64 * 32 + 32 * 64) * 4);
  EXPECT_EQ(m_cpu->staging_bytes, 0);
  EXPECT_EQ(plan.Memory(DeviceKind::kGpu)->total_bytes(), 0);
}

TEST(Partitioner, RejectsGpuBudgetSmallerThanWhatGpuOnlyNodesNeed) {
  auto g = ResidualMlp(2);
  auto cpu = testing::Refusing({"MatMul"});
  auto gpu = testing::Refusing({});
  TableCostModel cost = Costs();
  auto plan = Partition(*g, {&cpu, &gpu}, cost, Budgets(64 * kMiB, kMiB / 2));
  EXPECT_THAT(plan.status(), StatusIs(absl::StatusCode::kResourceExhausted,
                                      "the GPU budget of 0.50 MiB is too small: 2 node(s) that "
                                      "only the GPU can run need at least 2.00 MiB on it (weights 2.00 MiB"));
}

TEST(Partitioner, RejectsCpuBudgetSmallerThanWhatTheHostMustHold) {
  auto g = ResidualMlp(2);
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({"Add"});  // the adds must stay on the host
  TableCostModel cost = Costs();
  auto plan = Partition(*g, {&cpu, &gpu}, cost, Budgets(1024, 64 * kMiB));
  EXPECT_THAT(plan.status(), StatusIs(absl::StatusCode::kResourceExhausted,
                                      "the CPU budget of 1024 B is too small: even with every "
                                      "node the GPU can run on the GPU, the host needs"));
}

TEST(Partitioner, RejectsNodesNoDeviceCanRun) {
  auto g = ResidualMlp(1);
  auto cpu = testing::Refusing({"Relu"});
  auto gpu = testing::Refusing({"Relu"});
  TableCostModel cost = Costs();
  EXPECT_THAT(Partition(*g, {&cpu, &gpu}, cost, Budgets(kMiB, kMiB)).status(),
              StatusIs(absl::StatusCode::kUnimplemented,
                       "Relu \"relu0\" can run on no device: cpu: no kernel for Relu (test); "
                       "gpu: no kernel for Relu (test)"));
}

TEST(Partitioner, RejectsDynamicShapes) {
  ir::Graph g;
  auto x = *g.AddInput("x", {ir::DType::kFloat32, ir::Shape({ir::Dim::Symbolic("N")})});
  auto y = *g.AddNodeOutput("y", {ir::DType::kFloat32, ir::Shape({ir::Dim::Symbolic("N")})});
  ASSERT_OK(g.AddNode(ir::Node{"relu", "Relu", "", {x}, {y}, {}}).status());
  g.AddOutput(y);
  auto cpu = testing::Refusing({});
  TableCostModel cost = Costs();
  EXPECT_THAT(Partition(g, {&cpu, nullptr}, cost, Budgets(kMiB, 0)).status(),
              StatusIs(absl::StatusCode::kUnimplemented, "partitioning needs static shapes"));
}

TEST(Partitioner, AllGpuStrategySaysWhatItNeeds) {
  auto g = ResidualMlp(4);
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({});
  TableCostModel cost = Costs();
  PartitionOptions o = Budgets(64 * kMiB, 2 * kMiB);
  o.strategy = Strategy::kAllGpu;
  EXPECT_THAT(Partition(*g, {&cpu, &gpu}, cost, o).status(),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "strategy 'gpu' does not fit: needs 4.01 MiB on the gpu, budget 2.00 MiB"));
}

TEST(Partitioner, WithoutAGpuEverythingRunsOnTheCpu) {
  auto g = ResidualMlp(3);
  auto cpu = testing::Refusing({});
  TableCostModel cost = Costs();
  ASSERT_OK_AND_ASSIGN(Plan plan, Partition(*g, {&cpu, nullptr}, cost, Budgets(64 * kMiB, 0)));
  ASSERT_EQ(plan.segments.size(), 1u);
  EXPECT_EQ(plan.segments[0].device, DeviceKind::kCpu);
  EXPECT_TRUE(plan.transfers.empty());
  EXPECT_EQ(plan.memory.size(), 1u);
  EXPECT_DOUBLE_EQ(plan.predicted_ms, 3 * 12.0);
}

TEST(Partitioner, ExplainsNodesOffTheirPreferredDevice) {
  auto g = ResidualMlp(4);
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({"Add"});
  TableCostModel cost = Costs();
  PartitionOptions options = Budgets(64 * kMiB, 2 * kMiB + 8192);
  options.allow_streaming = false;  // else the matmuls that do not fit stream their weights
  ASSERT_OK_AND_ASSIGN(Partitioner p, Partitioner::Create(*g, {&cpu, &gpu}, cost, options));
  ASSERT_OK_AND_ASSIGN(Plan plan, p.Run(Strategy::kOptimal));
  std::vector<NodeNote> notes = p.Explain(plan);
  int refused = 0, budget = 0;
  for (const NodeNote& n : notes) {
    EXPECT_EQ(n.preferred, DeviceKind::kGpu);
    if (n.refused) {
      ++refused;
      EXPECT_EQ(n.reason, "gpu cannot run it: no kernel for Add (test)");
    }
    if (n.reason.find("would exceed the gpu budget") != std::string::npos) ++budget;
  }
  EXPECT_EQ(refused, 4);
  EXPECT_GE(budget, 1);  // two of four matmuls fit
}

TEST(Partitioner, BaselinesReportWhatDoesNotFit) {
  auto g = ResidualMlp(4);
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({});
  TableCostModel cost = Costs();
  ASSERT_OK_AND_ASSIGN(Partitioner p, Partitioner::Create(*g, {&cpu, &gpu}, cost,
                                                          Budgets(64 * kMiB, 2 * kMiB + 8192)));
  Baselines b = p.ComputeBaselines();
  ASSERT_TRUE(b.all_cpu_ms.has_value());
  EXPECT_DOUBLE_EQ(*b.all_cpu_ms, 4 * 12.0);
  EXPECT_FALSE(b.all_gpu_ms.has_value());
  EXPECT_THAT(b.all_gpu_why, HasSubstr("on the gpu, budget 2.01 MiB"));
  ASSERT_TRUE(b.greedy_ms.has_value());
  ASSERT_OK_AND_ASSIGN(Plan plan, p.Run(Strategy::kOptimal));
  EXPECT_LE(plan.predicted_ms, *b.greedy_ms);
}

}  // namespace
}  // namespace tandem::partitioner
