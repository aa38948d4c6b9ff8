// Local search on a feasible assignment: first-improvement moves, each priced incrementally
// (only the moved nodes and the values they touch change) and accepted only when the exact
// memory of both devices still fits.
//
// Moves, per pass: (1) one node to each other placement it allows; (2) runs of 2, 4, ...,
// max_run consecutive nodes (execution order) all to the CPU, all to the GPU resident, or all to
// their best GPU placement; (3) for small graphs, two nodes at once (one to each side), which
// trades memory between nodes when a budget binds. A memory check first compares resident
// weights with the budget (a lower bound, cheap) and runs the exact model only if that passes.
#include <algorithm>
#include <vector>

#include "partitioner/evaluate.h"
#include "partitioner/solvers.h"
#include "partitioner/transfer_pass.h"

namespace tandem::partitioner {
namespace {

class Searcher {
 public:
  Searcher(const Problem& problem, const SolverOptions& options, Assignment& a)
      : p_(problem), options_(options), a_(a), stamp_(problem.num_values(), 0),
        max_checks_(options.max_memory_checks > 0
                        ? options.max_memory_checks
                        : std::clamp(400000 / std::max(1, problem.num_steps()), 16, 4000)) {}

  int Run() {
    int accepted = 0;
    for (int pass = 0; pass < options_.max_passes && checks_ < max_checks_; ++pass) {
      int before = accepted;
      accepted += SingleMoves();
      accepted += RunMoves();
      if (p_.num_steps() <= options_.pair_moves_up_to) accepted += PairMoves();
      if (accepted == before) break;
    }
    return accepted;
  }

 private:
  // Time change of setting steps[i] to placements[i]; the assignment is left unchanged.
  double Delta(const std::vector<int>& steps, const std::vector<Placement>& to) {
    ++epoch_;
    touched_.clear();
    double delta = 0;
    for (size_t i = 0; i < steps.size(); ++i) {
      const ProblemNode& n = p_.node(steps[i]);
      delta += n.ms[static_cast<int>(to[i])] - n.ms[static_cast<int>(a_[steps[i]])];
      for (const std::vector<int>* list : {&n.inputs, &n.outputs}) {
        for (int v : *list) {
          if (stamp_[v] != epoch_) {
            stamp_[v] = epoch_;
            touched_.push_back(v);
          }
        }
      }
    }
    double before = 0, after = 0;
    for (int v : touched_) before += ValueCopyMs(p_, a_, v);
    old_.resize(steps.size());
    for (size_t i = 0; i < steps.size(); ++i) {
      old_[i] = a_[steps[i]];
      a_[steps[i]] = to[i];
    }
    for (int v : touched_) after += ValueCopyMs(p_, a_, v);
    for (size_t i = 0; i < steps.size(); ++i) a_[steps[i]] = old_[i];
    return delta + after - before;
  }

  bool FitsWith(const std::vector<int>& steps, const std::vector<Placement>& to) {
    old_.resize(steps.size());
    for (size_t i = 0; i < steps.size(); ++i) {
      old_[i] = a_[steps[i]];
      a_[steps[i]] = to[i];
    }
    bool fits = false;
    auto weights = ResidentWeightBytes(p_, a_);
    if (weights[0] <= p_.options().cpu_budget_bytes &&
        (weights[1] == 0 || weights[1] <= p_.options().gpu_budget_bytes)) {
      ++checks_;
      MemoryPair m = ComputeMemory(p_, a_);
      fits = m[0].fits() && m[1].fits();
    }
    if (!fits) {
      for (size_t i = 0; i < steps.size(); ++i) a_[steps[i]] = old_[i];
    }
    return fits;
  }

  // Applies the move if it improves the time and fits.
  bool Try(const std::vector<int>& steps, const std::vector<Placement>& to) {
    bool changes = false;
    for (size_t i = 0; i < steps.size(); ++i) changes = changes || a_[steps[i]] != to[i];
    if (!changes || checks_ >= max_checks_) return false;
    if (Delta(steps, to) >= -1e-12) return false;
    return FitsWith(steps, to);
  }

