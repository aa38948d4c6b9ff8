#include <algorithm>
#include <limits>

#include "partitioner/cost_model.h"
#include "partitioner/node_work.h"

namespace tandem::partitioner {

double RooflineCostModel::NodeTime(const ir::Graph& graph, const ir::Node& node,
                                   DeviceKind device) const {
  const DeviceProfile* p = device == DeviceKind::kCpu ? &profile_.cpu
                           : profile_.gpu            ? &*profile_.gpu
                                                     : nullptr;
  if (p == nullptr) return std::numeric_limits<double>::infinity();
  NodeWork work = ComputeNodeWork(graph, node);
  double peak = work.compute_dtype == ir::DType::kFloat16 ? p->peak_flops_f16 : p->peak_flops_f32;
  double compute_s = peak > 0 ? work.flops / peak : 0;
  double memory_s = p->memory_bandwidth > 0 ? static_cast<double>(work.bytes()) / p->memory_bandwidth : 0;
  return (p->launch_overhead_s + std::max(compute_s, memory_s)) * 1e3;
}

double RooflineCostModel::TransferTime(int64_t bytes, DeviceKind from, DeviceKind to) const {
  if (from == to) return 0;
  if (!profile_.gpu) return std::numeric_limits<double>::infinity();
  const LinkProfile& l = profile_.link;
  double bandwidth = options_.pinned_staging ? l.pinned_bandwidth : l.pageable_bandwidth;
  return (l.latency_s + static_cast<double>(bytes) / bandwidth) * 1e3;
}

}  // namespace tandem::partitioner
