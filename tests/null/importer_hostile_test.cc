// Hostile and corrupt models: the importer must answer each with a Status that names the model,
// the node or tensor at fault and the reason, and must never crash, hang, leak or read out of
// bounds. Each test mutates a small valid model (tests/null/onnx_test_models_util.h). External
// data: importer_external_data_test.cc; the wire scanner and byte-level corruption:
// importer_wire_test.cc.
//
// Where ONNX's checker already rejects a model, a second expectation runs the import with
// run_checker = false, so that tandem's own check behind it is exercised as well.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "importer/onnx_importer.h"
#include "onnx/onnx_pb.h"
#include "tests/null/importer_hostile_util.h"
#include "tests/null/onnx_test_models_util.h"
#include "tests/null/test_util.h"

namespace tandem::importer {
namespace {

using namespace ::tandem::importer::hostile;  // NOLINT: the shared helpers of these tests

TEST(ImporterHostile, BaseModelsImport) {
  ASSERT_OK_AND_ASSIGN(ir::Model small, ImportModelFromBytes(Serialize(ReluAddModel()), kName));
  EXPECT_EQ(small.graph->num_nodes(), 2);
  ImportStats stats;
  ASSERT_OK_AND_ASSIGN(ir::Model large,
                       ImportModelFromBytes(Serialize(ReluAddModel(512)), kName, {}, &stats));
  auto w = large.graph->FindValue("W");
  ASSERT_TRUE(w.has_value());
  const ir::Tensor& t = *large.graph->value(*w).initializer;
  EXPECT_TRUE(t.data.is_borrowed());  // 4 KiB of raw_data: cut out by the wire scanner
  EXPECT_EQ(stats.borrowed_bytes, 4096);
  // Borrowed bytes lie at any offset of the file, so they are read with DoubleAt (memcpy), not
  // through values<float>(), whose float* may be misaligned.
  EXPECT_EQ(t.DoubleAt(1023), 1023.0);
}

// ---- 1. not protobuf at all

TEST(ImporterHostile, RejectsTruncatedProtobuf) {
  std::string bytes = Serialize(ReluAddModel(512));
  EXPECT_TRUE(IsError(ImportModelFromBytes(bytes.substr(0, bytes.size() / 2), kName).status(),
                      Code::kInvalidArgument, {"not a valid ONNX model"}));
  bytes = Serialize(ReluAddModel());
  EXPECT_TRUE(IsError(ImportModelFromBytes(bytes.substr(0, bytes.size() / 2), kName).status(),
                      Code::kInvalidArgument, {"not a valid ONNX model"}));
}

TEST(ImporterHostile, RejectsGarbageBytes) {
  EXPECT_TRUE(IsError(ImportModelFromBytes("this is not an ONNX model", kName).status(),
                      Code::kInvalidArgument, {"not a valid ONNX model"}));
  EXPECT_TRUE(IsError(ImportModelFromBytes(std::string(64, '\xff'), kName).status(),
                      Code::kInvalidArgument, {"not a valid ONNX model"}));
}

// ---- 2, 3. impossible dimensions

TEST(ImporterHostile, RejectsNegativeInitializerDim) {
  onnx::ModelProto m = ReluAddModel();
  FindInitializer(m, "W")->set_dims(1, -3);
  // Checked before ONNX's shape inference, which would only say "Incompatible dimensions" at Add.
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"initializer 'W': negative dimension -3"}));
  EXPECT_TRUE(IsError(ImportStatus(m, NoChecker()), Code::kInvalidArgument,
                      {"initializer 'W': negative dimension -3"}));

  // The same for a tensor attribute (a Constant inside an If body).
  onnx::ModelProto nested = NestedIfModel(1);
  onnx::GraphProto* body = Branch(nested, 0);
  onnx::NodeProto* c = AddNode(body, "Constant", "c", {}, {"unused"});
  auto* value = c->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  value->mutable_t()->add_dims(-2);
  EXPECT_TRUE(IsError(ImportStatus(nested), Code::kInvalidArgument,
                      {"node Constant \"c\" attribute 'value': negative dimension -2"}));
}

TEST(ImporterHostile, RejectsNegativeInputDim) {
  onnx::ModelProto m = ReluAddModel();
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(1)->set_dim_value(-3);
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"input 'X': negative dimension -3"}));
  EXPECT_TRUE(IsError(ImportStatus(m, NoChecker()), Code::kInvalidArgument,
                      {"input 'X': negative dimension -3"}));
}

