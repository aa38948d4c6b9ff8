#include "ir/passes/extract_segment.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "ir/passes/graph_rebuild.h"

namespace tandem::ir {
namespace {

// Values that `node` reads: its inputs, then what its bodies capture from `graph`.
std::vector<ValueId> ReadsOf(const Graph& graph, const Node& node) {
  std::vector<ValueId> reads;
  for (ValueId v : node.inputs) {
    if (v.valid()) reads.push_back(v);
  }
  for (const std::string& name : BodyCaptures(node)) {
    if (auto id = graph.FindValue(name)) reads.push_back(*id);
  }
  return reads;
}

}  // namespace

absl::StatusOr<ExtractedSegment> ExtractSegment(const Graph& graph, absl::Span<const NodeId> nodes,
                                                absl::Span<const ValueId> extra_outputs,
                                                absl::Span<const ValueId> initializers_as_inputs) {
  std::vector<bool> in_segment(graph.num_nodes(), false);
  for (NodeId n : nodes) {
    if (!n.valid() || n.value >= graph.num_nodes()) {
      return absl::InvalidArgumentError(
          absl::StrCat("segment names node ", n.value, ", but the graph has ", graph.num_nodes()));
    }
    if (in_segment[n.value]) {
      return absl::InvalidArgumentError(
          absl::StrCat("segment lists ", graph.node(n).Describe(), " twice"));
    }
    in_segment[n.value] = true;
  }
  auto produced_here = [&](ValueId v) {
    NodeId p = graph.value(v).producer;
    return graph.value(v).kind == ValueKind::kNodeOutput && p.valid() && in_segment[p.value];
  };
  // Outputs: produced here and needed elsewhere.
  std::vector<bool> needed_outside(graph.num_values(), false);
  for (int n = 0; n < graph.num_nodes(); ++n) {
    if (in_segment[n]) continue;
    for (ValueId v : ReadsOf(graph, graph.node(NodeId(n)))) needed_outside[v.value] = true;
  }
  for (ValueId v : graph.outputs()) needed_outside[v.value] = true;
  for (ValueId v : extra_outputs) {
    if (v.valid() && v.value < graph.num_values()) needed_outside[v.value] = true;
  }

  std::vector<bool> as_input(graph.num_values(), false);
  for (ValueId v : initializers_as_inputs) {
    if (v.valid() && v.value < graph.num_values()) as_input[v.value] = true;
  }

  ExtractedSegment out;
  out.graph = std::make_unique<Graph>(graph.name());
  Graph& g = *out.graph;
  for (const auto& [domain, version] : graph.opsets()) g.set_opset(domain, version);
  std::vector<ValueId> remap(graph.num_values());
  // Inputs and initializers first, in order of first use, so every node finds its operands.
  for (NodeId n : nodes) {
    for (ValueId v : ReadsOf(graph, graph.node(n))) {
      if (remap[v.value].valid() || produced_here(v)) continue;
      const Value& val = graph.value(v);
      if (val.kind == ValueKind::kInitializer && !as_input[v.value]) {
        TANDEM_ASSIGN_OR_RETURN(remap[v.value], g.AddInitializer(val.name, *val.initializer));
      } else {
        TANDEM_ASSIGN_OR_RETURN(remap[v.value], g.AddInput(val.name, val.info));
        // A streamed weight keeps its bytes as the input's default, so a device can tell it
        // from an activation (and may compile against it).
        if (val.kind == ValueKind::kInitializer) g.SetInputDefault(remap[v.value], *val.initializer);
        out.inputs.push_back(v);
      }
    }
  }
  for (NodeId n : nodes) {
    for (ValueId v : graph.node(n).outputs) {
      if (!v.valid()) continue;
      const Value& val = graph.value(v);
      TANDEM_ASSIGN_OR_RETURN(remap[v.value], g.AddNodeOutput(val.name, val.info));
    }
  }
  for (NodeId n : nodes) {
    Node node = graph.node(n);
    for (ValueId& v : node.inputs) v = v.valid() ? remap[v.value] : ValueId();
    for (ValueId& v : node.outputs) v = v.valid() ? remap[v.value] : ValueId();
    TANDEM_RETURN_IF_ERROR(g.AddNode(std::move(node)).status());
  }
  for (NodeId n : nodes) {
    for (ValueId v : graph.node(n).outputs) {
      if (!v.valid() || !needed_outside[v.value]) continue;
      g.AddOutput(remap[v.value]);
      out.outputs.push_back(v);
    }
  }
  return out;
}

}  // namespace tandem::ir
