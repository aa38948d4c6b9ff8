#include "ir/passes/fold_constants.h"

#include <memory>
#include <string>
#include <vector>

#include "ir/graph_printer.h"
#include "ir/graph_verifier.h"
#include "ir/passes/constant_evaluator.h"
#include "tests/null/test_util.h"

namespace tandem::ir {
namespace {

using ::testing::ElementsAre;

TensorInfo Info(DType dtype, std::vector<int64_t> dims) { return {dtype, Shape::Static(dims)}; }
TensorInfo F32(std::vector<int64_t> dims) { return Info(DType::kFloat32, std::move(dims)); }
TensorInfo I64(std::vector<int64_t> dims) { return Info(DType::kInt64, std::move(dims)); }
Tensor I64Tensor(std::vector<int64_t> dims, const std::vector<int64_t>& v) {
  return Tensor::FromValues(DType::kInt64, std::move(dims), v);
}

Node MakeNode(std::string name, std::string op, std::vector<ValueId> in, std::vector<ValueId> out,
              std::map<std::string, Attribute, std::less<>> attrs = {}) {
  return Node{std::move(name), std::move(op), "", std::move(in), std::move(out), std::move(attrs)};
}

std::vector<int64_t> IntsOf(const Tensor& t) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.IntAt(i));
  return v;
}

// PyTorch's dynamic-shape export of `x.reshape(x.shape[0], -1)`:
//   x:f32[2,3,4] → Shape → Gather(0) → Unsqueeze(axes 0) ┐
//                                    Constant([-1]) ─────┴ Concat → Reshape(x, ·) → y
struct DynamicReshape {
  Graph g{"main"};
  DynamicReshape() {
    g.set_opset("", 17);
    ValueId x = *g.AddInput("x", F32({2, 3, 4}));
    ValueId idx = *g.AddInitializer("idx0", I64Tensor({}, {0}));
    ValueId axes = *g.AddInitializer("axes0", I64Tensor({1}, {0}));
    ValueId shape = *g.AddNodeOutput("x_shape", I64({3}));
    ValueId dim0 = *g.AddNodeOutput("dim0", I64({}));
    ValueId dim0_1d = *g.AddNodeOutput("dim0_1d", I64({1}));
    ValueId minus_one = *g.AddNodeOutput("minus_one", I64({1}));
    ValueId target = *g.AddNodeOutput("target", I64({2}));
    ValueId y = *g.AddNodeOutput("y", F32({2, 12}));
    Check(g.AddNode(MakeNode("shape", "Shape", {x}, {shape})).status());
    Check(g.AddNode(MakeNode("gather", "Gather", {shape, idx}, {dim0},
                             {{"axis", Attribute(int64_t{0})}}))
              .status());
    Check(g.AddNode(MakeNode("unsqueeze", "Unsqueeze", {dim0, axes}, {dim0_1d})).status());
    Check(g.AddNode(MakeNode("const", "Constant", {}, {minus_one},
                             {{"value", Attribute(I64Tensor({1}, {-1}))}}))
              .status());
    Check(g.AddNode(MakeNode("concat", "Concat", {dim0_1d, minus_one}, {target},
                             {{"axis", Attribute(int64_t{0})}}))
              .status());
    Check(g.AddNode(MakeNode("reshape", "Reshape", {x, target}, {y})).status());
    g.AddOutput(y);
  }
  static void Check(const absl::Status& s) { ASSERT_TRUE(s.ok()) << s; }
};

