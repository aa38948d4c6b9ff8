// The data-flow edges of a plan, as the dot and HTML reports draw them: producer (a node or a
// graph input) → consumer (a node or a graph output), with the copy the value goes through on
// the way, if any. Weights are not edges (a streamed weight is a property of its node).
// Internal to partition-tool. Thread-safety: pure functions.
#ifndef TANDEM_TOOLS_PARTITION_TOOL_REPORT_EDGES_H_
#define TANDEM_TOOLS_PARTITION_TOOL_REPORT_EDGES_H_

#include <string>
#include <vector>

#include "ir/graph.h"
#include "partitioner/plan.h"
#include "tools/partition_tool/partition_report.h"

namespace tandem::tools {

struct ReportEdge {
  int value = -1;     // ir::ValueId value
  int producer = -1;  // node id; -1 when the value is a graph input
  int consumer = -1;  // node id; -1 when the edge ends at the graph output `value`
  const partitioner::Transfer* copy = nullptr;  // into report.plan.transfers
};

// One edge per (value, consumer) in execution order of the consumers, then the graph outputs.
// An edge carries a copy when its consumer reads the value on the other device than the one it
// lives on (a GPU node reads host operands on the host: PartitionReport::host_operands).
std::vector<ReportEdge> PlanEdges(const ir::Graph& graph, const PartitionReport& report);

// The node's name, or "Op#id" when it has none.
std::string NodeLabel(const ir::Graph& graph, ir::NodeId id);

// "1.23 MiB" / "512 B" for copy labels.
std::string ShortBytes(int64_t bytes);

}  // namespace tandem::tools

#endif  // TANDEM_TOOLS_PARTITION_TOOL_REPORT_EDGES_H_
