#include "importer/schema_check.h"

#include <optional>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "importer/tensor_decoder.h"
#include "ir/shape.h"
#include "onnx/defs/schema.h"

namespace tandem::importer {
namespace {

std::string Describe(const onnx::NodeProto& n) {
  std::string op = n.domain().empty() ? n.op_type() : absl::StrCat(n.domain(), ".", n.op_type());
  return n.name().empty() ? absl::StrCat(op, " (unnamed)") : absl::StrCat(op, " \"", n.name(), "\"");
}

using Functions = google::protobuf::RepeatedPtrField<onnx::FunctionProto>;

bool IsLocalFunction(const onnx::NodeProto& node, const std::string& domain,
                     const Functions& functions) {
  for (const onnx::FunctionProto& f : functions) {
    if (f.name() == node.op_type() && (f.domain() == "ai.onnx" ? "" : f.domain()) == domain) {
      return true;
    }
  }
  return false;
}

// ONNX 1.12's shape inference for these ops divides by each of `strides` unchecked: a zero
// stride kills the process (SIGFPE) before any error can be reported.
absl::Status CheckStrides(const onnx::NodeProto& node, const std::string& domain) {
  static const std::set<std::string> kDividesByStrides = {
      "Conv", "ConvInteger", "QLinearConv", "MaxPool", "AveragePool", "LpPool"};
  if (!domain.empty() || kDividesByStrides.count(node.op_type()) == 0) return absl::OkStatus();
  for (const auto& a : node.attribute()) {
    if (a.name() != "strides") continue;
    for (int64_t s : a.ints()) {
      if (s <= 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "node ", Describe(node), ": attribute 'strides' must be positive, got ", s));
      }
    }
  }
  return absl::OkStatus();
}

// `holder` is the node whose attribute `attr` holds `graph` (null for the main graph).
absl::Status Check(const onnx::GraphProto& graph, const std::map<std::string, int64_t>& opsets,
                   const Functions& functions, int depth, int max_depth,
                   const onnx::NodeProto* holder, const std::string& attr) {
  if (depth > max_depth) {
    std::string where =
        holder ? absl::StrCat("node ", Describe(*holder), " attribute '", attr, "': ") : "";
    return absl::InvalidArgumentError(absl::StrCat(where, "graph '", graph.name(),
                                                   "' is nested ", depth,
                                                   " levels deep; the limit is ", max_depth));
  }
  for (const auto& node : graph.node()) {
    std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
    auto it = opsets.find(domain);
    if (it == opsets.end()) {
      return absl::InvalidArgumentError(absl::StrCat("node ", Describe(node), " uses domain '",
                                                     node.domain(), "', which the model does not import"));
    }
    if (onnx::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(it->second), domain) ==
        nullptr) {
      // Model-local functions are not expanded, so a call is refused before anything could
      // follow it (a function may also call itself).
      if (IsLocalFunction(node, domain, functions)) {
        return absl::UnimplementedError(absl::StrCat(
            "node ", Describe(node), " calls the model-local function '", node.op_type(),
            "' of domain '", domain, "'; tandem does not run model-local functions"));
      }
      return absl::UnimplementedError(absl::StrCat(
          "node ", Describe(node), ": operator '", node.op_type(), "' is not defined in domain '",
          domain.empty() ? "ai.onnx" : domain, "' at opset ", it->second));
    }
    TANDEM_RETURN_IF_ERROR(CheckStrides(node, domain));
    for (const auto& a : node.attribute()) {
      if (a.has_g()) {
        TANDEM_RETURN_IF_ERROR(
            Check(a.g(), opsets, functions, depth + 1, max_depth, &node, a.name()));
      }
      for (const auto& g : a.graphs()) {
        TANDEM_RETURN_IF_ERROR(Check(g, opsets, functions, depth + 1, max_depth, &node, a.name()));
      }
    }
  }
  return absl::OkStatus();
}

