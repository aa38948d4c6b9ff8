// The assignment solvers, each in its own file. All take a Problem (budgets included) and return
// an Assignment; docs/partitioner.md ("Solver") explains the method and its complexity.
//
// Internal to partitioner/. Thread-safety: pure functions.
#ifndef TANDEM_PARTITIONER_SOLVERS_H_
#define TANDEM_PARTITIONER_SOLVERS_H_

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "partitioner/problem.h"

namespace tandem::partitioner {

// ---- baselines.cc
// Every node on the CPU (nodes only the GPU can run: on the GPU). Ignores budgets.
Assignment AllCpu(const Problem& problem);
// Every node the GPU can run on the GPU, weights resident; the rest on the CPU. Ignores budgets.
Assignment AllGpu(const Problem& problem);
// Greedy topological fill, as today's runtimes do: walk the execution order putting every
// GPU-capable node on the GPU until the first one that would overflow a budget; that node and
// all later GPU-capable ones go to the CPU. nullopt when even the shortest prefix does not fit.
std::optional<Assignment> GreedyFill(const Problem& problem);

// ---- lagrangian_assign.cc
// Prices per byte (ms/byte) that turn memory into time in the relaxed problem.
struct Prices {
  double gpu_byte_ms = 0;
  double cpu_byte_ms = 0;
  // (optional) by value id: the share (0..1) of each activation's bytes that counts when its
  // producer runs on a priced device. Null: activations are not priced, only weights.
  const std::vector<double>* activation_share = nullptr;
};
// The exact minimiser of  time + prices·memory-proxy  (resident weights, plus priced shares of
// activations), by one minimum cut. O(max-flow) on a graph of nodes + values.
Assignment AssignForPrices(const Problem& problem, const Prices& prices);

// The same for many prices and one memory proxy: the flow network is built once and each Assign
// only sets its capacities (a price search changes prices, never the network). The problem and
// `activation_share` (optional) must outlive it. Not thread-safe.
class RelaxedCut {
 public:
  RelaxedCut(const Problem& problem, const std::vector<double>* activation_share);
  ~RelaxedCut();
  RelaxedCut(const RelaxedCut&) = delete;
  RelaxedCut& operator=(const RelaxedCut&) = delete;
  Assignment Assign(double gpu_byte_ms, double cpu_byte_ms);

 private:
  struct Network;
  std::unique_ptr<Network> net_;  // null without a GPU
  const Problem* problem_;
};

// ---- local_search.cc, exact_search.cc, solver.cc
struct SolverOptions {
  // Graphs with at most this many nodes finish with an exact branch and bound (exact_search.cc)
  // seeded with the heuristic's answer; 0 turns it off.
  int exact_up_to = 24;
  int64_t exact_max_expansions = 2'000'000;  // nodes of the search tree before giving up
  int max_passes = 16;
  // Exact memory evaluations allowed; 0: automatic, clamp(400000 / steps, 16, 4000), which keeps
  // a 10,000-node graph within its time budget.
  int max_memory_checks = 0;
  int max_run = 16;              // longest run of consecutive nodes moved as one
  int all_run_lengths_up_to = 2000;  // every run length 2..max_run when steps <= this, else 2^k
  int pair_moves_up_to = 200;    // try moving two nodes at once when steps <= this
  // Above this many steps, local search verifies up to max_check_batch improving moves with one
  // exact memory check (local_search.cc, "Batched checks"); below, every move alone.
  int batch_checks_above = 2000;
  int max_check_batch = 16;
  // Above batch_checks_above steps, local search prices at most this many moves per step.
  int evaluations_per_step = 4;
};
// Improves a feasible `assignment` in place by moves that lower the predicted time and keep
// both budgets (exactly checked). Returns the number of accepted moves.
int LocalSearch(const Problem& problem, const SolverOptions& options,
                Assignment& assignment);

// Makes an infeasible `assignment` fit by single-node moves, each time taking the move that most
// reduces the total overflow (bytes over budget, summed over devices; ties: the least time),
// until it fits (true) or no move reduces the overflow (false). Each step costs one exact memory
// evaluation per candidate move, so it is meant for small overflows and graphs.
bool RepairToFit(const Problem& problem, int max_memory_checks, Assignment& assignment);

// Branch and bound over the execution order. Improves `best` / `best_ms` (pass +infinity when
// there is no incumbent) if a faster assignment that fits exists; returns false when the
// expansion limit cut the search short (the answer is then not proven optimal).
bool ExactSearch(const Problem& problem, int64_t max_expansions, Assignment& best,
                 double& best_ms);

struct SolverStats {
  int cuts = 0;            // min-cut solves
  int memory_checks = 0;   // exact memory evaluations in the price search
  int local_moves = 0;
  double best_price = 0;   // the price of the best relaxed solution (0: memory did not bind)
  bool proven_optimal = false;  // the unconstrained optimum fit, or the exact search finished
};
// The optimal strategy: relaxed min-cut with a price search on the binding budget, baselines as
// extra starting points, then local search. ResourceExhausted (saying how much is needed) when
// no assignment that fits both budgets is found.
absl::StatusOr<Assignment> SolveOptimal(const Problem& problem, const SolverOptions& options,
                                        SolverStats* stats);
// The error for budgets no assignment meets: what the smallest placements need.
absl::Status InfeasibleBudgetError(const Problem& problem);

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_SOLVERS_H_
