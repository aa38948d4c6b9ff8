// Hostile and corrupt models: the importer must answer each with a Status that names the model,
// the node or tensor at fault and the reason, and must never crash, hang, leak or read out of
// bounds. Each test mutates a small valid model (tests/null/onnx_test_models_util.h).
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
#include "tests/null/onnx_test_models_util.h"
#include "tests/null/test_util.h"

namespace tandem::importer {
namespace {

using ::tandem::test_models::AddNode;
using ::tandem::test_models::ConvModel;
using ::tandem::test_models::Iota;
using ::tandem::test_models::NestedIfModel;
using ::tandem::test_models::ReluAddModel;
using ::tandem::test_models::ReshapeV1Model;
using ::tandem::test_models::ScratchDir;
using ::tandem::test_models::Serialize;
using ::tandem::test_models::SetTensorType;
using Code = ::absl::StatusCode;

constexpr char kName[] = "hostile.onnx";

ImportOptions NoChecker() {
  ImportOptions o;
  o.run_checker = false;
  return o;
}

absl::Status ImportStatus(const onnx::ModelProto& model, const ImportOptions& options = {}) {
  return ImportModelFromBytes(Serialize(model), kName, options).status();
}

// The status has `code`, its message starts with "<model>: " and contains every one of `parts`.
::testing::AssertionResult IsError(const absl::Status& s, Code code,
                                   std::initializer_list<std::string> parts,
                                   const std::string& model = kName) {
  std::string msg(s.message());
  bool ok = s.code() == code && msg.rfind(model + ": ", 0) == 0;
  for (const auto& p : parts) ok = ok && msg.find(p) != std::string::npos;
  if (ok) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure()
                 << "expected " << absl::StatusCodeToString(code) << " starting with \"" << model
                 << ": \" and containing";
  for (const auto& p : parts) failure << " \"" << p << "\"";
  return failure << "; got " << s;
}

onnx::TensorProto* FindInitializer(onnx::ModelProto& m, const std::string& name) {
  for (auto& t : *m.mutable_graph()->mutable_initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

// If "branch" with a then_branch/else_branch from NestedIfModel(1), mutated by the test.
onnx::ModelProto IfModel() {
  onnx::ModelProto m = NestedIfModel(1);
  m.mutable_graph()->mutable_node(0)->set_name("branch");
  return m;
}

onnx::GraphProto* Branch(onnx::ModelProto& m, int i) {
  return m.mutable_graph()->mutable_node(0)->mutable_attribute(i)->mutable_g();
}

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

// ---- 12. external data

// Points W (f32[2,3], 24 bytes) at `location`; empty `offset`/`length` are left out.
void MakeExternal(onnx::ModelProto& m, const std::string& location, const std::string& offset = "",
                  const std::string& length = "") {
  onnx::TensorProto* w = FindInitializer(m, "W");
  w->clear_raw_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const std::string& key, const std::string& value) {
    auto* e = w->add_external_data();
    e->set_key(key);
    e->set_value(value);
  };
  add("location", location);
  if (!offset.empty()) add("offset", offset);
  if (!length.empty()) add("length", length);
}

std::string FloatBytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

// Writes model.onnx (W external as given) and w.bin (16 junk bytes, then Iota(6)) into `dir`;
// returns the import status of model.onnx.
absl::Status ImportExternal(const ScratchDir& dir, const std::string& location,
                            const std::string& offset = "", const std::string& length = "") {
  onnx::ModelProto m = ReluAddModel();
  MakeExternal(m, location, offset, length);
  dir.Write("model.onnx", Serialize(m));
  dir.Write("w.bin", std::string(16, '\x7f') + FloatBytes(Iota(6)));
  return ImportModel(dir.File("model.onnx")).status();
}

TEST(ImporterHostile, ImportsExternalDataBorrowed) {
  ScratchDir dir;
  ASSERT_OK(ImportExternal(dir, "w.bin", "16", "24"));
  ImportStats stats;
  ASSERT_OK_AND_ASSIGN(ir::Model model, ImportModel(dir.File("model.onnx"), {}, &stats));
  auto w = model.graph->FindValue("W");
  ASSERT_TRUE(w.has_value());
  const ir::Tensor& t = *model.graph->value(*w).initializer;
  EXPECT_TRUE(t.data.is_borrowed());
  EXPECT_EQ(stats.borrowed_bytes, 24);
  ASSERT_EQ(t.num_elements(), 6);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.DoubleAt(i), i);
}

TEST(ImporterHostile, RejectsExternalDataWithDotDot) {
  ScratchDir dir;
  EXPECT_TRUE(IsError(ImportExternal(dir, "../w.bin"), Code::kInvalidArgument,
                      {"tensor 'W'", "'../w.bin'", "leaves the model's folder ('..')"},
                      dir.File("model.onnx")));
  EXPECT_TRUE(IsError(ImportExternal(dir, "sub/../../etc/passwd"), Code::kInvalidArgument,
                      {"tensor 'W'", "leaves the model's folder"}, dir.File("model.onnx")));
}

TEST(ImporterHostile, RejectsExternalDataWithAbsolutePath) {
  ScratchDir dir;
  std::string abs = dir.File("w.bin");
  EXPECT_TRUE(IsError(ImportExternal(dir, abs), Code::kInvalidArgument,
                      {"tensor 'W'", abs, "is absolute"}, dir.File("model.onnx")));
}

TEST(ImporterHostile, RejectsExternalDataSymlinkLeavingTheFolder) {
  ScratchDir outside;
  outside.Write("secret.bin", FloatBytes(Iota(6)));
  ScratchDir dir;
  ASSERT_EQ(::symlink(outside.File("secret.bin").c_str(), dir.File("link.bin").c_str()), 0);
  EXPECT_TRUE(IsError(ImportExternal(dir, "link.bin"), Code::kInvalidArgument,
                      {"tensor 'W'", "'link.bin'", "outside the model's folder"},
                      dir.File("model.onnx")));
  // A symlinked folder inside the model's folder that leads out is refused the same way.
  ASSERT_EQ(::symlink(outside.path().c_str(), dir.File("sub").c_str()), 0);
  EXPECT_TRUE(IsError(ImportExternal(dir, "sub/secret.bin"), Code::kInvalidArgument,
                      {"tensor 'W'", "outside the model's folder"}, dir.File("model.onnx")));
}

TEST(ImporterHostile, RejectsExternalDataHardLinkedFromOutside) {
  ScratchDir outside;
  outside.Write("secret.bin", FloatBytes(Iota(6)));
  ScratchDir dir;
  // Nothing in the path shows that link.bin is also a file outside the model's folder.
  ASSERT_EQ(::link(outside.File("secret.bin").c_str(), dir.File("link.bin").c_str()), 0);
  onnx::ModelProto m = ReluAddModel();
  MakeExternal(m, "link.bin", "0", "24");
  dir.Write("model.onnx", Serialize(m));
  EXPECT_TRUE(IsError(ImportModel(dir.File("model.onnx")).status(), Code::kInvalidArgument,
                      {"tensor 'W'", "'link.bin' is a hard link (the file has 2 names)"},
                      dir.File("model.onnx")));
  // With its other name gone, the file is the model's own.
  ASSERT_EQ(::unlink(outside.File("secret.bin").c_str()), 0);
  EXPECT_OK(ImportModel(dir.File("model.onnx")).status());
}

TEST(ImporterHostile, RejectsExternalDataOffsetPastEnd) {
  ScratchDir dir;  // w.bin has 40 bytes
  EXPECT_TRUE(IsError(ImportExternal(dir, "w.bin", "41", "24"), Code::kInvalidArgument,
                      {"tensor 'W'", "offset 41 is outside 'w.bin' (40 bytes)"},
                      dir.File("model.onnx")));
  EXPECT_TRUE(IsError(ImportExternal(dir, "w.bin", "9223372036854775807"), Code::kInvalidArgument,
                      {"tensor 'W'", "is outside 'w.bin'"}, dir.File("model.onnx")));
}

TEST(ImporterHostile, RejectsExternalDataRangePastEnd) {
  ScratchDir dir;
  EXPECT_TRUE(IsError(ImportExternal(dir, "w.bin", "20", "24"), Code::kInvalidArgument,
                      {"tensor 'W'", "[offset 20, length 24] runs past the end of 'w.bin'"},
                      dir.File("model.onnx")));
  EXPECT_TRUE(IsError(ImportExternal(dir, "w.bin", "16", "9223372036854775807"),
                      Code::kInvalidArgument, {"tensor 'W'", "runs past the end"},
                      dir.File("model.onnx")));
}

TEST(ImporterHostile, RejectsExternalDataOfWrongLength) {
  ScratchDir dir;
  EXPECT_TRUE(IsError(ImportExternal(dir, "w.bin", "16", "20"), Code::kInvalidArgument,
                      {"tensor 'W'", "external data has 20 bytes", "need 24"},
                      dir.File("model.onnx")));
  // No length: the rest of the file (40 - 8 bytes), which is not 24 either.
  EXPECT_TRUE(IsError(ImportExternal(dir, "w.bin", "8"), Code::kInvalidArgument,
                      {"tensor 'W'", "external data has 32 bytes", "need 24"},
                      dir.File("model.onnx")));
}

TEST(ImporterHostile, RejectsExternalDataWithNonNumericOffset) {
  ScratchDir dir;
  EXPECT_TRUE(IsError(ImportExternal(dir, "w.bin", "16abc", "24"), Code::kInvalidArgument,
                      {"initializer 'W'", "offset '16abc' is not a valid non-negative integer"},
                      dir.File("model.onnx")));
  EXPECT_TRUE(IsError(ImportExternal(dir, "w.bin", "16", "lots"), Code::kInvalidArgument,
                      {"initializer 'W'", "length 'lots' is not a valid non-negative integer"},
                      dir.File("model.onnx")));
  EXPECT_TRUE(IsError(ImportExternal(dir, "w.bin", "99999999999999999999", "24"),
                      Code::kInvalidArgument, {"initializer 'W'", "is not a valid"},
                      dir.File("model.onnx")));
}

TEST(ImporterHostile, RejectsExternalDataWithNegativeOffset) {
  ScratchDir dir;
  EXPECT_TRUE(IsError(ImportExternal(dir, "w.bin", "-8", "24"), Code::kInvalidArgument,
                      {"initializer 'W'", "offset '-8' is not a valid non-negative integer"},
                      dir.File("model.onnx")));
}

TEST(ImporterHostile, ReportsMissingExternalDataFileAsNotFound) {
  ScratchDir dir;
  EXPECT_THAT(ImportModel(dir.File("absent.onnx")).status(),
              StatusIs(Code::kNotFound, "cannot open '" + dir.File("absent.onnx") + "'"));
  EXPECT_TRUE(IsError(ImportExternal(dir, "missing.bin"), Code::kNotFound,
                      {"tensor 'W'", "missing.bin", "not found"}, dir.File("model.onnx")));
}

TEST(ImporterHostile, RejectsExternalDataThatIsNotARegularFile) {
  ScratchDir dir;
  // Opening a FIFO for reading would block until a writer appears.
  ASSERT_EQ(::mkfifo(dir.File("fifo").c_str(), 0600), 0);
  EXPECT_TRUE(IsError(ImportExternal(dir, "fifo"), Code::kInvalidArgument,
                      {"tensor 'W'", "is not a regular file"}, dir.File("model.onnx")));
  ASSERT_EQ(::mkdir(dir.File("folder").c_str(), 0700), 0);
  EXPECT_TRUE(IsError(ImportExternal(dir, "folder"), Code::kInvalidArgument,
                      {"tensor 'W'", "is not a regular file"}, dir.File("model.onnx")));
}

TEST(ImporterHostile, RejectsExternalDataWhenImportingFromBytes) {
  onnx::ModelProto m = ReluAddModel();
  MakeExternal(m, "w.bin", "0", "24");
  EXPECT_TRUE(IsError(ImportStatus(m), Code::kInvalidArgument,
                      {"tensor 'W'", "'w.bin'", "the model was loaded from memory"}));
}

// Tensor attributes are resolved too: a Constant in the main graph (hoisted into an initializer)
// and one inside an If body, both pointing out of the model's folder at a file that exists.
TEST(ImporterHostile, RejectsEscapingExternalDataInTensorAttributes) {
  ScratchDir outer;
  outer.Write("w.bin", FloatBytes(Iota(6)));
  ASSERT_EQ(::mkdir(outer.File("model").c_str(), 0700), 0);
  const std::string path = outer.File("model/model.onnx");
  auto external_value = [](onnx::NodeProto* constant) {
    auto* value = constant->add_attribute();
    value->set_name("value");
    value->set_type(onnx::AttributeProto::TENSOR);
    onnx::TensorProto* t = value->mutable_t();
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_dims(2);
    t->add_dims(3);
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* e = t->add_external_data();
    e->set_key("location");
    e->set_value("../w.bin");
  };

  onnx::ModelProto m = ReluAddModel();
  onnx::GraphProto* g = m.mutable_graph();
  g->clear_initializer();
  external_value(AddNode(g, "Constant", "wc", {}, {"W"}));
  g->mutable_node()->SwapElements(0, 2);  // Constant, Add, Relu
  g->mutable_node()->SwapElements(1, 2);  // Constant, Relu, Add
  outer.Write("model/model.onnx", Serialize(m));
  EXPECT_TRUE(IsError(ImportModel(path).status(), Code::kInvalidArgument,
                      {"tensor 'W'", "'../w.bin' leaves the model's folder"}, path));

  onnx::ModelProto nested = NestedIfModel(1);
  onnx::GraphProto* body = Branch(nested, 0);
  external_value(AddNode(body, "Constant", "bc", {}, {"unused"}));
  outer.Write("model/model.onnx", Serialize(nested));
  EXPECT_TRUE(IsError(ImportModel(path).status(), Code::kInvalidArgument,
                      {"node Constant \"bc\" attribute 'value' tensor: ",
                       "'../w.bin' leaves the model's folder"},
                      path));
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

// protobuf reads a 5-byte tag and keeps its low 32 bits, so field number 2^29 + 7 is `graph`, and
// it merges every occurrence of `graph`. Here one occurrence with such a tag holds initializer A
// ahead of the ordinary one holding W: the wire scanner must see both, or the range it records
// for W's payload would be given to A.
void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

TEST(ImporterHostile, WireScannerReadsTagsAsProtobufDoes) {
  onnx::GraphProto extra;
  onnx::TensorProto* a = extra.add_initializer();
  a->set_name("A");
  a->set_data_type(onnx::TensorProto::FLOAT);
  a->add_dims(2);
  a->add_dims(512);
  a->set_raw_data(std::string(4096, '\x41'));
  std::string bytes;
  PutVarint(((uint64_t{1} << 29) + 7) << 3 | 2, &bytes);  // 5 bytes; low 32 bits: field 7
  PutVarint(extra.ByteSizeLong(), &bytes);
  bytes += extra.SerializeAsString();
  bytes += Serialize(ReluAddModel(512));
  ImportStats stats;
  ASSERT_OK_AND_ASSIGN(ir::Model model, ImportModelFromBytes(bytes, kName, {}, &stats));
  const ir::Tensor& w = *model.graph->value(*model.graph->FindValue("W")).initializer;
  EXPECT_TRUE(w.data.is_borrowed());
  EXPECT_EQ(w.DoubleAt(1023), 1023.0);

  // A tag or length of more than 5 bytes is refused by protobuf, and so by the importer.
  std::string overlong = Serialize(ReluAddModel(512));
  ASSERT_EQ(overlong[0], '\x08');  // ir_version's tag, then ...
  std::string six_byte_tag = std::string("\x88\x80\x80\x80\x80\x00", 6) + overlong.substr(1);
  EXPECT_TRUE(IsError(ImportModelFromBytes(six_byte_tag, kName).status(), Code::kInvalidArgument,
                      {"not a valid ONNX model"}));
}

// ---- 17. byte-level fuzzing of the wire scanner and everything behind it

TEST(ImporterHostile, SurvivesCorruptedAndTruncatedBytes) {
  // A small inline initializer first, then one of 4 KiB that the wire scanner cuts out.
  onnx::ModelProto m = ReluAddModel(512);
  onnx::TensorProto* small = m.mutable_graph()->add_initializer();
  small->set_name("S");
  small->set_data_type(onnx::TensorProto::FLOAT);
  small->add_dims(4);
  std::vector<float> four = Iota(4);
  small->set_raw_data(four.data(), four.size() * sizeof(float));
  m.mutable_graph()->mutable_initializer()->SwapElements(0, 1);
  const std::string good = Serialize(m);
  ASSERT_OK(ImportModelFromBytes(good, kName).status());

  // Every byte of the wire structure (keys, lengths, names, dims: all but W's payload), and every
  // 31st byte of the payload, whose contents the scanner never interprets.
  const std::string& payload = FindInitializer(m, "W")->raw_data();
  const size_t payload_begin = good.find(payload);
  ASSERT_NE(payload_begin, std::string::npos);
  const size_t payload_end = payload_begin + payload.size();
  std::vector<size_t> positions;
  for (size_t i = 0; i < good.size(); ++i) {
    bool structure = i < payload_begin + 8 || i + 8 >= payload_end;
    if (structure || i % 31 == 0) positions.push_back(i);
  }
  // Differential: the same bytes with no payload cut out (protobuf parses everything), with the
  // default threshold (W cut), and with every payload cut (W and S) must give the same answer and,
  // when they import, the same W. A disagreement means the scanner and protobuf disagree about
  // which bytes belong to which initializer.
  ImportOptions cut_none, cut_all;
  cut_none.borrow_threshold_bytes = SIZE_MAX;
  cut_all.borrow_threshold_bytes = 1;
  auto w_bytes = [](const ir::Model& model) {
    auto id = model.graph->FindValue("W");
    if (!id || !model.graph->value(*id).initializer) return std::string("<no W>");
    const ir::TensorData& d = model.graph->value(*id).initializer->data;
    return std::string(reinterpret_cast<const char*>(d.data()), d.size());
  };
  int imported = 0, refused = 0;
  auto run = [&](const std::string& bytes) {
    absl::StatusOr<ir::Model> model = ImportModelFromBytes(bytes, kName);
    for (const ImportOptions& options : {cut_none, cut_all}) {
      absl::StatusOr<ir::Model> other = ImportModelFromBytes(bytes, kName, options);
      ASSERT_EQ(other.status(), model.status());
      if (model.ok()) {
        ASSERT_EQ(w_bytes(*other), w_bytes(*model));
      }
    }
    if (model.ok()) {
      ++imported;
    } else {
      ++refused;
      EXPECT_EQ(std::string(model.status().message()).rfind(std::string(kName) + ": ", 0), 0u)
          << model.status();
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::string bytes = good;
  for (size_t pos : positions) {
    const uint8_t b = static_cast<uint8_t>(good[pos]);
    // ±1 moves lengths and keys across their boundaries; 0x80/0xff extend varints.
    for (uint8_t value : {uint8_t(b ^ 0xff), uint8_t(b + 1), uint8_t(b - 1), uint8_t(0x00),
                          uint8_t(0x01), uint8_t(0x7f), uint8_t(0x80), uint8_t(0xff)}) {
      bytes[pos] = static_cast<char>(value);
      run(bytes);
    }
    bytes[pos] = good[pos];
    run(good.substr(0, pos));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("fuzz: %zu positions, %d imported, %d refused, %.2f s\n", positions.size(), imported,
              refused, seconds);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace tandem::importer
