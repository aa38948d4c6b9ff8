// The runtime on small graphs, with the checked test double in the GPU's place: every placement
// gives the single-device outputs bit for bit, copies happen exactly as planned, a dropped or
// misplaced transfer fails loudly, budgets are enforced, and concurrent runs agree.
#include "executors/runtime.h"

#include <algorithm>
#include <thread>

#include "gtest/gtest.h"
#include "tests/null/test_util.h"
#include "tests/runtime/runtime_test_util.h"

namespace tandem::executors {
namespace {

using partitioner::DeviceKind;
using partitioner::Placement;
using testing::BitDifference;
using testing::MakeDevices;
using testing::PlanWithPlacements;

ir::Tensor Floats(std::vector<int64_t> dims, float start, float step) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = start + step * static_cast<float>(i);
  return ir::Tensor::FromValues(ir::DType::kFloat32, dims, v);
}

ir::ValueId Add(ir::Graph& g, const std::string& op, const std::string& name,
                std::vector<ir::ValueId> in, ir::TensorInfo info) {
  ir::ValueId out = *g.AddNodeOutput(name, info);
  ir::Node n;
  n.op_type = op;
  n.name = name;
  n.inputs = std::move(in);
  n.outputs = {out};
  EXPECT_TRUE(g.AddNode(std::move(n)).ok());
  return out;
}

// x → Relu a → Add(a, w) b → Mul(b, b) c → Sigmoid d → Add(d, a) e; outputs e and c.
std::unique_ptr<ir::Graph> Chain() {
  auto g = std::make_unique<ir::Graph>("chain");
  g->set_opset("", 17);
  ir::TensorInfo f{ir::DType::kFloat32, ir::Shape::Static({2, 8})};
  ir::ValueId x = *g->AddInput("x", f);
  ir::ValueId w = *g->AddInitializer("w", Floats({2, 8}, -1.0f, 0.125f));
  ir::ValueId a = Add(*g, "Relu", "a", {x}, f);
  ir::ValueId b = Add(*g, "Add", "b", {a, w}, f);
  ir::ValueId c = Add(*g, "Mul", "c", {b, b}, f);
  ir::ValueId d = Add(*g, "Sigmoid", "d", {c}, f);
  ir::ValueId e = Add(*g, "Add", "e", {d, a}, f);
  g->AddOutput(e);
  g->AddOutput(c);
  return g;
}

std::vector<ir::Tensor> Reference(const ir::Graph& g, const std::vector<ir::Tensor>& inputs) {
  auto ex = CpuExecutor::Create(g, {});
  EXPECT_TRUE(ex.ok()) << ex.status();
  auto out = (*ex)->Run(inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  return *out;
}

TEST(Runtime, EveryPlacementOfAChainMatchesTheCpuBitForBit) {
  auto g = Chain();
  std::vector<ir::Tensor> inputs = {Floats({2, 8}, -2.0f, 0.25f)};
  const std::vector<ir::Tensor> want = Reference(*g, inputs);
  for (int mask = 0; mask < (1 << g->num_nodes()); ++mask) {
    ASSERT_OK_AND_ASSIGN(partitioner::Plan plan, PlanWithPlacements(*g, [&](ir::NodeId n) {
                           return (mask >> n.value) & 1 ? Placement::kGpu : Placement::kCpu;
                         }));
    for (bool concurrent : {false, true}) {
      auto devices = MakeDevices();
      ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Create(*g, plan, devices.devices(), {concurrent, true}));
      ASSERT_OK_AND_ASSIGN(std::vector<ir::Tensor> got, rt->Run(inputs));
      EXPECT_EQ(BitDifference(got, want), "") << "placement mask " << mask;
      // Exactly the plan's copies happened, in the plan's directions.
      int to_gpu = 0, to_cpu = 0;
      for (const partitioner::Transfer& t : plan.transfers) (t.to == DeviceKind::kGpu ? to_gpu : to_cpu)++;
      EXPECT_EQ(devices.gpu->copies_to_device(), to_gpu) << "mask " << mask;
      EXPECT_EQ(devices.gpu->copies_to_host(), to_cpu) << "mask " << mask;
      EXPECT_EQ(rt->num_transfers(), static_cast<int>(plan.transfers.size()));
    }
  }
}

TEST(Runtime, DroppedTransferFailsCreateNamingTheValue) {
  auto g = Chain();
  // Relu on the CPU, everything else on the GPU: "a" must be copied to the GPU.
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan, PlanWithPlacements(*g, [](ir::NodeId n) {
                         return n.value == 0 ? Placement::kCpu : Placement::kGpu;
                       }));
  auto it = std::find_if(plan.transfers.begin(), plan.transfers.end(),
                         [](const partitioner::Transfer& t) { return t.name == "a@gpu"; });
  ASSERT_NE(it, plan.transfers.end());
  plan.transfers.erase(it);
  auto devices = MakeDevices();
  EXPECT_THAT(Runtime::Create(*g, plan, devices.devices()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "no transfer of 'a' to gpu"));
}

