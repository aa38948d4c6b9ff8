#include "partitioner/problem.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "partitioner/node_work.h"

namespace tandem::partitioner {
namespace {

// Why `v` cannot be sized statically ("" when it can).
std::string NotStatic(const ir::Value& v) {
  if (v.initializer) return "";
  if (v.info.type != ir::ValueType::kTensor) return "is not a tensor";
  if (!v.info.shape.is_static()) return "has no static shape";
  if (ir::DTypeSize(v.info.dtype) == 0) return "has no fixed-size element type";
  return "";
}

}  // namespace

absl::StatusOr<Problem> Problem::Build(const ir::Graph& graph, const Capability& cpu,
                                       const Capability* gpu, const CostModel& cost,
                                       const ProblemOptions& options) {
  Problem p;
  p.options_ = options;
  p.has_gpu_ = gpu != nullptr;
  TANDEM_ASSIGN_OR_RETURN(std::vector<ir::NodeId> order, graph.TopologicalOrder());
  p.step_of_.assign(graph.num_nodes(), -1);
  for (size_t s = 0; s < order.size(); ++s) {
    p.step_of_[order[s].value] = static_cast<int>(s);
    ProblemNode n;
    n.id = order[s];
    p.nodes_.push_back(std::move(n));
  }
  TANDEM_RETURN_IF_ERROR(p.AddValues(graph, order, gpu, cost));
  TANDEM_RETURN_IF_ERROR(p.AddNodes(graph, cpu, gpu, cost));
  return p;
}

Problem Problem::WithBudgets(int64_t cpu_budget_bytes, int64_t gpu_budget_bytes) const {
  Problem p = *this;
  p.options_.cpu_budget_bytes = cpu_budget_bytes;
  p.options_.gpu_budget_bytes = gpu_budget_bytes;
  return p;
}

absl::Status Problem::AddValues(const ir::Graph& graph, const std::vector<ir::NodeId>& order,
                                const Capability* gpu, const CostModel& cost) {
  values_.assign(graph.num_values(), ProblemValue{});
  for (int i = 0; i < graph.num_values(); ++i) {
    const ir::Value& v = graph.value(ir::ValueId(i));
    ProblemValue& pv = values_[i];
    switch (v.kind) {
      case ir::ValueKind::kGraphInput: pv.role = ValueRole::kGraphInput; break;
      case ir::ValueKind::kInitializer: pv.role = ValueRole::kWeight; break;
      case ir::ValueKind::kNodeOutput: pv.role = ValueRole::kActivation; break;
      case ir::ValueKind::kOuterScope: pv.role = ValueRole::kUnused; break;
    }
    if (v.kind == ir::ValueKind::kNodeOutput && v.producer.valid()) {
      pv.producer = step_of_[v.producer.value];
    }
  }
  for (ir::ValueId out : graph.outputs()) values_[out.value].graph_output = true;
  for (size_t s = 0; s < order.size(); ++s) {
    const ir::Node& node = graph.node(order[s]);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (!node.inputs[i].valid()) continue;
      bool on_host = gpu != nullptr && gpu->InputOnHost(graph, node, static_cast<int>(i));
      values_[node.inputs[i].value].uses.push_back({static_cast<int>(s), on_host});
    }
  }
  for (int i = 0; i < graph.num_values(); ++i) {
    ProblemValue& pv = values_[i];
    const ir::Value& v = graph.value(ir::ValueId(i));
    bool touched = !pv.uses.empty() || pv.graph_output || pv.role == ValueRole::kActivation ||
                   pv.role == ValueRole::kGraphInput;
    if (!touched || pv.role == ValueRole::kUnused) continue;
    std::string why = NotStatic(v);
    if (!why.empty()) {
      return absl::UnimplementedError(absl::StrCat(
          "partitioning needs static shapes: value '", v.name, "' (", v.info.ToString(), ") ",
          why));
    }
    pv.bytes = StaticValueBytes(v);
    if (pv.role == ValueRole::kWeight && !pv.uses.empty()) total_weight_bytes_ += pv.bytes;
    if (has_gpu_) {
      pv.to_gpu_ms = cost.TransferTime(pv.bytes, DeviceKind::kCpu, DeviceKind::kGpu);
      pv.to_cpu_ms = cost.TransferTime(pv.bytes, DeviceKind::kGpu, DeviceKind::kCpu);
    }
  }
  return absl::OkStatus();
}

absl::Status Problem::AddNodes(const ir::Graph& graph, const Capability& cpu,
                               const Capability* gpu, const CostModel& cost) {
  for (int s = 0; s < num_steps(); ++s) {
    ProblemNode& n = nodes_[s];
    const ir::Node& node = graph.node(n.id);
    for (ir::ValueId id : node.inputs) {
      if (id.valid() && std::find(n.inputs.begin(), n.inputs.end(), id.value) == n.inputs.end()) {
        n.inputs.push_back(id.value);
      }
    }
    for (ir::ValueId id : node.outputs) {
      if (id.valid()) n.outputs.push_back(id.value);
    }
    // Weights read on the device, and whether this node is their only reader (streamable).
    bool exclusive = true;
    for (int v : n.inputs) {
      const ProblemValue& pv = values_[v];
      if (pv.role != ValueRole::kWeight) continue;
      bool device_use = false;
      for (const Use& u : pv.uses) {
        if (u.step == s && !u.on_host) device_use = true;
        if (u.step != s || u.on_host) exclusive = false;
      }
      if (pv.graph_output) exclusive = false;
      if (device_use) n.weights.push_back(v);
    }
    n.standalone_ms[0] = cost.NodeTime(graph, node, DeviceKind::kCpu);
    if (gpu) n.standalone_ms[1] = cost.NodeTime(graph, node, DeviceKind::kGpu);
    NodeSupport on_cpu = cpu.Check(graph, node);
    n.cpu_reason = std::move(on_cpu.reason);
    n.cpu_workspace_bytes = on_cpu.workspace_bytes;
    n.gpu_reason = gpu ? gpu->UnsupportedReason(graph, node) : "the machine has no GPU";
    if (n.cpu_reason.empty()) {
      n.ms[0] = n.standalone_ms[0];
      if (!(n.ms[0] < kInfinity)) n.cpu_reason = "the cost model has no CPU time for it";
    }
    if (n.gpu_reason.empty()) {
      n.ms[1] = n.standalone_ms[1];
      if (!(n.ms[1] < kInfinity)) n.gpu_reason = "the cost model has no GPU time for it";
    }
    if (n.ms[0] == kInfinity && n.ms[1] == kInfinity) {
      return absl::UnimplementedError(absl::StrCat(node.Describe(),
                                                   " can run on no device: cpu: ", n.cpu_reason,
                                                   "; gpu: ", n.gpu_reason));
    }
    if (options_.allow_streaming && n.ms[1] < kInfinity && exclusive && !n.weights.empty() &&
        gpu->StreamingReason(graph, node).empty()) {
      double copy_ms = 0;
      for (int v : n.weights) {
        n.stream_bytes += values_[v].bytes;
        copy_ms += values_[v].to_gpu_ms;
      }
      // Prefetch overlap: the copy runs on the copy engine while the GPU computes, so the node
      // costs whichever is longer (docs/partitioner.md, "Streamed weights").
      n.ms[2] = std::max(n.ms[1], copy_ms);
    }
  }
  return absl::OkStatus();
}

}  // namespace tandem::partitioner
