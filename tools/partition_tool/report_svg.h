// Inline SVG pictures for the HTML report (partition_report_html.cc): the graph coloured by
// device on a layered layout, the per-device memory bars, and the latency-vs-GPU-budget curve.
// Each returns one <svg> element (no scripts, no external references).
// Internal to partition-tool. Thread-safety: pure functions.
#ifndef TANDEM_TOOLS_PARTITION_TOOL_REPORT_SVG_H_
#define TANDEM_TOOLS_PARTITION_TOOL_REPORT_SVG_H_

#include <string>

#include "absl/strings/string_view.h"
#include "ir/graph.h"
#include "tools/partition_tool/partition_report.h"

namespace tandem::tools {

// Graphs with more nodes than this are not drawn (the page says so; use --format dot).
inline constexpr int kMaxDrawnNodes = 1500;

// &, <, >, " and ' as entities.
std::string EscapeXml(absl::string_view text);

// Layers by longest path from the inputs (graph inputs on top, outputs at the bottom), nodes in
// a layer ordered by their producers' mean position; boxes filled by placement, copies as red
// dashed edges. "" when the graph has more than kMaxDrawnNodes nodes.
std::string GraphSvg(const ir::Graph& graph, const PartitionReport& report);

// One stacked bar per device: weights + activations + workspace + staging, with the budget as a
// vertical line. The GPU's workspace is labelled as the profile's estimate.
std::string MemoryBarsSvg(const PartitionReport& report);

// Predicted ms against the GPU budget (% of the weights) for the sweep's rows that fit: a
// polyline and one circle per point (its <title> gives the numbers), the all-CPU and all-GPU
// baselines as dashed lines, and the report's own budget as a vertical line. "" without a sweep.
std::string SweepCurveSvg(const PartitionReport& report);

}  // namespace tandem::tools

#endif  // TANDEM_TOOLS_PARTITION_TOOL_REPORT_SVG_H_
