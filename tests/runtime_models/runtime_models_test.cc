// Partitioned runs, with the checked test double in the GPU's place, give the single-device CPU
// outputs bit for bit: the exported models at GPU budgets of 10/25/50/100% of their weights
// (devices budgeted exactly as the plan says), and the ONNX node conformance cases under plans
// that alternate devices node by node and that put everything possible on the "GPU".
#include <filesystem>
#include <random>

#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "importer/tensor_proto.h"
#include "tests/null/test_util.h"
#include "tests/runtime/runtime_test_util.h"

namespace tandem::executors {
namespace {

namespace fs = std::filesystem;
namespace pt = partitioner;
using testing::BitDifference;

std::vector<ir::Tensor> RandomInputs(const ir::Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::vector<ir::Tensor> inputs;
  for (ir::ValueId id : g.inputs()) {
    const ir::Value& v = g.value(id);
    std::vector<int64_t> dims = *v.info.shape.static_sizes();
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    if (v.info.dtype == ir::DType::kInt64) {
      std::vector<int64_t> x(n);
      for (auto& i : x) i = rng() % 8;
      inputs.push_back(ir::Tensor::FromValues(ir::DType::kInt64, dims, x));
    } else {
      std::vector<float> x(n);
      for (float& f : x) f = real(rng);
      inputs.push_back(ir::Tensor::FromValues(ir::DType::kFloat32, dims, x));
    }
  }
  return inputs;
}

class RuntimeModels : public ::testing::TestWithParam<std::string> {};

TEST_P(RuntimeModels, PartitionedRunsMatchTheCpuBitForBitWithinThePlansBudgets) {
  const std::string path = std::string(TANDEM_MODELS_DIR) + "/" + GetParam() + "/model.onnx";
  ASSERT_OK_AND_ASSIGN(ir::Model model, importer::ImportModel(path));
  const ir::Graph& g = *model.graph;
  const std::vector<ir::Tensor> inputs = RandomInputs(g, 7);
  ASSERT_OK_AND_ASSIGN(auto reference, CpuExecutor::Create(g, {}));
  ASSERT_OK_AND_ASSIGN(const std::vector<ir::Tensor> want, reference->Run(inputs));

  ASSERT_OK_AND_ASSIGN(pt::MachineProfile profile, pt::BuiltinProfile("laptop-6gb"));
  pt::CpuCapability cpu;
  pt::GpuCapability gpu;
  pt::RooflineCostModel cost(profile);
  ASSERT_OK_AND_ASSIGN(pt::Partitioner partitioner,
                       pt::Partitioner::Create(g, {&cpu, &gpu}, cost, pt::OptionsForProfile(profile)));
  const int64_t weights = pt::ModelWeightBytes(g);
  for (int percent : {10, 25, 50, 100}) {
    for (pt::Strategy strategy : {pt::Strategy::kOptimal, pt::Strategy::kGreedy, pt::Strategy::kAllGpu}) {
      const std::string what = GetParam() + " " + std::string(pt::StrategyName(strategy)) + " at " +
                               std::to_string(percent) + "%";
      auto planned_or = partitioner.Run(strategy, profile.cpu.budget_bytes, weights * percent / 100);
      // "Everything on the GPU" fits only the larger budgets.
      if (strategy == pt::Strategy::kAllGpu && !planned_or.ok()) continue;
      ASSERT_OK_AND_ASSIGN(pt::Plan plan, std::move(planned_or));
      const pt::DeviceMemory& planned = *plan.Memory(pt::DeviceKind::kGpu);
      auto devices = testing::MakeDevices(plan.Memory(pt::DeviceKind::kCpu)->budget_bytes,
                                          planned.budget_bytes);
      auto rt = Runtime::Create(g, plan, devices.devices());
      ASSERT_TRUE(rt.ok()) << what << ": " << rt.status();
      RunProfile run_profile;
      auto got = (*rt)->Run(inputs, &run_profile);
      ASSERT_TRUE(got.ok()) << what << ": " << got.status();
      EXPECT_EQ(BitDifference(*got, want), "") << what;
      const int64_t peak = devices.gpu->allocator().peak_bytes();
      EXPECT_LE(peak, planned.budget_bytes) << what;
      std::printf("%-40s segments %2d transfers %3d  gpu: planned %9.2f MiB, runtime peak %9.2f MiB, "
                  "budget %9.2f MiB  run %.1f ms\n",
                  what.c_str(), (*rt)->num_segments(), (*rt)->num_transfers(),
                  planned.total_bytes() / 1048576.0, peak / 1048576.0,
                  planned.budget_bytes / 1048576.0, run_profile.total_ms);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Exported, RuntimeModels,
                         ::testing::Values("resnet18", "mobilenet_v2", "transformer_encoder"));

// The node conformance cases: every case the CPU executor runs and the partitioner can plan
// (static shapes) runs under two plans, with every output bit-identical to the CPU's.
TEST(RuntimeConformance, NodeCasesMatchTheCpuUnderAlternatingAndGpuFirstPlans) {
  const fs::path root = fs::path(TANDEM_ONNX_TESTDATA) / "node";
  if (!fs::exists(root)) GTEST_SKIP() << root << " is not installed";
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(root)) cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  int ran = 0, partitioned = 0, skipped = 0;
  std::vector<std::string> failures;
  for (const fs::path& dir : cases) {
    auto model = importer::ImportModel((dir / "model.onnx").string());
    if (!model.ok()) { ++skipped; continue; }
    const ir::Graph& g = *model->graph;
    std::vector<ir::Tensor> inputs;
    bool loaded = true;
    for (size_t i = 0; i < g.inputs().size() && loaded; ++i) {
      auto t = importer::ParseTensorFile(
          (dir / "test_data_set_0" / ("input_" + std::to_string(i) + ".pb")).string());
      loaded = t.ok();
      if (loaded) inputs.push_back(std::move(t->tensor));
    }
    auto reference = loaded ? CpuExecutor::Create(g, {}) : absl::UnknownError("inputs");
    if (!reference.ok()) { ++skipped; continue; }
    auto want = (*reference)->Run(inputs);
    if (!want.ok()) { ++skipped; continue; }
    ++ran;
    bool any_gpu = false;
    for (int variant = 0; variant < 2; ++variant) {
      auto plan = testing::PlanWithPlacements(g, [&](ir::NodeId n) {
        return variant == 0 && n.value % 2 == 0 ? pt::Placement::kCpu : pt::Placement::kGpu;
      });
      if (!plan.ok()) break;  // dynamic shapes: the partitioner does not plan them
      for (const pt::Segment& s : plan->segments) any_gpu = any_gpu || s.device == pt::DeviceKind::kGpu;
      auto devices = testing::MakeDevices();
      auto rt = Runtime::Create(g, *plan, devices.devices());
      absl::StatusOr<std::vector<ir::Tensor>> got =
          rt.ok() ? (*rt)->Run(inputs) : absl::StatusOr<std::vector<ir::Tensor>>(rt.status());
      std::string diff = got.ok() ? BitDifference(*got, *want) : std::string(got.status().message());
      if (!diff.empty()) failures.push_back(dir.filename().string() + " (plan " + std::to_string(variant) + "): " + diff);
    }
    partitioned += any_gpu;
  }
  std::printf("node cases: %d run on the CPU, %d of them partitioned across both devices, %d skipped\n",
              ran, partitioned, skipped);
  EXPECT_GT(partitioned, 300);
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures, first: " << failures.front();
}

}  // namespace
}  // namespace tandem::executors
