// The Graphviz form of the partition report (partition_report.h). Conventions, also listed in
// docs/partitioner.md: fill colour = placement (kPlacementFill), one dashed cluster per segment
// in the segment's device colour, graph inputs and outputs as grey ellipses, copies as bold red
// edges labelled "name\nbytes, ms", nodes off their preferred device with a red double border.
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/partition_tool/partition_report.h"
#include "tools/partition_tool/report_edges.h"

namespace tandem::tools {
namespace {

using partitioner::DeviceKind;
using partitioner::Placement;

// By Placement: cpu, gpu, gpu-streamed.
constexpr const char* kPlacementFill[] = {"#cfe2f3", "#d9ead3", "#fff2cc"};
constexpr const char* kDeviceLine[] = {"#3d85c6", "#38761d"};  // by DeviceKind
constexpr const char* kCopyColor = "#cc0000";

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

std::string Ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f ms", ms);
  return buf;
}

std::string NodeStatement(const ir::Graph& g, const partitioner::PlacedNode& pn,
                          const partitioner::NodeNote* note) {
  const ir::Node& node = g.node(pn.node);
  std::string label = absl::StrCat(NodeLabel(g, pn.node), "\n", node.op_type, ", ",
                                   partitioner::PlacementName(pn.placement), ", ",
                                   Ms(pn.predicted_ms));
  std::string tooltip = note ? note->reason : absl::StrCat(node.op_type, " on its preferred device");
  std::string out = absl::StrCat("    n", pn.node.value, " [label=", Quote(label),
                                 ", fillcolor=", Quote(kPlacementFill[static_cast<int>(pn.placement)]),
                                 ", tooltip=", Quote(tooltip));
  if (note) absl::StrAppend(&out, ", color=", Quote(kCopyColor), ", peripheries=2");
  return out + "];\n";
}

std::string Legend(const PartitionReport& r) {
  return absl::StrCat(r.model_path, ": ", r.plan.strategy, " plan for ", r.profile.name,
                      ", predicted ", Ms(r.plan.predicted_ms),
                      "\nfill: blue = cpu, green = gpu, yellow = gpu with streamed weights; "
                      "red edges = copies; red border = not on its preferred device");
}

}  // namespace

std::string RenderReportDot(const ir::Graph& g, const PartitionReport& r) {
  std::vector<const partitioner::NodeNote*> note_of(g.num_nodes(), nullptr);
  for (const auto& n : r.notes) note_of[n.node.value] = &n;
  std::string out = "digraph plan {\n";
  absl::StrAppend(&out, "  graph [rankdir=TB, fontname=\"Helvetica\", labelloc=t, label=",
                  Quote(Legend(r)), "];\n",
                  "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
                  "fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9, color=\"#666666\"];\n");
  for (size_t i = 0; i < r.plan.segments.size(); ++i) {
    const partitioner::Segment& s = r.plan.segments[i];
    const int d = static_cast<int>(s.device);
    absl::StrAppend(&out, "  subgraph cluster_s", i, " {\n    label=",
                    Quote(absl::StrCat("segment ", i, ": ", partitioner::DeviceKindName(s.device),
                                       ", ", s.nodes.size(), " node(s), ", Ms(s.predicted_ms))),
                    ";\n    style=\"rounded,dashed\";\n    color=", Quote(kDeviceLine[d]), ";\n");
    for (const partitioner::PlacedNode& pn : s.nodes) {
      absl::StrAppend(&out, NodeStatement(g, pn, note_of[pn.node.value]));
    }
    absl::StrAppend(&out, "  }\n");
  }
  for (ir::ValueId in : g.inputs()) {
    absl::StrAppend(&out, "  v", in.value, " [label=", Quote("input " + g.value(in).name),
                    ", shape=ellipse, style=filled, fillcolor=\"#eeeeee\"];\n");
  }
  for (ir::ValueId o : g.outputs()) {
    absl::StrAppend(&out, "  out", o.value, " [label=", Quote("output " + g.value(o).name),
                    ", shape=ellipse, style=filled, fillcolor=\"#eeeeee\"];\n");
  }
  for (const ReportEdge& e : PlanEdges(g, r)) {
    std::string from = e.producer >= 0 ? absl::StrCat("n", e.producer) : absl::StrCat("v", e.value);
    std::string to = e.consumer >= 0 ? absl::StrCat("n", e.consumer) : absl::StrCat("out", e.value);
    absl::StrAppend(&out, "  ", from, " -> ", to);
    if (e.copy) {
      absl::StrAppend(&out, " [label=",
                      Quote(absl::StrCat(e.copy->name, "\n", ShortBytes(e.copy->bytes), ", ",
                                         Ms(e.copy->predicted_ms))),
                      ", color=", Quote(kCopyColor), ", fontcolor=", Quote(kCopyColor),
                      ", penwidth=2.5, style=bold]");
    }
    absl::StrAppend(&out, ";\n");
  }
  return out + "}\n";
}

}  // namespace tandem::tools
