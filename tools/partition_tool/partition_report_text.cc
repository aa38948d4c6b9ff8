// The text form of the partition report (partition_report.h).
#include <algorithm>
#include <cstdio>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/partition_tool/partition_report.h"
#include "tools/partition_tool/report_edges.h"

namespace tandem::tools {
namespace {

using partitioner::DeviceKind;
using partitioner::DeviceKindName;
using partitioner::DeviceMemory;
using partitioner::Placement;

std::string Fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}
std::string Ms(double ms) { return Fixed(ms, 3); }
std::string MiB(int64_t bytes) { return Fixed(static_cast<double>(bytes) / (1 << 20), 2); }

std::string WithCommas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

// Aligned columns; `right[c]` right-aligns column c; no trailing spaces.
std::string Table(const std::vector<std::vector<std::string>>& rows, std::vector<bool> right) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  right.resize(width.size(), false);
  std::string out;
  for (const auto& row : rows) {
    std::string line = "  ";
    for (size_t c = 0; c < row.size(); ++c) {
      std::string pad(width[c] - row[c].size(), ' ');
      if (c > 0) line += "  ";
      line += right[c] ? pad + row[c] : row[c] + pad;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string BudgetOf(const PartitionReport& r, DeviceKind d) {
  const DeviceMemory* m = r.plan.Memory(d);
  return m ? MiB(m->budget_bytes) + " MiB" : "-";
}

std::string Header(const ir::Graph& g, const PartitionReport& r) {
  std::string out = absl::StrCat("$ ", r.command, "\n");
  std::string gpu_budget =
      r.profile.gpu ? absl::StrCat("gpu ", BudgetOf(r, DeviceKind::kGpu), " (",
                                   r.gpu_budget_source, ")")
                    : "no gpu";
  absl::StrAppend(&out, "model     ", r.model_path, ": ", r.num_nodes, " nodes, weights ",
                  MiB(r.weight_bytes), " MiB\n");
  absl::StrAppend(&out, "profile   ", r.profile.name,
                  r.profile.description.empty() ? "" : ": " + r.profile.description, "\n");
  absl::StrAppend(&out, "budgets   ", gpu_budget, ", cpu ",
                  BudgetOf(r, DeviceKind::kCpu), " (", r.cpu_budget_source, ")\n");
  absl::StrAppend(&out, "strategy  ", r.plan.strategy);
  if (r.plan.strategy == "optimal") {
    absl::StrAppend(&out, " (", r.stats.cuts, " min-cuts, ", r.stats.memory_checks,
                    " exact memory checks, ", r.stats.local_moves, " local-search moves; ",
                    r.stats.proven_optimal ? "proven optimal" : "not proven optimal", ")");
  }
  absl::StrAppend(&out, "\n");
  return out;
}

std::string Segments(const ir::Graph& g, const PartitionReport& r) {
  std::vector<std::vector<std::string>> rows = {{"#", "device", "nodes", "first .. last", "ms"}};
  for (size_t i = 0; i < r.plan.segments.size(); ++i) {
    const partitioner::Segment& s = r.plan.segments[i];
    int streamed = 0;
    for (const auto& n : s.nodes) streamed += n.placement == Placement::kGpuStreamed;
    std::string span = NodeLabel(g, s.nodes.front().node);
    if (s.nodes.size() > 1) absl::StrAppend(&span, " .. ", NodeLabel(g, s.nodes.back().node));
    std::string count = std::to_string(s.nodes.size());
    if (streamed > 0) absl::StrAppend(&count, " (", streamed, " streamed)");
    rows.push_back({std::to_string(i), std::string(DeviceKindName(s.device)), count, span,
                    Ms(s.predicted_ms)});
  }
  return absl::StrCat("\nsegments (execution order)\n", Table(rows, {true, false, true, false, true}));
}

std::string Memory(const PartitionReport& r) {
  std::vector<std::vector<std::string>> rows = {
      {"MiB", "weights", "", "activations", "", "workspace", "", "staging", "", "total", "", "budget", ""}};
  for (const DeviceMemory& m : r.plan.memory) {
    rows.push_back({std::string(DeviceKindName(m.device)), MiB(m.weight_bytes), "+",
                    MiB(m.activation_bytes()), "+", MiB(m.workspace_bytes), "+",
                    MiB(m.staging_bytes), "=", MiB(m.total_bytes()), m.fits() ? "<=" : ">",
                    MiB(m.budget_bytes), m.fits() ? "ok" : "OVER"});
  }
  std::string out = absl::StrCat("\nmemory per device (exact: executors' arena planner)\n",
                                 Table(rows, {false, true, false, true, false, true, false, true,
                                              false, true, false, true, false}));
  for (const DeviceMemory& m : r.plan.memory) {
    if (m.output_bytes == 0) continue;
    absl::StrAppend(&out, "  (", DeviceKindName(m.device), " activations = arena ",
                    MiB(m.arena_bytes), " + graph outputs ", MiB(m.output_bytes), ")\n");
  }
  absl::StrAppend(&out, "  (workspace: cpu = the CPU kernels' own scratch",
                  r.profile.gpu ? "; gpu = the profile's estimate (cuBLAS workspace)" : "", ")\n");
  return out;
}

std::string Transfers(const ir::Graph& g, const PartitionReport& r) {
  int64_t bytes = 0, streamed_bytes = 0;
  int copies = 0, streamed = 0;
  std::vector<std::vector<std::string>> rows = {{"step", "copy", "from", "to", "bytes", "ms"}};
  for (const partitioner::Transfer& t : r.plan.transfers) {
    (t.streamed_weight ? streamed_bytes : bytes) += t.bytes;
    ++(t.streamed_weight ? streamed : copies);
    rows.push_back({std::to_string(t.step), t.name, std::string(DeviceKindName(t.from)),
                    std::string(DeviceKindName(t.to)), WithCommas(t.bytes),
                    t.streamed_weight ? absl::StrCat("(", Ms(t.predicted_ms), ")") : Ms(t.predicted_ms)});
  }
  std::string out = absl::StrCat("\ntransfers: ", copies, " activation copies, ", MiB(bytes),
                                 " MiB, ", Ms(r.plan.transfer_ms), " ms");
  if (streamed > 0) {
    absl::StrAppend(&out, "; ", streamed, " streamed weights, ", MiB(streamed_bytes),
                    " MiB (time inside their nodes, overlapped)");
  }
  absl::StrAppend(&out, "\n");
  if (rows.size() > 1) absl::StrAppend(&out, Table(rows, {true, false, false, false, true, true}));
  return out;
}

std::string Baseline(const std::optional<double>& ms, const std::string& why) {
  return ms ? absl::StrCat(Ms(*ms), " ms") : absl::StrCat("does not fit (", why, ")");
}

std::string Times(const PartitionReport& r) {
  const partitioner::Baselines& b = r.baselines;
  return absl::StrCat("\npredicted ", Ms(r.plan.predicted_ms), " ms = nodes ", Ms(r.plan.node_ms),
                      " + transfers ", Ms(r.plan.transfer_ms), " (sequential model)\n",
                      "baselines all-cpu ", Baseline(b.all_cpu_ms, b.all_cpu_why),
                      "\n          all-gpu ", Baseline(b.all_gpu_ms, b.all_gpu_why),
                      "\n          greedy  ", Baseline(b.greedy_ms, b.greedy_why), "\n");
}

std::string Notes(const ir::Graph& g, const PartitionReport& r) {
  if (r.notes.empty()) return "\nevery node is on its preferred device\n";
  std::vector<std::vector<std::string>> rows = {{"node", "op", "placed", "prefers", "reason"}};
  for (const partitioner::NodeNote& n : r.notes) {
    rows.push_back({NodeLabel(g, n.node), g.node(n.node).op_type,
                    std::string(partitioner::PlacementName(n.placed)),
                    std::string(DeviceKindName(n.preferred)), n.reason});
  }
  return absl::StrCat("\nnodes not on their preferred device (", r.notes.size(), ")\n",
                      Table(rows, {}));
}

std::string Ratio(double measured, double predicted) {
  return predicted > 0 ? Fixed(measured / predicted, 2) + "x" : "-";
}

// One device's measured times against the roofline: by op, the whole run, the slowest nodes.
std::string ByOp(const ir::Graph& g, const std::vector<std::optional<double>>& measured,
                 const std::vector<double>& roofline, const std::string& device, std::optional<double> run_ms) {
  struct Sum {
    int nodes = 0;
    double predicted = 0, measured = 0;
  };
  std::map<std::string, Sum> by_op;
  Sum total;
  std::vector<int> timed;
  for (int id = 0; id < g.num_nodes(); ++id) {
    if (!measured[id]) continue;
    for (Sum* s : {&by_op[g.node(ir::NodeId(id)).op_type], &total}) {
      ++s->nodes;
      s->predicted += roofline[id];
      s->measured += *measured[id];
    }
    timed.push_back(id);
  }
  std::vector<std::vector<std::string>> rows = {
      {"op", "nodes", "predicted ms", "measured ms", "measured/predicted"}};
  for (const auto& [op, s] : by_op) {
    rows.push_back({op, std::to_string(s.nodes), Ms(s.predicted), Ms(s.measured),
                    Ratio(s.measured, s.predicted)});
  }
  rows.push_back({"total", std::to_string(total.nodes), Ms(total.predicted), Ms(total.measured),
                  Ratio(total.measured, total.predicted)});
  std::string out = absl::StrCat("  predicted vs measured ", device, " time, by op\n",
                                 Table(rows, {false, true, true, true, true}));
  if (run_ms) {
    absl::StrAppend(&out, "  whole run on the ", device, " (median): ", Ms(*run_ms),
                    " ms measured; sum of nodes ", Ms(total.measured), " ms; roofline ",
                    Ms(total.predicted), " ms\n");
  }
  std::sort(timed.begin(), timed.end(), [&](int a, int b) { return *measured[a] > *measured[b]; });
  timed.resize(std::min<size_t>(timed.size(), 10));
  rows = {{"node", "op", "predicted ms", "measured ms", "measured/predicted"}};
  for (int id : timed) {
    rows.push_back({NodeLabel(g, ir::NodeId(id)), g.node(ir::NodeId(id)).op_type, Ms(roofline[id]),
                    Ms(*measured[id]), Ratio(*measured[id], roofline[id])});
  }
  absl::StrAppend(&out, "  slowest ", device, " nodes (measured)\n", Table(rows, {false, false, true, true, true}));
  return out;
}

// Predicted (the profile's roofline) against measured CPU times: by op, in total, and the
// slowest nodes.
std::string Calibrated(const ir::Graph& g, const PartitionReport& r) {
  if (!r.calibration) return "";
  const Calibration& c = *r.calibration;
  const partitioner::MeasuredDevice& cpu = c.table.cpu;
  std::string out = absl::StrCat("\ncalibration: ", c.source, "\n  cpu ");
  if (cpu.measured) {
    absl::StrAppend(&out, "measured on ", cpu.name, ", ", cpu.threads, " thread(s), median of ",
                    cpu.runs, " runs after ", cpu.warmup, " warm-up");
  } else {
    absl::StrAppend(&out, "not measured");
  }
  absl::StrAppend(&out, "\n  gpu ", c.table.gpu.measured ? "measured" : "not measured",
                  c.table.gpu.note.empty() ? "" : ": " + c.table.gpu.note, "\n");
  if (!c.saved_to.empty()) absl::StrAppend(&out, "  saved to ", c.saved_to, "\n");
  absl::StrAppend(&out, "  the plan above uses the measured times; predicted = the roofline of ",
                  r.profile.cpu.name, " (profile ", r.profile.name, ")\n");
  absl::StrAppend(&out, ByOp(g, c.MeasuredCpuMs(g.num_nodes()), c.roofline_cpu_ms, "cpu", cpu.run_ms));
  if (c.table.gpu.measured && c.roofline_gpu_ms.size() == static_cast<size_t>(g.num_nodes())) {
    absl::StrAppend(&out, ByOp(g, c.MeasuredGpuMs(g.num_nodes()), c.roofline_gpu_ms, "gpu", c.table.gpu.run_ms));
  }
  return out;
}

std::string Sweep(const PartitionReport& r) {
  if (r.sweep.empty()) return "";
  std::vector<std::vector<std::string>> rows = {
      {"gpu budget", "MiB", "predicted ms", "gpu nodes", "streamed", "copies"}};
  for (const SweepRow& s : r.sweep) {
    rows.push_back({absl::StrCat(s.percent, "%"), MiB(s.gpu_budget_bytes),
                    s.predicted_ms ? Ms(*s.predicted_ms) : "no fit",
                    std::to_string(s.gpu_nodes), std::to_string(s.streamed_nodes),
                    std::to_string(s.transfers)});
  }
  return absl::StrCat("\nsweep: optimal plan by GPU budget (% of weights)\n",
                      Table(rows, {true, true, true, true, true, true}));
}

}  // namespace

std::string VerdictLine(const PartitionReport& r) {
  int gpu = 0, streamed = 0, total = 0;
  for (const auto& s : r.plan.segments) {
    for (const auto& n : s.nodes) {
      ++total;
      gpu += n.placement != Placement::kCpu;
      streamed += n.placement == Placement::kGpuStreamed;
    }
  }
  std::string out = absl::StrCat("verdict: fits; ", gpu, " of ", total, " nodes on the gpu");
  if (streamed > 0) absl::StrAppend(&out, " (", streamed, " streaming weights)");
  absl::StrAppend(&out, ", ", Ms(r.plan.predicted_ms), " ms predicted");
  const auto& b = r.baselines;
  if (b.all_cpu_ms && r.plan.predicted_ms > 0) {
    absl::StrAppend(&out, ", ", Fixed(*b.all_cpu_ms / r.plan.predicted_ms, 2), "x all-CPU");
  }
  if (b.greedy_ms && r.plan.predicted_ms > 0) {
    absl::StrAppend(&out, ", ", Fixed(*b.greedy_ms / r.plan.predicted_ms, 2), "x greedy");
  }
  int refused = CountRefused(r);
  if (refused > 0) {
    absl::StrAppend(&out, "; ", refused, " node(s) cannot run on their preferred device");
  }
  return out;
}

std::vector<std::optional<double>> Calibration::MeasuredCpuMs(int num_nodes) const {
  std::vector<std::optional<double>> ms(num_nodes);
  for (const partitioner::CostTableNode& n : table.nodes) {
    if (n.id >= 0 && n.id < num_nodes) ms[n.id] = n.cpu_ms;
  }
  return ms;
}

std::vector<std::optional<double>> Calibration::MeasuredGpuMs(int num_nodes) const {
  std::vector<std::optional<double>> ms(num_nodes);
  for (const partitioner::CostTableNode& n : table.nodes) {
    if (n.id >= 0 && n.id < num_nodes) ms[n.id] = n.gpu_ms;
  }
  return ms;
}

int CountRefused(const PartitionReport& report) {
  int n = 0;
  for (const auto& note : report.notes) n += note.refused;
  return n;
}

std::string RenderReportText(const ir::Graph& graph, const PartitionReport& report) {
  return absl::StrCat(Header(graph, report), Segments(graph, report), Memory(report),
                      Transfers(graph, report), Times(report), Notes(graph, report),
                      Calibrated(graph, report), Sweep(report), "\n", VerdictLine(report), "\n");
}

}  // namespace tandem::tools