// `cut_size`: the size of the raw_data payload the wire scanner cut out of `t`, if it did.
absl::Status CheckTensorDims(const onnx::TensorProto& t, const std::string& what,
                             std::optional<size_t> cut_size = std::nullopt) {
  // ONNX's inference would say only "Invalid tensor data type 99", naming no tensor.
  if (t.data_type() == onnx::TensorProto::UNDEFINED ||
      !onnx::TensorProto::DataType_IsValid(t.data_type())) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": unknown data type ", t.data_type()));
  }
  for (int64_t d : t.dims()) {
    if (d < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": negative dimension ", d));
  }
  const auto count = ir::CheckedNumElements(std::vector<int64_t>(t.dims().begin(), t.dims().end()));
  if (!count) return absl::InvalidArgumentError(absl::StrCat(what, ": element count overflows int64"));
  // ONNX's shape inference reads small constant tensors (shape inputs) by their dims and would
  // copy past a raw_data shorter than they say (found by fuzzing). A payload cut out for borrowing
  // is judged by its size in the file, so both paths answer alike.
  const size_t raw_size = cut_size ? *cut_size : t.raw_data().size();
  if (raw_size > 0 && t.data_type() != onnx::TensorProto::STRING) {
    auto dtype = DecodeDType(t.data_type(), what);
    const int64_t size = dtype.ok() ? ir::DTypeSize(*dtype) : 0;
    const int64_t have = static_cast<int64_t>(raw_size);
    int64_t need = 0;
    const bool overflows = __builtin_mul_overflow(*count, size, &need);
    if (size > 0 && (overflows || have != need)) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": raw_data has ", have, " bytes but dtype ",
                                                     ir::DTypeName(*dtype), " × shape need ",
                                                     overflows ? "more than 2^63" : absl::StrCat(need)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTypeDims(const onnx::ValueInfoProto& vi, const std::string& what) {
  const onnx::TypeProto* t = &vi.type();
  // ONNX 1.12's inference functions read tensor_type() of whatever they are given and crash on a
  // sparse one (found by fuzzing: Gemm on a sparse input); tandem has no sparse tensors anyway.
  if (t->has_sparse_tensor_type()) {
    return absl::UnimplementedError(
        absl::StrCat(what, " '", vi.name(), "' is a sparse tensor; tandem does not support sparse tensors"));
  }
  if (t->has_optional_type()) t = &t->optional_type().elem_type();
  if (t->has_sequence_type()) t = &t->sequence_type().elem_type();
  if (!t->has_tensor_type()) return absl::OkStatus();
  const int32_t elem_type = t->tensor_type().elem_type();
  if (elem_type != onnx::TensorProto::UNDEFINED && !onnx::TensorProto::DataType_IsValid(elem_type)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " '", vi.name(), "': unknown data type ", elem_type));
  }
  for (const auto& d : t->tensor_type().shape().dim()) {
    if (d.has_dim_value() && d.dim_value() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " '", vi.name(), "': negative dimension ", d.dim_value()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckNodeSchemas(const onnx::ModelProto& model,
                              const std::map<std::string, int64_t>& opsets, int max_depth) {
  return Check(model.graph(), opsets, model.functions(), 0, max_depth, nullptr, "");
}

absl::Status CheckMainGraphInputsTyped(const onnx::GraphProto& graph) {
  for (const auto& vi : graph.input()) {
    const onnx::TypeProto& t = vi.type();
    const bool typed = t.has_tensor_type() ? t.tensor_type().elem_type() != onnx::TensorProto::UNDEFINED
                                           : t.value_case() != onnx::TypeProto::VALUE_NOT_SET;
    if (!typed) {
      return absl::InvalidArgumentError(absl::StrCat("input '", vi.name(), "' declares no type"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDeclaredShapes(const onnx::GraphProto& graph,
                                 const std::vector<std::optional<ByteRange>>& cut_payloads) {
  for (int i = 0; i < graph.initializer_size(); ++i) {
    const onnx::TensorProto& t = graph.initializer(i);
    std::optional<size_t> cut_size;
    if (static_cast<size_t>(i) < cut_payloads.size() && cut_payloads[i]) cut_size = cut_payloads[i]->size;
    TANDEM_RETURN_IF_ERROR(CheckTensorDims(t, absl::StrCat("initializer '", t.name(), "'"), cut_size));
  }
  for (const auto& vi : graph.input()) TANDEM_RETURN_IF_ERROR(CheckTypeDims(vi, "input"));
  for (const auto& vi : graph.output()) TANDEM_RETURN_IF_ERROR(CheckTypeDims(vi, "output"));
  for (const auto& vi : graph.value_info()) TANDEM_RETURN_IF_ERROR(CheckTypeDims(vi, "value"));
  for (const auto& node : graph.node()) {
    for (const auto& a : node.attribute()) {
      std::string where = absl::StrCat("node ", Describe(node), " attribute '", a.name(), "'");
      if (a.has_t()) TANDEM_RETURN_IF_ERROR(CheckTensorDims(a.t(), where));
      for (const auto& t : a.tensors()) TANDEM_RETURN_IF_ERROR(CheckTensorDims(t, where));
      if (a.has_g()) TANDEM_RETURN_IF_ERROR(CheckDeclaredShapes(a.g()));
      for (const auto& g : a.graphs()) TANDEM_RETURN_IF_ERROR(CheckDeclaredShapes(g));
    }
  }
  return absl::OkStatus();
}

}  // namespace tandem::importer