TEST(FoldConstants, FoldsPyTorchDynamicReshapeToOneNode) {
  DynamicReshape m;
  ASSERT_OK(VerifyGraph(m.g));
  const std::string before = PrintGraph(m.g);
  FoldStats stats;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> out, FoldConstants(m.g, {}, &stats));
  EXPECT_OK(VerifyGraph(*out));

  EXPECT_EQ(PrintGraph(*out),
            "graph main  opsets: \"\"=17\n"
            "  input  %x: f32[2,3,4]\n"
            "  init   %target: i64[2]  (16 B)\n"
            "  %y: f32[2,12] = Reshape(%x, %target)  # \"reshape\"\n"
            "  output %y\n");
  ASSERT_EQ(out->num_nodes(), 1);
  const Node& reshape = out->nodes()[0];
  EXPECT_EQ(reshape.op_type, "Reshape");
  const Value& target = out->value(reshape.inputs[1]);
  EXPECT_EQ(target.kind, ValueKind::kInitializer);
  EXPECT_EQ(target.initializer->dtype, DType::kInt64);
  EXPECT_THAT(IntsOf(*target.initializer), ElementsAre(2, -1));
  // Shape, Gather, Unsqueeze, Constant and Concat outputs; the unused idx0/axes0 are dropped.
  EXPECT_EQ(stats.folded_values, 5);
  EXPECT_EQ(stats.removed_nodes, 5);
  EXPECT_FALSE(out->FindValue("idx0").has_value());
  EXPECT_FALSE(out->FindValue("dim0").has_value());

  EXPECT_EQ(PrintGraph(m.g), before);  // the input graph is untouched
  EXPECT_EQ(m.g.num_nodes(), 6);
}

TEST(FoldConstants, IdentityOfLargeInitializerSharesBytes) {
  Graph g;
  const int64_t n = kMaxFoldedElements * 2;
  ValueId x = *g.AddInput("x", F32({n}));
  ValueId w =
      *g.AddInitializer("w", Tensor::FromValues(DType::kFloat32, {n}, std::vector<float>(n, 0.5f)));
  ValueId w2 = *g.AddNodeOutput("w2", F32({n}));
  ValueId y = *g.AddNodeOutput("y", F32({n}));
  ASSERT_OK(g.AddNode(MakeNode("id", "Identity", {w}, {w2})).status());
  ASSERT_OK(g.AddNode(MakeNode("add", "Add", {x, w2}, {y})).status());
  g.AddOutput(y);
  const uint8_t* bytes = g.value(w).initializer->data.data();

  FoldStats stats;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> out, FoldConstants(g, {}, &stats));
  EXPECT_OK(VerifyGraph(*out));
  ASSERT_EQ(out->num_nodes(), 1);
  EXPECT_EQ(out->nodes()[0].op_type, "Add");
  auto folded = out->FindValue("w2");
  ASSERT_TRUE(folded.has_value());
  EXPECT_EQ(out->value(*folded).kind, ValueKind::kInitializer);
  EXPECT_EQ(out->value(*folded).initializer->data.data(), bytes);  // no copy
  EXPECT_FALSE(out->FindValue("w").has_value());
  EXPECT_EQ(stats.folded_values, 1);
  EXPECT_EQ(stats.removed_nodes, 1);
}

TEST(FoldConstants, RemovesDeadNodes) {
  Graph g;
  ValueId x = *g.AddInput("x", F32({4}));
  ValueId dead = *g.AddNodeOutput("dead", F32({4}));
  ValueId dead2 = *g.AddNodeOutput("dead2", F32({4}));
  ValueId y = *g.AddNodeOutput("y", F32({4}));
  ASSERT_OK(g.AddNode(MakeNode("relu", "Relu", {x}, {dead})).status());
  ASSERT_OK(g.AddNode(MakeNode("relu2", "Relu", {dead}, {dead2})).status());
  ASSERT_OK(g.AddNode(MakeNode("neg", "Neg", {x}, {y})).status());
  g.AddOutput(y);
  FoldStats stats;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> out, FoldConstants(g, {}, &stats));
  EXPECT_OK(VerifyGraph(*out));
  ASSERT_EQ(out->num_nodes(), 1);
  EXPECT_EQ(out->nodes()[0].name, "neg");
  EXPECT_FALSE(out->FindValue("dead").has_value());
  EXPECT_EQ(stats.folded_values, 0);
  EXPECT_EQ(stats.removed_nodes, 2);
}

