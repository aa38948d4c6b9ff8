// Local search on a feasible assignment: first-improvement moves, each priced incrementally
// (only the moved nodes and the values they touch change) and accepted only when the exact
// memory of both devices still fits.
//
// Moves, per pass: (1) one node to each other placement it allows; (2) runs of 2, 4, ...,
// max_run consecutive nodes (execution order) all to the CPU, all to the GPU resident, or all to
// their best GPU placement; (3) for small graphs, two nodes at once (one to each side), which
// trades memory between nodes when a budget binds. A memory check first compares resident
// weights with the budget (a lower bound, cheap) and runs the exact model only if that passes.
//
// Batched checks (SolverOptions::max_check_batch, large graphs only). The exact check costs as
// much as pricing thousands of moves, so on large graphs improving moves that pass the cheap
// bound are applied tentatively and verified together: one exact check per batch. A batch that
// fits is kept and the next one may be twice as long; one that does not is undone as a whole and
// the batch length halves (down to 1, i.e. every move checked alone), so the assignment after
// every verified batch fits, exactly as with single checks.
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
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
                        : std::clamp(400000 / std::max(1, problem.num_steps()), 16, 4000)),
        max_evaluations_(problem.num_steps() > options.batch_checks_above
                             ? int64_t{options.evaluations_per_step} * problem.num_steps()
                             : INT64_MAX),
        max_batch_(problem.num_steps() > options.batch_checks_above
                       ? std::max(1, options.max_check_batch)
                       : 1) {}

  int Run() {
    CountWeights();
    for (int pass = 0;
         pass < options_.max_passes && !stopped_ && checks_ < max_checks_ &&
         evaluations_ < max_evaluations_;
         ++pass) {
      const int before = committed_;
      SingleMoves();
      RunMoves();
      if (p_.num_steps() <= options_.pair_moves_up_to) PairMoves();
      Commit();
      if (committed_ == before) break;
    }
    Commit();  // the last batch is verified even when the check budget ran out
    return committed_;
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

  // Applies the move when the cheap bound allows it, and records it in the batch; verifies the
  // batch when it is full. Returns whether the move is (still) applied.
  bool Apply(const std::vector<int>& steps, const std::vector<Placement>& to) {
    const size_t mark = journal_.size();
    for (size_t i = 0; i < steps.size(); ++i) {
      journal_.push_back({steps[i], a_[steps[i]]});
      Place(steps[i], to[i]);
    }
    if (resident_[0] > p_.options().cpu_budget_bytes ||
        (resident_[1] > 0 && resident_[1] > p_.options().gpu_budget_bytes)) {
      Undo(mark);
      return false;
    }
    ++pending_;
    return pending_ < batch_ || Commit();
  }

  // The exact check of every pending move: keeps them all, or undoes them all.
  bool Commit() {
    if (pending_ == 0) return true;
    ++checks_;
    MemoryPair m = ComputeMemory(p_, a_);
    const bool fits = m[0].fits() && m[1].fits();
    if (fits) {
      committed_ += pending_;
      batch_ = std::min(2 * batch_, max_batch_);
      journal_.clear();
      failed_in_row_ = 0;
    } else {
      Undo(0);
      batch_ = std::max(1, batch_ / 2);
      // On a large graph, a run of moves that only look good on time and keep breaking a
      // budget means the search is at the budget's edge: stop spending exact checks there.
      if (max_batch_ > 1 && ++failed_in_row_ >= kMaxFailedInRow) stopped_ = true;
    }
    pending_ = 0;
    return fits;
  }

  void Undo(size_t mark) {
    while (journal_.size() > mark) {
      Place(journal_.back().first, journal_.back().second);
      journal_.pop_back();
    }
  }

  // Resident weight bytes per device, kept up to date move by move (ResidentWeightBytes is
  // O(values); this is O(the moved node's weights)). readers_[d][v]: the uses that keep weight v
  // resident on device d (evaluate.cc's rule: a GPU use keeps it on the GPU; a host operand, a
  // CPU or streamed use, or being a graph output keeps it on the host).
  void CountWeights() {
    for (auto& r : readers_) r.assign(p_.num_values(), 0);
    for (int v = 0; v < p_.num_values(); ++v) {
      const ProblemValue& pv = p_.value(v);
      if (pv.role != ValueRole::kWeight) continue;
      readers_[0][v] = pv.graph_output ? 1 : 0;
      for (const Use& u : pv.uses) {
        ++readers_[!u.on_host && a_[u.step] == Placement::kGpu ? 1 : 0][v];
      }
    }
    resident_ = ResidentWeightBytes(p_, a_);
  }
  void Place(int step, Placement to) {
    const Placement from = a_[step];
    if (from == to) return;
    a_[step] = to;
    const int d_from = from == Placement::kGpu ? 1 : 0, d_to = to == Placement::kGpu ? 1 : 0;
    if (d_from == d_to) return;  // cpu <-> gpu-streamed: weights stay on the host
    for (int v : p_.node(step).weights) {
      for (const Use& u : p_.value(v).uses) {
        if (u.step != step || u.on_host) continue;
        if (--readers_[d_from][v] == 0) resident_[d_from] -= p_.value(v).bytes;
        if (readers_[d_to][v]++ == 0) resident_[d_to] += p_.value(v).bytes;
      }
    }
  }

  // Applies the move if it improves the time and fits.
  bool Try(const std::vector<int>& steps, const std::vector<Placement>& to) {
    bool changes = false;
    for (size_t i = 0; i < steps.size(); ++i) changes = changes || a_[steps[i]] != to[i];
    if (!changes || stopped_ || checks_ >= max_checks_ || evaluations_ >= max_evaluations_) {
      return false;
    }
    ++evaluations_;
    if (Delta(steps, to) >= -1e-12) return false;
    return Apply(steps, to);
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
  static constexpr int kMaxFailedInRow = 8;
  int failed_in_row_ = 0;  // exact checks that failed since the last one that passed
  bool stopped_ = false;
  int64_t evaluations_ = 0;  // moves priced
  const int64_t max_evaluations_;
  const int max_batch_;
  int batch_ = 1;       // moves verified together (grows to max_batch_ while batches fit)
  int pending_ = 0;     // moves applied since the last exact check
  int committed_ = 0;   // moves kept after an exact check
  std::vector<std::pair<int, Placement>> journal_;  // (step, old placement) of pending moves
  std::vector<int> readers_[kNumDeviceKinds];         // by device, by value (weights only)
  std::array<int64_t, kNumDeviceKinds> resident_{0, 0};
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
