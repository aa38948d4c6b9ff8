// A Plan: where every node of a graph runs, in which order, which copies happen, how much memory
// each device needs, and the predicted time. A plain value; it refers to the graph only by ids and
// names, and making one never mutates the graph.
//
// Plans print as text and parse back (PrintPlan / ParsePlan) for golden tests and
// `partition-tool --format plan`. The text is line-based:
//
//   tandem-plan 1
//   strategy optimal
//   time total_ms=1.5 nodes_ms=1.25 transfers_ms=0.25
//   memory cpu budget=1000 weights=0 arena=128 outputs=40 workspace=0 staging=64
//   memory gpu budget=100 weights=64 arena=512 outputs=0 workspace=0 staging=0
//   segment gpu ms=0.75
//     node 3 Conv "conv1" gpu ms=0.5
//     node 4 Gemm "fc" gpu-streamed ms=0.25
//   segment cpu ms=0.5
//     node 5 Relu "relu" cpu ms=0.5
//   transfer "x@gpu" value="x" cpu->gpu bytes=64 ms=0.125 step=0
//   transfer "fc.w@gpu" value="fc.w" cpu->gpu bytes=4000 ms=0.3 step=1 streamed
//
// Names are quoted with \" and \\ escapes; numbers print in their shortest exact form, so
// Print(Parse(Print(p))) == Print(p) and Parse(Print(p)) == p.
#ifndef TANDEM_PARTITIONER_PLAN_H_
#define TANDEM_PARTITIONER_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "partitioner/device_profile.h"

namespace tandem::partitioner {

enum class Placement : uint8_t {
  kCpu = 0,
  kGpu = 1,
  // On the GPU with its weights kept in (pinned) host memory and copied in ahead of each use.
  kGpuStreamed = 2,
};
inline DeviceKind DeviceOf(Placement p) {
  return p == Placement::kCpu ? DeviceKind::kCpu : DeviceKind::kGpu;
}
absl::string_view PlacementName(Placement p);  // "cpu" | "gpu" | "gpu-streamed"
std::optional<Placement> ParsePlacement(absl::string_view name);

struct PlacedNode {
  ir::NodeId node;
  Placement placement = Placement::kCpu;
  double predicted_ms = 0;  // streamed: max(compute, weight copy)
  bool operator==(const PlacedNode& o) const {
    return node == o.node && placement == o.placement && predicted_ms == o.predicted_ms;
  }
};

// A maximal run of consecutive nodes (in execution order) on one device.
struct Segment {
  DeviceKind device = DeviceKind::kCpu;
  std::vector<PlacedNode> nodes;
  double predicted_ms = 0;  // sum of its nodes
  bool operator==(const Segment& o) const {
    return device == o.device && nodes == o.nodes && predicted_ms == o.predicted_ms;
  }
};

struct Transfer {
  std::string name;  // "<value>@<to>": deterministic, unique per (value, destination)
  ir::ValueId value;
  DeviceKind from = DeviceKind::kCpu;
  DeviceKind to = DeviceKind::kGpu;
  int64_t bytes = 0;
  double predicted_ms = 0;
  int step = 0;  // runs just before the node at this position of the execution order
  // A weight copied in for a kGpuStreamed node: overlapped with compute, so its time is inside
  // that node's time and not added again to the total.
  bool streamed_weight = false;
  bool operator==(const Transfer& o) const {
    return name == o.name && value == o.value && from == o.from && to == o.to &&
           bytes == o.bytes && predicted_ms == o.predicted_ms && step == o.step &&
           streamed_weight == o.streamed_weight;
  }
};

// What one device needs, exactly (docs/partitioner.md, "Memory model").
struct DeviceMemory {
  DeviceKind device = DeviceKind::kCpu;
  int64_t budget_bytes = 0;
  int64_t weight_bytes = 0;     // resident initializers
  int64_t arena_bytes = 0;      // peak of the activation arena (executors::PlanMemory)
  int64_t output_bytes = 0;     // graph outputs, in caller-owned buffers (host only)
  // Kernel scratch: on the host the CPU kernels' own (measured by building them), on the GPU the
  // profile's estimate.
  int64_t workspace_bytes = 0;
  int64_t staging_bytes = 0;    // pinned copy buffer (host) / streamed-weight buffers (GPU)
  int64_t activation_bytes() const { return arena_bytes + output_bytes; }
  int64_t total_bytes() const {
    return weight_bytes + activation_bytes() + workspace_bytes + staging_bytes;
  }
  bool fits() const { return total_bytes() <= budget_bytes; }
  bool operator==(const DeviceMemory& o) const {
    return device == o.device && budget_bytes == o.budget_bytes &&
           weight_bytes == o.weight_bytes && arena_bytes == o.arena_bytes &&
           output_bytes == o.output_bytes && workspace_bytes == o.workspace_bytes &&
           staging_bytes == o.staging_bytes;
  }
};

struct Plan {
  std::string strategy;            // "optimal" | "greedy" | "gpu" | "cpu"
  std::vector<Segment> segments;   // in execution order
  std::vector<Transfer> transfers; // by step, then name
  std::vector<DeviceMemory> memory;  // cpu first, then gpu when the machine has one
  double node_ms = 0;      // sum of node times
  double transfer_ms = 0;  // sum of activation copies (streamed weights excluded)
  double predicted_ms = 0; // node_ms + transfer_ms (the sequential model)

  // Placement of every node, indexed by NodeId (nodes absent from the segments: kCpu).
  std::vector<Placement> Placements(int num_nodes) const;
  const DeviceMemory* Memory(DeviceKind device) const;
  bool operator==(const Plan& o) const {
    return strategy == o.strategy && segments == o.segments && transfers == o.transfers &&
           memory == o.memory && node_ms == o.node_ms && transfer_ms == o.transfer_ms &&
           predicted_ms == o.predicted_ms;
  }
};

// The text form above. `graph` supplies node op types and names and value names.
std::string PrintPlan(const ir::Graph& graph, const Plan& plan);
// Parses PrintPlan's output. InvalidArgument naming the line when the text is malformed or
// names a node or value that `graph` lacks (or with another name).
absl::StatusOr<Plan> ParsePlan(const ir::Graph& graph, absl::string_view text);

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_PLAN_H_