TEST(Runtime, DroppedTransferIsRefusedByTheCheckedDeviceItself) {
  auto g = Chain();
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan, PlanWithPlacements(*g, [](ir::NodeId n) {
                         return n.value == 0 ? Placement::kCpu : Placement::kGpu;
                       }));
  plan.transfers.erase(std::remove_if(plan.transfers.begin(), plan.transfers.end(),
                                      [](const partitioner::Transfer& t) { return t.name == "a@gpu"; }),
                       plan.transfers.end());
  auto devices = MakeDevices();
  RuntimeOptions options;
  options.check_transfers = false;  // the runtime hands over the host copy; the device must refuse
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Create(*g, plan, devices.devices(), options));
  EXPECT_THAT(rt->Run({Floats({2, 8}, -2.0f, 0.25f)}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "reads 'a' from host memory, but it must be in checked-host memory"));
}

TEST(Runtime, DroppedCopyBackIsRefusedByTheCpuDevice) {
  auto g = Chain();
  // Everything on the GPU but the last Add: "d" must come back to the host.
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan, PlanWithPlacements(*g, [](ir::NodeId n) {
                         return n.value == 4 ? Placement::kCpu : Placement::kGpu;
                       }));
  plan.transfers.erase(std::remove_if(plan.transfers.begin(), plan.transfers.end(),
                                      [](const partitioner::Transfer& t) { return t.name == "d@cpu"; }),
                       plan.transfers.end());
  auto devices = MakeDevices();
  RuntimeOptions options;
  options.check_transfers = false;
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Create(*g, plan, devices.devices(), options));
  EXPECT_THAT(rt->Run({Floats({2, 8}, -2.0f, 0.25f)}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "reads 'd' from checked-host memory, but it must be in host memory"));
}

TEST(Runtime, MisdirectedTransferFailsCreate) {
  auto g = Chain();
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan, PlanWithPlacements(*g, [](ir::NodeId n) {
                         return n.value == 0 ? Placement::kCpu : Placement::kGpu;
                       }));
  for (partitioner::Transfer& t : plan.transfers) {
    if (t.name == "a@gpu") t.from = DeviceKind::kGpu, t.to = DeviceKind::kCpu;
  }
  auto devices = MakeDevices();
  EXPECT_THAT(Runtime::Create(*g, plan, devices.devices()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "'a'"));
}

TEST(Runtime, GpuPlanWithoutGpuDeviceFails) {
  auto g = Chain();
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan,
                       PlanWithPlacements(*g, [](ir::NodeId) { return Placement::kGpu; }));
  auto devices = MakeDevices();
  EXPECT_THAT(Runtime::Create(*g, plan, {devices.cpu.get(), nullptr}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no GPU device was given"));
}

TEST(Runtime, PlanPlacingANodeTwiceFails) {
  auto g = Chain();
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan,
                       PlanWithPlacements(*g, [](ir::NodeId) { return Placement::kCpu; }));
  plan.segments.push_back(plan.segments[0]);
  auto devices = MakeDevices();
  EXPECT_THAT(Runtime::Create(*g, plan, devices.devices()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "places Relu \"a\" twice"));
}

