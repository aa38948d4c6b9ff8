#include "tests/null/onnx_test_models_util.h"

#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace tandem::test_models {

onnx::NodeProto* AddNode(onnx::GraphProto* graph, const std::string& op_type,
                         const std::string& name, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs) {
  onnx::NodeProto* n = graph->add_node();
  n->set_op_type(op_type);
  n->set_name(name);
  for (const auto& in : inputs) n->add_input(in);
  for (const auto& out : outputs) n->add_output(out);
  return n;
}

void SetTensorType(onnx::ValueInfoProto* vi, const std::string& name, int elem_type,
                   const std::vector<int64_t>& dims) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

std::vector<float> Iota(int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

onnx::ModelProto ReluAddModel(int64_t n) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("importer_hostile_test");
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  AddNode(g, "Relu", "relu", {"X"}, {"R"});
  AddNode(g, "Add", "add", {"R", "W"}, {"Y"});
  onnx::TensorProto* w = g->add_initializer();
  w->set_name("W");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(2);
  w->add_dims(n);
  std::vector<float> values = Iota(2 * n);
  w->set_raw_data(values.data(), values.size() * sizeof(float));
  SetTensorType(g->add_input(), "X", onnx::TensorProto::FLOAT, {2, n});
  SetTensorType(g->add_output(), "Y", onnx::TensorProto::FLOAT, {2, n});
  return m;
}

onnx::ModelProto ConvModel() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* opset = m.add_opset_import();
  opset->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  onnx::NodeProto* conv = AddNode(g, "Conv", "conv1", {"X", "K"}, {"Y"});
  auto* ks = conv->add_attribute();
  ks->set_name("kernel_shape");
  ks->set_type(onnx::AttributeProto::INTS);
  ks->add_ints(3);
  ks->add_ints(3);
  onnx::TensorProto* k = g->add_initializer();
  k->set_name("K");
  k->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {1, 1, 3, 3}) k->add_dims(d);
  std::vector<float> values = Iota(9);
  k->set_raw_data(values.data(), values.size() * sizeof(float));
  SetTensorType(g->add_input(), "X", onnx::TensorProto::FLOAT, {1, 1, 5, 5});
  SetTensorType(g->add_output(), "Y", onnx::TensorProto::FLOAT, {1, 1, 3, 3});
  return m;
}

onnx::ModelProto ReshapeV1Model() {
  onnx::ModelProto m;
  m.set_ir_version(3);
  auto* opset = m.add_opset_import();
  opset->set_version(1);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  onnx::NodeProto* reshape = AddNode(g, "Reshape", "reshape1", {"X"}, {"Y"});
  auto* shape = reshape->add_attribute();
  shape->set_name("shape");
  shape->set_type(onnx::AttributeProto::INTS);
  shape->add_ints(3);
  shape->add_ints(2);
  SetTensorType(g->add_input(), "X", onnx::TensorProto::FLOAT, {2, 3});
  SetTensorType(g->add_output(), "Y", onnx::TensorProto::FLOAT, {3, 2});
  return m;
}

namespace {

// A body at nesting `level` of `depth`: a leaf passes X through; otherwise it holds the next If.
onnx::GraphProto IfBody(int level, int depth, bool leaf, int* counter) {
  onnx::GraphProto body;
  std::string tag = std::to_string((*counter)++);
  body.set_name("body" + tag);
  std::string out = "out" + tag;
  if (leaf || level == depth) {
    AddNode(&body, "Identity", "id" + tag, {"X"}, {out});
  } else {
    onnx::NodeProto* node = AddNode(&body, "If", "if" + std::to_string(level + 1), {"C"}, {out});
    auto* then_branch = node->add_attribute();
    then_branch->set_name("then_branch");
    then_branch->set_type(onnx::AttributeProto::GRAPH);
    *then_branch->mutable_g() = IfBody(level + 1, depth, false, counter);
    auto* else_branch = node->add_attribute();
    else_branch->set_name("else_branch");
    else_branch->set_type(onnx::AttributeProto::GRAPH);
    *else_branch->mutable_g() = IfBody(level + 1, depth, true, counter);
  }
  SetTensorType(body.add_output(), out, onnx::TensorProto::FLOAT, {2});
  return body;
}

}  // namespace

onnx::ModelProto NestedIfModel(int depth) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("importer_hostile_test");
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  int counter = 0;
  // The main graph is a body at level 0 that is never a leaf.
  onnx::GraphProto* g = m.mutable_graph();
  *g = IfBody(0, depth, depth == 0, &counter);
  g->set_name("g");
  g->mutable_output(0)->set_name("Y");
  g->mutable_node(0)->set_output(0, "Y");
  SetTensorType(g->add_input(), "C", onnx::TensorProto::BOOL, {});
  SetTensorType(g->add_input(), "X", onnx::TensorProto::FLOAT, {2});
  return m;
}

std::string Serialize(const onnx::ModelProto& model) {
  std::string bytes;
  model.SerializeToString(&bytes);
  return bytes;
}

ScratchDir::ScratchDir() {
  std::string tmpl = ::testing::TempDir() + "tandem_hostile_XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp(" << tmpl << "): " << std::strerror(errno);
    return;
  }
  path_ = buf.data();
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

void ScratchDir::Write(const std::string& name, const std::string& bytes) const {
  std::ofstream out(File(name), std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(out.good()) << "cannot write " << File(name);
}

}  // namespace tandem::test_models
