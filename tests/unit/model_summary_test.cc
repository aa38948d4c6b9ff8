#include "tools/partition_tool/model_summary.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tandem::tools {
namespace {

using ir::Dim;
using ir::DType;
using ir::Graph;
using ir::Node;
using ir::Shape;
using ir::Tensor;
using ir::TensorInfo;
using ir::ValueId;
using ::testing::HasSubstr;

TensorInfo F32(std::vector<int64_t> dims) { return {DType::kFloat32, Shape::Static(dims)}; }

// A tensor whose bytes are borrowed from a buffer it keeps alive, as the importer does with a
// mapped file.
Tensor BorrowedF32(std::vector<int64_t> dims) {
  int64_t n = *ir::CheckedNumElements(dims);
  auto buffer = std::make_shared<std::vector<uint8_t>>(n * 4, 0);
  return Tensor{DType::kFloat32,
                std::move(dims),
                ir::TensorData::Borrowed(buffer, buffer->data(), buffer->size()),
                {}};
}

// x[batch,4] → MatMul(w f32[4,8], borrowed) → Add(b f32[8]) → Relu → Relu → Reshape(shape i64[2])
// → y[?,?]; plus an If whose then-branch holds one Neg and one Identity.
ir::Model SmallModel() {
  auto g = std::make_unique<Graph>("main");
  TensorInfo x_info{DType::kFloat32, Shape({Dim::Symbolic("batch"), Dim::Static(4)})};
  ValueId x = *g->AddInput("x", x_info);
  ValueId w = *g->AddInitializer("w", BorrowedF32({4, 8}));
  ValueId b = *g->AddInitializer(
      "b", Tensor::FromValues<float>(DType::kFloat32, {8}, std::vector<float>(8, 0.5f)));
  ValueId shape =
      *g->AddInitializer("shape", Tensor::FromValues<int64_t>(DType::kInt64, {2}, {-1, 2}));
  ValueId mm =
      *g->AddNodeOutput("mm", {DType::kFloat32, Shape({Dim::Symbolic("batch"), Dim::Static(8)})});
  ValueId add = *g->AddNodeOutput("add", {DType::kFloat32, Shape({Dim(), Dim::Static(8)})});
  ValueId r1 = *g->AddNodeOutput("r1", {DType::kFloat32, Shape()});
  ValueId r2 = *g->AddNodeOutput("r2", F32({2, 8}));
  ValueId y = *g->AddNodeOutput("y", {DType::kFloat32, Shape({Dim(), Dim()})});
  EXPECT_TRUE(g->AddNode(Node{"mm", "MatMul", "", {x, w}, {mm}, {}}).ok());
  EXPECT_TRUE(g->AddNode(Node{"add", "Add", "", {mm, b}, {add}, {}}).ok());
  EXPECT_TRUE(g->AddNode(Node{"relu1", "Relu", "", {add}, {r1}, {}}).ok());
  EXPECT_TRUE(g->AddNode(Node{"relu2", "Relu", "", {r1}, {r2}, {}}).ok());
  EXPECT_TRUE(g->AddNode(Node{"reshape", "Reshape", "", {r2, shape}, {y}, {}}).ok());

  auto body = std::make_shared<Graph>("then_body");
  ValueId outer = *body->AddOuterScopeValue("r2", F32({2, 8}));
  ValueId neg = *body->AddNodeOutput("neg", F32({2, 8}));
  ValueId same = *body->AddNodeOutput("same", F32({2, 8}));
  EXPECT_TRUE(body->AddNode(Node{"neg", "Neg", "", {outer}, {neg}, {}}).ok());
  EXPECT_TRUE(body->AddNode(Node{"id", "Identity", "", {neg}, {same}, {}}).ok());
  body->AddOutput(same);
  ValueId cond = *g->AddInput("cond", {DType::kBool, Shape::Static({})});
  ValueId z = *g->AddNodeOutput("z", F32({2, 8}));
  Node if_node{"if", "If", "", {cond}, {z}, {}};
  if_node.attributes["then_branch"] = ir::Attribute(std::shared_ptr<const Graph>(body));
  EXPECT_TRUE(g->AddNode(std::move(if_node)).ok());
  g->AddOutput(y);
  g->AddOutput(z);
  g->set_opset("", 13);
  g->set_opset("com.example", 2);

  ir::Model model;
  model.path = "small.onnx";
  model.producer = "hand 1.0";
  model.ir_version = 8;
  model.graph = std::move(g);
  return model;
}

TEST(ModelSummary, CountsOpsByCountThenName) {
  ModelSummary s = Summarize(SmallModel());
  ASSERT_EQ(s.ops.size(), 5u);
  EXPECT_EQ(s.ops[0].op, "Relu");
  EXPECT_EQ(s.ops[0].count, 2);
  // Ties are ordered by name.
  std::vector<std::string> rest;
  for (size_t i = 1; i < s.ops.size(); ++i) rest.push_back(s.ops[i].op);
  EXPECT_EQ(rest, (std::vector<std::string>{"Add", "If", "MatMul", "Reshape"}));
  EXPECT_EQ(s.main_nodes, 6);
  EXPECT_EQ(s.main_values, 11);
}

TEST(ModelSummary, CountsNestedBodiesSeparately) {
  ModelSummary s = Summarize(SmallModel());
  EXPECT_EQ(s.bodies, 1);
  EXPECT_EQ(s.body_nodes, 2);
  EXPECT_EQ(s.body_values, 3);
  ASSERT_EQ(s.body_ops.size(), 2u);
  EXPECT_EQ(s.body_ops[0].op, "Identity");
  EXPECT_EQ(s.body_ops[1].op, "Neg");
  for (const OpCount& op : s.ops) EXPECT_NE(op.op, "Neg");
}

TEST(ModelSummary, ParameterBytesByDTypeAndStorage) {
  ModelSummary s = Summarize(SmallModel());
  EXPECT_EQ(s.param_tensors, 3);
  EXPECT_EQ(s.param_elements, 32 + 8 + 2);
  EXPECT_EQ(s.param_bytes, 128 + 32 + 16);
  EXPECT_EQ(s.borrowed_bytes, 128);
  EXPECT_EQ(s.owned_bytes, 48);
  ASSERT_EQ(s.params_by_dtype.size(), 2u);
  EXPECT_EQ(s.params_by_dtype[0].dtype, DType::kFloat32);
  EXPECT_EQ(s.params_by_dtype[0].tensors, 2);
  EXPECT_EQ(s.params_by_dtype[0].elements, 40);
  EXPECT_EQ(s.params_by_dtype[0].bytes, 160);
  EXPECT_EQ(s.params_by_dtype[1].dtype, DType::kInt64);
  EXPECT_EQ(s.params_by_dtype[1].bytes, 16);
}

TEST(ModelSummary, SharedInitializerBytesAreCountedOnce) {
  ir::Model m = SmallModel();
  const Tensor& w = *m.graph->value(*m.graph->FindValue("w")).initializer;
  ASSERT_TRUE(m.graph->AddInitializer("w_alias", w).ok());  // shares w's storage
  ModelSummary s = Summarize(m);
  EXPECT_EQ(s.param_tensors, 3);
  EXPECT_EQ(s.param_bytes, 176);
  EXPECT_EQ(s.shared_values, 1);
}

TEST(ModelSummary, ListsNonStaticValuesUpToTheLimit) {
  ModelSummary s = Summarize(SmallModel(), SummaryOptions{/*max_listed=*/3});
  // x (symbolic), mm (symbolic), add (unknown dim), r1 (unknown rank), y (unknown dims).
  EXPECT_EQ(s.non_static_count, 5);
  ASSERT_EQ(s.non_static.size(), 3u);
  EXPECT_EQ(s.non_static[0].name, "x");
  EXPECT_EQ(s.non_static[0].graph, "main");
  EXPECT_EQ(s.non_static[1].name, "mm");
  EXPECT_EQ(s.non_static[2].name, "add");
  EXPECT_EQ(s.non_static[0].why, "symbolic dim");
  EXPECT_EQ(s.non_static[2].why, "unknown dim");
  ModelSummary all = Summarize(SmallModel());
  ASSERT_EQ(all.non_static.size(), 5u);
  EXPECT_EQ(all.non_static[3].name, "r1");
  EXPECT_EQ(all.non_static[3].why, "unknown rank");
}

TEST(ModelSummary, MetadataInputsAndOutputs) {
  ModelSummary s = Summarize(SmallModel());
  EXPECT_EQ(s.path, "small.onnx");
  EXPECT_EQ(s.producer, "hand 1.0");
  EXPECT_EQ(s.ir_version, 8);
  EXPECT_EQ(s.opsets, (std::map<std::string, int64_t>{{"", 13}, {"com.example", 2}}));
  ASSERT_EQ(s.inputs.size(), 2u);
  EXPECT_EQ(s.inputs[0].name, "x");
  EXPECT_EQ(s.inputs[0].info.ToString(), "f32[batch,4]");
  EXPECT_EQ(s.inputs[1].name, "cond");
  ASSERT_EQ(s.outputs.size(), 2u);
  EXPECT_EQ(s.outputs[1].name, "z");
}

TEST(ModelSummary, JsonFields) {
  nlohmann::ordered_json j = ToJson(Summarize(SmallModel()));
  EXPECT_EQ(j["path"], "small.onnx");
  EXPECT_EQ(j["ir_version"], 8);
  EXPECT_EQ(j["opsets"]["ai.onnx"], 13);
  EXPECT_EQ(j["opsets"]["com.example"], 2);
  EXPECT_EQ(j["graph"]["nodes"], 6);
  EXPECT_EQ(j["graph"]["bodies"], 1);
  EXPECT_EQ(j["ops"][0]["op"], "Relu");
  EXPECT_EQ(j["ops"][0]["count"], 2);
  EXPECT_EQ(j["body_ops"].size(), 2u);
  EXPECT_EQ(j["parameters"]["bytes"], 176);
  EXPECT_EQ(j["parameters"]["borrowed_bytes"], 128);
  EXPECT_EQ(j["parameters"]["owned_bytes"], 48);
  EXPECT_EQ(j["parameters"]["by_dtype"][0]["dtype"], "f32");
  EXPECT_EQ(j["parameters"]["by_dtype"][1]["elements"], 2);
  // Shapes: numbers, symbols, and null for unknown dims or rank.
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::ordered_json::parse(R"(["batch", 4])"));
  EXPECT_EQ(j["inputs"][0]["type"], "f32[batch,4]");
  EXPECT_EQ(j["non_static"]["count"], 5);
  EXPECT_EQ(j["non_static"]["listed"][2]["shape"], nlohmann::ordered_json::parse("[null, 8]"));
  EXPECT_TRUE(j["non_static"]["listed"][3]["shape"].is_null());  // r1: unknown rank
  // Round-trips through text.
  EXPECT_EQ(nlohmann::ordered_json::parse(j.dump()), j);
}