TEST(ImporterHostile, RejectsElementCountOverflow) {
  onnx::ModelProto m = ReluAddModel();
  onnx::TensorProto* w = FindInitializer(m, "W");
  w->set_dims(0, int64_t{1} << 40);
  w->set_dims(1, int64_t{1} << 40);
  // ONNX's checker would overflow too and call W "0-element"; tandem checks first.
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"initializer 'W': element count overflows int64"}));
}

// ---- 4, 5. data that does not match dtype × shape

TEST(ImporterHostile, RejectsSmallRawDataOfWrongSize) {
  onnx::ModelProto m = ReluAddModel();
  FindInitializer(m, "W")->mutable_raw_data()->resize(20);  // f32[2,3] needs 24
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"initializer 'W'", "raw_data has 20 bytes", "need 24"}));
}

TEST(ImporterHostile, RejectsLargeRawDataOfWrongSize) {
  // 8 KiB of raw_data is borrowed from the file (wire scanner), not parsed by protobuf.
  onnx::ModelProto m = ReluAddModel(1024);
  FindInitializer(m, "W")->mutable_raw_data()->resize(8188);
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"initializer 'W'", "raw_data has 8188 bytes", "need 8192"}));
  FindInitializer(m, "W")->mutable_raw_data()->resize(8196);
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"initializer 'W'", "raw_data has 8196 bytes", "need 8192"}));
}

TEST(ImporterHostile, RejectsTypedDataCountMismatch) {
  onnx::ModelProto m = ReluAddModel();
  onnx::GraphProto* g = m.mutable_graph();
  onnx::TensorProto* b = g->add_initializer();
  b->set_name("B");
  b->set_data_type(onnx::TensorProto::FLOAT);
  b->add_dims(4);
  for (float f : {1.0f, 2.0f, 3.0f}) b->add_float_data(f);
  AddNode(g, "Add", "add_b", {"B", "B"}, {"Z"});
  SetTensorType(g->add_output(), "Z", onnx::TensorProto::FLOAT, {4});
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"initializer 'B'", "float_data holds 3 values", "need 4"}));
}

// ---- 6, 7, 8. broken dataflow

TEST(ImporterHostile, RejectsCycle) {
  onnx::ModelProto m = ReluAddModel();
  onnx::GraphProto* g = m.mutable_graph();
  g->mutable_node(0)->set_input(0, "Y");  // relu reads add's output, add reads relu's
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"topologically sorted", "input 'Y' of node", "name: relu OpType: Relu"}));
  EXPECT_TRUE(IsError(ImportStatus(m, NoChecker()), Code::kInvalidArgument,
                      {"has a cycle through node", "Relu \"relu\""}));
}

TEST(ImporterHostile, RejectsUndefinedNodeInput) {
  onnx::ModelProto m = ReluAddModel();
  m.mutable_graph()->mutable_node(1)->set_input(1, "nowhere");
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"input 'nowhere' of node", "name: add OpType: Add"}));
  EXPECT_TRUE(IsError(ImportStatus(m, NoChecker()), Code::kInvalidArgument,
                      {"node Add \"add\" reads 'nowhere', which is not defined"}));
}

TEST(ImporterHostile, RejectsTwoNodesWritingOneValue) {
  onnx::ModelProto m = ReluAddModel();
  AddNode(m.mutable_graph(), "Relu", "relu2", {"X"}, {"R"});
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"SSA", "'R' has been used as output names multiple times"}));
  EXPECT_TRUE(IsError(ImportStatus(m, NoChecker()), Code::kInvalidArgument,
                      {"node Relu \"relu2\" writes 'R', a name that is already defined"}));
}

TEST(ImporterHostile, RejectsNodeOutputNamedLikeInitializer) {
  onnx::ModelProto m = ReluAddModel();
  m.mutable_graph()->mutable_node(0)->set_output(0, "W");
  m.mutable_graph()->mutable_node(1)->set_input(0, "W");
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"SSA", "'W' has been used as output names multiple times"}));
  EXPECT_TRUE(IsError(ImportStatus(m, NoChecker()), Code::kInvalidArgument,
                      {"node Relu \"relu\" writes 'W', a name that is already defined"}));
}

// ---- 9, 10. operators

TEST(ImporterHostile, RejectsMissingOpsetImport) {
  onnx::ModelProto m = ReluAddModel();
  m.clear_opset_import();
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"imports no operator set (opset_import is empty)"}));
}

