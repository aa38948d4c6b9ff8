// The partitioner: assigns every node of a graph to the CPU or the GPU under memory budgets,
// minimising predicted latency, and returns a Plan. It never mutates the graph.
//
//   DeviceSet devices{&cpu_capability, &gpu_capability};   // gpu may be null
//   RooflineCostModel cost(profile);
//   PartitionOptions options = OptionsForProfile(profile);  // budgets from the profile
//   absl::StatusOr<Plan> plan = Partition(graph, devices, cost, options);
//
// Partitioner (the class) keeps the precomputed problem so that a tool can ask for several
// strategies, baselines, budget sweeps and explanations without redoing capability checks.
// Ownership: the graph, capabilities and cost model must outlive the Partitioner.
// Errors: Unimplemented when a value has no static shape or a node can run nowhere;
// ResourceExhausted (saying how much is needed) when no placement fits the budgets.
// Thread-safety: const methods may run concurrently.
#ifndef TANDEM_PARTITIONER_PARTITIONER_H_
#define TANDEM_PARTITIONER_PARTITIONER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "partitioner/capability.h"
#include "partitioner/cost_model.h"
#include "partitioner/device_profile.h"
#include "partitioner/plan.h"
#include "partitioner/problem.h"
#include "partitioner/solvers.h"

namespace tandem::partitioner {

enum class Strategy {
  kOptimal,  // min-cut with a price on the binding budget, then local search
  kGreedy,   // topological fill of the GPU until the first node that does not fit
  kAllGpu,   // every node the GPU can run on the GPU (fails when that does not fit)
  kAllCpu,   // every node the CPU can run on the CPU (fails when that does not fit)
};
absl::string_view StrategyName(Strategy s);  // "optimal" | "greedy" | "gpu" | "cpu"
std::optional<Strategy> ParseStrategy(absl::string_view name);

struct DeviceSet {
  const Capability* cpu = nullptr;  // required
  const Capability* gpu = nullptr;  // (optional) null: the machine has no GPU
};

struct PartitionOptions {
  Strategy strategy = Strategy::kOptimal;
  int64_t cpu_budget_bytes = 0;
  int64_t gpu_budget_bytes = 0;
  ArenaLayout cpu_layout{64, 16};
  ArenaLayout gpu_layout{256, 0};
  bool allow_streaming = true;  // let weight-heavy nodes stream their weights from the host
  bool pinned_staging = true;   // copies go through a pinned host buffer (counted on the host)
  // The GPU's workspace estimate (DeviceProfile::workspace_bytes), counted when any node runs
  // there. The CPU's workspace needs no option: its Capability reports each kernel's scratch.
  int64_t gpu_workspace_bytes = 0;
  SolverOptions solver;
};

// Budgets and arena layouts from `profile`; everything else default.
PartitionOptions OptionsForProfile(const MachineProfile& profile);

// Bytes of the initializers the graph reads (what "25%" sizes are a share of).
int64_t ModelWeightBytes(const ir::Graph& graph);

struct Baselines {
  // Predicted time of each baseline, or nullopt with `*_why` saying why it does not fit.
  std::optional<double> all_cpu_ms, all_gpu_ms, greedy_ms;
  std::string all_cpu_why, all_gpu_why, greedy_why;
};

// Why a node is not on the device it would prefer on its own (the faster one by the cost model).
struct NodeNote {
  ir::NodeId node;
  DeviceKind preferred = DeviceKind::kCpu;
  Placement placed = Placement::kCpu;
  bool refused = false;  // the preferred device's executor cannot run it (--strict fails)
  std::string reason;
};

class Partitioner {
 public:
  static absl::StatusOr<Partitioner> Create(const ir::Graph& graph, const DeviceSet& devices,
                                            const CostModel& cost, const PartitionOptions& options);

  // A plan by `strategy` under the options' budgets, or under other budgets.
  absl::StatusOr<Plan> Run(Strategy strategy) const;
  absl::StatusOr<Plan> Run(Strategy strategy, int64_t cpu_budget_bytes,
                           int64_t gpu_budget_bytes) const;
  // Statistics of the last Run(kOptimal) on this thread are not kept; ask for them here.
  absl::StatusOr<Plan> RunOptimal(SolverStats* stats) const;

  Baselines ComputeBaselines() const;
  // Nodes of `plan` not on their preferred device, in execution order, with reasons.
  std::vector<NodeNote> Explain(const Plan& plan) const;

  const Problem& problem() const { return problem_; }
  const ir::Graph& graph() const { return *graph_; }

 private:
  Partitioner(const ir::Graph& graph, Problem problem, PartitionOptions options)
      : graph_(&graph), problem_(std::move(problem)), options_(std::move(options)) {}
  absl::StatusOr<Plan> RunOn(const Problem& problem, Strategy strategy, SolverStats* stats) const;

  const ir::Graph* graph_;
  Problem problem_;
  PartitionOptions options_;
};

// One-shot form: Partitioner::Create(...) then Run(options.strategy).
absl::StatusOr<Plan> Partition(const ir::Graph& graph, const DeviceSet& devices,
                               const CostModel& cost, const PartitionOptions& options);

// Builds the Plan value for an assignment (segments, transfers, memory, times).
Plan BuildPlan(const ir::Graph& graph, const Problem& problem, const Assignment& assignment,
               absl::string_view strategy);

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_PARTITIONER_H_
