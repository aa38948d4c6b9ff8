// `partition-tool MODEL.onnx ...`: the partition report as text, JSON, Graphviz or HTML.
//
// PartitionReport gathers everything the report shows (the plan, baselines, explanations, an
// optional budget sweep, optional measured node times); the Render* functions only format it.
// The JSON schema and the dot/HTML conventions are documented in docs/partitioner.md.
// Thread-safety: pure functions over plain values.
#ifndef TANDEM_TOOLS_PARTITION_TOOL_PARTITION_REPORT_H_
#define TANDEM_TOOLS_PARTITION_TOOL_PARTITION_REPORT_H_

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "nlohmann/json.hpp"
#include "partitioner/cost_table.h"
#include "partitioner/device_profile.h"
#include "partitioner/partitioner.h"
#include "partitioner/plan.h"

namespace tandem::tools {

struct SweepRow {
  int percent = 0;             // of the model's weight bytes
  int64_t gpu_budget_bytes = 0;
  std::optional<double> predicted_ms;  // nullopt: no placement fits (see `error`)
  int gpu_nodes = 0;
  int streamed_nodes = 0;
  int transfers = 0;
  std::string error;
};

// Measured node times (--calibrate, or a --cost-table file) next to the roofline's estimates.
struct Calibration {
  partitioner::CostTable table;
  std::string source;    // "measured by this run" or "cost table FILE"
  std::string saved_to;  // where --calibrate wrote the table ("" when it did not)
  std::vector<double> roofline_cpu_ms;  // by NodeId: the profile's roofline estimate for the CPU
  std::vector<double> roofline_gpu_ms;  // the same for the GPU (empty without a GPU profile)
  // Measured CPU / GPU ms by NodeId (nullopt: not in the table).
  std::vector<std::optional<double>> MeasuredCpuMs(int num_nodes) const;
  std::vector<std::optional<double>> MeasuredGpuMs(int num_nodes) const;
};

struct PartitionReport {
  std::string command;          // the command line, echoed
  std::string model_path;
  int num_nodes = 0;
  int64_t weight_bytes = 0;
  partitioner::MachineProfile profile;
  std::string gpu_budget_source;  // "profile" or "--gpu-mem 25%"
  std::string cpu_budget_source;
  partitioner::Plan plan;
  partitioner::SolverStats stats;
  partitioner::Baselines baselines;
  std::vector<partitioner::NodeNote> notes;  // nodes off their preferred device
  std::vector<SweepRow> sweep;               // empty without --sweep
  std::optional<Calibration> calibration;    // with --calibrate or --cost-table
  // (node id, input index) of the operands a GPU node reads in host memory (shape and scalar
  // operands; Capability::InputOnHost): such an edge is no copy even when it crosses devices.
  std::set<std::pair<int, int>> host_operands;
};

// Builds the sweep rows: the optimal plan at GPU budgets 0, 10, ..., 100% of the weights.
std::vector<SweepRow> SweepBudgets(const partitioner::Partitioner& partitioner,
                                   int64_t cpu_budget_bytes, int64_t weight_bytes);

// Number of nodes whose preferred device refused them (what --strict checks).
int CountRefused(const PartitionReport& report);

// The text report's closing line: "verdict: fits; 40 of 49 nodes on the gpu, ...".
std::string VerdictLine(const PartitionReport& report);

std::string RenderReportText(const ir::Graph& graph, const PartitionReport& report);
nlohmann::ordered_json RenderReportJson(const ir::Graph& graph, const PartitionReport& report);
// Graphviz: nodes filled by device, one cluster per segment, copies as red bold edges labelled
// with the copy's name, bytes and time (partition_report_dot.cc).
std::string RenderReportDot(const ir::Graph& graph, const PartitionReport& report);
// One self-contained HTML page (no scripts, no external files): the graph coloured by device, the
// memory bars, the latency-vs-GPU-budget curve of the sweep, and the node table
// (partition_report_html.cc).
std::string RenderReportHtml(const ir::Graph& graph, const PartitionReport& report);

}  // namespace tandem::tools

#endif  // TANDEM_TOOLS_PARTITION_TOOL_PARTITION_REPORT_H_
