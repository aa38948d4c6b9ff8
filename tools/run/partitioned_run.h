// tandem-run's partitioned mode (--gpu-mem, --cpu-mem, --profile, --strategy, --plan, --strict):
// the model runs through the embedding API (tandem::Session), planned across the GPU and the CPU,
// and the report gives, per segment and per transfer, the measured time next to the plan's
// prediction. Kept apart from main.cc so the single-device mode stays as it is.
#ifndef TANDEM_TOOLS_RUN_PARTITIONED_RUN_H_
#define TANDEM_TOOLS_RUN_PARTITIONED_RUN_H_

#include <ostream>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace tandem::tools {

struct PartitionedRunArgs {
  std::string model_path;
  std::string profile = "laptop-6gb";
  std::string gpu_mem, cpu_mem;        // "" keeps the profile's budget
  std::string strategy = "optimal";
  std::string plan_path;               // a plan from `partition-tool --format plan`
  bool strict = false;
  bool json = false;                   // per-step times in the JSON line (and no text table)
  int threads = 1;
  int warmup = 1, iters = 10;
  std::vector<ir::Tensor> inputs;      // graph-input order
  std::string outputs_dir;             // write output_<i>.pb there
  std::string expected_dir;            // compare with output_<i>.pb there
  double rtol = -1, atol = -1;         // < 0: per-dtype defaults
};

// Runs and prints the report to `out` (warnings and errors to `err`). Returns the exit status:
// 0, 1 (the model or run failed, or outputs differ from --expected), 2 (bad flag), 3 (--strict
// and no usable GPU).
int RunPartitioned(const PartitionedRunArgs& args, std::ostream& out, std::ostream& err);

}  // namespace tandem::tools

#endif  // TANDEM_TOOLS_RUN_PARTITIONED_RUN_H_
