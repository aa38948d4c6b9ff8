// The guards in front of ONNX 1.12's unchecked shape-inference functions
// (importer/inference_guards.h): a hostile axis is an InvalidArgument naming the node, not a read
// out of bounds inside libonnx; a valid one (negative included) still imports.
#include "importer/inference_guards.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "onnx/onnx_pb.h"
#include "tests/null/onnx_test_models_util.h"

namespace tandem::importer {
namespace {

using ::tandem::test_models::AddNode;
using ::tandem::test_models::Serialize;
using ::tandem::test_models::SetTensorType;

// X:f32[2,3,4] → `op` "guarded" (axis) → Y. Opset 17.
onnx::ModelProto AxisModel(const std::string& op, int64_t axis, const std::vector<int64_t>& out_dims) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  SetTensorType(g->add_input(), "X", onnx::TensorProto::FLOAT, {2, 3, 4});
  onnx::NodeProto* node = AddNode(g, op, "guarded", {"X"}, {"Y"});
  onnx::AttributeProto* attr = node->add_attribute();
  attr->set_name("axis");
  attr->set_type(onnx::AttributeProto::INT);
  attr->set_i(axis);
  SetTensorType(g->add_output(), "Y", onnx::TensorProto::FLOAT, out_dims);
  return m;
}

ImportOptions WithoutChecker() {
  ImportOptions options;
  options.run_checker = false;  // ONNX's checker does not look at axis values either
  return options;
}

TEST(InferenceGuards, LayerNormalizationAxisOutOfRangeIsAnErrorNamingTheNode) {
  for (int64_t axis : {std::numeric_limits<int64_t>::max(), int64_t{3}, int64_t{-4},
                       std::numeric_limits<int64_t>::min()}) {
    auto model = ImportModelFromBytes(Serialize(AxisModel("LayerNormalization", axis, {2, 3, 4})), "ln.onnx",
                                      WithoutChecker());
    ASSERT_FALSE(model.ok()) << axis;
    EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(model.status().message());
    EXPECT_NE(message.find("guarded"), std::string::npos) << message;
    EXPECT_NE(message.find("'axis' = " + std::to_string(axis) + " is out of range for input 0 of rank 3"),
              std::string::npos)
        << message;
  }
}

TEST(InferenceGuards, ValidAxesStillImport) {
  for (int64_t axis : {-3, -1, 0, 2}) {
    EXPECT_TRUE(ImportModelFromBytes(Serialize(AxisModel("Hardmax", axis, {2, 3, 4})), "hm.onnx").ok()) << axis;
    EXPECT_TRUE(ImportModelFromBytes(Serialize(AxisModel("Softmax", axis, {2, 3, 4})), "sm.onnx").ok()) << axis;
  }
  // Flatten's axis may be the rank itself: everything goes into the first dimension.
  EXPECT_TRUE(ImportModelFromBytes(Serialize(AxisModel("Flatten", 3, {24, 1})), "fl.onnx").ok());
  EXPECT_FALSE(ImportModelFromBytes(Serialize(AxisModel("Flatten", 4, {24, 1})), "fl.onnx", WithoutChecker()).ok());
}

TEST(InferenceGuards, ShapeInputLongerThanAnyRankIsAnError) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  SetTensorType(g->add_input(), "X", onnx::TensorProto::FLOAT, {2, 3});
  SetTensorType(g->add_input(), "S", onnx::TensorProto::INT64, {int64_t{1} << 31});
  AddNode(g, "Reshape", "reshape", {"X", "S"}, {"Y"});
  SetTensorType(g->add_output(), "Y", onnx::TensorProto::FLOAT, {6});
  auto model = ImportModelFromBytes(Serialize(m), "reshape.onnx", WithoutChecker());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(model.status().message());
  EXPECT_NE(message.find("reshape"), std::string::npos) << message;
  EXPECT_NE(message.find("input 1 holds 2147483648 values, one per dimension"), std::string::npos) << message;
}

TEST(InferenceGuards, GemmOperandOfRankOneIsAnError) {
  onnx::ModelProto m;
  m.set_ir_version(3);
  m.add_opset_import()->set_version(6);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  SetTensorType(g->add_input(), "A", onnx::TensorProto::FLOAT, {2, 3});
  SetTensorType(g->add_input(), "B", onnx::TensorProto::FLOAT, {4});
  AddNode(g, "Gemm", "gemm", {"A", "B", "B"}, {"Y"});
  SetTensorType(g->add_output(), "Y", onnx::TensorProto::FLOAT, {2, 4});
  auto model = ImportModelFromBytes(Serialize(m), "gemm.onnx", WithoutChecker());
  ASSERT_FALSE(model.ok());
  const std::string message(model.status().message());
  EXPECT_NE(message.find("gemm"), std::string::npos) << message;
  EXPECT_NE(message.find("input 1 has rank 1; Gemm needs rank 2"), std::string::npos) << message;
}

TEST(InferenceGuards, InstallingTwiceWrapsOnce) {
  InstallInferenceGuards();
  InstallInferenceGuards();
  auto model = ImportModelFromBytes(Serialize(AxisModel("Softmax", 5, {2, 3, 4})), "sm.onnx", WithoutChecker());
  ASSERT_FALSE(model.ok());
  const std::string message(model.status().message());
  // One guard message, not two nested ones.
  EXPECT_EQ(message.find("out of range"), message.rfind("out of range")) << message;
}

}  // namespace
}  // namespace tandem::importer