TEST(ImporterHostile, RejectsUnknownOpInDefaultDomain) {
  onnx::ModelProto m = ReluAddModel();
  m.mutable_graph()->mutable_node(0)->set_op_type("Frobnicate");
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kUnimplemented,
                      {"node Frobnicate \"relu\"", "not defined in domain 'ai.onnx' at opset 13"}));
}

TEST(ImporterHostile, RejectsDomainTheModelDoesNotImport) {
  onnx::ModelProto m = ReluAddModel();
  m.mutable_graph()->mutable_node(0)->set_domain("com.example");
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"node com.example.Relu \"relu\"", "domain 'com.example'",
                       "the model does not import"}));
}

TEST(ImporterHostile, RejectsImportedCustomDomainWithoutSchema) {
  onnx::ModelProto m = ReluAddModel();
  auto* opset = m.add_opset_import();
  opset->set_domain("com.example");
  opset->set_version(1);
  m.mutable_graph()->mutable_node(0)->set_domain("com.example");
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kUnimplemented,
                      {"node com.example.Relu \"relu\"",
                       "not defined in domain 'com.example' at opset 1"}));
}

TEST(ImporterHostile, RejectsOpsetNewerThanThisBuild) {
  onnx::ModelProto m = ReluAddModel();
  m.mutable_opset_import(0)->set_version(9999);
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kUnimplemented,
                      {"imports opset 9999 of domain 'ai.onnx', newer than the latest this build "
                       "knows"}));
}

TEST(ImporterHostile, RejectsCallsOfModelLocalFunctions) {
  onnx::ModelProto m = ReluAddModel();
  auto* opset = m.add_opset_import();
  opset->set_domain("local");
  opset->set_version(1);
  // F calls itself: refused at the call, before anything could follow it.
  onnx::FunctionProto* f = m.add_functions();
  f->set_domain("local");
  f->set_name("F");
  f->add_input("x");
  f->add_output("y");
  onnx::NodeProto* self = f->add_node();
  self->set_op_type("F");
  self->set_domain("local");
  self->add_input("x");
  self->add_output("y");
  m.mutable_graph()->mutable_node(0)->set_domain("local");
  m.mutable_graph()->mutable_node(0)->set_op_type("F");
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kUnimplemented,
                      {"node local.F \"relu\" calls the model-local function 'F' of domain "
                       "'local'"}));
}

// ---- 11. attributes

TEST(ImporterHostile, RejectsAttributeOfWrongTypeCaughtByChecker) {
  onnx::ModelProto m = ConvModel();
  ASSERT_OK(ImportStatus(m));
  auto* ks = m.mutable_graph()->mutable_node(0)->mutable_attribute(0);
  ks->clear_ints();
  ks->set_type(onnx::AttributeProto::STRING);
  ks->set_s("3x3");
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"Mismatched attribute type in 'conv1 : kernel_shape'",
                       "Name: conv1 OpType: Conv"}));
}

TEST(ImporterHostile, RejectsAttributeOfWrongTypeCaughtByNormalizer) {
  onnx::ModelProto m = ReshapeV1Model();
  ASSERT_OK(ImportStatus(m));
  auto* shape = m.mutable_graph()->mutable_node(0)->mutable_attribute(0);
  shape->clear_ints();
  shape->set_type(onnx::AttributeProto::FLOAT);
  shape->set_f(6.0f);
  // ONNX's checker catches this too; tandem's normalizer is the check behind it.
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"Mismatched attribute type in 'reshape1 : shape'",
                       "Name: reshape1 OpType: Reshape"}));
  EXPECT_TRUE(IsError(ImportStatus(m, NoChecker()), Code::kInvalidArgument,
                      {"node Reshape \"reshape1\": attribute 'shape' must be ints, got float"}));
}

TEST(ImporterHostile, RejectsAttributeGivenTwice) {
  onnx::ModelProto m = ConvModel();
  onnx::NodeProto* conv = m.mutable_graph()->mutable_node(0);
  *conv->add_attribute() = conv->attribute(0);
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"Attribute 'kernel_shape' appeared multiple times",
                       "Name: conv1 OpType: Conv"}));
  EXPECT_TRUE(IsError(ImportStatus(m, NoChecker()), Code::kInvalidArgument,
                      {"node Conv \"conv1\" attribute 'kernel_shape' is given twice"}));
}

