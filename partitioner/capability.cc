#include "partitioner/capability.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "executors/cpu/cpu_executor.h"

namespace tandem::partitioner {
namespace {

// Ops the GPU executor (issue 4) is planned to implement.
const std::set<std::string, std::less<>>& PlannedGpuOps() {
  static const auto* ops = new std::set<std::string, std::less<>>{
      // convolution, pooling, matrix products
      "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
      "Gemm", "MatMul",
      // elementwise arithmetic and math
      "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Neg", "Abs", "Sqrt",
      "Reciprocal", "Exp", "Log", "Erf", "Sin", "Cos", "Floor", "Ceil", "Round", "Sign", "Clip",
      // activations
      "Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu",
      "Selu", "Celu", "Gelu", "Softplus", "Softsign", "Mish",
      // normalization and softmax
      "Softmax", "LogSoftmax", "LayerNormalization", "BatchNormalization",
      // reductions
      "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
      "ReduceSumSquare", "ReduceLogSumExp",
      // data movement
      "Transpose", "Concat", "Split", "Slice", "Gather", "Expand", "Where", "Pad", "Resize",
      "Cast",
      // shape ops (views or copies of float data)
      "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Tile"};
  return *ops;
}

bool IsGpuFloat(ir::DType dtype) {
  return dtype == ir::DType::kFloat32 || dtype == ir::DType::kFloat16;
}

// Operands that may have a non-float dtype on the GPU: indices and conditions.
bool IndexOperand(const ir::Node& node, int index) {
  return (node.op_type == "Gather" && index == 1) || (node.op_type == "Where" && index == 0);
}

std::string CheckValue(const ir::Graph& graph, const ir::Node& node, ir::ValueId id, int index,
                       bool is_input) {
  const ir::Value& v = graph.value(id);
  if (v.info.type != ir::ValueType::kTensor || !v.info.shape.is_static()) {
    return absl::StrCat("value '", v.name, "' is ", v.info.ToString(),
                        "; the GPU executor needs static tensor shapes");
  }
  if (is_input && IndexOperand(node, index)) return "";
  if (!IsGpuFloat(v.info.dtype)) {
    return absl::StrCat("value '", v.name, "' is ", ir::DTypeName(v.info.dtype),
                        "; the GPU executor computes float32/float16 only");
  }
  return "";
}

}  // namespace

bool IsShapeInput(const ir::Node& node, int index) {
  const std::string& op = node.op_type;
  if (!node.domain.empty() && node.domain != "ai.onnx") return false;
  if (index == 0) return op == "ConstantOfShape" || op == "Range";  // the common case, quickly
  if (op == "Reshape" || op == "Expand" || op == "Tile" || op == "Squeeze" ||
      op == "Unsqueeze" || op == "TopK" || op == "Split" || op == "OneHot" ||
      op == "Upsample") {
    return index == 1;
  }
  if (op.rfind("Reduce", 0) == 0) return index == 1;
  if (op == "Slice") return index >= 1 && index <= 4;
  if (op == "Pad") return index == 1 || index == 3;
  if (op == "Resize") return index >= 1 && index <= 3;
  if (op == "ConstantOfShape") return index == 0;
  if (op == "Range") return index <= 2;
  return false;
}

bool Capability::InputOnHost(const ir::Graph& graph, const ir::Node& node, int index) const {
  return IsShapeInput(node, index);
}

std::string CpuCapability::UnsupportedReason(const ir::Graph& graph, const ir::Node& node) const {
  return executors::CpuExecutor::UnsupportedReason(graph, node);
}

NodeSupport CpuCapability::Check(const ir::Graph& graph, const ir::Node& node) const {
  NodeSupport s;
  s.reason = executors::CpuExecutor::UnsupportedReason(graph, node, &s.workspace_bytes);
  return s;
}

std::string PlannedGpuCapability::UnsupportedReason(const ir::Graph& graph,
                                                    const ir::Node& node) const {
  if (!node.domain.empty() && node.domain != "ai.onnx") {
    return absl::StrCat(node.domain, ".", node.op_type, " is not a GPU op (custom domain)");
  }
  if (PlannedGpuOps().count(node.op_type) == 0) {
    return absl::StrCat(node.op_type, " is not among the GPU executor's ops (issue 4)");
  }
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!node.inputs[i].valid() || IsShapeInput(node, static_cast<int>(i))) continue;
    std::string why = CheckValue(graph, node, node.inputs[i], static_cast<int>(i), true);
    if (!why.empty()) return why;
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (!node.outputs[i].valid()) continue;
    std::string why = CheckValue(graph, node, node.outputs[i], static_cast<int>(i), false);
    if (!why.empty()) return why;
  }
  return "";
}

}  // namespace tandem::partitioner
