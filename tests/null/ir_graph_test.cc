#include "ir/graph.h"

#include "ir/graph_printer.h"
#include "ir/graph_verifier.h"
#include "tests/null/test_util.h"

namespace tandem::ir {
namespace {

using ::testing::HasSubstr;

TensorInfo F32(std::vector<int64_t> dims) { return {DType::kFloat32, Shape::Static(dims)}; }

// x → Relu → y → Add(y, w) → z
struct SmallGraph {
  Graph g{"small"};
  ValueId x, w, y, z;
  NodeId relu, add;
  SmallGraph() {
    x = *g.AddInput("x", F32({2, 3}));
    w = *g.AddInitializer("w", Tensor::FromValues<float>(DType::kFloat32, {2, 3}, {1, 2, 3, 4, 5, 6}));
    y = *g.AddNodeOutput("y", F32({2, 3}));
    z = *g.AddNodeOutput("z", F32({2, 3}));
    relu = *g.AddNode(Node{"r", "Relu", "", {x}, {y}, {}});
    add = *g.AddNode(Node{"a", "Add", "", {y, w}, {z}, {}});
    g.AddOutput(z);
    g.set_opset("", 13);
  }
};

TEST(Graph, TracksProducersAndConsumers) {
  SmallGraph s;
  EXPECT_EQ(s.g.value(s.y).producer, s.relu);
  ASSERT_EQ(s.g.value(s.y).consumers.size(), 1u);
  EXPECT_EQ(s.g.value(s.y).consumers[0], s.add);
  EXPECT_EQ(s.g.value(s.w).kind, ValueKind::kInitializer);
  EXPECT_EQ(s.g.value(s.w).initializer->values<float>()[5], 6.0f);
  EXPECT_EQ(*s.g.FindValue("z"), s.z);
  EXPECT_FALSE(s.g.FindValue("nope").has_value());
  EXPECT_EQ(s.g.InitializerBytes(), 24);
  EXPECT_OK(VerifyGraph(s.g));
}

TEST(Graph, RejectsDuplicateValueNames) {
  Graph g;
  ASSERT_TRUE(g.AddInput("x", F32({1})).ok());
  EXPECT_THAT(g.AddNodeOutput("x", F32({1})).status(),
              StatusIs(absl::StatusCode::kAlreadyExists, "'x' is defined more than once"));
}

TEST(Graph, RejectsTwoProducersForOneValue) {
  SmallGraph s;
  EXPECT_THAT(s.g.AddNode(Node{"again", "Relu", "", {s.x}, {s.y}, {}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "already produced by another node"));
}

TEST(Graph, TopologicalOrderIsStableAndDetectsCycles) {
  Graph g;
  ValueId a = *g.AddNodeOutput("a", F32({1}));
  ValueId b = *g.AddNodeOutput("b", F32({1}));
  ASSERT_TRUE(g.AddNode(Node{"second", "Relu", "", {a}, {b}, {}}).ok());
  ASSERT_TRUE(g.AddNode(Node{"first", "Relu", "", {b}, {a}, {}}).ok());
  EXPECT_THAT(g.TopologicalOrder().status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "has a cycle through node Relu"));
  EXPECT_THAT(VerifyGraph(g), StatusIs(absl::StatusCode::kInvalidArgument, "cycle"));

  SmallGraph s;
  auto order = s.g.TopologicalOrder();
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(*order, (std::vector<NodeId>{s.relu, s.add}));
}

TEST(Verifier, RejectsUndefinedInput) {
  Graph g;
  ValueId ghost = *g.AddNodeOutput("ghost", F32({1}));
  ValueId out = *g.AddNodeOutput("out", F32({1}));
  ASSERT_TRUE(g.AddNode(Node{"n", "Relu", "", {ghost}, {out}, {}}).ok());
  g.AddOutput(out);
  EXPECT_THAT(VerifyGraph(g), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "value 'ghost' used by node Relu \"n\" is never defined"));
}

TEST(Verifier, RejectsMixedElementTypes) {
  Graph g;
  ValueId a = *g.AddInput("a", F32({1}));
  ValueId b = *g.AddInput("b", {DType::kInt64, Shape::Static({1})});
  ValueId c = *g.AddNodeOutput("c", F32({1}));
  ASSERT_TRUE(g.AddNode(Node{"add", "Add", "", {a, b}, {c}, {}}).ok());
  EXPECT_THAT(VerifyGraph(g), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "input 1 'b' is i64 but an earlier input is f32"));
}

