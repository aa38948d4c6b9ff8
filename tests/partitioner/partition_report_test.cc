// partition-tool's report: the text has every section the issue asks for, memory as explicit
// sums, and the JSON carries the documented fields.
#include "tools/partition_tool/partition_report.h"

#include "tests/null/test_util.h"
#include "tests/partitioner/partitioner_test_util.h"

namespace tandem::tools {
namespace {

using partitioner::testing::GraphBuilder;
using ::testing::HasSubstr;
namespace pt = partitioner;

constexpr int64_t kMiB = int64_t{1} << 20;

struct Fixture {
  std::unique_ptr<ir::Graph> graph;
  PartitionReport report;
};

// x → mm1 (1 MiB) → custom (GPU refuses) → mm2 (1 MiB) → y, 1.5 MiB of GPU.
Fixture Make() {
  GraphBuilder b;
  auto h = b.Node("MatMul", "mm1", {b.Input("x", {1, 512}), b.Weight("w1", {512, 512})}, {1, 512});
  h = b.Node("Custom", "custom", {h}, {1, 512});
  b.Output(b.Node("MatMul", "mm2", {h, b.Weight("w2", {512, 512})}, {1, 512}));
  Fixture f;
  f.graph = b.Build();
  static auto* cpu = new pt::FunctionCapability(
      [](const ir::Graph&, const ir::Node&) { return std::string(); });
  static auto* gpu = new pt::FunctionCapability([](const ir::Graph&, const ir::Node& n) {
    return n.op_type == "Custom" ? std::string("no GPU kernel for Custom") : std::string();
  });
  static auto* cost = [] {
    auto* c = new pt::TableCostModel;
    c->by_op["MatMul"] = {10, 1};
    c->by_op["Custom"] = {1, 0.1};
    c->transfer_latency_ms = 0.01;
    c->transfer_ms_per_byte = 1e-6;
    return c;
  }();
  pt::PartitionOptions options;
  options.cpu_budget_bytes = 64 * kMiB;
  options.gpu_budget_bytes = 3 * kMiB / 2;
  options.allow_streaming = false;
  auto p = pt::Partitioner::Create(*f.graph, {cpu, gpu}, *cost, options);
  f.report.command = "partition-tool m.onnx --gpu-mem 1.5MiB";
  f.report.model_path = "m.onnx";
  f.report.num_nodes = 3;
  f.report.weight_bytes = pt::ModelWeightBytes(*f.graph);
  f.report.profile = *pt::BuiltinProfile("laptop-6gb");
  f.report.gpu_budget_source = "--gpu-mem 1.5MiB";
  f.report.cpu_budget_source = "profile";
  f.report.plan = *p->RunOptimal(&f.report.stats);
  f.report.baselines = p->ComputeBaselines();
  f.report.notes = p->Explain(f.report.plan);
  f.report.sweep = SweepBudgets(*p, options.cpu_budget_bytes, f.report.weight_bytes);
  return f;
}

TEST(PartitionReport, TextHasEverySection) {
  Fixture f = Make();
  std::string text = RenderReportText(*f.graph, f.report);
  EXPECT_THAT(text, HasSubstr("$ partition-tool m.onnx --gpu-mem 1.5MiB\n"));
  EXPECT_THAT(text, HasSubstr("segments (execution order)"));
  EXPECT_THAT(text, HasSubstr("memory per device"));
  EXPECT_THAT(text, HasSubstr("transfers: "));
  EXPECT_THAT(text, HasSubstr("baselines all-cpu 21.000 ms"));
  EXPECT_THAT(text, HasSubstr("all-gpu does not fit"));
  EXPECT_THAT(text, HasSubstr("nodes not on their preferred device"));
  EXPECT_THAT(text, HasSubstr("gpu cannot run it: no GPU kernel for Custom"));
  EXPECT_THAT(text, HasSubstr("sweep: optimal plan by GPU budget"));
  EXPECT_THAT(text, HasSubstr("\nverdict: fits; "));
  EXPECT_THAT(text, HasSubstr("1 node(s) cannot run on their preferred device"));
  EXPECT_EQ(CountRefused(f.report), 1);
  // Memory rows are explicit sums: weights + activations + workspace + staging = total <= budget.
  const pt::DeviceMemory* gpu = f.report.plan.Memory(pt::DeviceKind::kGpu);
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->weight_bytes, kMiB);  // one of the two matmuls fits
  EXPECT_THAT(text, HasSubstr("gpu     1.00  +"));
  EXPECT_THAT(text, HasSubstr("<=    1.50  ok"));
}

TEST(PartitionReport, JsonHasTheDocumentedFields) {
  Fixture f = Make();
  nlohmann::ordered_json j = RenderReportJson(*f.graph, f.report);
  for (const char* key : {"model", "strategy", "predicted_ms", "devices", "nodes", "transfers",
                          "baselines", "sweep"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  ASSERT_EQ(j["devices"].size(), 2u);
  for (const auto& d : j["devices"]) {
    for (const char* key : {"name", "kind", "budget_bytes", "peak_bytes", "weight_bytes",
                            "activation_bytes", "workspace_bytes"}) {
      EXPECT_TRUE(d.contains(key)) << key;
    }
  }
  ASSERT_EQ(j["nodes"].size(), 3u);
  for (const auto& n : j["nodes"]) {
    for (const char* key : {"name", "op", "device", "predicted_ms", "reason"}) {
      EXPECT_TRUE(n.contains(key)) << key;
    }
  }
  EXPECT_EQ(j["nodes"][1]["device"], "cpu");
  EXPECT_EQ(j["nodes"][1]["reason"], "gpu cannot run it: no GPU kernel for Custom");
  for (const auto& t : j["transfers"]) {
    for (const char* key : {"value", "from", "to", "bytes", "predicted_ms"}) {
      EXPECT_TRUE(t.contains(key)) << key;
    }
  }
  EXPECT_EQ(j["baselines"]["all_cpu_ms"], 21.0);
  EXPECT_TRUE(j["baselines"]["all_gpu_ms"].is_null());
  EXPECT_TRUE(j["baselines"].contains("greedy_ms"));
  EXPECT_EQ(j["sweep"].size(), 11u);
}

}  // namespace
}  // namespace tandem::tools
