// The JSON form of the partition report and the budget sweep (partition_report.h). The schema
// is in docs/partitioner.md ("partition-tool JSON").
#include "absl/strings/str_cat.h"
#include "tools/partition_tool/partition_report.h"

namespace tandem::tools {
namespace {

using Json = nlohmann::ordered_json;
using partitioner::DeviceKindName;

Json OptionalMs(const std::optional<double>& ms) { return ms ? Json(*ms) : Json(nullptr); }

Json Devices(const PartitionReport& r) {
  Json devices = Json::array();
  for (const partitioner::DeviceMemory& m : r.plan.memory) {
    const bool gpu = m.device == partitioner::DeviceKind::kGpu;
    Json d;
    d["name"] = gpu ? r.profile.gpu->name : r.profile.cpu.name;
    d["kind"] = std::string(DeviceKindName(m.device));
    d["budget_bytes"] = m.budget_bytes;
    d["peak_bytes"] = m.total_bytes();
    d["weight_bytes"] = m.weight_bytes;
    d["activation_bytes"] = m.activation_bytes();
    d["workspace_bytes"] = m.workspace_bytes;
    d["workspace_source"] = gpu ? "estimate: profile" : "measured: CPU kernels' scratch";
    d["staging_bytes"] = m.staging_bytes;
    d["arena_bytes"] = m.arena_bytes;
    d["output_bytes"] = m.output_bytes;
    d["fits"] = m.fits();
    devices.push_back(std::move(d));
  }
  return devices;
}

Json Nodes(const ir::Graph& g, const PartitionReport& r) {
  std::vector<const partitioner::NodeNote*> note_of(g.num_nodes(), nullptr);
  for (const auto& n : r.notes) note_of[n.node.value] = &n;
  std::vector<std::optional<double>> measured;
  if (r.calibration) measured = r.calibration->MeasuredCpuMs(g.num_nodes());
  Json nodes = Json::array();
  for (const partitioner::Segment& s : r.plan.segments) {
    for (const partitioner::PlacedNode& n : s.nodes) {
      const partitioner::NodeNote* note = note_of[n.node.value];
      Json j;
      j["name"] = g.node(n.node).name;
      j["op"] = g.node(n.node).op_type;
      j["device"] = std::string(DeviceKindName(partitioner::DeviceOf(n.placement)));
      j["streamed_weights"] = n.placement == partitioner::Placement::kGpuStreamed;
      j["predicted_ms"] = n.predicted_ms;
      j["reason"] = note ? note->reason : "";
      if (note) j["preferred"] = std::string(DeviceKindName(note->preferred));
      if (note && note->refused) j["refused"] = true;
      if (r.calibration) {
        j["roofline_cpu_ms"] = r.calibration->roofline_cpu_ms[n.node.value];
        j["measured_cpu_ms"] = OptionalMs(measured[n.node.value]);
      }
      nodes.push_back(std::move(j));
    }
  }
  return nodes;
}

Json Transfers(const ir::Graph& g, const PartitionReport& r) {
  Json transfers = Json::array();
  for (const partitioner::Transfer& t : r.plan.transfers) {
    transfers.push_back({{"name", t.name},
                         {"value", g.value(t.value).name},
                         {"from", std::string(DeviceKindName(t.from))},
                         {"to", std::string(DeviceKindName(t.to))},
                         {"bytes", t.bytes},
                         {"predicted_ms", t.predicted_ms},
                         {"step", t.step},
                         {"streamed_weight", t.streamed_weight}});
  }
  return transfers;
}

}  // namespace

std::vector<SweepRow> SweepBudgets(const partitioner::Partitioner& partitioner,
                                   int64_t cpu_budget_bytes, int64_t weight_bytes) {
  std::vector<SweepRow> rows;
  for (int percent = 0; percent <= 100; percent += 10) {
    SweepRow row;
    row.percent = percent;
    row.gpu_budget_bytes = weight_bytes * percent / 100;
    auto plan = partitioner.Run(partitioner::Strategy::kOptimal, cpu_budget_bytes,
                                row.gpu_budget_bytes);
    if (plan.ok()) {
      row.predicted_ms = plan->predicted_ms;
      for (const auto& s : plan->segments) {
        for (const auto& n : s.nodes) {
          row.gpu_nodes += n.placement != partitioner::Placement::kCpu;
          row.streamed_nodes += n.placement == partitioner::Placement::kGpuStreamed;
        }
      }
      for (const auto& t : plan->transfers) row.transfers += !t.streamed_weight;
    } else {
      row.error = std::string(plan.status().message());
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::ordered_json RenderReportJson(const ir::Graph& graph, const PartitionReport& r) {
  Json j;
  j["command"] = r.command;
  j["model"] = r.model_path;
  j["profile"] = r.profile.name;
  j["strategy"] = r.plan.strategy;
  j["predicted_ms"] = r.plan.predicted_ms;
  j["node_ms"] = r.plan.node_ms;
  j["transfer_ms"] = r.plan.transfer_ms;
  j["weight_bytes"] = r.weight_bytes;
  j["devices"] = Devices(r);
  j["nodes"] = Nodes(graph, r);
  j["transfers"] = Transfers(graph, r);
  const partitioner::Baselines& b = r.baselines;
  j["baselines"] = {{"greedy_ms", OptionalMs(b.greedy_ms)},
                    {"all_cpu_ms", OptionalMs(b.all_cpu_ms)},
                    {"all_gpu_ms", OptionalMs(b.all_gpu_ms)}};
  if (!r.sweep.empty()) {
    Json sweep = Json::array();
    for (const SweepRow& s : r.sweep) {
      sweep.push_back({{"percent", s.percent},
                       {"gpu_budget_bytes", s.gpu_budget_bytes},
                       {"predicted_ms", OptionalMs(s.predicted_ms)},
                       {"gpu_nodes", s.gpu_nodes},
                       {"streamed_nodes", s.streamed_nodes},
                       {"transfers", s.transfers},
                       {"error", s.error}});
    }
    j["sweep"] = std::move(sweep);
  }
  if (r.calibration) {
    const Calibration& c = *r.calibration;
    double roofline = 0, measured = 0;
    for (const auto& n : c.table.nodes) {
      if (!n.cpu_ms || n.id < 0 || n.id >= graph.num_nodes()) continue;
      roofline += c.roofline_cpu_ms[n.id];
      measured += *n.cpu_ms;
    }
    j["calibration"] = {{"source", c.source},
                        {"saved_to", c.saved_to},
                        {"cpu_measured", c.table.cpu.measured},
                        {"cpu_name", c.table.cpu.name},
                        {"threads", c.table.cpu.threads},
                        {"runs", c.table.cpu.runs},
                        {"gpu_measured", c.table.gpu.measured},
                        {"gpu_note", c.table.gpu.note},
                        {"roofline_cpu_ms", roofline},
                        {"measured_cpu_nodes_ms", measured},
                        {"measured_cpu_run_ms", OptionalMs(c.table.cpu.run_ms)}};
  }
  j["refused_nodes"] = CountRefused(r);
  if (r.plan.strategy == "optimal") j["proven_optimal"] = r.stats.proven_optimal;
  return j;
}

}  // namespace tandem::tools
