// Measured node times (partition-tool --calibrate) as a file, and the cost model made from them.
//
// A CostTable holds, for one model, each node's measured time on each device that was measured
// (the CPU always; the GPU when tandem can run nodes there). It is saved as JSON (schema in
// docs/partitioner.md, "Calibration") and read back with `--cost-table FILE`.
// MeasuredCostModel turns it into a TableCostModel keyed by node id whose missing times (a device
// not measured, a node not in the table) and copies come from a fallback model, the roofline.
//
// Errors: InvalidArgument naming the field or node; NotFound for a missing file.
// Thread-safety: plain values and pure functions.
#ifndef TANDEM_PARTITIONER_COST_TABLE_H_
#define TANDEM_PARTITIONER_COST_TABLE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ir/graph.h"
#include "partitioner/cost_model.h"

namespace tandem::partitioner {

// How one device was (or was not) measured.
struct MeasuredDevice {
  bool measured = false;
  std::string name;             // "AMD EPYC (2 cores)"
  int threads = 0;              // worker threads the executor used
  int runs = 0;                 // timed runs; each node's time is the median over them
  int warmup = 0;               // untimed runs first
  std::optional<double> run_ms;  // median end-to-end run (all nodes on this device)
  std::string note;             // why it was not measured, or how
};

struct CostTableNode {
  int id = 0;                   // ir::NodeId value
  std::string name;
  std::string op;
  std::optional<double> cpu_ms;  // median kernel time
  std::optional<double> gpu_ms;
};

struct CostTable {
  std::string model;            // the model file measured
  int nodes_in_model = 0;
  MeasuredDevice cpu, gpu;
  std::vector<CostTableNode> nodes;  // by id
};

std::string CostTableToJson(const CostTable& table);
absl::StatusOr<CostTable> ParseCostTableJson(absl::string_view text);
absl::StatusOr<CostTable> LoadCostTable(const std::string& path);
absl::Status SaveCostTable(const CostTable& table, const std::string& path);

// The measured times of `table` for `graph`, everything else from `fallback` (which must outlive
// the result). InvalidArgument naming the node when the table was measured on another model
// (node count, an id, op type or name that does not match).
absl::StatusOr<TableCostModel> MeasuredCostModel(const ir::Graph& graph, const CostTable& table,
                                                 const CostModel& fallback);

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_COST_TABLE_H_
