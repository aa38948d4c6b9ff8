#include "importer/schema_check.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "onnx/defs/schema.h"

namespace tandem::importer {
namespace {

std::string Describe(const onnx::NodeProto& n) {
  std::string op = n.domain().empty() ? n.op_type() : absl::StrCat(n.domain(), ".", n.op_type());
  return n.name().empty() ? absl::StrCat(op, " (unnamed)") : absl::StrCat(op, " \"", n.name(), "\"");
}

absl::Status Check(const onnx::GraphProto& graph, const std::map<std::string, int64_t>& opsets,
                   int depth, int max_depth) {
  if (depth > max_depth) {
    return absl::InvalidArgumentError(absl::StrCat("graph '", graph.name(), "' is nested ", depth,
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
    for (const auto& attr : node.attribute()) {
      if (attr.has_g()) TANDEM_RETURN_IF_ERROR(Check(attr.g(), opsets, depth + 1, max_depth));
      for (const auto& g : attr.graphs()) TANDEM_RETURN_IF_ERROR(Check(g, opsets, depth + 1, max_depth));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckNodeSchemas(const onnx::GraphProto& graph,
                              const std::map<std::string, int64_t>& opsets, int max_depth) {
  return Check(graph, opsets, 0, max_depth);
}

}  // namespace tandem::importer
