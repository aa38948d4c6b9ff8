#include "executors/cuda/cuda_op.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "executors/cuda/cuda_status.h"
#include "executors/cuda/cuda_types.h"

namespace tandem::executors::cuda {
namespace {

std::vector<int64_t> StaticDims(const ir::Value& v) {
  auto sizes = v.info.shape.static_sizes();
  return sizes ? *sizes : std::vector<int64_t>{};
}

// "" when `v` is something a GPU kernel can hold: a tensor of static shape and of a dtype the
// kernels know.
std::string ValueProblem(const ir::Value& v) {
  if (v.info.type != ir::ValueType::kTensor) {
    return absl::StrCat("value '", v.name, "' is a ", v.info.ToString(), "; the GPU executor runs tensors only");
  }
  if (!v.info.shape.is_static()) {
    return absl::StrCat("value '", v.name, "' has no static shape (", v.info.ToString(),
                        "); the GPU executor runs static shapes only");
  }
  if (!ToElementType(v.info.dtype)) {
    return absl::StrCat("value '", v.name, "' is ", ir::DTypeName(v.info.dtype),
                        ", a type the GPU kernels do not handle");
  }
  return "";
}

}  // namespace

std::vector<int64_t> CudaBuildContext::input_dims(size_t i) const { return StaticDims(graph_.value(node_.inputs[i])); }
std::vector<int64_t> CudaBuildContext::output_dims(size_t i) const {
  return StaticDims(graph_.value(node_.outputs[i]));
}

const ir::Tensor* CudaBuildContext::constant_input(size_t i) const {
  if (!has_input(i)) return nullptr;
  const ir::Value& v = graph_.value(node_.inputs[i]);
  return v.kind == ir::ValueKind::kInitializer ? v.initializer.get() : nullptr;
}

absl::StatusOr<std::vector<int64_t>> CudaBuildContext::ConstantInts(size_t i, const std::string& what) const {
  const ir::Tensor* t = constant_input(i);
  if (t == nullptr) return Unsupported(absl::StrCat(what, " must be a constant on the GPU"));
  if (!ir::IsInteger(t->dtype)) return Invalid(absl::StrCat(what, " must be integers"));
  std::vector<int64_t> values(t->num_elements());
  for (int64_t k = 0; k < t->num_elements(); ++k) values[k] = t->IntAt(k);
  return values;
}

absl::Status CudaBuildContext::Unsupported(const std::string& reason) const {
  return absl::UnimplementedError(absl::StrCat(node_.Describe(), ": ", reason));
}

absl::Status CudaBuildContext::Invalid(const std::string& reason) const {
  return absl::InvalidArgumentError(absl::StrCat(node_.Describe(), ": ", reason));
}

void CudaOpRegistry::Register(const std::string& op_type, CudaOpFactory factory) {
  factories_[op_type] = std::move(factory);
}

absl::StatusOr<std::unique_ptr<CudaOp>> CudaOpRegistry::Lower(const ir::Graph& graph, const ir::Node& node,
                                                              std::optional<FusedClamp> clamp) const {
  if (!node.domain.empty() && node.domain != "ai.onnx") {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": domain '", node.domain, "' has no GPU kernels"));
  }
  auto it = factories_.find(node.op_type);
  if (it == factories_.end()) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": no GPU kernel for ", node.op_type));
  }
  for (const auto* ids : {&node.inputs, &node.outputs}) {
    for (ir::ValueId id : *ids) {
      if (!id.valid()) continue;
      std::string problem = ValueProblem(graph.value(id));
      if (!problem.empty()) return absl::UnimplementedError(absl::StrCat(node.Describe(), ": ", problem));
    }
  }
  return it->second(CudaBuildContext(graph, node, clamp));
}

std::vector<std::string> CudaOpRegistry::Ops() const {
  std::vector<std::string> ops;
  for (const auto& [name, factory] : factories_) ops.push_back(name);
  std::sort(ops.begin(), ops.end());
  return ops;
}

const CudaOpRegistry& CudaOpRegistry::Default() {
  static const CudaOpRegistry* registry = [] {
    auto* r = new CudaOpRegistry;
    RegisterAliasOps(*r);
    RegisterUnaryOps(*r);
    RegisterBinaryOps(*r);
    RegisterConvOps(*r);
    RegisterMatMulOps(*r);
    RegisterPoolOps(*r);
    RegisterNormalizationOps(*r);
    RegisterReduceOps(*r);
    RegisterLayoutOps(*r);
    return r;
  }();
  return *registry;
}

absl::Status LaunchStatus(cudaError_t error, const char* kernel) {
  if (error == cudaSuccess) return absl::OkStatus();
  return CudaStatus(error, absl::StrCat("launching ", kernel));
}

}  // namespace tandem::executors::cuda
