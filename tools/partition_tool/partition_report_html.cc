// The HTML form of the partition report (partition_report.h): one self-contained page, no
// scripts and no external files (inline CSS and SVG only), well-formed (every element closed) so
// that it also parses as XML.
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/partition_tool/partition_report.h"
#include "tools/partition_tool/report_edges.h"
#include "tools/partition_tool/report_svg.h"

namespace tandem::tools {
namespace {

using partitioner::DeviceKindName;

constexpr char kStyle[] =
    "body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222222}"
    "h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
    "pre{background:#f6f6f6;padding:8px;overflow-x:auto}"
    "table{border-collapse:collapse;font-size:12px}"
    "td,th{border:1px solid #dddddd;padding:3px 6px;text-align:left}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.cpu td.dev{background:#cfe2f3}tr.gpu td.dev{background:#d9ead3}"
    "tr.gpu-streamed td.dev{background:#fff2cc}"
    ".scroll{overflow:auto;max-height:720px;border:1px solid #eeeeee}"
    ".verdict{font-weight:bold}";

std::string Fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}
std::string Ms(double ms) { return Fixed(ms, 3); }
std::string MiB(int64_t bytes) { return Fixed(static_cast<double>(bytes) / (1 << 20), 2); }

std::string Cell(const std::string& text, bool number = false) {
  return absl::StrCat(number ? "<td class=\"n\">" : "<td>", EscapeXml(text), "</td>");
}
std::string Head(std::initializer_list<const char*> names) {
  std::string out = "<tr>";
  for (const char* n : names) absl::StrAppend(&out, "<th>", n, "</th>");
  return out + "</tr>";
}

std::string Summary(const PartitionReport& r) {
  const partitioner::Baselines& b = r.baselines;
  auto baseline = [](const std::optional<double>& ms, const std::string& why) {
    return ms ? Ms(*ms) + " ms" : "does not fit (" + why + ")";
  };
  std::string gpu_budget = "no gpu";
  if (const auto* m = r.plan.Memory(partitioner::DeviceKind::kGpu)) {
    gpu_budget = absl::StrCat(MiB(m->budget_bytes), " MiB (", r.gpu_budget_source, ")");
  }
  const auto* cpu = r.plan.Memory(partitioner::DeviceKind::kCpu);
  std::vector<std::pair<std::string, std::string>> rows = {
      {"model", absl::StrCat(r.model_path, ": ", r.num_nodes, " nodes, weights ",
                             MiB(r.weight_bytes), " MiB")},
      {"profile", r.profile.name + (r.profile.description.empty() ? "" : ": " + r.profile.description)},
      {"budgets", absl::StrCat("gpu ", gpu_budget, ", cpu ", cpu ? MiB(cpu->budget_bytes) : "-",
                               " MiB (", r.cpu_budget_source, ")")},
      {"strategy", r.plan.strategy},
      {"predicted", absl::StrCat(Ms(r.plan.predicted_ms), " ms = nodes ", Ms(r.plan.node_ms),
                                 " + transfers ", Ms(r.plan.transfer_ms), " (sequential model)")},
      {"all-cpu", baseline(b.all_cpu_ms, b.all_cpu_why)},
      {"all-gpu", baseline(b.all_gpu_ms, b.all_gpu_why)},
      {"greedy", baseline(b.greedy_ms, b.greedy_why)}};
  std::string out = "<table class=\"summary\">";
  for (const auto& [k, v] : rows) absl::StrAppend(&out, "<tr><th>", k, "</th>", Cell(v), "</tr>");
  return out + "</table>";
}

std::string Segments(const ir::Graph& g, const PartitionReport& r) {
  std::string out = absl::StrCat("<table class=\"segments\">",
                                 Head({"#", "device", "nodes", "first .. last", "ms"}));
  for (size_t i = 0; i < r.plan.segments.size(); ++i) {
    const partitioner::Segment& s = r.plan.segments[i];
    std::string span = NodeLabel(g, s.nodes.front().node);
    if (s.nodes.size() > 1) absl::StrAppend(&span, " .. ", NodeLabel(g, s.nodes.back().node));
    absl::StrAppend(&out, "<tr class=\"", DeviceKindName(s.device), "\">", Cell(std::to_string(i), true),
                    "<td class=\"dev\">", DeviceKindName(s.device), "</td>",
                    Cell(std::to_string(s.nodes.size()), true), Cell(span), Cell(Ms(s.predicted_ms), true),
                    "</tr>");
  }
  return out + "</table>";
}

std::string Transfers(const PartitionReport& r) {
  if (r.plan.transfers.empty()) return "<p>No copies.</p>";
  std::string out = absl::StrCat("<table class=\"transfers\">",
                                 Head({"step", "copy", "from", "to", "bytes", "ms", "kind"}));
  for (const partitioner::Transfer& t : r.plan.transfers) {
    absl::StrAppend(&out, "<tr>", Cell(std::to_string(t.step), true), Cell(t.name),
                    Cell(std::string(DeviceKindName(t.from))), Cell(std::string(DeviceKindName(t.to))),
                    Cell(std::to_string(t.bytes), true), Cell(Ms(t.predicted_ms), true),
                    Cell(t.streamed_weight ? "streamed weight (overlapped)" : "activation"), "</tr>");
  }
  return out + "</table>";
}

std::string CalibrationSummary(const ir::Graph& g, const PartitionReport& r) {
  if (!r.calibration) return "";
  const Calibration& c = *r.calibration;
  const auto measured = c.MeasuredCpuMs(g.num_nodes());
  double predicted = 0, sum = 0;
  for (int id = 0; id < g.num_nodes(); ++id) {
    if (!measured[id]) continue;
    predicted += c.roofline_cpu_ms[id];
    sum += *measured[id];
  }
  const partitioner::MeasuredDevice& cpu = c.table.cpu;
  std::string out = absl::StrCat(
      "<h2>Predicted vs measured</h2><p>", EscapeXml(c.source), ". CPU: ",
      EscapeXml(cpu.measured ? absl::StrCat("measured on ", cpu.name, ", ", cpu.threads,
                                            " thread(s), median of ", cpu.runs, " runs")
                             : "not measured"),
      ". GPU: ", EscapeXml(c.table.gpu.measured ? "measured" : "not measured: " + c.table.gpu.note),
      ". The plan uses the measured times; predicted is the roofline of ",
      EscapeXml(r.profile.cpu.name), ".</p><table class=\"calibration\">",
      Head({"", "cpu ms"}), "<tr><th>roofline (sum of nodes)</th>", Cell(Ms(predicted), true),
      "</tr><tr><th>measured (sum of nodes)</th>", Cell(Ms(sum), true), "</tr>");
  if (cpu.run_ms) {
    absl::StrAppend(&out, "<tr><th>measured (whole run)</th>", Cell(Ms(*cpu.run_ms), true), "</tr>");
  }
  return out + "</table>";
}

std::string NodeTable(const ir::Graph& g, const PartitionReport& r) {
  std::vector<const partitioner::NodeNote*> note_of(g.num_nodes(), nullptr);
  for (const auto& n : r.notes) note_of[n.node.value] = &n;
  std::vector<std::optional<double>> measured;
  if (r.calibration) measured = r.calibration->MeasuredCpuMs(g.num_nodes());
  std::string out = "<table class=\"nodes\"><tr><th>step</th><th>node</th><th>op</th>"
                    "<th>placement</th><th>predicted ms</th>";
  if (r.calibration) absl::StrAppend(&out, "<th>roofline cpu ms</th><th>measured cpu ms</th>");
  absl::StrAppend(&out, "<th>reason</th></tr>");
  int step = 0;
  for (const partitioner::Segment& s : r.plan.segments) {
    for (const partitioner::PlacedNode& pn : s.nodes) {
      const partitioner::NodeNote* note = note_of[pn.node.value];
      const std::string placement(partitioner::PlacementName(pn.placement));
      absl::StrAppend(&out, "<tr class=\"", placement, "\">", Cell(std::to_string(step++), true),
                      Cell(NodeLabel(g, pn.node)), Cell(g.node(pn.node).op_type),
                      "<td class=\"dev\">", placement, "</td>", Cell(Ms(pn.predicted_ms), true));
      if (r.calibration) {
        const auto& m = measured[pn.node.value];
        absl::StrAppend(&out, Cell(Ms(r.calibration->roofline_cpu_ms[pn.node.value]), true),
                        Cell(m ? Ms(*m) : "-", true));
      }
      absl::StrAppend(&out, Cell(note ? note->reason : ""), "</tr>");
    }
  }
  return out + "</table>";
}

}  // namespace