TEST(FoldConstants, InputDefaultsAreNotConstants) {
  Graph g;
  ValueId a = *g.AddInput("a", I64({2}));
  g.SetInputDefault(a, I64Tensor({2}, {1, 2}));  // the caller may override it
  ValueId y = *g.AddNodeOutput("y", I64({2}));
  ASSERT_OK(g.AddNode(MakeNode("neg", "Neg", {a}, {y})).status());
  g.AddOutput(y);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> out, FoldConstants(g, {}));
  EXPECT_OK(VerifyGraph(*out));
  ASSERT_EQ(out->num_nodes(), 1);
  EXPECT_EQ(out->value(out->inputs()[0]).kind, ValueKind::kGraphInput);
  EXPECT_TRUE(out->value(out->inputs()[0]).initializer != nullptr);
}

TEST(FoldConstants, OutputThatIsAShapeBecomesAnInitializer) {
  Graph g;
  ValueId x = *g.AddInput("x", F32({2, 5}));
  ValueId s = *g.AddNodeOutput("s", I64({2}));
  ASSERT_OK(g.AddNode(MakeNode("shape", "Shape", {x}, {s})).status());
  g.AddOutput(s);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> out, FoldConstants(g, {}));
  EXPECT_OK(VerifyGraph(*out));
  EXPECT_EQ(out->num_nodes(), 0);
  ASSERT_EQ(out->outputs().size(), 1u);
  const Value& v = out->value(out->outputs()[0]);
  EXPECT_EQ(v.name, "s");
  ASSERT_EQ(v.kind, ValueKind::kInitializer);
  EXPECT_THAT(IntsOf(*v.initializer), ElementsAre(2, 5));
}

TEST(FoldConstants, DynamicShapeFoldsOnlyThroughKnownValues) {
  Graph g;
  ValueId x =
      *g.AddInput("x", TensorInfo{DType::kFloat32, Shape({Dim::Symbolic("n"), Dim::Static(3)})});
  ValueId s = *g.AddNodeOutput("s", I64({2}));
  ValueId y = *g.AddNodeOutput("y", F32({}));
  ASSERT_OK(g.AddNode(MakeNode("shape", "Shape", {x}, {s})).status());
  ASSERT_OK(g.AddNode(MakeNode("reshape", "Reshape", {x, s}, {y})).status());
  g.AddOutput(y);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> unfolded, FoldConstants(g, {}));
  EXPECT_EQ(unfolded->num_nodes(), 2);

  FoldStats stats;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> out, FoldConstants(g, {{"s", {7, 3}}}, &stats));
  ASSERT_EQ(out->num_nodes(), 1);
  EXPECT_THAT(IntsOf(*out->value(*out->FindValue("s")).initializer), ElementsAre(7, 3));
  EXPECT_EQ(stats.folded_values, 1);
  // A known value that disagrees with the static info is ignored.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> wrong, FoldConstants(g, {{"s", {7, 3, 1}}}));
  EXPECT_EQ(wrong->num_nodes(), 2);
}

// If(cond) with branches that each return Identity(`captured`) read from the enclosing graph.
std::shared_ptr<const Graph> Branch(const std::string& name, const std::string& captured) {
  auto body = std::make_shared<Graph>(name);
  ValueId in = *body->AddOuterScopeValue(captured, F32({4}));
  ValueId out = *body->AddNodeOutput(name + "_out", F32({4}));
  EXPECT_OK(body->AddNode(MakeNode(name + "_id", "Identity", {in}, {out})).status());
  body->AddOutput(out);
  return body;
}

Node IfNode(ValueId cond, ValueId out, const std::string& captured) {
  return MakeNode("if", "If", {cond}, {out},
                  {{"then_branch", Attribute(Branch("then", captured))},
                   {"else_branch", Attribute(Branch("else", captured))}});
}

TEST(FoldConstants, NodeWithSubgraphIsNotFolded) {
  Graph g;
  ValueId cond = *g.AddInitializer("cond", Tensor::FromValues<uint8_t>(DType::kBool, {}, {1}));
  ValueId c = *g.AddInitializer("c", Tensor::FromValues<float>(DType::kFloat32, {4}, {1, 2, 3, 4}));
  ValueId z = *g.AddNodeOutput("z", F32({4}));
  (void)c;
  ASSERT_OK(g.AddNode(IfNode(cond, z, "c")).status());
  g.AddOutput(z);
  ASSERT_OK(VerifyGraph(g));
  FoldStats stats;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> out, FoldConstants(g, {}, &stats));
  EXPECT_OK(VerifyGraph(*out));
  ASSERT_EQ(out->num_nodes(), 1);
  EXPECT_EQ(out->nodes()[0].op_type, "If");
  EXPECT_TRUE(out->FindValue("c").has_value());  // read by the bodies, so kept
  EXPECT_EQ(stats.folded_values, 0);
  EXPECT_EQ(stats.removed_nodes, 0);
}