TEST(Runtime, RefusesWeightsPastTheGpuBudget) {
  auto g = Chain();
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan,
                       PlanWithPlacements(*g, [](ir::NodeId) { return Placement::kGpu; }));
  auto devices = MakeDevices(-1, /*gpu_budget=*/32);  // w alone is 64 bytes (+16 padding)
  EXPECT_THAT(Runtime::Create(*g, plan, devices.devices()).status(),
              StatusIs(absl::StatusCode::kResourceExhausted, "weight 'w' needs"));
}

TEST(Runtime, RefusesATransferPastTheGpuBudgetAtRunTime) {
  auto g = Chain();
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan, PlanWithPlacements(*g, [](ir::NodeId n) {
                         return n.value == 0 ? Placement::kCpu : Placement::kGpu;
                       }));
  // Measure what Create holds, then allow exactly that: the run's first copy cannot fit.
  auto probe = MakeDevices();
  ASSERT_OK_AND_ASSIGN(auto probe_rt, Runtime::Create(*g, plan, probe.devices()));
  const int64_t resident = probe.gpu->allocator().used_bytes();
  auto devices = MakeDevices(-1, resident);
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Create(*g, plan, devices.devices()));
  absl::Status s = rt->Run({Floats({2, 8}, -2.0f, 0.25f)}).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted, "transfer 'a@gpu' needs"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted, "is free"));
}

TEST(Runtime, ReleasesEveryRunBufferAfterTheRun) {
  auto g = Chain();
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan, PlanWithPlacements(*g, [](ir::NodeId n) {
                         return n.value % 2 ? Placement::kGpu : Placement::kCpu;
                       }));
  auto devices = MakeDevices();
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Create(*g, plan, devices.devices()));
  const int64_t cpu_before = devices.cpu->allocator().used_bytes();
  const int64_t gpu_before = devices.gpu->allocator().used_bytes();
  EXPECT_GT(gpu_before, 0);  // w is resident on the GPU side
  ASSERT_OK_AND_ASSIGN(auto out, rt->Run({Floats({2, 8}, -2.0f, 0.25f)}));
  EXPECT_EQ(devices.cpu->allocator().used_bytes(), cpu_before);
  EXPECT_EQ(devices.gpu->allocator().used_bytes(), gpu_before);
  EXPECT_GT(devices.gpu->allocator().peak_bytes(), gpu_before);
  rt.reset();
  EXPECT_EQ(devices.gpu->allocator().used_bytes(), 0);
  EXPECT_EQ(devices.cpu->allocator().used_bytes(), 0);
}

TEST(Runtime, ProfileListsSegmentsAndTransfersWithPredictions) {
  auto g = Chain();
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan, PlanWithPlacements(*g, [](ir::NodeId n) {
                         return n.value == 0 ? Placement::kCpu : Placement::kGpu;
                       }));
  auto devices = MakeDevices();
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Create(*g, plan, devices.devices()));
  RunProfile profile;
  ASSERT_OK(rt->Run({Floats({2, 8}, -2.0f, 0.25f)}, &profile).status());
  std::vector<std::string> names;
  for (const StepProfile& s : profile.steps) {
    names.push_back(s.name);
    EXPECT_GE(s.measured_ms, 0);
  }
  // Relu on the CPU; a@gpu; the rest on the GPU; e and c come back.
  EXPECT_EQ(names, (std::vector<std::string>{"segment 0 (cpu)", "a@gpu", "segment 1 (gpu)", "c@cpu", "e@cpu"}));
  EXPECT_EQ(profile.steps[1].bytes, 64);
  EXPECT_EQ(profile.steps[2].device, "checked-host (test double)");
  EXPECT_GT(profile.steps[2].predicted_ms, 0);
}

