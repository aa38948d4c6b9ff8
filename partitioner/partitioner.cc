#include "partitioner/partitioner.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "partitioner/evaluate.h"
#include "partitioner/transfer_pass.h"

namespace tandem::partitioner {
namespace {

std::string DoesNotFit(const MemoryPair& m) {
  std::string why;
  for (const DeviceMemory& d : m) {
    if (d.fits()) continue;
    absl::StrAppend(&why, why.empty() ? "" : "; ", "needs ", FormatMiB(d.total_bytes()), " on the ",
                    DeviceKindName(d.device), ", budget ", FormatMiB(d.budget_bytes));
  }
  return why;
}

}  // namespace

absl::string_view StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kOptimal: return "optimal";
    case Strategy::kGreedy: return "greedy";
    case Strategy::kAllGpu: return "gpu";
    case Strategy::kAllCpu: return "cpu";
  }
  return "?";
}

std::optional<Strategy> ParseStrategy(absl::string_view name) {
  for (Strategy s : {Strategy::kOptimal, Strategy::kGreedy, Strategy::kAllGpu, Strategy::kAllCpu}) {
    if (StrategyName(s) == name) return s;
  }
  return std::nullopt;
}

PartitionOptions OptionsForProfile(const MachineProfile& profile) {
  PartitionOptions o;
  o.cpu_budget_bytes = profile.cpu.budget_bytes;
  o.cpu_layout = {profile.cpu.alignment_bytes, profile.cpu.buffer_padding_bytes};
  if (profile.gpu) {
    o.gpu_budget_bytes = profile.gpu->budget_bytes;
    o.gpu_layout = {profile.gpu->alignment_bytes, profile.gpu->buffer_padding_bytes};
    o.gpu_workspace_bytes = profile.gpu->workspace_bytes;
  }
  return o;
}

int64_t ModelWeightBytes(const ir::Graph& graph) {
  std::set<ir::ValueId> outputs(graph.outputs().begin(), graph.outputs().end());
  int64_t bytes = 0;
  for (int i = 0; i < graph.num_values(); ++i) {
    const ir::Value& v = graph.value(ir::ValueId(i));
    if (!v.initializer || (v.consumers.empty() && !outputs.count(ir::ValueId(i)))) continue;
    bytes += static_cast<int64_t>(v.initializer->byte_size());
  }
  return bytes;
}

absl::StatusOr<Partitioner> Partitioner::Create(const ir::Graph& graph, const DeviceSet& devices,
                                                const CostModel& cost,
                                                const PartitionOptions& options) {
  if (devices.cpu == nullptr) return absl::InvalidArgumentError("DeviceSet.cpu is required");
  ProblemOptions po;
  po.cpu_budget_bytes = options.cpu_budget_bytes;
  po.gpu_budget_bytes = devices.gpu ? options.gpu_budget_bytes : 0;
  po.cpu_layout = options.cpu_layout;
  po.gpu_layout = options.gpu_layout;
  po.allow_streaming = options.allow_streaming;
  po.pinned_staging = options.pinned_staging;
  po.gpu_workspace_bytes = options.gpu_workspace_bytes;
  TANDEM_ASSIGN_OR_RETURN(Problem problem,
                          Problem::Build(graph, *devices.cpu, devices.gpu, cost, po));
  return Partitioner(graph, std::move(problem), options);
}

absl::StatusOr<Plan> Partitioner::Run(Strategy strategy) const {
  return RunOn(problem_, strategy, nullptr);
}

absl::StatusOr<Plan> Partitioner::Run(Strategy strategy, int64_t cpu_budget_bytes,
                                      int64_t gpu_budget_bytes) const {
  return RunOn(problem_.WithBudgets(cpu_budget_bytes, problem_.has_gpu() ? gpu_budget_bytes : 0),
               strategy, nullptr);
}

absl::StatusOr<Plan> Partitioner::RunOptimal(SolverStats* stats) const {
  return RunOn(problem_, Strategy::kOptimal, stats);
}

absl::StatusOr<Plan> Partitioner::RunOn(const Problem& problem, Strategy strategy,
                                        SolverStats* stats) const {
  Assignment a;
  switch (strategy) {
    case Strategy::kOptimal: {
      TANDEM_ASSIGN_OR_RETURN(a, SolveOptimal(problem, options_.solver, stats));
      break;
    }
    case Strategy::kGreedy: {
      auto greedy = GreedyFill(problem);
      if (!greedy) return InfeasibleBudgetError(problem);
      a = *std::move(greedy);
      break;
    }
    case Strategy::kAllGpu:
    case Strategy::kAllCpu: {
      a = strategy == Strategy::kAllGpu ? AllGpu(problem) : AllCpu(problem);
      MemoryPair m = ComputeMemory(problem, a);
      if (!m[0].fits() || !m[1].fits()) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "strategy '", StrategyName(strategy), "' does not fit: ", DoesNotFit(m)));
      }
      break;
    }
  }
  return BuildPlan(*graph_, problem, a, StrategyName(strategy));
}

Baselines Partitioner::ComputeBaselines() const {
  Baselines b;
  auto run = [&](Assignment a, std::optional<double>* ms, std::string* why) {
    Evaluation e = Evaluate(problem_, a);
    if (e.fits()) {
      *ms = e.total_ms();
    } else {
      *why = DoesNotFit(e.memory);
    }
  };
  run(AllCpu(problem_), &b.all_cpu_ms, &b.all_cpu_why);
  if (problem_.has_gpu()) {
    run(AllGpu(problem_), &b.all_gpu_ms, &b.all_gpu_why);
  } else {
    b.all_gpu_why = "the machine has no GPU";
  }
  if (auto greedy = GreedyFill(problem_)) {
    b.greedy_ms = PredictTime(problem_, *greedy);
  } else {
    b.greedy_why = "not even an empty GPU fill fits the host budget";
  }
  return b;
}

absl::StatusOr<Plan> Partition(const ir::Graph& graph, const DeviceSet& devices,
                               const CostModel& cost, const PartitionOptions& options) {
  TANDEM_ASSIGN_OR_RETURN(Partitioner p, Partitioner::Create(graph, devices, cost, options));
  return p.Run(options.strategy);
}

Plan BuildPlan(const ir::Graph& graph, const Problem& problem, const Assignment& assignment,
               absl::string_view strategy) {
  Plan plan;
  plan.strategy = std::string(strategy);
  Evaluation e = Evaluate(problem, assignment);
  for (int s = 0; s < problem.num_steps(); ++s) {
    const ProblemNode& n = problem.node(s);
    DeviceKind d = DeviceOf(assignment[s]);
    if (plan.segments.empty() || plan.segments.back().device != d) {
      plan.segments.push_back(Segment{d, {}, 0});
    }
    double ms = n.ms[static_cast<int>(assignment[s])];
    plan.segments.back().nodes.push_back({n.id, assignment[s], ms});
    plan.segments.back().predicted_ms += ms;
  }
  plan.transfers = InsertTransfers(graph, problem, assignment);
  plan.memory.push_back(e.memory[0]);
  if (problem.has_gpu()) plan.memory.push_back(e.memory[1]);
  plan.node_ms = e.node_ms;
  plan.transfer_ms = e.transfer_ms;
  plan.predicted_ms = e.total_ms();
  return plan;
}

}  // namespace tandem::partitioner