  int SingleMoves() {
    int accepted = 0;
    for (int s = 0; s < p_.num_steps(); ++s) {
      for (Placement q : {Placement::kCpu, Placement::kGpu, Placement::kGpuStreamed}) {
        if (q != a_[s] && p_.node(s).allowed(q) && Try({s}, {q})) ++accepted;
      }
    }
    return accepted;
  }

  Placement BestGpu(int s) const {
    const ProblemNode& n = p_.node(s);
    return n.ms[2] < n.ms[1] ? Placement::kGpuStreamed : Placement::kGpu;
  }

  int RunMoves() {
    int accepted = 0;
    std::vector<int> steps;
    std::vector<Placement> to;
    const bool every_length = p_.num_steps() <= options_.all_run_lengths_up_to;
    for (int len = 2; len <= options_.max_run && len <= p_.num_steps();
         len = every_length ? len + 1 : len * 2) {
      for (int start = 0; start + len <= p_.num_steps(); ++start) {
        for (int target = 0; target < 3; ++target) {
          steps.clear();
          to.clear();
          for (int s = start; s < start + len; ++s) {
            Placement q = target == 0 ? Placement::kCpu : target == 1 ? Placement::kGpu : BestGpu(s);
            if (!p_.node(s).allowed(q)) continue;
            steps.push_back(s);
            to.push_back(q);
          }
          if (!steps.empty() && Try(steps, to)) ++accepted;
        }
      }
    }
    return accepted;
  }

  int PairMoves() {
    int accepted = 0;
    for (int i = 0; i < p_.num_steps(); ++i) {
      for (int j = 0; j < p_.num_steps(); ++j) {
        if (i == j || a_[i] == Placement::kCpu || a_[j] != Placement::kCpu) continue;
        if (!p_.node(i).allowed(Placement::kCpu)) continue;
        for (Placement q : {Placement::kGpu, Placement::kGpuStreamed}) {
          if (p_.node(j).allowed(q) && Try({i, j}, {Placement::kCpu, q})) {
            ++accepted;
            break;
          }
        }
      }
    }
    return accepted;
  }

  const Problem& p_;
  const SolverOptions& options_;
  Assignment& a_;
  std::vector<uint32_t> stamp_;
  uint32_t epoch_ = 0;
  std::vector<int> touched_;
  std::vector<Placement> old_;
  int checks_ = 0;
  const int max_checks_;
};

int64_t Overflow(const MemoryPair& m) {
  int64_t over = 0;
  for (const DeviceMemory& d : m) over += std::max<int64_t>(0, d.total_bytes() - d.budget_bytes);
  return over;
}

}  // namespace

bool RepairToFit(const Problem& problem, int max_memory_checks, Assignment& a) {
  int64_t over = Overflow(ComputeMemory(problem, a));
  int checks = 1;
  while (over > 0) {
    int best_step = -1;
    Placement best_to = Placement::kCpu;
    int64_t best_over = over;
    double best_ms = kInfinity;
    for (int s = 0; s < problem.num_steps(); ++s) {
      const Placement from = a[s];
      for (Placement q : {Placement::kCpu, Placement::kGpu, Placement::kGpuStreamed}) {
        if (q == from || !problem.node(s).allowed(q)) continue;
        if (checks++ >= max_memory_checks) return false;
        a[s] = q;
        int64_t o = Overflow(ComputeMemory(problem, a));
        double ms = o <= best_over ? PredictTime(problem, a) : kInfinity;
        if (o < best_over || (o == best_over && best_step >= 0 && ms < best_ms)) {
          best_step = s;
          best_to = q;
          best_over = o;
          best_ms = ms;
        }
        a[s] = from;
      }
    }
    if (best_step < 0) return false;
    a[best_step] = best_to;
    over = best_over;
  }
  return true;
}

int LocalSearch(const Problem& problem, const SolverOptions& options,
                Assignment& assignment) {
  return Searcher(problem, options, assignment).Run();
}

}  // namespace tandem::partitioner
