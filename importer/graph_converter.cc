#include "importer/graph_converter.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "importer/op_normalizer.h"

namespace tandem::importer {
namespace {

using ir::Attribute;
using ir::ValueId;

absl::Status Bad(const ir::Graph& g, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("graph '", g.name(), "': ", why));
}

std::string Describe(const onnx::NodeProto& n) {
  std::string op = n.domain().empty() ? n.op_type() : absl::StrCat(n.domain(), ".", n.op_type());
  return n.name().empty() ? absl::StrCat(op, " (unnamed)") : absl::StrCat(op, " \"", n.name(), "\"");
}

// Adds what normalization needs to the graph under construction.
class ConverterSink : public NodeSink {
 public:
  explicit ConverterSink(ir::Graph& g) : g_(g) {}
  absl::StatusOr<ValueId> AddConstant(const std::string& hint, ir::Tensor t) override {
    return g_.AddInitializer(UniqueName(hint), std::move(t));
  }
  absl::StatusOr<ValueId> AddTemp(const std::string& hint, ir::TensorInfo info) override {
    return g_.AddNodeOutput(UniqueName(hint), std::move(info));
  }
  absl::Status EmitNode(ir::Node node) override { return g_.AddNode(std::move(node)).status(); }
  const ir::TensorInfo& Info(ValueId id) const override { return g_.value(id).info; }

 private:
  std::string UniqueName(const std::string& hint) {
    std::string name = hint;
    for (int i = 1; g_.FindValue(name); ++i) name = absl::StrCat(hint, "_", i);
    return name;
  }
  ir::Graph& g_;
};

}  // namespace

absl::StatusOr<ir::TensorInfo> ConvertType(const onnx::TypeProto& type, const std::string& what) {
  const onnx::TypeProto* t = &type;
  ir::ValueType kind = ir::ValueType::kTensor;
  if (t->has_optional_type()) {
    t = &t->optional_type().elem_type();
    kind = ir::ValueType::kOptional;
  }
  if (t->has_sequence_type()) {
    t = &t->sequence_type().elem_type();
    kind = kind == ir::ValueType::kOptional ? ir::ValueType::kOptionalSequence
                                            : ir::ValueType::kSequence;
  }
  ir::TensorInfo info;
  info.type = t->has_tensor_type() ? kind : ir::ValueType::kOther;
  if (!t->has_tensor_type()) return info;
  const auto& tt = t->tensor_type();
  if (tt.elem_type() != 0) {
    TANDEM_ASSIGN_OR_RETURN(info.dtype, DecodeDType(tt.elem_type(), what));
  }
  if (!tt.has_shape()) return info;
  std::vector<ir::Dim> dims;
  for (const auto& d : tt.shape().dim()) {
    if (d.has_dim_value()) {
      if (d.dim_value() < 0) {
        return absl::InvalidArgumentError(absl::StrCat(what, ": negative dimension ", d.dim_value()));
      }
      dims.push_back(ir::Dim::Static(d.dim_value()));
    } else if (d.has_dim_param() && !d.dim_param().empty()) {
      dims.push_back(ir::Dim::Symbolic(d.dim_param()));
    } else {
      dims.emplace_back();
    }
  }
  // Inference from hostile attributes (a Resize scale of 1e12) can give a shape whose size no
  // int64 can hold; every size computed from it later would overflow.
  std::vector<int64_t> known;
  for (const ir::Dim& d : dims) {
    if (d.is_static()) known.push_back(d.size());
  }
  const std::optional<int64_t> count = ir::CheckedNumElements(known);
  const int64_t element_bytes = std::max(1, ir::DTypeSize(info.dtype));
  if (!count) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": element count overflows int64"));
  }
  if (*count > std::numeric_limits<int64_t>::max() / element_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": byte size overflows int64"));
  }
  info.shape = ir::Shape(std::move(dims));
  return info;
}

