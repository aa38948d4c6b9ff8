// Imports the real architectures that models/export.py writes (see the `models` ctest fixture).
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "importer/tensor_proto.h"
#include "ir/graph_verifier.h"
#include "tests/null/test_util.h"

namespace tandem {
namespace {

std::string ModelPath(const std::string& name) {
  return std::string(TANDEM_MODELS_DIR) + "/" + name + "/model.onnx";
}

struct Imported {
  ir::Model model;
  importer::ImportStats stats;
};

absl::StatusOr<Imported> Import(const std::string& name) {
  Imported out;
  auto m = importer::ImportModel(ModelPath(name), {}, &out.stats);
  if (!m.ok()) return m.status();
  out.model = std::move(*m);
  return out;
}

int CountOps(const ir::Graph& g, const std::string& op) {
  int n = 0;
  for (const ir::Node& node : g.nodes()) n += node.op_type == op;
  return n;
}

bool AllStatic(const ir::Graph& g) {
  for (const ir::Value& v : g.values()) {
    if (!v.info.shape.is_static() || v.info.dtype == ir::DType::kUndefined) return false;
  }
  return true;
}

TEST(ImportModels, Resnet18WeightsAreBorrowedFromTheFile) {
  ASSERT_OK_AND_ASSIGN(Imported r, Import("resnet18"));
  const ir::Graph& g = *r.model.graph;
  EXPECT_OK(ir::VerifyGraph(g));
  EXPECT_EQ(CountOps(g, "Conv"), 20);
  EXPECT_EQ(CountOps(g, "Gemm"), 1);
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.value(g.outputs()[0]).info.ToString(), "f32[1,1000]");
  EXPECT_TRUE(AllStatic(g));
  // ~46.7 MB of inline raw_data: all of the big tensors point into the mapped model file.
  EXPECT_GT(r.stats.borrowed_bytes, 46'000'000);
  EXPECT_LT(r.stats.owned_bytes, 200'000);
}

TEST(ImportModels, ExternalDataIsBorrowedAndMatchesInlineWeights) {
  ASSERT_OK_AND_ASSIGN(Imported inline_model, Import("resnet18"));
  ASSERT_OK_AND_ASSIGN(Imported external, Import("resnet18_external"));
  EXPECT_GT(external.stats.borrowed_bytes, 46'000'000);
  const ir::Graph& a = *inline_model.model.graph;
  const ir::Graph& b = *external.model.graph;
  int compared = 0;
  for (const ir::Value& v : a.values()) {
    if (!v.initializer || v.initializer->byte_size() < 4096) continue;
    auto id = b.FindValue(v.name);
    ASSERT_TRUE(id.has_value()) << v.name;
    const ir::Tensor& t = *b.value(*id).initializer;
    ASSERT_EQ(t.byte_size(), v.initializer->byte_size()) << v.name;
    EXPECT_TRUE(t.data.is_borrowed());
    EXPECT_EQ(0, std::memcmp(t.data.data(), v.initializer->data.data(), t.byte_size())) << v.name;
    ++compared;
  }
  EXPECT_GE(compared, 20);
}

TEST(ImportModels, MobilenetClipBoundsAreConstantsAndShapesStatic) {
  ASSERT_OK_AND_ASSIGN(Imported r, Import("mobilenet_v2"));
  const ir::Graph& g = *r.model.graph;
  EXPECT_EQ(CountOps(g, "Conv"), 52);
  EXPECT_EQ(CountOps(g, "Clip"), 35);
  EXPECT_EQ(CountOps(g, "Constant"), 0);  // hoisted into initializers
  for (const ir::Node& n : g.nodes()) {
    if (n.op_type != "Clip") continue;
    ASSERT_EQ(n.inputs.size(), 3u);
    EXPECT_EQ(g.value(n.inputs[2]).kind, ir::ValueKind::kInitializer) << n.Describe();
  }
  EXPECT_TRUE(AllStatic(g));
  EXPECT_EQ(g.value(g.outputs()[0]).info.ToString(), "f32[1,1000]");
}

TEST(ImportModels, TransformerShapeSubgraphsFoldAway) {
  ASSERT_OK_AND_ASSIGN(Imported r, Import("transformer_encoder"));
  const ir::Graph& g = *r.model.graph;
  // Every value has a known static shape and dtype, and no shape computation survives.
  EXPECT_TRUE(AllStatic(g));
  EXPECT_EQ(CountOps(g, "Shape"), 0);
  EXPECT_EQ(CountOps(g, "Constant"), 0);
  EXPECT_EQ(CountOps(g, "LayerNormalization"), 5);
  EXPECT_GT(r.stats.fold.removed_nodes, 0);
  EXPECT_EQ(g.value(g.outputs()[0]).info.dtype, ir::DType::kFloat32);
}

}  // namespace
}  // namespace tandem
