// Workspace in the memory model (CPU kernels' scratch, the GPU's profile estimate), measured cost
// tables (cost_table.h) and calibration on the real CPU executor (partition-tool --calibrate).
#include <cstdio>

#include "executors/cpu/cpu_executor.h"
#include "partitioner/cost_table.h"
#include "partitioner/evaluate.h"
#include "partitioner/partitioner.h"
#include "tests/null/test_util.h"
#include "tests/partitioner/partitioner_test_util.h"
#include "tools/partition_tool/calibrate.h"

namespace tandem::partitioner {
namespace {

using testing::Budgets;
using testing::GraphBuilder;
using ::testing::HasSubstr;

constexpr int64_t kMiB = int64_t{1} << 20;

// A CPU whose kernels hold `scratch` bytes per op type.
class ScratchCpu final : public Capability {
 public:
  explicit ScratchCpu(std::map<std::string, int64_t> scratch) : scratch_(std::move(scratch)) {}
  std::string UnsupportedReason(const ir::Graph&, const ir::Node&) const override { return ""; }
  NodeSupport Check(const ir::Graph&, const ir::Node& n) const override {
    auto it = scratch_.find(n.op_type);
    return {"", it == scratch_.end() ? 0 : it->second};
  }

 private:
  std::map<std::string, int64_t> scratch_;
};

// x → conv-like "Big" (4 MiB of CPU scratch, no weights) → relu → y.
std::unique_ptr<ir::Graph> BigScratchChain() {
  GraphBuilder b;
  auto h = b.Node("Big", "big", {b.Input("x", {1, 256})}, {1, 256});
  b.Output(b.Node("Relu", "relu", {h}, {1, 256}));
  return b.Build();
}

TEST(Workspace, CpuScratchAndGpuEstimateCountWhereTheyLive) {
  auto g = BigScratchChain();
  ScratchCpu cpu({{"Big", 4 * kMiB}, {"Relu", 1000}});
  auto gpu = testing::Refusing({});
  TableCostModel cost;
  cost.by_op["Big"] = {1, 10};  // fastest on the CPU
  cost.by_op["Relu"] = {1, 10};
  PartitionOptions options = Budgets(64 * kMiB, 64 * kMiB);
  options.gpu_workspace_bytes = 3 * kMiB;
  ASSERT_OK_AND_ASSIGN(Partitioner p, Partitioner::Create(*g, {&cpu, &gpu}, cost, options));
  ASSERT_OK_AND_ASSIGN(Plan all_cpu, p.Run(Strategy::kAllCpu));
  EXPECT_EQ(all_cpu.Memory(DeviceKind::kCpu)->workspace_bytes, 4 * kMiB + 1000);
  EXPECT_EQ(all_cpu.Memory(DeviceKind::kGpu)->workspace_bytes, 0);  // nothing on the GPU
  ASSERT_OK_AND_ASSIGN(Plan all_gpu, p.Run(Strategy::kAllGpu));
  EXPECT_EQ(all_gpu.Memory(DeviceKind::kCpu)->workspace_bytes, 0);
  EXPECT_EQ(all_gpu.Memory(DeviceKind::kGpu)->workspace_bytes, 3 * kMiB);
  // The workspace is part of the total that must fit.
  const DeviceMemory* m = all_cpu.Memory(DeviceKind::kCpu);
  EXPECT_EQ(m->total_bytes(), m->weight_bytes + m->activation_bytes() + 4 * kMiB + 1000 + m->staging_bytes);
}

TEST(Workspace, CpuScratchThatDoesNotFitMovesTheNodeToTheGpu) {
  auto g = BigScratchChain();
  ScratchCpu cpu({{"Big", 4 * kMiB}});
  auto gpu = testing::Refusing({});
  TableCostModel cost;
  cost.by_op["Big"] = {1, 10};
  cost.by_op["Relu"] = {1, 10};
  cost.transfer_latency_ms = 0.01;
  // 2 MiB of host: the CPU is faster, but Big's scratch cannot live there.
  ASSERT_OK_AND_ASSIGN(Plan plan, Partition(*g, {&cpu, &gpu}, cost, Budgets(2 * kMiB, 64 * kMiB)));
  EXPECT_EQ(plan.Placements(g->num_nodes())[0], Placement::kGpu);
  EXPECT_EQ(plan.Placements(g->num_nodes())[1], Placement::kCpu);
  EXPECT_EQ(plan.Memory(DeviceKind::kCpu)->workspace_bytes, 0);
  // The GPU's estimate can make a GPU plan not fit: then everything stays on the host.
  PartitionOptions tight = Budgets(64 * kMiB, 64 * kMiB);
  tight.gpu_workspace_bytes = 65 * kMiB;
  cost.by_op["Big"] = {10, 1};  // now the GPU would be faster
  ASSERT_OK_AND_ASSIGN(plan, Partition(*g, {&cpu, &gpu}, cost, tight));
  EXPECT_EQ(plan.segments.size(), 1u);
  EXPECT_EQ(plan.segments[0].device, DeviceKind::kCpu);
}

TEST(Workspace, BuiltinGpuProfilesCarryTheCublasEstimate) {
  ASSERT_OK_AND_ASSIGN(MachineProfile laptop, BuiltinProfile("laptop-6gb"));
  ASSERT_OK_AND_ASSIGN(MachineProfile h100, BuiltinProfile("h100"));
  EXPECT_EQ(laptop.gpu->workspace_bytes, 4 * kMiB);
  EXPECT_EQ(h100.gpu->workspace_bytes, 32 * kMiB);
  EXPECT_EQ(OptionsForProfile(h100).gpu_workspace_bytes, 32 * kMiB);
  ASSERT_OK_AND_ASSIGN(MachineProfile custom, ParseProfileJson(R"({
    "cpu": {"memory": "8GiB", "budget": "6GiB", "peak_flops_f32": 1e11, "memory_bandwidth": 2e10},
    "gpu": {"memory": "4GiB", "budget": "3GiB", "peak_flops_f32": 1e13, "memory_bandwidth": 3e11,
            "workspace": "16MiB"},
    "link": {"pinned_bandwidth": 1e10}})"));
  EXPECT_EQ(custom.gpu->workspace_bytes, 16 * kMiB);
}

// The CPU executor's kernels report their scratch, and the CPU capability passes it on.
TEST(Workspace, CpuCapabilityReportsTheExecutorsScratch) {
  GraphBuilder b;
  auto x = b.Input("x", {4, 64});
  // A transposed A makes the XNNPACK Gemm keep op(A) in a scratch buffer.
  ir::Graph& g = b.graph();
  auto w = b.Weight("w", {4, 32});
  auto y = *g.AddNodeOutput("y", {ir::DType::kFloat32, ir::Shape::Static({64, 32})});
  ir::Node gemm;
  gemm.name = "gemm";
  gemm.op_type = "Gemm";
  gemm.inputs = {x, w};
  gemm.outputs = {y};
  gemm.attributes["transA"] = ir::Attribute(int64_t{1});
  ASSERT_TRUE(g.AddNode(std::move(gemm)).ok());
  b.Output(y);
  auto graph = b.Build();
  CpuCapability cpu;
  NodeSupport s = cpu.Check(*graph, graph->node(ir::NodeId(0)));
  EXPECT_EQ(s.reason, "");
  ASSERT_OK_AND_ASSIGN(auto executor, executors::CpuExecutor::Create(*graph, {}));
  EXPECT_EQ(s.workspace_bytes, executor->scratch_bytes());
  EXPECT_GE(s.workspace_bytes, 64 * 4 * 4);  // op(A) is 64 x 4 floats
}

// ---- cost tables

CostTable SampleTable() {
  CostTable t;
  t.model = "m.onnx";
  t.nodes_in_model = 2;
  t.cpu = {true, "test cpu", 1, 5, 1, 3.5, "per-node wall time"};
  t.gpu.note = "no GPU";
  t.nodes = {{0, "big", "Big", 2.5, std::nullopt}, {1, "relu", "Relu", 0.25, std::nullopt}};
  return t;
}

TEST(CostTable, RoundTripsThroughJson) {
  CostTable t = SampleTable();
  ASSERT_OK_AND_ASSIGN(CostTable back, ParseCostTableJson(CostTableToJson(t)));
  EXPECT_EQ(back.model, "m.onnx");
  EXPECT_EQ(back.nodes_in_model, 2);
  EXPECT_TRUE(back.cpu.measured);
  EXPECT_EQ(back.cpu.name, "test cpu");
  EXPECT_EQ(back.cpu.runs, 5);
  EXPECT_EQ(back.cpu.run_ms, 3.5);
  EXPECT_FALSE(back.gpu.measured);
  EXPECT_EQ(back.gpu.note, "no GPU");
  ASSERT_EQ(back.nodes.size(), 2u);
  EXPECT_EQ(back.nodes[1].name, "relu");
  EXPECT_EQ(back.nodes[1].cpu_ms, 0.25);
  EXPECT_FALSE(back.nodes[1].gpu_ms.has_value());
  EXPECT_EQ(CostTableToJson(back), CostTableToJson(t));
  EXPECT_THAT(CostTableToJson(t), HasSubstr("\"format\": \"tandem-cost-table\""));
}

TEST(CostTable, MeasuredTimesWinAndTheRestFallsBack) {
  auto g = BigScratchChain();
  TableCostModel fallback;
  fallback.by_op["Big"] = {100, 7};
  fallback.by_op["Relu"] = {100, 3};
  fallback.transfer_latency_ms = 0.5;
  ASSERT_OK_AND_ASSIGN(TableCostModel m, MeasuredCostModel(*g, SampleTable(), fallback));
  EXPECT_EQ(m.NodeTime(*g, g->node(ir::NodeId(0)), DeviceKind::kCpu), 2.5);
  EXPECT_EQ(m.NodeTime(*g, g->node(ir::NodeId(1)), DeviceKind::kCpu), 0.25);
  EXPECT_EQ(m.NodeTime(*g, g->node(ir::NodeId(0)), DeviceKind::kGpu), 7);  // not measured
  EXPECT_EQ(m.TransferTime(1000, DeviceKind::kCpu, DeviceKind::kGpu), 0.5);
}

TEST(CostTable, RejectsATableOfAnotherModelNamingTheNode) {
  auto g = BigScratchChain();
  TableCostModel fallback;
  CostTable t = SampleTable();
  t.nodes[1].op = "Sigmoid";
  EXPECT_THAT(MeasuredCostModel(*g, t, fallback).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "cost table node 1 is Sigmoid \"relu\" but the model's is Relu \"relu\""));
  t = SampleTable();
  t.nodes_in_model = 3;
  EXPECT_THAT(MeasuredCostModel(*g, t, fallback).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "measured on a model with 3 nodes"));
  EXPECT_THAT(ParseCostTableJson(R"({"format": "tandem-cost-table", "version": 1,
      "nodes_in_model": 1, "nodes": [{"id": 0, "cpu_ms": -1}]})").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "'nodes[0].cpu_ms'"));
  EXPECT_THAT(ParseCostTableJson("[1]").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a JSON object"));
}

// Calibration runs the real CPU executor and times every node.
TEST(Calibrate, MeasuresEveryNodeOnTheCpu) {
  GraphBuilder b;
  auto h = b.Node("MatMul", "mm", {b.Input("x", {64, 256}), b.Weight("w", {256, 256})}, {64, 256});
  b.Output(b.Node("Relu", "relu", {h}, {64, 256}));
  auto g = b.Build();
  tools::CalibrateOptions options;
  options.runs = 5;
  options.warmup = 1;
  ASSERT_OK_AND_ASSIGN(CostTable t, tools::Calibrate(*g, "mlp", options));
  EXPECT_TRUE(t.cpu.measured);
  EXPECT_EQ(t.cpu.runs, 5);
  EXPECT_EQ(t.cpu.threads, 1);
  EXPECT_FALSE(t.gpu.measured);
  EXPECT_THAT(t.gpu.note, HasSubstr("GPU times are the roofline's"));
  ASSERT_EQ(t.nodes.size(), 2u);
  double sum = 0;
  for (const CostTableNode& n : t.nodes) {
    ASSERT_TRUE(n.cpu_ms.has_value());
    EXPECT_GT(*n.cpu_ms, 0) << n.name;
    sum += *n.cpu_ms;
  }
  EXPECT_EQ(t.nodes[0].op, "MatMul");
  // A 64x256x256 matmul (8.4 MFLOP) takes well under 100 ms; the whole run covers the nodes.
  EXPECT_LT(*t.nodes[0].cpu_ms, 100);
  ASSERT_TRUE(t.cpu.run_ms.has_value());
  EXPECT_GE(*t.cpu.run_ms * 1.5, sum);
}

}  // namespace
}  // namespace tandem::partitioner
