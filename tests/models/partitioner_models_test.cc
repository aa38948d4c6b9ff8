// The partitioner on the exported models: every plan at GPU budgets of 10..100% of the weights
// fits both budgets, and an all-CPU plan's arena is exactly the CPU executor's own arena.
#include <cstdio>
#include <string>

#include "executors/cpu/cpu_executor.h"
#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "partitioner/evaluate.h"
#include "partitioner/partitioner.h"
#include "tests/null/test_util.h"

namespace tandem::partitioner {
namespace {

class PartitionerModels : public ::testing::TestWithParam<std::string> {};

TEST_P(PartitionerModels, EveryPlanFitsItsBudgets) {
  std::string path = std::string(TANDEM_MODELS_DIR) + "/" + GetParam() + "/model.onnx";
  ASSERT_OK_AND_ASSIGN(ir::Model model, importer::ImportModel(path));
  const ir::Graph& g = *model.graph;
  ASSERT_OK_AND_ASSIGN(MachineProfile profile, BuiltinProfile("laptop-6gb"));
  CpuCapability cpu;
  GpuCapability gpu;
  RooflineCostModel cost(profile);
  const int64_t weights = ModelWeightBytes(g);
  ASSERT_OK_AND_ASSIGN(Partitioner p, Partitioner::Create(g, {&cpu, &gpu}, cost,
                                                          OptionsForProfile(profile)));
  for (int percent : {10, 25, 50, 75, 100}) {
    const int64_t gpu_budget = weights * percent / 100;
    for (Strategy s : {Strategy::kOptimal, Strategy::kGreedy}) {
      ASSERT_OK_AND_ASSIGN(Plan plan, p.Run(s, profile.cpu.budget_bytes, gpu_budget));
      // Recompute memory from the placements alone.
      Problem problem = p.problem().WithBudgets(profile.cpu.budget_bytes, gpu_budget);
      std::vector<Placement> by_id = plan.Placements(g.num_nodes());
      Assignment a(problem.num_steps());
      for (int st = 0; st < problem.num_steps(); ++st) a[st] = by_id[problem.node(st).id.value];
      MemoryPair m = ComputeMemory(problem, a);
      for (const DeviceMemory& d : m) {
        EXPECT_LE(d.total_bytes(), d.budget_bytes)
            << GetParam() << " " << StrategyName(s) << " at " << percent << "%";
      }
      EXPECT_TRUE(*plan.Memory(DeviceKind::kGpu) == m[1]);
      EXPECT_DOUBLE_EQ(plan.predicted_ms, PredictTime(problem, a));
    }
  }
  // An all-CPU plan's arena is the CPU executor's arena, byte for byte, before the executor's
  // step rewrites (Conv+Relu fusion, channels-last); with them it is no larger.
  executors::CpuExecutorOptions plain;
  plain.fuse = plain.channels_last = false;
  ASSERT_OK_AND_ASSIGN(auto executor, executors::CpuExecutor::Create(g, plain));
  ASSERT_OK_AND_ASSIGN(Plan cpu_plan, p.Run(Strategy::kAllCpu));
  EXPECT_EQ(cpu_plan.Memory(DeviceKind::kCpu)->arena_bytes, executor->arena_bytes());
  ASSERT_OK_AND_ASSIGN(auto rewritten, executors::CpuExecutor::Create(g, {}));
  EXPECT_LE(rewritten->arena_bytes(), executor->arena_bytes());
  // Its workspace is the kernels' own scratch (CpuKernel::ScratchBytes), exactly as the plain
  // executor holds it; channels-last kernels drop their layout buffers, so no larger there.
  const int64_t workspace = cpu_plan.Memory(DeviceKind::kCpu)->workspace_bytes;
  EXPECT_EQ(workspace, executor->scratch_bytes()) << GetParam();
  EXPECT_LE(rewritten->scratch_bytes(), workspace) << GetParam();
  std::printf("[ workspace ] %s: cpu workspace %.2f MiB (executor with its rewrites: %.2f MiB), "
              "arena %.2f MiB (%.2f MiB)\n",
              GetParam().c_str(), workspace / 1048576.0, rewritten->scratch_bytes() / 1048576.0,
              executor->arena_bytes() / 1048576.0, rewritten->arena_bytes() / 1048576.0);
}

INSTANTIATE_TEST_SUITE_P(Exported, PartitionerModels,
                         ::testing::Values("resnet18", "mobilenet_v2", "transformer_encoder"));

}  // namespace
}  // namespace tandem::partitioner
