// partition-tool --calibrate: measure every node's time on the devices present.
//
// The CPU is always measured, with the real CPU executor (executors/cpu) at the requested thread
// count: seeded random inputs, `warmup` untimed runs, then `runs` runs timed per node
// (CpuExecutor::RunProfiled); each node's time is the median over the runs, and so is the whole
// run's. With a GPU present, the nodes the GPU executor runs are cut out as one graph and timed
// the same way on the first GPU, with CUDA events around each node (the GPU's run_ms is the sum
// of their medians). Where the GPU is not measured (no CUDA in this build, no GPU, or a failure)
// the table says why and the GPU keeps the roofline's times. The result is a
// partitioner::CostTable (partitioner/cost_table.h).
//
// Errors: whatever CpuExecutor::Create or Run returns (Unimplemented naming a node the CPU
// cannot run; FailedPrecondition for graphs that need the interpreter, whose nodes cannot be
// timed one by one).
#ifndef TANDEM_TOOLS_PARTITION_TOOL_CALIBRATE_H_
#define TANDEM_TOOLS_PARTITION_TOOL_CALIBRATE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "partitioner/cost_table.h"

namespace tandem::tools {

struct CalibrateOptions {
  int threads = 1;
  int warmup = 2;
  int runs = 10;
  uint32_t seed = 0;
};

absl::StatusOr<partitioner::CostTable> Calibrate(const ir::Graph& graph,
                                                 const std::string& model_path,
                                                 const CalibrateOptions& options);

}  // namespace tandem::tools

#endif  // TANDEM_TOOLS_PARTITION_TOOL_CALIBRATE_H_
