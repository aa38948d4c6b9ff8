// ExtractSegment: a set of nodes becomes a graph whose inputs are what crosses into it and whose
// outputs are what is needed outside it.
#include "ir/passes/extract_segment.h"

#include "gtest/gtest.h"
#include "tests/null/test_util.h"

namespace tandem::ir {
namespace {

ValueId AddNode(Graph& g, const std::string& op, const std::string& name, std::vector<ValueId> in) {
  ValueId out = *g.AddNodeOutput(name, {DType::kFloat32, Shape::Static({4})});
  Node n;
  n.op_type = op;
  n.name = name;
  n.inputs = std::move(in);
  n.outputs = {out};
  EXPECT_TRUE(g.AddNode(std::move(n)).ok());
  return out;
}

std::vector<std::string> Names(const Graph& g, const std::vector<ValueId>& ids) {
  std::vector<std::string> out;
  for (ValueId v : ids) out.push_back(g.value(v).name);
  return out;
}

// x → A a → B(a, w) b → C c → D(c, a) d (output); also b is an output.
struct Diamond {
  Graph g{"diamond"};
  ValueId x, w, a, b, c, d;
  Diamond() {
    g.set_opset("", 17);
    x = *g.AddInput("x", {DType::kFloat32, Shape::Static({4})});
    w = *g.AddInitializer("w", Tensor::FromValues<float>(DType::kFloat32, {4}, {1, 2, 3, 4}));
    a = AddNode(g, "Relu", "a", {x});
    b = AddNode(g, "Add", "b", {a, w});
    c = AddNode(g, "Neg", "c", {b});
    d = AddNode(g, "Add", "d", {c, a});
    g.AddOutput(d);
    g.AddOutput(b);
  }
};

TEST(ExtractSegment, InputsAreWhatCrossesInAndOutputsWhatIsNeededOutside) {
  Diamond m;
  ASSERT_OK_AND_ASSIGN(ExtractedSegment s, ExtractSegment(m.g, {NodeId(1), NodeId(2)}));
  EXPECT_EQ(Names(m.g, s.inputs), (std::vector<std::string>{"a"}));
  // b is a graph output, c feeds D outside.
  EXPECT_EQ(Names(m.g, s.outputs), (std::vector<std::string>{"b", "c"}));
  const Graph& e = *s.graph;
  EXPECT_EQ(e.num_nodes(), 2);
  EXPECT_EQ(Names(e, e.inputs()), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Names(e, e.outputs()), (std::vector<std::string>{"b", "c"}));
  // The weight comes along as an initializer sharing its bytes.
  auto w = e.FindValue("w");
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(e.value(*w).kind, ValueKind::kInitializer);
  EXPECT_EQ(e.value(*w).initializer->data.data(), m.g.value(m.w).initializer->data.data());
  EXPECT_EQ(e.opset(""), 17);
}

TEST(ExtractSegment, TheWholeGraphKeepsItsInputsAndOutputs) {
  Diamond m;
  ASSERT_OK_AND_ASSIGN(ExtractedSegment s,
                       ExtractSegment(m.g, {NodeId(0), NodeId(1), NodeId(2), NodeId(3)}));
  EXPECT_EQ(Names(m.g, s.inputs), (std::vector<std::string>{"x"}));
  EXPECT_EQ(Names(m.g, s.outputs), (std::vector<std::string>{"b", "d"}));
}

TEST(ExtractSegment, ExtraOutputsAndStreamedWeights) {
  Diamond m;
  // a is needed outside anyway (by B); ask for it and make w an input.
  ASSERT_OK_AND_ASSIGN(ExtractedSegment s, ExtractSegment(m.g, {NodeId(0), NodeId(1)}, {m.a}, {m.w}));
  EXPECT_EQ(Names(m.g, s.inputs), (std::vector<std::string>{"x", "w"}));
  EXPECT_EQ(Names(m.g, s.outputs), (std::vector<std::string>{"a", "b"}));
  // A value consumed only inside becomes an output only when asked for.
  ASSERT_OK_AND_ASSIGN(ExtractedSegment t, ExtractSegment(m.g, {NodeId(1), NodeId(2), NodeId(3)}));
  EXPECT_EQ(Names(m.g, t.outputs), (std::vector<std::string>{"b", "d"}));
  ASSERT_OK_AND_ASSIGN(ExtractedSegment u, ExtractSegment(m.g, {NodeId(1), NodeId(2), NodeId(3)}, {m.c}));
  EXPECT_EQ(Names(m.g, u.outputs), (std::vector<std::string>{"b", "c", "d"}));
}

TEST(ExtractSegment, RejectsUnknownAndRepeatedNodes) {
  Diamond m;
  EXPECT_THAT(ExtractSegment(m.g, {NodeId(7)}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "names node 7"));
  EXPECT_THAT(ExtractSegment(m.g, {NodeId(1), NodeId(1)}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "Add \"b\" twice"));
}

}  // namespace
}  // namespace tandem::ir