// ---- 13. nesting

TEST(ImporterHostile, RejectsSubgraphsNestedTooDeeply) {
  const int limit = ImportOptions().max_subgraph_depth;
  ASSERT_EQ(limit, 8);
  EXPECT_TRUE(IsError(ImportStatus(NestedIfModel(10)), Code::kInvalidArgument,
                      {"node If \"if9\" attribute 'then_branch'", "nested 9 levels deep",
                       "the limit is 8"}));
  EXPECT_TRUE(IsError(ImportStatus(NestedIfModel(limit + 1)), Code::kInvalidArgument,
                      {"node If \"if9\" attribute 'then_branch'", "nested 9 levels deep",
                       "the limit is 8"}));
  ImportOptions shallow;
  shallow.max_subgraph_depth = 2;
  EXPECT_TRUE(IsError(ImportStatus(NestedIfModel(3), shallow), Code::kInvalidArgument,
                      {"node If \"if3\" attribute 'then_branch'", "nested 3 levels deep",
                       "the limit is 2"}));
}

TEST(ImporterHostile, RejectsNestingBeyondProtobufRecursionLimit) {
  // 40 If levels are 120+ nested messages: protobuf refuses to parse them (limit 100), so no
  // recursive walk of tandem's or ONNX's ever sees them.
  EXPECT_TRUE(IsError(ImportStatus(NestedIfModel(40)), Code::kInvalidArgument,
                      {"not a valid ONNX model"}));
}

TEST(ImporterHostile, ImportsSubgraphsNestedToTheLimit) {
  ASSERT_OK_AND_ASSIGN(ir::Model model,
                       ImportModelFromBytes(Serialize(NestedIfModel(8)), kName));
  int depth = 0;
  for (const ir::Graph* g = model.graph.get(); g != nullptr; ++depth) {
    const ir::Graph* next = nullptr;
    for (const ir::Node& n : g->nodes()) {
      if (const ir::Attribute* a = n.attr("then_branch")) next = a->subgraphs().at(0);
    }
    g = next;
  }
  EXPECT_EQ(depth, 9);  // the main graph and 8 nested bodies
}

// ---- 14, 15, 16. graph structure

TEST(ImporterHostile, RejectsGraphOutputNeverProduced) {
  onnx::ModelProto m = ReluAddModel();
  SetTensorType(m.mutable_graph()->add_output(), "Ghost", onnx::TensorProto::FLOAT, {2, 3});
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"graph 'g': output 'Ghost' is never produced"}));
  EXPECT_TRUE(IsError(ImportStatus(m, NoChecker()), Code::kInvalidArgument,
                      {"graph 'g': output 'Ghost' is never produced"}));
}

TEST(ImporterHostile, RejectsModelWithoutGraph) {
  onnx::ModelProto m = ReluAddModel();
  m.clear_graph();
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument, {"the model has no graph"}));
  // Zero bytes are a valid, empty ModelProto.
  EXPECT_TRUE(IsError(ImportModelFromBytes("", kName).status(), Code::kInvalidArgument,
                      {"the model has no graph"}));
}

TEST(ImporterHostile, RejectsIfBranchesWithDifferentOutputCounts) {
  onnx::ModelProto m = IfModel();
  ASSERT_OK(ImportStatus(m));
  onnx::GraphProto* else_branch = Branch(m, 1);
  AddNode(else_branch, "Identity", "extra", {"X"}, {"extra_out"});
  SetTensorType(else_branch->add_output(), "extra_out", onnx::TensorProto::FLOAT, {2});
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"op_type:If, node name: branch",
                       "then_branch and else_branch produce different number of outputs. 1 != 2"}));
}

TEST(ImporterHostile, RejectsIfBranchesWithDifferentOutputTypes) {
  onnx::ModelProto m = IfModel();
  onnx::GraphProto* else_branch = Branch(m, 1);
  onnx::NodeProto* cast = AddNode(else_branch, "Cast", "to_int", {"X"}, {"as_int"});
  auto* to = cast->add_attribute();
  to->set_name("to");
  to->set_type(onnx::AttributeProto::INT);
  to->set_i(onnx::TensorProto::INT64);
  else_branch->clear_output();
  SetTensorType(else_branch->add_output(), "as_int", onnx::TensorProto::INT64, {2});
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"op_type:If, node name: branch", "Mismatched tensor element type"}));
}

}  // namespace
}  // namespace tandem::importer
