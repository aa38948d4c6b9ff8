#include "ir/passes/fold_constants.h"

#include "common/status_macros.h"
#include "ir/passes/constant_evaluator.h"
#include "ir/passes/graph_rebuild.h"

namespace tandem::ir {
namespace {

using TensorPtr = std::shared_ptr<const Tensor>;

bool HasBodies(const Node& node) {
  for (const auto& [name, attr] : node.attributes) {
    if (!attr.subgraphs().empty()) return true;
  }
  return false;
}

// Shape (with opset-15 start/end) or Size of a value whose shape is static.
std::optional<Tensor> FoldShapeOf(const Node& node, const Value& input) {
  auto sizes = input.info.shape.static_sizes();
  if (!sizes) return std::nullopt;
  if (node.op_type == "Size") {
    auto n = CheckedNumElements(*sizes);
    if (!n) return std::nullopt;
    return Tensor::FromValues<int64_t>(DType::kInt64, {}, {*n});
  }
  int64_t rank = static_cast<int64_t>(sizes->size());
  auto clamp = [rank](int64_t i) {
    if (i < 0) i += rank;
    return i < 0 ? 0 : (i > rank ? rank : i);
  };
  int64_t start = clamp(node.GetInt("start", 0)), end = clamp(node.GetInt("end", rank));
  std::vector<int64_t> dims(sizes->begin() + start, sizes->begin() + std::max(start, end));
  return Tensor::FromValues<int64_t>(DType::kInt64, {static_cast<int64_t>(dims.size())}, dims);
}

// A tensor from ONNX's propagated values when they agree with the value's static info.
std::optional<Tensor> FromKnown(const Value& v, const std::vector<int64_t>& data) {
  auto sizes = v.info.shape.static_sizes();
  if (!sizes || sizes->size() > 1) return std::nullopt;
  int64_t n = sizes->empty() ? 1 : (*sizes)[0];
  if (n != static_cast<int64_t>(data.size())) return std::nullopt;
  if (v.info.dtype == DType::kInt64) return Tensor::FromValues<int64_t>(DType::kInt64, *sizes, data);
  if (v.info.dtype == DType::kInt32) {
    std::vector<int32_t> narrow(data.begin(), data.end());
    return Tensor::FromValues<int32_t>(DType::kInt32, *sizes, narrow);
  }
  return std::nullopt;
}

// Constants for the outputs of `node`, or an empty vector when it cannot be folded.
std::vector<TensorPtr> FoldNode(const Graph& g, const Node& node, const std::vector<TensorPtr>& consts,
                                const KnownValues& known) {
  std::vector<TensorPtr> out(node.outputs.size());
  if (!node.domain.empty() || HasBodies(node) || out.empty()) return {};
  if (node.op_type == "Constant") {
    const Attribute* a = node.attr("value");
    if (a && a->kind() == AttrKind::kTensor && !out.empty()) out[0] = std::make_shared<Tensor>(a->t());
    return out;
  }
  if ((node.op_type == "Shape" || node.op_type == "Size") && node.input(0).valid()) {
    if (auto t = FoldShapeOf(node, g.value(node.input(0)))) {
      out[0] = std::make_shared<Tensor>(std::move(*t));
      return out;
    }
  }
  bool all_const = true;
  std::vector<const Tensor*> inputs;
  for (ValueId in : node.inputs) {
    inputs.push_back(in.valid() ? consts[in.value].get() : nullptr);
    if (in.valid() && !consts[in.value]) all_const = false;
  }
  if (all_const && node.op_type == "Identity" && inputs.size() == 1 && inputs[0]) {
    out[0] = consts[node.inputs[0].value];  // shares the bytes
    return out;
  }
  if (all_const) {
    if (auto results = EvaluateConstantNode(node, inputs)) {
      for (size_t i = 0; i < out.size() && i < results->size(); ++i) {
        out[i] = std::make_shared<Tensor>(std::move((*results)[i]));
      }
      return out;
    }
  }
  bool any = false;
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (!node.outputs[i].valid()) continue;
    const Value& v = g.value(node.outputs[i]);
    auto it = known.find(v.name);
    if (it == known.end()) continue;
    if (auto t = FromKnown(v, it->second)) {
      out[i] = std::make_shared<Tensor>(std::move(*t));
      any = true;
    }
  }
  return any ? out : std::vector<TensorPtr>{};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Graph>> FoldConstants(const Graph& graph,
                                                     const KnownValues& known_values,
                                                     FoldStats* stats) {
  TANDEM_ASSIGN_OR_RETURN(std::vector<NodeId> order, graph.TopologicalOrder());
  std::vector<TensorPtr> consts(graph.num_values());
  for (int i = 0; i < graph.num_values(); ++i) {
    const Value& v = graph.value(ValueId(i));
    if (v.kind == ValueKind::kInitializer) consts[i] = v.initializer;
  }
  // Only node outputs become new constants; initializers are already constant.
  std::vector<TensorPtr> folded(graph.num_values());
  int folded_values = 0;
  for (NodeId id : order) {
    const Node& node = graph.node(id);
    std::vector<TensorPtr> outs = FoldNode(graph, node, consts, known_values);
    for (size_t i = 0; i < outs.size(); ++i) {
      if (!outs[i] || !node.outputs[i].valid()) continue;
      consts[node.outputs[i].value] = outs[i];
      folded[node.outputs[i].value] = outs[i];
      ++folded_values;
    }
  }
  std::vector<bool> live = LiveNodes(graph, folded);
  TANDEM_ASSIGN_OR_RETURN(auto out, RebuildGraph(graph, live, folded));
  if (stats) {
    stats->folded_values = folded_values;
    stats->removed_nodes = graph.num_nodes() - out->num_nodes();
  }
  return out;
}

}  // namespace tandem::ir
