// The CPU executor's interpreter mode: symbolic and data-dependent shapes, control flow,
// sequences and optionals, on small hand-built graphs.
#include <memory>

#include "executors/cpu/cpu_executor.h"
#include "executors/cpu/tensor_axis.h"
#include "importer/node_inference.h"
#include "tests/null/test_util.h"

namespace tandem::executors {
namespace {

using ir::DType;
using ir::Shape;
using ir::Tensor;
using ir::TensorInfo;
using ::testing::ElementsAre;

TensorInfo F32(Shape shape) { return {DType::kFloat32, std::move(shape)}; }
TensorInfo Unknown(DType dtype) { return {dtype, Shape()}; }
Tensor Floats(std::vector<int64_t> dims, std::vector<float> v) { return Tensor::FromValues<float>(DType::kFloat32, dims, v); }
std::vector<float> ValuesOf(const Tensor& t) {
  auto v = t.values<float>();
  return {v.begin(), v.end()};
}

absl::StatusOr<std::unique_ptr<CpuExecutor>> Make(const ir::Graph& g, bool with_inference = true) {
  CpuExecutorOptions options;
  options.threads = 2;
  if (with_inference) options.infer = importer::MakeNodeInference(g.opsets());
  return CpuExecutor::Create(g, options);
}

TEST(CpuInterpreter, RunsSymbolicBatchAtAnySize) {
  ir::Graph g("dyn");
  g.set_opset("", 17);
  auto x = *g.AddInput("x", F32(Shape({ir::Dim::Symbolic("N"), ir::Dim::Static(2)})));
  auto y = *g.AddNodeOutput("y", F32(Shape({ir::Dim::Symbolic("N"), ir::Dim::Static(2)})));
  ASSERT_OK(g.AddNode(ir::Node{"relu", "Relu", "", {x}, {y}, {}}).status());
  g.AddOutput(y);
  ASSERT_OK_AND_ASSIGN(auto ex, Make(g));
  EXPECT_TRUE(ex->interpreted());
  ASSERT_OK_AND_ASSIGN(auto small, ex->Run({Floats({1, 2}, {-1, 2})}));
  EXPECT_THAT(ValuesOf(small[0]), ElementsAre(0, 2));
  ASSERT_OK_AND_ASSIGN(auto big, ex->Run({Floats({3, 2}, {-1, 2, 3, -4, 5, -6})}));
  EXPECT_THAT(big[0].dims, ElementsAre(3, 2));
  EXPECT_THAT(ValuesOf(big[0]), ElementsAre(0, 2, 3, 0, 5, 0));
  // The static dim still binds, and a wrong one names the input.
  EXPECT_THAT(ex->Run({Floats({1, 3}, {1, 2, 3})}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "input 'x' must be f32[N,2], got f32[1,3]"));
}

// Range's length depends on its input values: only ONNX's data propagation, given the values,
// knows it.
struct RangeGraph {
  ir::Graph g{"range"};
  RangeGraph() {
    g.set_opset("", 17);
    auto start = *g.AddInput("start", F32(Shape::Static({})));
    auto limit = *g.AddInput("limit", F32(Shape::Static({})));
    auto delta = *g.AddInput("delta", F32(Shape::Static({})));
    auto r = *g.AddNodeOutput("r", Unknown(DType::kFloat32));
    auto out = *g.AddNodeOutput("out", Unknown(DType::kFloat32));
    (void)g.AddNode(ir::Node{"range", "Range", "", {start, limit, delta}, {r}, {}});
    (void)g.AddNode(ir::Node{"neg", "Neg", "", {r}, {out}, {}});
    g.AddOutput(out);
  }
};

TEST(CpuInterpreter, SizesDataDependentOutputsByInference) {
  RangeGraph r;
  ASSERT_OK_AND_ASSIGN(auto ex, Make(r.g));
  auto scalar = [](float v) { return Floats({}, {v}); };
  ASSERT_OK_AND_ASSIGN(auto out, ex->Run({scalar(1), scalar(4), scalar(1)}));
  EXPECT_THAT(ValuesOf(out[0]), ElementsAre(-1, -2, -3));
  ASSERT_OK_AND_ASSIGN(out, ex->Run({scalar(0), scalar(1), scalar(0.5f)}));
  EXPECT_THAT(ValuesOf(out[0]), ElementsAre(0, -0.5f));
}

TEST(CpuInterpreter, WithoutInferenceDataDependentShapesAreUnimplemented) {
  RangeGraph r;
  ASSERT_OK_AND_ASSIGN(auto ex, Make(r.g, /*with_inference=*/false));
  auto scalar = [](float v) { return Floats({}, {v}); };
  EXPECT_THAT(ex->Run({scalar(1), scalar(4), scalar(1)}).status(),
              StatusIs(absl::StatusCode::kUnimplemented, "Range \"range\": its output shapes depend on run-time values"));
}

// If whose branches read an outer-scope value: then → x, else → -x.
TEST(CpuInterpreter, RunsIfBranchesWithOuterScopeValues) {
  ir::Graph g("if");
  g.set_opset("", 17);
  auto cond = *g.AddInput("cond", TensorInfo{DType::kBool, Shape::Static({})});
  ASSERT_OK(g.AddInput("x", F32(Shape::Static({2}))).status());  // read by name inside the branches
  auto y = *g.AddNodeOutput("y", F32(Shape::Static({2})));
  auto then_g = std::make_shared<ir::Graph>("then");
  {
    auto ox = *then_g->AddOuterScopeValue("x", F32(Shape::Static({2})));
    auto t = *then_g->AddNodeOutput("t", F32(Shape::Static({2})));
    ASSERT_OK(then_g->AddNode(ir::Node{"id", "Identity", "", {ox}, {t}, {}}).status());
    then_g->AddOutput(t);
  }
  auto else_g = std::make_shared<ir::Graph>("else");
  {
    auto ox = *else_g->AddOuterScopeValue("x", F32(Shape::Static({2})));
    auto e = *else_g->AddNodeOutput("e", F32(Shape::Static({2})));
    ASSERT_OK(else_g->AddNode(ir::Node{"neg", "Neg", "", {ox}, {e}, {}}).status());
    else_g->AddOutput(e);
  }
  ir::Node node{"if", "If", "", {cond}, {y}, {}};
  node.attributes["then_branch"] = ir::Attribute(std::shared_ptr<const ir::Graph>(then_g));
  node.attributes["else_branch"] = ir::Attribute(std::shared_ptr<const ir::Graph>(else_g));
  ASSERT_OK(g.AddNode(std::move(node)).status());
  g.AddOutput(y);
  ASSERT_OK_AND_ASSIGN(auto ex, Make(g));
  auto flag = [](bool b) { return Tensor::FromValues<uint8_t>(DType::kBool, {}, {b ? uint8_t{1} : uint8_t{0}}); };
  ASSERT_OK_AND_ASSIGN(auto out, ex->Run({flag(true), Floats({2}, {1, -2})}));
  EXPECT_THAT(ValuesOf(out[0]), ElementsAre(1, -2));
  ASSERT_OK_AND_ASSIGN(out, ex->Run({flag(false), Floats({2}, {1, -2})}));
  EXPECT_THAT(ValuesOf(out[0]), ElementsAre(-1, 2));
}

// Loop: acc += i for i < M, and a scan output of each acc.
TEST(CpuInterpreter, RunsLoopWithCarriedAndScanOutputs) {
  ir::Graph g("loop");
  g.set_opset("", 17);
  auto m = *g.AddInput("M", TensorInfo{DType::kInt64, Shape::Static({})});
  auto acc0 = *g.AddInput("acc0", TensorInfo{DType::kInt64, Shape::Static({1})});
  auto acc = *g.AddNodeOutput("acc", TensorInfo{DType::kInt64, Shape::Static({1})});
  auto scan = *g.AddNodeOutput("scan", Unknown(DType::kInt64));
  auto body = std::make_shared<ir::Graph>("body");
  {
    auto i = *body->AddInput("i", TensorInfo{DType::kInt64, Shape::Static({})});
    auto c = *body->AddInput("c", TensorInfo{DType::kBool, Shape::Static({})});
    auto a = *body->AddInput("a", TensorInfo{DType::kInt64, Shape::Static({1})});
    auto c_out = *body->AddNodeOutput("c_out", TensorInfo{DType::kBool, Shape::Static({})});
    auto a_out = *body->AddNodeOutput("a_out", TensorInfo{DType::kInt64, Shape::Static({1})});
    auto s_out = *body->AddNodeOutput("s_out", TensorInfo{DType::kInt64, Shape::Static({1})});
    ASSERT_OK(body->AddNode(ir::Node{"keep", "Identity", "", {c}, {c_out}, {}}).status());
    ASSERT_OK(body->AddNode(ir::Node{"add", "Add", "", {a, i}, {a_out}, {}}).status());
    ASSERT_OK(body->AddNode(ir::Node{"copy", "Identity", "", {a_out}, {s_out}, {}}).status());
    body->AddOutput(c_out);
    body->AddOutput(a_out);
    body->AddOutput(s_out);
  }
  ir::Node node{"loop", "Loop", "", {m, ir::ValueId(), acc0}, {acc, scan}, {}};
  node.attributes["body"] = ir::Attribute(std::shared_ptr<const ir::Graph>(body));
  ASSERT_OK(g.AddNode(std::move(node)).status());
  g.AddOutput(acc);
  g.AddOutput(scan);
  ASSERT_OK_AND_ASSIGN(auto ex, Make(g));
  ASSERT_OK_AND_ASSIGN(auto out, ex->Run({Tensor::FromValues<int64_t>(DType::kInt64, {}, {4}),
                                          Tensor::FromValues<int64_t>(DType::kInt64, {1}, {10})}));
  EXPECT_THAT(out[0].values<int64_t>(), ElementsAre(16));
  EXPECT_THAT(out[1].dims, ElementsAre(4, 1));
  EXPECT_THAT(out[1].values<int64_t>(), ElementsAre(10, 11, 13, 16));
}

TEST(CpuInterpreter, BuildsAndConcatenatesSequences) {
  ir::Graph g("seq");
  g.set_opset("", 17);
  auto a = *g.AddInput("a", F32(Shape::Static({1, 2})));
  auto b = *g.AddInput("b", F32(Shape::Static({2, 2})));
  auto seq = *g.AddNodeOutput("seq", TensorInfo{DType::kFloat32, Shape(), ir::ValueType::kSequence});
  auto len = *g.AddNodeOutput("len", TensorInfo{DType::kInt64, Shape::Static({})});
  auto cat = *g.AddNodeOutput("cat", Unknown(DType::kFloat32));
  ASSERT_OK(g.AddNode(ir::Node{"make", "SequenceConstruct", "", {a, b}, {seq}, {}}).status());
  ASSERT_OK(g.AddNode(ir::Node{"len", "SequenceLength", "", {seq}, {len}, {}}).status());
  ir::Node concat{"cat", "ConcatFromSequence", "", {seq}, {cat}, {}};
  concat.attributes["axis"] = ir::Attribute(int64_t{0});
  ASSERT_OK(g.AddNode(std::move(concat)).status());
  g.AddOutput(len);
  g.AddOutput(cat);
  g.AddOutput(seq);
  ASSERT_OK_AND_ASSIGN(auto ex, Make(g));
  std::vector<RuntimeValue> in = {RuntimeValue::Tensor(Floats({1, 2}, {1, 2})),
                                  RuntimeValue::Tensor(Floats({2, 2}, {3, 4, 5, 6}))};
  ASSERT_OK_AND_ASSIGN(auto out, ex->RunValues(std::move(in)));
  EXPECT_THAT(out[0].tensors[0].values<int64_t>(), ElementsAre(2));
  EXPECT_THAT(out[1].tensors[0].dims, ElementsAre(3, 2));
  EXPECT_THAT(ValuesOf(out[1].tensors[0]), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_EQ(out[2].type, ir::ValueType::kSequence);
  EXPECT_EQ(out[2].tensors.size(), 2u);
  // A sequence output cannot come back through the tensor-only Run.
  EXPECT_THAT(ex->Run({Floats({1, 2}, {1, 2}), Floats({2, 2}, {3, 4, 5, 6})}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "output 'seq' is a seq(2 tensors); use RunValues"));
}

TEST(CpuInterpreter, RefusesUnknownOpsUpFront) {
  ir::Graph g("bad");
  g.set_opset("", 17);
  auto x = *g.AddInput("x", F32(Shape({ir::Dim::Symbolic("N")})));
  auto y = *g.AddNodeOutput("y", Unknown(DType::kFloat32));
  ASSERT_OK(g.AddNode(ir::Node{"what", "NoSuchOp", "", {x}, {y}, {}}).status());
  g.AddOutput(y);
  EXPECT_THAT(Make(g).status(), StatusIs(absl::StatusCode::kUnimplemented, "NoSuchOp \"what\": no CPU kernel"));
}

TEST(TensorAxis, SlicesConcatenatesAndStacks) {
  Tensor t = Floats({2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(Tensor col, SliceAxis(t, 1, 1, 2));
  EXPECT_THAT(col.dims, ElementsAre(2, 2));
  EXPECT_THAT(ValuesOf(col), ElementsAre(2, 3, 5, 6));
  ASSERT_OK_AND_ASSIGN(Tensor cat, ConcatAxis(std::vector<Tensor>{t, col}, 1));
  EXPECT_THAT(cat.dims, ElementsAre(2, 5));
  EXPECT_THAT(ValuesOf(cat), ElementsAre(1, 2, 3, 2, 3, 4, 5, 6, 5, 6));
  ASSERT_OK_AND_ASSIGN(Tensor stacked, StackAxis(std::vector<Tensor>{Floats({2}, {1, 2}), Floats({2}, {3, 4})}, 1));
  EXPECT_THAT(stacked.dims, ElementsAre(2, 2));
  EXPECT_THAT(ValuesOf(stacked), ElementsAre(1, 3, 2, 4));
  EXPECT_THAT(SliceAxis(t, 0, 1, 2).status(), StatusIs(absl::StatusCode::kOutOfRange, "outside axis 0 of size 2"));
  EXPECT_THAT(ConcatAxis(std::vector<Tensor>{t, Floats({3}, {1, 2, 3})}, 0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "cannot concatenate"));
}

}  // namespace
}  // namespace tandem::executors