TEST(Verifier, RejectsInitializerBytesNotMatchingShape) {
  Graph g;
  Tensor bad = Tensor::FromValues<float>(DType::kFloat32, {4}, {1, 2, 3});
  ASSERT_TRUE(g.AddInitializer("w", bad).ok());
  EXPECT_THAT(VerifyGraph(g), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "initializer 'w' has 12 bytes, expected 16"));
}

TEST(Verifier, ChecksBodiesAgainstEnclosingScopes) {
  auto body = std::make_shared<Graph>("then");
  ValueId outer = *body->AddOuterScopeValue("x", F32({2, 3}));
  ValueId out = *body->AddNodeOutput("t", F32({2, 3}));
  ASSERT_TRUE(body->AddNode(Node{"neg", "Neg", "", {outer}, {out}, {}}).ok());
  body->AddOutput(out);

  SmallGraph s;
  ValueId cond = *s.g.AddInput("cond", {DType::kBool, Shape::Static({})});
  ValueId r = *s.g.AddNodeOutput("r", F32({2, 3}));
  Node if_node{"if", "If", "", {cond}, {r}, {}};
  if_node.attributes["then_branch"] = Attribute(std::shared_ptr<const Graph>(body));
  ASSERT_TRUE(s.g.AddNode(std::move(if_node)).ok());
  EXPECT_OK(VerifyGraph(s.g));

  // The same body under a graph that does not define "x" fails, naming the body and node.
  Graph lonely;
  ValueId c2 = *lonely.AddInput("cond", {DType::kBool, Shape::Static({})});
  ValueId r2 = *lonely.AddNodeOutput("r", F32({2, 3}));
  Node if2{"if", "If", "", {c2}, {r2}, {}};
  if2.attributes["then_branch"] = Attribute(std::shared_ptr<const Graph>(body));
  ASSERT_TRUE(lonely.AddNode(std::move(if2)).ok());
  EXPECT_THAT(VerifyGraph(lonely),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "in body 'then_branch' of node If \"if\": graph 'then': value 'x' is used "
                       "from an enclosing graph that does not define it"));
}

TEST(Printer, PrintsNodesInOrderWithTypes) {
  SmallGraph s;
  std::string text = PrintGraph(s.g);
  EXPECT_EQ(text,
            "graph small  opsets: \"\"=13\n"
            "  input  %x: f32[2,3]\n"
            "  init   %w: f32[2,3]  (24 B)\n"
            "  %y: f32[2,3] = Relu(%x)  # \"r\"\n"
            "  %z: f32[2,3] = Add(%y, %w)  # \"a\"\n"
            "  output %z\n");
}

TEST(Shape, SymbolicAndOverflow) {
  Shape s({Dim::Symbolic("batch"), Dim::Static(3), Dim()});
  EXPECT_EQ(s.ToString(), "[batch,3,?]");
  EXPECT_FALSE(s.is_static());
  EXPECT_FALSE(s.num_elements().has_value());
  EXPECT_EQ(Shape().ToString(), "?");
  EXPECT_EQ(Shape::Static({}).ToString(), "[]");
  EXPECT_EQ(*Shape::Static({2, 3, 4}).num_elements(), 24);
  EXPECT_FALSE(CheckedNumElements({int64_t{1} << 40, int64_t{1} << 40}).has_value());
  EXPECT_FALSE(CheckedNumElements({-1, 2}).has_value());
  TensorInfo seq{DType::kInt64, Shape::Static({2}), ValueType::kSequence};
  EXPECT_EQ(seq.ToString(), "seq(i64[2])");
}

TEST(DType, NamesAndSizes) {
  EXPECT_EQ(DTypeSize(DType::kBFloat16), 2);
  EXPECT_EQ(DTypeSize(DType::kComplex128), 16);
  EXPECT_EQ(DTypeSize(DType::kString), 0);
  EXPECT_EQ(DTypeName(DType::kFloat16), "f16");
  EXPECT_EQ(*ParseDType("i64"), DType::kInt64);
  EXPECT_FALSE(DTypeFromInt(17).has_value());
  EXPECT_FALSE(DTypeFromInt(-3).has_value());
}

}  // namespace
}  // namespace tandem::ir
