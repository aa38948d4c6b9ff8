#include "importer/schema_check.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "ir/shape.h"
#include "onnx/defs/schema.h"

namespace tandem::importer {
namespace {

std::string Describe(const onnx::NodeProto& n) {
  std::string op = n.domain().empty() ? n.op_type() : absl::StrCat(n.domain(), ".", n.op_type());
  return n.name().empty() ? absl::StrCat(op, " (unnamed)") : absl::StrCat(op, " \"", n.name(), "\"");
}

// `holder` is the node whose attribute `attr` holds `graph` (null for the main graph).
absl::Status Check(const onnx::GraphProto& graph, const std::map<std::string, int64_t>& opsets,
                   int depth, int max_depth, const onnx::NodeProto* holder,
                   const std::string& attr) {
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
      return absl::UnimplementedError(absl::StrCat(
          "node ", Describe(node), ": operator '", node.op_type(), "' is not defined in domain '",
          domain.empty() ? "ai.onnx" : domain, "' at opset ", it->second));
    }
    for (const auto& a : node.attribute()) {
      if (a.has_g()) {
        TANDEM_RETURN_IF_ERROR(Check(a.g(), opsets, depth + 1, max_depth, &node, a.name()));
      }
      for (const auto& g : a.graphs()) {
        TANDEM_RETURN_IF_ERROR(Check(g, opsets, depth + 1, max_depth, &node, a.name()));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTensorDims(const onnx::TensorProto& t, const std::string& what) {
  for (int64_t d : t.dims()) {
    if (d < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": negative dimension ", d));
  }
  if (!ir::CheckedNumElements(std::vector<int64_t>(t.dims().begin(), t.dims().end()))) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": element count overflows int64"));
  }
  return absl::OkStatus();
}

absl::Status CheckTypeDims(const onnx::ValueInfoProto& vi, const std::string& what) {
  const onnx::TypeProto* t = &vi.type();
  if (t->has_optional_type()) t = &t->optional_type().elem_type();
  if (t->has_sequence_type()) t = &t->sequence_type().elem_type();
  if (!t->has_tensor_type()) return absl::OkStatus();
  for (const auto& d : t->tensor_type().shape().dim()) {
    if (d.has_dim_value() && d.dim_value() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " '", vi.name(), "': negative dimension ", d.dim_value()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckNodeSchemas(const onnx::GraphProto& graph,
                              const std::map<std::string, int64_t>& opsets, int max_depth) {
  return Check(graph, opsets, 0, max_depth, nullptr, "");
}

absl::Status CheckDeclaredShapes(const onnx::GraphProto& graph) {
  for (const auto& t : graph.initializer()) {
    TANDEM_RETURN_IF_ERROR(CheckTensorDims(t, absl::StrCat("initializer '", t.name(), "'")));
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
