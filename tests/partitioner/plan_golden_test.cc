// Golden plans: small hand-built graphs with a table cost model; PrintPlan's text is compared
// with tests/partitioner/golden/<name>.plan. Set TANDEM_UPDATE_GOLDEN=1 to rewrite the files
// (then read the diff).
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "partitioner/partitioner.h"
#include "partitioner/plan.h"
#include "tests/null/test_util.h"
#include "tests/partitioner/partitioner_test_util.h"

namespace tandem::partitioner {
namespace {

using testing::Budgets;
using testing::GraphBuilder;

constexpr int64_t kMiB = int64_t{1} << 20;

void ExpectGolden(const std::string& name, const std::string& text) {
  std::string path = std::string(TANDEM_SOURCE_DIR) + "/tests/partitioner/golden/" + name + ".plan";
  if (std::getenv("TANDEM_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << text;
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden file " << path << "; run with TANDEM_UPDATE_GOLDEN=1";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(text, golden.str()) << "golden " << path;
}

// Matmuls: 10 ms on the CPU, 1 ms on the GPU; Relu 1 / 0.5; copies 0.01 ms + 1 ns per byte.
TableCostModel MatMulCosts() {
  TableCostModel cost;
  cost.by_op["MatMul"] = {10, 1};
  cost.by_op["Relu"] = {1, 0.5};
  cost.by_op["Custom"] = {2, 2};
  cost.transfer_latency_ms = 0.01;
  cost.transfer_ms_per_byte = 1e-6;
  return cost;
}

// x → mm1 (w1 4 MiB) → relu1 → mm2 (w2 8 MiB) → relu2 → y, with room on the GPU for w1 only.
TEST(PlanGolden, ChainWhereOnlyTheFirstWeightFits) {
  GraphBuilder b;
  auto x = b.Input("x", {1, 1024});
  auto h = b.Node("MatMul", "mm1", {x, b.Weight("w1", {1024, 1024})}, {1, 1024});
  h = b.Node("Relu", "relu1", {h}, {1, 1024});
  h = b.Node("MatMul", "mm2", {h, b.Weight("w2", {1024, 2048})}, {1, 2048});
  b.Output(b.Node("Relu", "relu2", {h}, {1, 2048}));
  auto g = b.Build();
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({});
  TableCostModel cost = MatMulCosts();
  ASSERT_OK_AND_ASSIGN(Plan plan, Partition(*g, {&cpu, &gpu}, cost, Budgets(64 * kMiB, 6 * kMiB)));
  ExpectGolden("chain_first_weight_fits", PrintPlan(*g, plan));
  // Both weights fit: everything on the GPU, two copies (input in, output out).
  ASSERT_OK_AND_ASSIGN(plan, Partition(*g, {&cpu, &gpu}, cost, Budgets(64 * kMiB, 16 * kMiB)));
  ExpectGolden("chain_all_fits", PrintPlan(*g, plan));
}

// A node the GPU refuses in the middle of a GPU chain, and a value read by two GPU nodes after
// it: one copy per (value, destination).
TEST(PlanGolden, RefusedNodeAndSharedCopy) {
  GraphBuilder b;
  auto x = b.Input("x", {1, 256});
  auto h = b.Node("MatMul", "mm1", {x, b.Weight("w1", {256, 256})}, {1, 256});
  h = b.Node("Custom", "custom", {h}, {1, 256});
  auto left = b.Node("MatMul", "left", {h, b.Weight("wl", {256, 256})}, {1, 256});
  auto right = b.Node("MatMul", "right", {h, b.Weight("wr", {256, 256})}, {1, 256});
  b.Output(left);
  b.Output(right);
  auto g = b.Build();
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({"Custom"});
  TableCostModel cost = MatMulCosts();
  ASSERT_OK_AND_ASSIGN(Plan plan, Partition(*g, {&cpu, &gpu}, cost, Budgets(64 * kMiB, 64 * kMiB)));
  ExpectGolden("refused_node_shared_copy", PrintPlan(*g, plan));
}

// A Reshape on the GPU reads its shape operand on the host: the shape is never copied, and when
// a GPU node computes it, it is copied back to the host.
TEST(PlanGolden, ShapeOperandsStayOnTheHost) {
  GraphBuilder b;
  auto x = b.Input("x", {4, 256});
  auto h = b.Node("MatMul", "mm", {x, b.Weight("w", {256, 256})}, {4, 256});
  auto shape = b.Int64s("shape", {1, 1024});
  h = b.Node("Reshape", "reshape", {h, shape}, {1, 1024});
  b.Output(b.Node("Relu", "relu", {h}, {1, 1024}));
  auto g = b.Build();
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({});
  TableCostModel cost = MatMulCosts();
  cost.by_op["Reshape"] = {1, 0.5};
  ASSERT_OK_AND_ASSIGN(Plan plan, Partition(*g, {&cpu, &gpu}, cost, Budgets(64 * kMiB, 64 * kMiB)));
  ExpectGolden("shape_operand_on_host", PrintPlan(*g, plan));
  for (const Transfer& t : plan.transfers) EXPECT_NE(g->value(t.value).name, "shape");
  // The shape initializer is resident on the host even though every node is on the GPU.
  EXPECT_EQ(plan.Memory(DeviceKind::kCpu)->weight_bytes, 16);
}

// Three 4 MiB matmuls and 9 MiB of GPU: two resident leave the third on a slow CPU; streaming
// all three through two 4 MiB buffers fits and is faster.
TEST(PlanGolden, StreamsWeightsWhenThatBeatsBothOtherOptions) {
  GraphBuilder b;
  auto h = b.Input("x", {1, 1024});
  for (int i = 0; i < 3; ++i) {
    std::string n = std::to_string(i);
    h = b.Node("MatMul", "mm" + n, {h, b.Weight("w" + n, {1024, 1024})}, {1, 1024});
  }
  b.Output(h);
  auto g = b.Build();
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({});
  TableCostModel cost = MatMulCosts();
  cost.by_op["MatMul"] = {20, 1};
  ASSERT_OK_AND_ASSIGN(Plan plan, Partition(*g, {&cpu, &gpu}, cost, Budgets(64 * kMiB, 9 * kMiB)));
  ExpectGolden("streamed_weights", PrintPlan(*g, plan));
  int streamed = 0;
  for (const auto& s : plan.segments) {
    for (const auto& n : s.nodes) streamed += n.placement == Placement::kGpuStreamed;
  }
  EXPECT_EQ(streamed, 3);
  EXPECT_EQ(plan.Memory(DeviceKind::kGpu)->staging_bytes, 8 * kMiB);
  EXPECT_EQ(plan.Memory(DeviceKind::kGpu)->weight_bytes, 0);
}

TEST(PlanText, RoundTripsExactly) {
  GraphBuilder b;
  auto x = b.Input("x \"quoted\" \\ name", {1, 1000});
  auto h = b.Node("MatMul", "mm1", {x, b.Weight("w1", {1000, 1000})}, {1, 1000});
  h = b.Node("Custom", "", {h}, {1, 1000});  // unnamed node
  h = b.Node("MatMul", "mm2", {h, b.Weight("w2", {1000, 1000})}, {1, 1000});
  b.Output(h);
  auto g = b.Build();
  auto cpu = testing::Refusing({});
  auto gpu = testing::Refusing({"Custom"});
  TableCostModel cost = MatMulCosts();
  cost.transfer_ms_per_byte = 1.0 / 3e6;  // times that are not short decimals
  for (int64_t gpu_budget : {int64_t{0}, 5 * kMiB, 64 * kMiB}) {
    ASSERT_OK_AND_ASSIGN(Plan plan,
                         Partition(*g, {&cpu, &gpu}, cost, Budgets(64 * kMiB, gpu_budget)));
    std::string text = PrintPlan(*g, plan);
    ASSERT_OK_AND_ASSIGN(Plan parsed, ParsePlan(*g, text));
    EXPECT_TRUE(parsed == plan) << text;
    EXPECT_EQ(PrintPlan(*g, parsed), text);
  }
}

TEST(PlanText, ParseErrorsNameTheLine) {
  GraphBuilder b;
  b.Output(b.Node("Relu", "r", {b.Input("x", {4})}, {4}));
  auto g = b.Build();
  EXPECT_THAT(ParsePlan(*g, "nonsense\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "expected 'tandem-plan 1'"));
  EXPECT_THAT(ParsePlan(*g, "tandem-plan 1\nsegment cpu ms=1\n  node 7 Relu \"r\" cpu ms=1\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "plan line 3: no node 7"));
  EXPECT_THAT(ParsePlan(*g, "tandem-plan 1\nsegment cpu ms=1\n  node 0 Relu \"q\" cpu ms=1\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "node 0 is Relu \"r\""));
  EXPECT_THAT(ParsePlan(*g, "tandem-plan 1\nsegment tpu ms=1\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown device 'tpu'"));
  EXPECT_THAT(ParsePlan(*g, "tandem-plan 1\nsegment cpu ms=fast\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "ms= is not a number"));
  EXPECT_THAT(ParsePlan(*g, "tandem-plan 1\ntransfer \"a@gpu\" cpu->gpu value=\"nope\" bytes=1 ms=1 step=0\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "no value 'nope'"));
}

}  // namespace
}  // namespace tandem::partitioner
