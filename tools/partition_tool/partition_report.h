// `partition-tool MODEL.onnx ...`: the partition report as text or JSON.
//
// PartitionReport gathers everything the report shows (the plan, baselines, explanations, an
// optional budget sweep); RenderReportText / RenderReportJson only format it. The JSON schema is
// documented in docs/partitioner.md.
// Thread-safety: pure functions over plain values.
#ifndef TANDEM_TOOLS_PARTITION_TOOL_PARTITION_REPORT_H_
#define TANDEM_TOOLS_PARTITION_TOOL_PARTITION_REPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "nlohmann/json.hpp"
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
};

// Builds the sweep rows: the optimal plan at GPU budgets 0, 10, ..., 100% of the weights.
std::vector<SweepRow> SweepBudgets(const partitioner::Partitioner& partitioner,
                                   int64_t cpu_budget_bytes, int64_t weight_bytes);

// Number of nodes whose preferred device refused them (what --strict checks).
int CountRefused(const PartitionReport& report);

std::string RenderReportText(const ir::Graph& graph, const PartitionReport& report);
nlohmann::ordered_json RenderReportJson(const ir::Graph& graph, const PartitionReport& report);

}  // namespace tandem::tools

#endif  // TANDEM_TOOLS_PARTITION_TOOL_PARTITION_REPORT_H_
