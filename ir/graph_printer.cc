#include "ir/graph_printer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::ir {
namespace {

std::string Ref(const Graph& g, ValueId id) {
  if (!id.valid()) return "_";
  const std::string& n = g.value(id).name;
  return absl::StrCat("%", n.empty() ? absl::StrCat("#", id.value) : n);
}

std::string TensorSummary(const Tensor& t) {
  return absl::StrCat("tensor<", DTypeName(t.dtype), Shape::Static(t.dims).ToString(), ">");
}

void PrintInto(const Graph& g, int indent, std::string* out) {
  std::string pad(indent, ' ');
  absl::StrAppend(out, pad, "graph ", g.name(), "  opsets: ",
                  absl::StrJoin(g.opsets(), ", ", [](std::string* o, const auto& kv) {
                    absl::StrAppend(o, "\"", kv.first, "\"=", kv.second);
                  }),
                  "\n");
  for (ValueId id : g.inputs()) {
    absl::StrAppend(out, pad, "  input  ", Ref(g, id), ": ", g.value(id).info.ToString(),
                    g.value(id).initializer ? "  (has default)" : "", "\n");
  }
  for (int i = 0; i < g.num_values(); ++i) {
    const Value& v = g.value(ValueId(i));
    if (v.kind == ValueKind::kInitializer) {
      absl::StrAppend(out, pad, "  init   ", Ref(g, ValueId(i)), ": ", v.info.ToString(), "  (",
                      v.initializer->byte_size(), " B",
                      v.initializer->data.is_borrowed() ? ", mapped" : "", ")\n");
    } else if (v.kind == ValueKind::kOuterScope) {
      absl::StrAppend(out, pad, "  outer  ", Ref(g, ValueId(i)), "\n");
    }
  }
  auto order = g.TopologicalOrder();
  std::vector<NodeId> ids;
  if (order.ok()) {
    ids = *order;
  } else {
    for (int n = 0; n < g.num_nodes(); ++n) ids.push_back(NodeId(n));
  }
  for (NodeId id : ids) {
    const Node& node = g.node(id);
    std::vector<std::string> outs;
    for (ValueId o : node.outputs) {
      outs.push_back(o.valid() ? absl::StrCat(Ref(g, o), ": ", g.value(o).info.ToString()) : "_");
    }
    std::vector<std::string> ins;
    for (ValueId i : node.inputs) ins.push_back(Ref(g, i));
    absl::StrAppend(out, pad, "  ", absl::StrJoin(outs, ", "), " = ",
                    node.domain.empty() ? "" : absl::StrCat(node.domain, "."), node.op_type, "(",
                    absl::StrJoin(ins, ", "), ")");
    if (!node.attributes.empty()) {
      absl::StrAppend(out, " {",
                      absl::StrJoin(node.attributes, ", ", [](std::string* o, const auto& kv) {
                        absl::StrAppend(o, kv.first, "=", PrintAttribute(kv.second));
                      }),
                      "}");
    }
    if (!node.name.empty()) absl::StrAppend(out, "  # \"", node.name, "\"");
    absl::StrAppend(out, "\n");
    for (const auto& [name, attr] : node.attributes) {
      for (const Graph* body : attr.subgraphs()) PrintInto(*body, indent + 4, out);
    }
  }
  for (ValueId id : g.outputs()) absl::StrAppend(out, pad, "  output ", Ref(g, id), "\n");
}

}  // namespace

std::string PrintAttribute(const Attribute& attr) {
  switch (attr.kind()) {
    case AttrKind::kFloat: return absl::StrCat(attr.f());
    case AttrKind::kInt: return absl::StrCat(attr.i());
    case AttrKind::kString: return absl::StrCat("\"", attr.s(), "\"");
    case AttrKind::kTensor: return TensorSummary(attr.t());
    case AttrKind::kGraph: return absl::StrCat("<graph ", attr.g().name(), ">");
    case AttrKind::kType: return std::get<TensorInfo>(attr.value()).ToString();
    case AttrKind::kFloats: return absl::StrCat("[", absl::StrJoin(attr.floats(), ","), "]");
    case AttrKind::kInts: return absl::StrCat("[", absl::StrJoin(attr.ints(), ","), "]");
    case AttrKind::kStrings:
      return absl::StrCat("[", absl::StrJoin(attr.strings(), ",", [](std::string* o, const std::string& s) {
        absl::StrAppend(o, "\"", s, "\"");
      }), "]");
    case AttrKind::kTensors: {
      const auto& ts = std::get<std::vector<Tensor>>(attr.value());
      return absl::StrCat("[", absl::StrJoin(ts, ",", [](std::string* o, const Tensor& t) {
        absl::StrAppend(o, TensorSummary(t));
      }), "]");
    }
    case AttrKind::kGraphs: return absl::StrCat("<", attr.subgraphs().size(), " graphs>");
    case AttrKind::kTypes: return "<types>";
  }
  return "?";
}

std::string PrintGraph(const Graph& graph) {
  std::string out;
  PrintInto(graph, 0, &out);
  return out;
}

}  // namespace tandem::ir
