// The partitioning problem, precomputed once from a graph, its devices and a cost model: the
// execution order, per-node times for each placement, and per-value sizes and uses. Every solver
// and the evaluator work on it with an Assignment (a Placement per step), never on the graph.
//
// Internal to partitioner/. Thread-safety: immutable after Build.
#ifndef TANDEM_PARTITIONER_PROBLEM_H_
#define TANDEM_PARTITIONER_PROBLEM_H_

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "partitioner/capability.h"
#include "partitioner/cost_model.h"
#include "partitioner/plan.h"

namespace tandem::partitioner {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Arena rules of a device's executor (see DeviceProfile).
struct ArenaLayout {
  int64_t alignment = 64;
  int64_t padding = 0;
};

struct ProblemOptions {
  int64_t cpu_budget_bytes = 0;
  int64_t gpu_budget_bytes = 0;
  ArenaLayout cpu_layout{64, 16};
  ArenaLayout gpu_layout{256, 0};
  bool allow_streaming = true;
  bool pinned_staging = true;  // activation copies go through one pinned host buffer
  // GPU workspace (the profile's estimate), held whenever any node runs on the GPU.
  int64_t gpu_workspace_bytes = 0;
};

// One use of a value by a node.
struct Use {
  int step = 0;
  // The node reads this operand in host memory wherever it runs (a shape or scalar operand).
  bool on_host = false;
};

enum class ValueRole : uint8_t { kUnused, kGraphInput, kWeight, kActivation };

struct ProblemValue {
  ValueRole role = ValueRole::kUnused;
  int64_t bytes = 0;
  int producer = -1;        // step of the producing node (kActivation)
  std::vector<Use> uses;    // in step order; a node using the value twice appears twice
  bool graph_output = false;
  double to_gpu_ms = 0;     // one copy of the whole value, host → GPU
  double to_cpu_ms = 0;     // GPU → host
};

struct ProblemNode {
  ir::NodeId id;
  // Time per Placement (kCpu, kGpu, kGpuStreamed); +infinity where not allowed.
  std::array<double, 3> ms{kInfinity, kInfinity, kInfinity};
  // The cost model's time on each DeviceKind ignoring capability (+infinity without a GPU):
  // what the node would prefer on its own.
  std::array<double, kNumDeviceKinds> standalone_ms{kInfinity, kInfinity};
  std::string cpu_reason;  // why the CPU refuses it ("" when it can run it)
  std::string gpu_reason;  // why the GPU refuses it (or "no GPU")
  std::vector<int> inputs;   // value ids read (deduplicated, weights included)
  std::vector<int> outputs;  // value ids written
  std::vector<int> weights;  // initializers read on the device (not on the host)
  int64_t stream_bytes = 0;  // bytes copied per run when streamed (0: cannot stream)
  int64_t cpu_workspace_bytes = 0;  // scratch its CPU kernel holds (when on the CPU)
  bool allowed(Placement p) const { return ms[static_cast<int>(p)] < kInfinity; }
};

using Assignment = std::vector<Placement>;  // by step

class Problem {
 public:
  // Fails with Unimplemented when a value has no static shape, or when a node can run on no
  // device (naming it and both reasons). `gpu` may be null (no GPU). The graph, capabilities and
  // cost model are only used during Build.
  static absl::StatusOr<Problem> Build(const ir::Graph& graph, const Capability& cpu,
                                       const Capability* gpu, const CostModel& cost,
                                       const ProblemOptions& options);

  // A copy with other budgets (for sweeps).
  Problem WithBudgets(int64_t cpu_budget_bytes, int64_t gpu_budget_bytes) const;

  int num_steps() const { return static_cast<int>(nodes_.size()); }
  const ProblemNode& node(int step) const { return nodes_[step]; }
  const std::vector<ProblemNode>& nodes() const { return nodes_; }
  const ProblemValue& value(int id) const { return values_[id]; }
  int num_values() const { return static_cast<int>(values_.size()); }
  const ProblemOptions& options() const { return options_; }
  bool has_gpu() const { return has_gpu_; }
  int64_t total_weight_bytes() const { return total_weight_bytes_; }
  // Step of node `id` in the execution order.
  int StepOf(ir::NodeId id) const { return step_of_[id.value]; }

 private:
  Problem() = default;
  absl::Status AddValues(const ir::Graph& graph, const std::vector<ir::NodeId>& order,
                         const Capability* gpu, const CostModel& cost);
  absl::Status AddNodes(const ir::Graph& graph, const Capability& cpu, const Capability* gpu,
                        const CostModel& cost);

  std::vector<ProblemNode> nodes_;
  std::vector<ProblemValue> values_;
  std::vector<int> step_of_;
  ProblemOptions options_;
  bool has_gpu_ = false;
  int64_t total_weight_bytes_ = 0;
};

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_PROBLEM_H_
