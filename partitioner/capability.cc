#include "partitioner/capability.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/device_registry.h"

namespace tandem::partitioner {
namespace {

bool IsGpuDType(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::kFloat32:
    case ir::DType::kFloat16:
    case ir::DType::kFloat64:
    case ir::DType::kInt32:
    case ir::DType::kInt64:
    case ir::DType::kInt8:
    case ir::DType::kUInt8:
    case ir::DType::kBool:
      return true;
    default:
      return false;
  }
}

// The CUDA executor's rule for every operand (executors/cuda/cuda_op.cc, ValueProblem).
std::string CheckValue(const ir::Graph& graph, ir::ValueId id) {
  const ir::Value& v = graph.value(id);
  if (v.info.type != ir::ValueType::kTensor || !v.info.shape.is_static()) {
    return absl::StrCat("value '", v.name, "' is ", v.info.ToString(),
                        "; the GPU executor runs static tensor shapes only");
  }
  if (!IsGpuDType(v.info.dtype)) {
    return absl::StrCat("value '", v.name, "' is ", ir::DTypeName(v.info.dtype),
                        ", a type the GPU kernels do not handle");
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

const std::set<std::string, std::less<>>& GpuOpTable() {
  static const auto* ops = new std::set<std::string, std::less<>>{
      // convolution, pooling, matrix products
      "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Gemm", "MatMul",
      // elementwise arithmetic, comparison and logic
      "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "PRelu", "Where", "Equal",
      "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor", "Not",
      // unary math and activations
      "Relu", "Sigmoid", "HardSwish", "Tanh", "Erf", "Softplus", "Softsign", "Mish", "Exp", "Log",
      "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan",
      "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Abs", "Neg", "Sign", "IsNaN", "IsInf",
      "LeakyRelu", "ThresholdedRelu", "Elu", "Celu", "Selu", "HardSigmoid", "Clip", "Gelu", "Cast",
      "CastLike",
      // normalization and softmax
      "BatchNormalization", "LayerNormalization", "Softmax", "LogSoftmax",
      // reductions
      "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare",
      "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
      // data movement
      "Transpose", "Slice", "Expand", "Concat", "Split", "Pad", "Tile", "DepthToSpace",
      "SpaceToDepth", "Gather",
      // views
      "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"};
  return *ops;
}

std::string GpuTableReason(const ir::Graph& graph, const ir::Node& node) {
  if (!node.domain.empty() && node.domain != "ai.onnx") {
    return absl::StrCat(node.domain, ".", node.op_type, " is not a GPU op (custom domain)");
  }
  if (GpuOpTable().count(node.op_type) == 0) {
    return absl::StrCat(node.op_type, " has no GPU kernel");
  }
  for (const auto* ids : {&node.inputs, &node.outputs}) {
    for (ir::ValueId id : *ids) {
      if (!id.valid()) continue;
      std::string why = CheckValue(graph, id);
      if (!why.empty()) return why;
    }
  }
  return "";
}

std::string GpuCapability::UnsupportedReason(const ir::Graph& graph, const ir::Node& node) const {
  if (executors::CudaExecutorBuilt()) return executors::GpuUnsupportedReason(graph, node);
  return GpuTableReason(graph, node);
}

std::string GpuTableStreamingReason(const ir::Graph&, const ir::Node& node) {
  static const auto* folded = new std::set<std::string, std::less<>>{"BatchNormalization", "Clip", "Pad"};
  if (folded->count(node.op_type) == 0) return "";
  return absl::StrCat(node.op_type, ": the GPU reads its weight operands as constants when it loads the node");
}

std::string GpuCapability::StreamingReason(const ir::Graph& graph, const ir::Node& node) const {
  if (!executors::CudaExecutorBuilt()) return GpuTableStreamingReason(graph, node);
  const auto& nodes = graph.nodes();
  if (nodes.empty() || &node < nodes.data() || &node >= nodes.data() + nodes.size()) {
    return "the node is not one of the graph's";
  }
  // The weights a gpu-streamed node gets per run: initializers it reads in device memory.
  std::vector<ir::ValueId> weights;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const ir::ValueId v = node.inputs[i];
    if (!v.valid() || graph.value(v).kind != ir::ValueKind::kInitializer) continue;
    if (IsShapeInput(node, static_cast<int>(i))) continue;
    if (std::find(weights.begin(), weights.end(), v) == weights.end()) weights.push_back(v);
  }
  return executors::GpuStreamingReason(graph, ir::NodeId(static_cast<int>(&node - nodes.data())), weights);
}

}  // namespace tandem::partitioner
