#include "partitioner/cost_model.h"

namespace tandem::partitioner {

double TableCostModel::NodeTime(const ir::Graph&, const ir::Node& node, DeviceKind device) const {
  const Times* t = &default_ms;
  if (auto it = by_node_name.find(node.name); it != by_node_name.end()) {
    t = &it->second;
  } else if (auto op = by_op.find(node.op_type); op != by_op.end()) {
    t = &op->second;
  }
  return device == DeviceKind::kCpu ? t->cpu_ms : t->gpu_ms;
}

double TableCostModel::TransferTime(int64_t bytes, DeviceKind from, DeviceKind to) const {
  if (from == to) return 0;
  return transfer_latency_ms + static_cast<double>(bytes) * transfer_ms_per_byte;
}

}  // namespace tandem::partitioner