bool GraphConverter::Scope::Defines(const std::string& name) const {
  for (const Scope* s = this; s != nullptr; s = s->parent) {
    if (s->graph && s->graph->FindValue(name)) return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<ir::Graph>> GraphConverter::ConvertMain(
    const onnx::GraphProto& graph) {
  return Convert(graph, nullptr, 0);
}

absl::StatusOr<std::unique_ptr<ir::Graph>> GraphConverter::Convert(const onnx::GraphProto& proto,
                                                                   const Scope* outer, int depth) {
  if (depth > options_.max_subgraph_depth) {
    return absl::InvalidArgumentError(absl::StrCat(
        "graph '", proto.name(), "' is nested ", depth, " levels deep; the limit is ",
        options_.max_subgraph_depth));
  }
  auto g = std::make_unique<ir::Graph>(proto.name().empty() ? "main" : proto.name());
  for (const auto& [domain, version] : opsets_) g->set_opset(domain, version);
  if (proto.sparse_initializer_size() > 0) {
    return absl::UnimplementedError(absl::StrCat("graph '", g->name(), "': sparse initializer '",
                                                 proto.sparse_initializer(0).values().name(),
                                                 "' is not supported"));
  }
  // Types from shape inference; the main graph's outputs keep their declared types.
  std::map<std::string, ir::TensorInfo> saved = std::move(value_infos_);
  value_infos_.clear();
  for (const auto* list : {&proto.value_info(), &proto.output()}) {
    for (const auto& vi : *list) {
      TANDEM_ASSIGN_OR_RETURN(value_infos_[vi.name()],
                              ConvertType(vi.type(), absl::StrCat("value '", vi.name(), "'")));
    }
  }
  TANDEM_RETURN_IF_ERROR(AddInitializers(proto, depth, *g));
  TANDEM_RETURN_IF_ERROR(AddInputs(proto, *g));
  Scope scope{outer, g.get()};
  TANDEM_RETURN_IF_ERROR(AddNodes(proto, scope, depth, *g));
  for (const auto& out : proto.output()) {
    auto id = g->FindValue(out.name());
    if (!id && outer && outer->Defines(out.name())) {
      TANDEM_ASSIGN_OR_RETURN(id, g->AddOuterScopeValue(out.name(), value_infos_[out.name()]));
    }
    if (!id) return Bad(*g, absl::StrCat("output '", out.name(), "' is never produced"));
    g->AddOutput(*id);
  }
  value_infos_ = std::move(saved);
  return g;
}

absl::Status GraphConverter::AddInitializers(const onnx::GraphProto& proto, int depth,
                                             ir::Graph& g) {
  for (int i = 0; i < proto.initializer_size(); ++i) {
    const onnx::TensorProto& t = proto.initializer(i);
    if (t.name().empty()) return Bad(g, absl::StrCat("initializer #", i, " has no name"));
    RawDataOverride raw;
    bool has_raw = depth == 0 && i < static_cast<int>(main_raw_data_.size()) && main_raw_data_[i];
    if (has_raw) raw = RawDataOverride{keep_alive_, file_base_, *main_raw_data_[i]};
    TANDEM_ASSIGN_OR_RETURN(
        ir::Tensor tensor,
        DecodeTensor(t, absl::StrCat("initializer '", t.name(), "'"), resolver_, has_raw ? &raw : nullptr));
    auto id = g.AddInitializer(t.name(), std::move(tensor));
    if (!id.ok()) return Bad(g, absl::StrCat("initializer '", t.name(), "' is defined twice"));
  }
  return absl::OkStatus();
}

absl::Status GraphConverter::AddInputs(const onnx::GraphProto& proto, ir::Graph& g) {
  for (const auto& in : proto.input()) {
    if (in.name().empty()) return Bad(g, "a graph input has no name");
    TANDEM_ASSIGN_OR_RETURN(ir::TensorInfo info,
                            ConvertType(in.type(), absl::StrCat("input '", in.name(), "'")));
    if (auto existing = g.FindValue(in.name())) {
      // Before IR version 4, initializers were also listed as inputs; they stay constants.
      if (g.value(*existing).kind == ir::ValueKind::kInitializer) continue;
      return Bad(g, absl::StrCat("input '", in.name(), "' is listed twice"));
    }
    TANDEM_RETURN_IF_ERROR(g.AddInput(in.name(), std::move(info)).status());
  }
  return absl::OkStatus();
}

absl::Status GraphConverter::AddNodes(const onnx::GraphProto& proto, const Scope& scope, int depth,
                                      ir::Graph& g) {
  // Pass 1: every node output becomes a value, so inputs can be resolved in any order (a cycle
  // or a forward reference is then reported by the verifier, with the node it runs through).
  for (const auto& n : proto.node()) {
    for (const auto& out : n.output()) {
      if (out.empty()) continue;
      auto info = value_infos_.find(out);
      auto id = g.AddNodeOutput(out, info == value_infos_.end() ? ir::TensorInfo{} : info->second);
      if (!id.ok()) {
        return Bad(g, absl::StrCat("node ", Describe(n), " writes '", out,
                                   "', a name that is already defined (names must be unique)"));
      }
    }
  }
  ConverterSink sink(g);
  for (const auto& n : proto.node()) {
    ir::Node node;
    node.name = n.name();
    node.op_type = n.op_type();
    node.domain = n.domain() == "ai.onnx" ? "" : n.domain();
    for (const auto& in : n.input()) {
      if (in.empty()) {
        node.inputs.emplace_back();
        continue;
      }
      auto id = g.FindValue(in);
      if (!id && scope.parent && scope.parent->Defines(in)) {
        TANDEM_ASSIGN_OR_RETURN(id, g.AddOuterScopeValue(in, value_infos_[in]));
      }
      if (!id) {
        return Bad(g, absl::StrCat("node ", Describe(n), " reads '", in, "', which is not defined"));
      }
      node.inputs.push_back(*id);
    }
    for (const auto& out : n.output()) {
      node.outputs.push_back(out.empty() ? ValueId() : *g.FindValue(out));
    }
    for (const auto& a : n.attribute()) {
      std::string where = absl::StrCat("node ", Describe(n), " attribute '", a.name(), "'");
      if (a.name().empty()) return Bad(g, absl::StrCat("node ", Describe(n), " has an unnamed attribute"));
      TANDEM_ASSIGN_OR_RETURN(Attribute attr, ConvertAttribute(a, where, scope, depth));
      if (!node.attributes.emplace(a.name(), std::move(attr)).second) {
        return Bad(g, absl::StrCat(where, " is given twice"));
      }
    }
    if (node.domain.empty()) {
      absl::Status s = NormalizeNode(g.opset(""), node, sink);
      if (!s.ok()) return absl::Status(s.code(), absl::StrCat("graph '", g.name(), "': ", s.message()));
    }
    TANDEM_RETURN_IF_ERROR(g.AddNode(std::move(node)).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<Attribute> GraphConverter::ConvertAttribute(const onnx::AttributeProto& a,
                                                           const std::string& where,
                                                           const Scope& scope, int depth) {
  using AP = onnx::AttributeProto;
  if (!a.ref_attr_name().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, " refers to a function attribute outside a function"));
  }
  auto graph = [&](const onnx::GraphProto& body) -> absl::StatusOr<std::shared_ptr<const ir::Graph>> {
    TANDEM_ASSIGN_OR_RETURN(auto g, Convert(body, &scope, depth + 1));
    return std::shared_ptr<const ir::Graph>(std::move(g));
  };
  auto tensor = [&](const onnx::TensorProto& t) {
    return DecodeTensor(t, absl::StrCat(where, " tensor"), resolver_, nullptr);
  };
  switch (a.type()) {
    case AP::FLOAT: return Attribute(a.f());
    case AP::INT: return Attribute(static_cast<int64_t>(a.i()));
    case AP::STRING: return Attribute(a.s());
    case AP::TENSOR: {
      TANDEM_ASSIGN_OR_RETURN(ir::Tensor t, tensor(a.t()));
      return Attribute(std::move(t));
    }
    case AP::GRAPH: {
      TANDEM_ASSIGN_OR_RETURN(auto g, graph(a.g()));
      return Attribute(std::move(g));
    }
    case AP::TYPE_PROTO: {
      TANDEM_ASSIGN_OR_RETURN(ir::TensorInfo info, ConvertType(a.tp(), where));
      return Attribute(std::move(info));
    }
    case AP::FLOATS: return Attribute(std::vector<float>(a.floats().begin(), a.floats().end()));
    case AP::INTS: return Attribute(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
    case AP::STRINGS: return Attribute(std::vector<std::string>(a.strings().begin(), a.strings().end()));
    case AP::TENSORS: {
      std::vector<ir::Tensor> ts;
      for (const auto& t : a.tensors()) {
        TANDEM_ASSIGN_OR_RETURN(ir::Tensor x, tensor(t));
        ts.push_back(std::move(x));
      }
      return Attribute(std::move(ts));
    }
    case AP::GRAPHS: {
      std::vector<std::shared_ptr<const ir::Graph>> gs;
      for (const auto& body : a.graphs()) {
        TANDEM_ASSIGN_OR_RETURN(auto g, graph(body));
        gs.push_back(std::move(g));
      }
      return Attribute(std::move(gs));
    }
    case AP::TYPE_PROTOS: {
      std::vector<ir::TensorInfo> types;
      for (const auto& tp : a.type_protos()) {
        TANDEM_ASSIGN_OR_RETURN(ir::TensorInfo info, ConvertType(tp, where));
        types.push_back(std::move(info));
      }
      return Attribute(std::move(types));
    }
    case AP::SPARSE_TENSOR: case AP::SPARSE_TENSORS:
      return absl::UnimplementedError(absl::StrCat(where, ": sparse tensor attributes"));
    default:
      return absl::InvalidArgumentError(absl::StrCat(where, " has undefined type ", a.type()));
  }
}

}  // namespace tandem::importer
