#include <functional>
#include <limits>

#include "partitioner/cost_model.h"

namespace tandem::partitioner {
namespace {

// `node`'s id in `graph` (its index in the node vector), or -1 when it belongs to another graph.
int NodeIndex(const ir::Graph& graph, const ir::Node& node) {
  const std::vector<ir::Node>& nodes = graph.nodes();
  std::less<const ir::Node*> before;
  if (nodes.empty() || before(&node, nodes.data()) || !before(&node, nodes.data() + nodes.size())) {
    return -1;
  }
  return static_cast<int>(&node - nodes.data());
}

}  // namespace

double TableCostModel::NodeTime(const ir::Graph& graph, const ir::Node& node,
                                DeviceKind device) const {
  const Times* t = &default_ms;
  if (auto id = by_node_id.find(NodeIndex(graph, node)); id != by_node_id.end()) {
    t = &id->second;
  } else if (auto name = by_node_name.find(node.name); name != by_node_name.end()) {
    t = &name->second;
  } else if (auto op = by_op.find(node.op_type); op != by_op.end()) {
    t = &op->second;
  }
  const std::optional<double>& ms = device == DeviceKind::kCpu ? t->cpu_ms : t->gpu_ms;
  if (ms) return *ms;
  return fallback ? fallback->NodeTime(graph, node, device)
                  : std::numeric_limits<double>::infinity();
}

double TableCostModel::TransferTime(int64_t bytes, DeviceKind from, DeviceKind to) const {
  if (from == to) return 0;
  if (transfers_from_fallback && fallback) return fallback->TransferTime(bytes, from, to);
  return transfer_latency_ms + static_cast<double>(bytes) * transfer_ms_per_byte;
}

}  // namespace tandem::partitioner