TEST(FoldConstants, ValueReadOnlyByABodyKeepsItsProducer) {
  Graph g;
  ValueId x = *g.AddInput("x", F32({4}));
  ValueId cond = *g.AddInput("cond", Info(DType::kBool, {}));
  ValueId r = *g.AddNodeOutput("r", F32({4}));
  ValueId z = *g.AddNodeOutput("z", F32({4}));
  ASSERT_OK(g.AddNode(MakeNode("relu", "Relu", {x}, {r})).status());
  ASSERT_OK(g.AddNode(IfNode(cond, z, "r")).status());
  g.AddOutput(z);
  ASSERT_OK(VerifyGraph(g));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> out, FoldConstants(g, {}));
  EXPECT_OK(VerifyGraph(*out));
  ASSERT_EQ(out->num_nodes(), 2);
  EXPECT_EQ(out->nodes()[0].op_type, "Relu");
  EXPECT_TRUE(out->FindValue("r").has_value());
}

TEST(FoldConstants, FoldedValueReadByABodyBecomesAnInitializer) {
  Graph g;
  ValueId cond = *g.AddInput("cond", Info(DType::kBool, {}));
  ValueId k = *g.AddNodeOutput("k", F32({4}));
  ValueId z = *g.AddNodeOutput("z", F32({4}));
  ASSERT_OK(g.AddNode(MakeNode("const", "Constant", {}, {k},
                               {{"value", Attribute(Tensor::FromValues<float>(DType::kFloat32, {4},
                                                                              {1, 2, 3, 4}))}}))
                .status());
  ASSERT_OK(g.AddNode(IfNode(cond, z, "k")).status());
  g.AddOutput(z);
  FoldStats stats;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> out, FoldConstants(g, {}, &stats));
  EXPECT_OK(VerifyGraph(*out));
  ASSERT_EQ(out->num_nodes(), 1);
  auto kept = out->FindValue("k");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(out->value(*kept).kind, ValueKind::kInitializer);
  EXPECT_EQ(stats.folded_values, 1);
  EXPECT_EQ(stats.removed_nodes, 1);
}

TEST(FoldConstants, MalformedNodesAreLeftAlone) {
  Graph g;
  ValueId x = *g.AddInput("x", F32({2}));
  ValueId bad_index = *g.AddInitializer("bad", I64Tensor({}, {5}));
  ValueId s = *g.AddNodeOutput("s", I64({1}));
  ValueId e = *g.AddNodeOutput("e", I64({}));
  ValueId y = *g.AddNodeOutput("y", F32({2}));
  ValueId dangling = *g.AddNodeOutput("dangling", F32({2}));
  ASSERT_OK(g.AddNode(MakeNode("shape", "Shape", {x}, {s})).status());
  ASSERT_OK(g.AddNode(MakeNode("gather", "Gather", {s, bad_index}, {e})).status());
  ASSERT_OK(g.AddNode(MakeNode("expand", "Expand", {x, e}, {y})).status());
  // No outputs at all, and an Identity whose only input is omitted.
  ASSERT_OK(g.AddNode(MakeNode("nothing", "Shape", {x}, {})).status());
  ASSERT_OK(g.AddNode(MakeNode("omitted", "Identity", {ValueId()}, {dangling})).status());
  g.AddOutput(y);
  FoldStats stats;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Graph> out, FoldConstants(g, {}, &stats));
  // Shape folds; the out-of-range Gather stays for the executor to report.
  ASSERT_EQ(out->num_nodes(), 2);
  EXPECT_EQ(out->nodes()[0].op_type, "Gather");
  EXPECT_EQ(stats.folded_values, 1);
}

}  // namespace
}  // namespace tandem::ir
