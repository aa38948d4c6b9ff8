// How long things take: the partitioner's only source of time. Swapping models (roofline ↔ a
// measured table) never touches the partitioner.
//
// Times are milliseconds. A device the model knows nothing about (a GPU on a CPU-only profile)
// costs +infinity. Thread-safety: implementations are const and pure.
#ifndef TANDEM_PARTITIONER_COST_MODEL_H_
#define TANDEM_PARTITIONER_COST_MODEL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "ir/graph.h"
#include "partitioner/device_profile.h"

namespace tandem::partitioner {

class CostModel {
 public:
  virtual ~CostModel() = default;
  // Time of `node` alone on `device`, launch overhead included, its operands already resident.
  virtual double NodeTime(const ir::Graph& graph, const ir::Node& node,
                          DeviceKind device) const = 0;
  // Time of one copy of `bytes` from `from` to `to` (0 when from == to).
  virtual double TransferTime(int64_t bytes, DeviceKind from, DeviceKind to) const = 0;
};

// Roofline: launch_overhead + max(flops / peak_flops[dtype], bytes / memory_bandwidth), with the
// FLOPs and bytes of node_work.h. Copies: latency + bytes / bandwidth of the link, pinned or
// pageable as `pinned_staging` says (with pinned staging the runtime stages activations through a
// pinned host buffer, whose size the memory model counts).
class RooflineCostModel final : public CostModel {
 public:
  struct Options {
    bool pinned_staging = true;
  };
  // `profile` is copied.
  explicit RooflineCostModel(MachineProfile profile) : RooflineCostModel(std::move(profile), Options{}) {}
  RooflineCostModel(MachineProfile profile, Options options)
      : profile_(std::move(profile)), options_(options) {}

  double NodeTime(const ir::Graph& graph, const ir::Node& node, DeviceKind device) const override;
  double TransferTime(int64_t bytes, DeviceKind from, DeviceKind to) const override;

 private:
  MachineProfile profile_;
  Options options_;
};

// Fixed times: per node id, per node name, per op type (the first that has an entry wins), for
// tests and for measured times (partition-tool --calibrate, cost_table.h). Nodes in none of the
// maps use `default_ms`. A time left empty (a device that was not measured) comes from
// `fallback`, or is +infinity without one. Copies: latency_ms + bytes · ms_per_byte, or the
// fallback's when `transfers_from_fallback`.
// Ownership: `fallback` (optional) must outlive the model.
class TableCostModel final : public CostModel {
 public:
  struct Times {
    std::optional<double> cpu_ms = 0;
    std::optional<double> gpu_ms = 0;
  };
  absl::flat_hash_map<int, Times> by_node_id;  // by ir::NodeId value
  std::map<std::string, Times> by_node_name;
  std::map<std::string, Times> by_op;
  Times default_ms{1.0, 1.0};
  double transfer_latency_ms = 0;
  double transfer_ms_per_byte = 0;
  const CostModel* fallback = nullptr;
  bool transfers_from_fallback = false;

  double NodeTime(const ir::Graph& graph, const ir::Node& node, DeviceKind device) const override;
  double TransferTime(int64_t bytes, DeviceKind from, DeviceKind to) const override;
};

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_COST_MODEL_H_
