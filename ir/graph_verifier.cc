#include "ir/graph_verifier.h"

#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace tandem::ir {
namespace {

// Ops whose listed inputs must all have the same element type (ONNX type constraint "T").
// The value is how many leading inputs share the type (-1: all of them).
struct SameTypeRule {
  std::string_view op;
  int count;
};
constexpr SameTypeRule kSameTypeOps[] = {
    {"Add", 2}, {"Sub", 2}, {"Mul", 2}, {"Div", 2}, {"Pow", 1}, {"Sum", -1}, {"Max", -1},
    {"Min", -1}, {"Mean", -1}, {"Concat", -1}, {"MatMul", 2}, {"Gemm", 3}, {"Conv", 3},
    {"ConvTranspose", 3}, {"Equal", 2}, {"Less", 2}, {"Greater", 2}, {"LessOrEqual", 2},
    {"GreaterOrEqual", 2}, {"And", 2}, {"Or", 2}, {"Xor", 2}, {"PRelu", 2},
};

absl::Status Fail(const Graph& g, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("graph '", g.name(), "': ", what));
}

std::string ValueName(const Graph& g, ValueId id) {
  const std::string& n = g.value(id).name;
  return n.empty() ? absl::StrCat("#", id.value) : n;
}

absl::Status CheckInitializer(const Graph& g, ValueId id) {
  const Value& v = g.value(id);
  const Tensor& t = *v.initializer;
  if (t.dtype != v.info.dtype || Shape::Static(t.dims) != v.info.shape) {
    if (v.kind == ValueKind::kInitializer) {
      return Fail(g, absl::StrCat("initializer '", v.name, "' is ", DTypeName(t.dtype),
                                  Shape::Static(t.dims).ToString(), " but declared ",
                                  v.info.ToString()));
    }
  }
  auto n = CheckedNumElements(t.dims);
  if (!n) return Fail(g, absl::StrCat("initializer '", v.name, "' has an invalid element count"));
  if (t.dtype == DType::kString) {
    if (static_cast<int64_t>(t.strings.size()) != *n) {
      return Fail(g, absl::StrCat("initializer '", v.name, "' has ", t.strings.size(),
                                  " strings for ", *n, " elements"));
    }
  } else if (static_cast<int64_t>(t.byte_size()) != *n * DTypeSize(t.dtype)) {
    return Fail(g, absl::StrCat("initializer '", v.name, "' has ", t.byte_size(), " bytes, expected ",
                                *n * DTypeSize(t.dtype)));
  }
  return absl::OkStatus();
}

absl::Status CheckSameTypes(const Graph& g, const Node& node) {
  if (!node.domain.empty()) return absl::OkStatus();
  for (const SameTypeRule& rule : kSameTypeOps) {
    if (rule.op != node.op_type) continue;
    size_t count = rule.count < 0 ? node.inputs.size()
                                  : std::min<size_t>(rule.count, node.inputs.size());
    DType seen = DType::kUndefined;
    for (size_t i = 0; i < count; ++i) {
      if (!node.inputs[i].valid()) continue;
      DType d = g.value(node.inputs[i]).info.dtype;
      if (d == DType::kUndefined) continue;
      if (seen != DType::kUndefined && d != seen) {
        return Fail(g, absl::StrCat("node ", node.Describe(), ": input ", i, " '",
                                    ValueName(g, node.inputs[i]), "' is ", DTypeName(d),
                                    " but an earlier input is ", DTypeName(seen)));
      }
      seen = d;
    }
  }
  return absl::OkStatus();
}

// `outer` holds the names visible from enclosing graphs.
absl::Status Verify(const Graph& g, const absl::flat_hash_set<std::string>& outer, int depth) {
  for (int i = 0; i < g.num_values(); ++i) {
    const Value& v = g.value(ValueId(i));
    if (v.kind == ValueKind::kOuterScope && !outer.contains(v.name)) {
      return Fail(g, absl::StrCat("value '", v.name,
                                  "' is used from an enclosing graph that does not define it"));
    }
    if (v.kind == ValueKind::kNodeOutput && !v.producer.valid() && !v.consumers.empty()) {
      return Fail(g, absl::StrCat("value '", ValueName(g, ValueId(i)), "' used by node ",
                                  g.node(v.consumers[0]).Describe(), " is never defined"));
    }
    if (v.initializer) TANDEM_RETURN_IF_ERROR(CheckInitializer(g, ValueId(i)));
  }
  for (int n = 0; n < g.num_nodes(); ++n) {
    const Node& node = g.node(NodeId(n));
    for (ValueId out : node.outputs) {
      if (out.valid() && g.value(out).producer != NodeId(n)) {
        return Fail(g, absl::StrCat("node ", node.Describe(), " output '", ValueName(g, out),
                                    "' does not name the node as its producer"));
      }
    }
    TANDEM_RETURN_IF_ERROR(CheckSameTypes(g, node));
  }
  for (ValueId out : g.outputs()) {
    const Value& v = g.value(out);
    if (v.kind == ValueKind::kNodeOutput && !v.producer.valid()) {
      return Fail(g, absl::StrCat("graph output '", v.name, "' is never produced"));
    }
  }
  TANDEM_RETURN_IF_ERROR(g.TopologicalOrder().status());

  // Bodies see this graph's names as well as the enclosing ones.
  bool has_bodies = false;
  for (const Node& node : g.nodes()) {
    for (const auto& [name, attr] : node.attributes) has_bodies |= !attr.subgraphs().empty();
  }
  if (!has_bodies) return absl::OkStatus();
  absl::flat_hash_set<std::string> visible = outer;
  for (const Value& v : g.values()) {
    if (!v.name.empty()) visible.insert(v.name);
  }
  for (const Node& node : g.nodes()) {
    for (const auto& [name, attr] : node.attributes) {
      for (const Graph* body : attr.subgraphs()) {
        absl::Status s = Verify(*body, visible, depth + 1);
        if (!s.ok()) {
          return absl::Status(s.code(), absl::StrCat("in body '", name, "' of node ",
                                                     node.Describe(), ": ", s.message()));
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status VerifyGraph(const Graph& graph) { return Verify(graph, {}, 0); }

}  // namespace tandem::ir