// Shape on the GPU, its consumer (Reshape) on the GPU after a CPU node: the shape operand is read
// on the host, so it comes back to the host and is never copied to the GPU.
TEST(Runtime, ShapeOperandsAreReadFromTheHost) {
  auto g = std::make_unique<ir::Graph>("reshape");
  g->set_opset("", 17);
  ir::ValueId x = *g->AddInput("x", {ir::DType::kFloat32, ir::Shape::Static({2, 3, 4})});
  ir::ValueId s = Add(*g, "Shape", "s", {x}, {ir::DType::kInt64, ir::Shape::Static({3})});
  ir::ValueId n = Add(*g, "Neg", "n", {x}, {ir::DType::kFloat32, ir::Shape::Static({2, 3, 4})});
  ir::ValueId y = Add(*g, "Reshape", "y", {n, s}, {ir::DType::kFloat32, ir::Shape::Static({2, 3, 4})});
  g->AddOutput(y);
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan, PlanWithPlacements(*g, [](ir::NodeId id) {
                         return id.value == 1 ? Placement::kCpu : Placement::kGpu;
                       }));
  std::vector<std::string> names;
  for (const auto& t : plan.transfers) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"x@gpu", "n@gpu", "s@cpu", "y@cpu"}));
  std::vector<ir::Tensor> inputs = {Floats({2, 3, 4}, -3.0f, 0.5f)};
  auto devices = MakeDevices();
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Create(*g, plan, devices.devices()));
  ASSERT_OK_AND_ASSIGN(auto got, rt->Run(inputs));
  EXPECT_EQ(BitDifference(got, Reference(*g, inputs)), "");
}

// A node with streamed weights runs as a unit of its own, its weight copied in per run.
TEST(Runtime, StreamedWeightsAreCopiedInPerRun) {
  auto g = std::make_unique<ir::Graph>("matmul");
  g->set_opset("", 17);
  ir::TensorInfo f{ir::DType::kFloat32, ir::Shape::Static({2, 8})};
  ir::ValueId x = *g->AddInput("x", f);
  ir::ValueId w = *g->AddInitializer("w", Floats({8, 8}, -0.5f, 0.015625f));
  ir::ValueId a = Add(*g, "Relu", "a", {x}, f);
  ir::ValueId m = Add(*g, "MatMul", "m", {a, w}, f);
  ir::ValueId y = Add(*g, "Sigmoid", "y", {m}, f);
  g->AddOutput(y);
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan, PlanWithPlacements(*g, [](ir::NodeId id) {
                         return id.value == 1 ? Placement::kGpuStreamed : Placement::kGpu;
                       }));
  bool streamed = false;
  for (const auto& t : plan.transfers) streamed = streamed || (t.streamed_weight && t.name == "w@gpu");
  ASSERT_TRUE(streamed) << partitioner::PrintPlan(*g, plan);
  std::vector<ir::Tensor> inputs = {Floats({2, 8}, -1.0f, 0.125f)};
  auto devices = MakeDevices();
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Create(*g, plan, devices.devices()));
  EXPECT_EQ(rt->num_segments(), 3);  // Relu | MatMul (streamed) | Sigmoid
  EXPECT_EQ(devices.gpu->allocator().used_bytes() % 64, 0);
  for (int run = 0; run < 2; ++run) {
    ASSERT_OK_AND_ASSIGN(auto got, rt->Run(inputs));
    EXPECT_EQ(BitDifference(got, Reference(*g, inputs)), "");
  }
  EXPECT_EQ(devices.gpu->copies_to_device(), 4);  // x and w, twice
}

TEST(Runtime, ManyThreadsRunOneRuntime) {
  auto g = Chain();
  ASSERT_OK_AND_ASSIGN(partitioner::Plan plan, PlanWithPlacements(*g, [](ir::NodeId n) {
                         return n.value % 2 ? Placement::kGpu : Placement::kCpu;
                       }));
  auto devices = MakeDevices();
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Create(*g, plan, devices.devices()));
  constexpr int kThreads = 8, kRuns = 25;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<ir::Tensor> inputs = {Floats({2, 8}, -2.0f + t, 0.25f)};
      const std::vector<ir::Tensor> want = Reference(*g, inputs);
      for (int r = 0; r < kRuns && failures[t].empty(); ++r) {
        auto got = rt->Run(inputs);
        failures[t] = !got.ok() ? std::string(got.status().message()) : BitDifference(*got, want);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
}

}  // namespace
}  // namespace tandem::executors
