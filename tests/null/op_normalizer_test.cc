// The importer rewrites old op forms into the newest one (docs/importer.md has the table).
// Each test imports a tiny model at an old opset and checks the canonical form.
#include <string>
#include <vector>

#include "importer/onnx_importer.h"
#include "ir/graph_printer.h"
#include "onnx/onnx_pb.h"
#include "tests/null/test_util.h"

namespace tandem {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class TinyModel {
 public:
  explicit TinyModel(int opset) {
    model_.set_ir_version(7);
    auto* o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    model_.mutable_graph()->set_name("tiny");
  }
  void Input(const std::string& name, int dtype, std::vector<int64_t> dims) {
    AddInfo(model_.mutable_graph()->add_input(), name, dtype, dims);
  }
  void Output(const std::string& name, int dtype, std::vector<int64_t> dims) {
    AddInfo(model_.mutable_graph()->add_output(), name, dtype, dims);
  }
  onnx::NodeProto* Node(const std::string& op, std::vector<std::string> ins,
                        std::vector<std::string> outs) {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(op + "_0");
    for (auto& i : ins) n->add_input(i);
    for (auto& o : outs) n->add_output(o);
    return n;
  }
  static void Ints(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void Float(onnx::NodeProto* n, const std::string& name, float v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  static void Floats(onnx::NodeProto* n, const std::string& name, std::vector<float> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOATS);
    for (float x : v) a->add_floats(x);
  }
  absl::StatusOr<ir::Model> Import() const {
    return importer::ImportModelFromBytes(model_.SerializeAsString(), "tiny.onnx");
  }

 private:
  static void AddInfo(onnx::ValueInfoProto* vi, const std::string& name, int dtype,
                      const std::vector<int64_t>& dims) {
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(dtype);
    for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  onnx::ModelProto model_;
};

constexpr int kF32 = onnx::TensorProto::FLOAT;

const ir::Node& OnlyNode(const ir::Graph& g, const std::string& op) {
  const ir::Node* found = nullptr;
  for (const ir::Node& n : g.nodes()) {
    if (n.op_type == op) found = &n;
  }
  EXPECT_NE(found, nullptr) << "no " << op << " in\n" << ir::PrintGraph(g);
  static const ir::Node kEmpty;
  return found ? *found : kEmpty;
}

std::vector<int64_t> ConstInts(const ir::Graph& g, ir::ValueId id) {
  std::vector<int64_t> out;
  if (!id.valid() || !g.value(id).initializer) return out;
  const ir::Tensor& t = *g.value(id).initializer;
  for (int64_t i = 0; i < t.num_elements(); ++i) out.push_back(t.IntAt(i));
  return out;
}

TEST(OpNormalizer, UnsqueezeAxesAttributeBecomesInput) {
  TinyModel m(11);
  m.Input("x", kF32, {3, 4});
  TinyModel::Ints(m.Node("Unsqueeze", {"x"}, {"y"}), "axes", {0, 3});
  m.Output("y", kF32, {1, 3, 4, 1});
  ASSERT_OK_AND_ASSIGN(ir::Model model, m.Import());
  const ir::Graph& g = *model.graph;
  const ir::Node& n = OnlyNode(g, "Unsqueeze");
  EXPECT_EQ(n.attr("axes"), nullptr);
  ASSERT_EQ(n.inputs.size(), 2u);
  EXPECT_THAT(ConstInts(g, n.inputs[1]), ElementsAre(0, 3));
  EXPECT_EQ(g.value(g.outputs()[0]).info.ToString(), "f32[1,3,4,1]");
}

TEST(OpNormalizer, ReduceMeanAxesBecomeInputBeforeOpset18) {
  TinyModel m(13);
  m.Input("x", kF32, {2, 3, 4});
  auto* n = m.Node("ReduceMean", {"x"}, {"y"});
  TinyModel::Ints(n, "axes", {-1});
  m.Output("y", kF32, {2, 3, 1});
  ASSERT_OK_AND_ASSIGN(ir::Model model, m.Import());
  const ir::Node& r = OnlyNode(*model.graph, "ReduceMean");
  EXPECT_THAT(ConstInts(*model.graph, r.input(1)), ElementsAre(-1));
  EXPECT_EQ(r.attr("axes"), nullptr);
}

TEST(OpNormalizer, SliceAttributesBecomeInputs) {
  TinyModel m(9);
  m.Input("x", kF32, {5, 6});
  auto* n = m.Node("Slice", {"x"}, {"y"});
  TinyModel::Ints(n, "starts", {1, 0});
  TinyModel::Ints(n, "ends", {3, 4});
  TinyModel::Ints(n, "axes", {0, 1});
  m.Output("y", kF32, {2, 4});
  ASSERT_OK_AND_ASSIGN(ir::Model model, m.Import());
  const ir::Graph& g = *model.graph;
  const ir::Node& s = OnlyNode(g, "Slice");
  ASSERT_EQ(s.inputs.size(), 4u);
  EXPECT_THAT(ConstInts(g, s.inputs[1]), ElementsAre(1, 0));
  EXPECT_THAT(ConstInts(g, s.inputs[2]), ElementsAre(3, 4));
  EXPECT_THAT(ConstInts(g, s.inputs[3]), ElementsAre(0, 1));
  EXPECT_TRUE(s.attributes.empty());
}

TEST(OpNormalizer, ClipBoundsBecomeScalarInputsOfTheInputType) {
  TinyModel m(6);
  m.Input("x", kF32, {4});
  auto* n = m.Node("Clip", {"x"}, {"y"});
  TinyModel::Float(n, "min", 0.0f);
  TinyModel::Float(n, "max", 6.0f);
  m.Output("y", kF32, {4});
  ASSERT_OK_AND_ASSIGN(ir::Model model, m.Import());
  const ir::Graph& g = *model.graph;
  const ir::Node& c = OnlyNode(g, "Clip");
  ASSERT_EQ(c.inputs.size(), 3u);
  const ir::Tensor& lo = *g.value(c.inputs[1]).initializer;
  const ir::Tensor& hi = *g.value(c.inputs[2]).initializer;
  EXPECT_EQ(lo.dtype, ir::DType::kFloat32);
  EXPECT_TRUE(lo.dims.empty());
  EXPECT_EQ(lo.values<float>()[0], 0.0f);
  EXPECT_EQ(hi.values<float>()[0], 6.0f);
}

TEST(OpNormalizer, UpsampleBecomesResizeWithScalesInput) {
  TinyModel m(7);
  m.Input("x", kF32, {1, 1, 2, 2});
  auto* n = m.Node("Upsample", {"x"}, {"y"});
  TinyModel::Floats(n, "scales", {1, 1, 2, 3});
  m.Output("y", kF32, {1, 1, 4, 6});
  ASSERT_OK_AND_ASSIGN(ir::Model model, m.Import());
  const ir::Graph& g = *model.graph;
  const ir::Node& r = OnlyNode(g, "Resize");
  ASSERT_EQ(r.inputs.size(), 3u);
  EXPECT_FALSE(r.inputs[1].valid());  // roi omitted
  const ir::Tensor& scales = *g.value(r.inputs[2]).initializer;
  EXPECT_THAT(std::vector<float>(scales.values<float>().begin(), scales.values<float>().end()),
              ElementsAre(1, 1, 2, 3));
  EXPECT_EQ(r.GetString("mode", ""), "nearest");
  EXPECT_EQ(r.GetString("coordinate_transformation_mode", ""), "asymmetric");
  EXPECT_EQ(g.value(g.outputs()[0]).info.ToString(), "f32[1,1,4,6]");
}

TEST(OpNormalizer, LegacySoftmaxOnLastAxisKeepsOneNode) {
  TinyModel m(11);
  m.Input("x", kF32, {2, 5});
  m.Node("Softmax", {"x"}, {"y"});  // default axis 1 == last axis of a 2-D input
  m.Output("y", kF32, {2, 5});
  ASSERT_OK_AND_ASSIGN(ir::Model model, m.Import());
  EXPECT_EQ(model.graph->num_nodes(), 1);
  EXPECT_EQ(OnlyNode(*model.graph, "Softmax").GetInt("axis", 0), -1);
}

TEST(OpNormalizer, LegacySoftmaxOverSeveralAxesFlattens) {
  TinyModel m(11);
  m.Input("x", kF32, {2, 3, 4});
  m.Node("Softmax", {"x"}, {"y"});  // axis 1: softmax over the 12 trailing elements together
  m.Output("y", kF32, {2, 3, 4});
  ASSERT_OK_AND_ASSIGN(ir::Model model, m.Import());
  const ir::Graph& g = *model.graph;
  std::string text = ir::PrintGraph(g);
  EXPECT_THAT(text, HasSubstr("Flatten(%x) {axis=1}"));
  EXPECT_THAT(text, HasSubstr("Softmax(%Softmax_0_flat) {axis=-1}"));
  const ir::Node& reshape = OnlyNode(g, "Reshape");
  // The Shape of a static input folds to a constant.
  EXPECT_THAT(ConstInts(g, reshape.input(1)), ElementsAre(2, 3, 4));
  EXPECT_EQ(g.value(g.outputs()[0]).info.ToString(), "f32[2,3,4]");
}

TEST(OpNormalizer, ConstantValueIntsBecomesInitializer) {
  TinyModel m(13);
  m.Input("x", kF32, {2, 6});
  auto* c = m.Node("Constant", {}, {"shape"});
  auto* a = c->add_attribute();
  a->set_name("value_ints");
  a->set_type(onnx::AttributeProto::INTS);
  a->add_ints(3);
  a->add_ints(4);
  m.Node("Reshape", {"x", "shape"}, {"y"});
  m.Output("y", kF32, {3, 4});
  ASSERT_OK_AND_ASSIGN(ir::Model model, m.Import());
  const ir::Graph& g = *model.graph;
  EXPECT_EQ(g.num_nodes(), 1);
  EXPECT_THAT(ConstInts(g, OnlyNode(g, "Reshape").input(1)), ElementsAre(3, 4));
}

TEST(OpNormalizer, MalformedAttributeNamesTheNode) {
  TinyModel m(11);
  m.Input("x", kF32, {3});
  auto* n = m.Node("Unsqueeze", {"x"}, {"y"});
  auto* a = n->add_attribute();
  a->set_name("axes");
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(1.0f);
  m.Output("y", kF32, {3, 1});
  EXPECT_THAT(m.Import().status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "Unsqueeze_0"));
}

}  // namespace
}  // namespace tandem
