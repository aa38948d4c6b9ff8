#include "ir/passes/graph_rebuild.h"

#include "common/status_macros.h"

namespace tandem::ir {
namespace {

void CollectCaptures(const Graph& body, absl::flat_hash_set<std::string>* out) {
  for (const Value& v : body.values()) {
    if (v.kind == ValueKind::kOuterScope) out->insert(v.name);
  }
  for (const Node& n : body.nodes()) {
    for (const auto& [name, attr] : n.attributes) {
      for (const Graph* g : attr.subgraphs()) CollectCaptures(*g, out);
    }
  }
}

}  // namespace

absl::flat_hash_set<std::string> BodyCaptures(const Node& node) {
  absl::flat_hash_set<std::string> out;
  for (const auto& [name, attr] : node.attributes) {
    for (const Graph* g : attr.subgraphs()) CollectCaptures(*g, &out);
  }
  return out;
}

std::vector<bool> LiveNodes(const Graph& graph,
                            const std::vector<std::shared_ptr<const Tensor>>& constants) {
  std::vector<bool> live(graph.num_nodes(), false);
  std::vector<ValueId> work(graph.outputs().begin(), graph.outputs().end());
  std::vector<bool> seen(graph.num_values(), false);
  while (!work.empty()) {
    ValueId v = work.back();
    work.pop_back();
    if (!v.valid() || seen[v.value]) continue;
    seen[v.value] = true;
    NodeId p = graph.value(v).producer;
    if (!p.valid() || constants[v.value] || live[p.value]) continue;
    live[p.value] = true;
    const Node& node = graph.node(p);
    for (ValueId in : node.inputs) work.push_back(in);
    for (const std::string& name : BodyCaptures(node)) {
      if (auto id = graph.FindValue(name)) work.push_back(*id);
    }
  }
  return live;
}

absl::StatusOr<std::unique_ptr<Graph>> RebuildGraph(
    const Graph& graph, const std::vector<bool>& keep_node,
    const std::vector<std::shared_ptr<const Tensor>>& constants) {
  // Which values the new graph references.
  std::vector<bool> used(graph.num_values(), false);
  for (ValueId v : graph.inputs()) used[v.value] = true;
  for (ValueId v : graph.outputs()) used[v.value] = true;
  for (int n = 0; n < graph.num_nodes(); ++n) {
    if (!keep_node[n]) continue;
    const Node& node = graph.node(NodeId(n));
    for (ValueId v : node.inputs) {
      if (v.valid()) used[v.value] = true;
    }
    for (ValueId v : node.outputs) {
      if (v.valid()) used[v.value] = true;
    }
    for (const std::string& name : BodyCaptures(node)) {
      if (auto id = graph.FindValue(name)) used[id->value] = true;
    }
  }

  auto out = std::make_unique<Graph>(graph.name());
  for (const auto& [domain, version] : graph.opsets()) out->set_opset(domain, version);
  std::vector<ValueId> remap(graph.num_values());
  for (ValueId v : graph.inputs()) {
    const Value& val = graph.value(v);
    TANDEM_ASSIGN_OR_RETURN(remap[v.value], out->AddInput(val.name, val.info));
    if (val.initializer) out->SetInputDefault(remap[v.value], *val.initializer);
  }
  for (int i = 0; i < graph.num_values(); ++i) {
    const Value& val = graph.value(ValueId(i));
    if (!used[i] || val.kind == ValueKind::kGraphInput) continue;
    const Tensor* constant = constants[i] ? constants[i].get()
                             : val.kind == ValueKind::kInitializer ? val.initializer.get()
                                                                   : nullptr;
    if (constant) {
      TANDEM_ASSIGN_OR_RETURN(remap[i], out->AddInitializer(val.name, *constant));
    } else if (val.kind == ValueKind::kOuterScope) {
      TANDEM_ASSIGN_OR_RETURN(remap[i], out->AddOuterScopeValue(val.name, val.info));
    } else {
      TANDEM_ASSIGN_OR_RETURN(remap[i], out->AddNodeOutput(val.name, val.info));
    }
  }
  for (int n = 0; n < graph.num_nodes(); ++n) {
    if (!keep_node[n]) continue;
    Node node = graph.node(NodeId(n));
    for (ValueId& v : node.inputs) v = v.valid() ? remap[v.value] : ValueId();
    for (ValueId& v : node.outputs) {
      // An output that became a constant is no longer written by the node.
      v = v.valid() && !constants[v.value] ? remap[v.value] : ValueId();
    }
    TANDEM_RETURN_IF_ERROR(out->AddNode(std::move(node)).status());
  }
  for (ValueId v : graph.outputs()) out->AddOutput(remap[v.value]);
  return out;
}

}  // namespace tandem::ir
