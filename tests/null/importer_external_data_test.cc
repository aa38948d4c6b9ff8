// Hostile external data (section 12 of the hostile-model list): a tensor whose bytes live in
// another file may only name a regular file inside the model's folder, with an offset and length
// inside it; every other case is refused naming the tensor.
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "importer/onnx_importer.h"
#include "onnx/onnx_pb.h"
#include "tests/null/importer_hostile_util.h"
#include "tests/null/onnx_test_models_util.h"
#include "tests/null/test_util.h"

namespace tandem::importer {
namespace {

using namespace ::tandem::importer::hostile;  // NOLINT: the shared helpers of these tests


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

}  // namespace
}  // namespace tandem::importer