TEST(ModelSummary, TextIsAlignedAndShowsMiBWithBytes) {
  std::string text = RenderText(Summarize(SmallModel()));
  EXPECT_THAT(text, HasSubstr("model       small.onnx\n"));
  EXPECT_THAT(text, HasSubstr("opsets      ai.onnx 13, com.example 2\n"));
  EXPECT_THAT(text, HasSubstr("parameters  3 tensors, 42 elements, 0.00 MiB (176 B)\n"));
  EXPECT_THAT(
      text,
      HasSubstr("  dtype  tensors  elements   MiB  bytes\n"
                "  f32          2        40  0.00    160\n"
                "  i64          1         2  0.00     16\n"
                "  borrowed  0.00 MiB  (128 B)  mapped from the model or external-data files\n"
                "  owned     0.00 MiB   (48 B)  in heap memory\n"));
  EXPECT_THAT(text, HasSubstr("ops: 6 nodes, 5 types\n  Relu     2\n  Add      1\n"));
  EXPECT_THAT(text, HasSubstr("ops in nested bodies: 2 nodes, 2 types\n"));
  EXPECT_THAT(
      text, HasSubstr("graph       main: 6 nodes, 11 values; 1 nested body: 2 nodes, 3 values\n"));
  EXPECT_THAT(text, HasSubstr("non-static shapes: 5 of 14 values\n"
                              "  x    f32[batch,4]  symbolic dim  in main\n"
                              "  mm   f32[batch,8]  symbolic dim  in main\n"
                              "  add  f32[?,8]      unknown dim   in main\n"
                              "  r1   f32?          unknown rank  in main\n"
                              "  y    f32[?,?]      unknown dim   in main\n"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr(" \n")));  // no trailing spaces
}

TEST(ModelSummary, FormatBytesGroupsDigits) {
  EXPECT_EQ(FormatBytes(46758048), "44.59 MiB (46,758,048 B)");
  EXPECT_EQ(FormatBytes(0), "0.00 MiB (0 B)");
  EXPECT_EQ(FormatBytes(1048576), "1.00 MiB (1,048,576 B)");
}

}  // namespace
}  // namespace tandem::tools