std::string RenderReportHtml(const ir::Graph& g, const PartitionReport& r) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>",
      EscapeXml("tandem partition: " + r.model_path), "</title><style>", kStyle,
      "</style></head><body>\n<h1>", EscapeXml("Partition of " + r.model_path), "</h1><pre>$ ",
      EscapeXml(r.command), "</pre><p class=\"verdict\">", EscapeXml(VerdictLine(r)), "</p>",
      Summary(r), "\n<h2>Graph</h2><p>Fill: blue = cpu, green = gpu, yellow = gpu with streamed "
      "weights. Red dashed edges are copies; a red border marks a node off its preferred device. "
      "Hover for details.</p>");
  std::string graph_svg = GraphSvg(g, r);
  if (graph_svg.empty()) {
    absl::StrAppend(&out, "<p>The graph has ", g.num_nodes(), " nodes; drawings stop at ",
                    kMaxDrawnNodes, ". Use --format dot.</p>");
  } else {
    absl::StrAppend(&out, "<div class=\"scroll\">", graph_svg, "</div>");
  }
  absl::StrAppend(&out, "\n<h2>Memory per device</h2>", MemoryBarsSvg(r),
                  "\n<h2>Latency vs GPU budget</h2>");
  std::string curve = SweepCurveSvg(r);
  absl::StrAppend(&out, curve.empty() ? "<p>No sweep in this report.</p>" : curve,
                  "\n<h2>Segments</h2>", Segments(g, r), "\n<h2>Transfers</h2>", Transfers(r),
                  "\n", CalibrationSummary(g, r), "\n<h2>Nodes</h2>", NodeTable(g, r),
                  "\n</body></html>\n");
  return out;
}

}  // namespace tandem::tools
