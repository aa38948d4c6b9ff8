// The optimal strategy (docs/partitioner.md, "Solver"):
//
// 1. Solve the unconstrained problem exactly (min cut, prices 0). If it fits both budgets it is
//    the optimum and we stop.
// 2. Otherwise price the overflowing device's bytes (Lagrangian relaxation): for a price λ the
//    min cut gives the exact optimum of  time + λ·bytes. Bracket the smallest λ whose solution
//    fits by factors of 4, then bisect λ (geometrically). Every solution
//    met is evaluated exactly and the fastest that fits both budgets is kept. Weights are the
//    priced bytes; if no price makes the device fit (activations dominate), node outputs are
//    priced as well.
// 3. The baselines (all-CPU, all-GPU, greedy fill) join the candidates.
// 4. Local search from the best few candidates, with exact memory checks.
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "partitioner/evaluate.h"
#include "partitioner/solvers.h"

namespace tandem::partitioner {
namespace {

struct Candidate {
  Assignment a;
  double ms;
};

class OptimalSolver {
 public:
  OptimalSolver(const Problem& p, const SolverOptions& options, SolverStats* stats)
      : p_(p), options_(options), stats_(stats),
        total_ms_(PredictTime(p, AllCpu(p)) + PredictTime(p, AllGpu(p))) {}

  absl::StatusOr<Assignment> Solve() {
    e0_assignment_ = Cut(Prices{});
    Evaluation e0 = Consider(e0_assignment_);
    if (e0.fits()) {
      stats_->proven_optimal = true;
      return candidates_.front().a;
    }
    Consider(AllCpu(p_));
    Consider(AllGpu(p_));
    if (auto greedy = GreedyFill(p_)) Consider(*greedy);
    for (DeviceKind d : {DeviceKind::kGpu, DeviceKind::kCpu}) {
      if (!e0.memory[static_cast<int>(d)].fits()) SearchDevice(d, e0_assignment_);
    }
    if (candidates_.empty()) Repair();
    if (p_.num_steps() <= options_.exact_up_to) return Exact();
    if (candidates_.empty()) return InfeasibleBudgetError(p_);
    std::sort(candidates_.begin(), candidates_.end(),
              [](const Candidate& x, const Candidate& y) { return x.ms < y.ms; });
    // Local search from the few best distinct starts (one for large graphs).
    const size_t starts = p_.num_steps() > 2000 ? 1 : 3;
    Candidate best = candidates_.front();
    std::vector<Assignment> seen;
    for (const Candidate& c : candidates_) {
      if (seen.size() >= starts) break;
      if (std::find(seen.begin(), seen.end(), c.a) != seen.end()) continue;
      seen.push_back(c.a);
      Assignment a = c.a;
      stats_->local_moves += LocalSearch(p_, options_, a);
      double ms = PredictTime(p_, a);
      if (ms < best.ms) best = {a, ms};
    }
    return best.a;
  }

 private:
  // The heuristic's best (if any), then branch and bound from it.
  absl::StatusOr<Assignment> Exact() {
    Assignment best;
    double best_ms = kInfinity;
    for (const Candidate& c : candidates_) {
      if (c.ms < best_ms) {
        best = c.a;
        best_ms = c.ms;
      }
    }
    if (!candidates_.empty()) {
      stats_->local_moves += LocalSearch(p_, options_, best);
      best_ms = PredictTime(p_, best);
    }
    stats_->proven_optimal = ExactSearch(p_, options_.exact_max_expansions, best, best_ms);
    if (best_ms == kInfinity) return InfeasibleBudgetError(p_);
    return best;
  }

  Assignment Cut(const Prices& prices) {
    ++stats_->cuts;
    return AssignForPrices(p_, prices);
  }
  Assignment Cut(RelaxedCut& cut, const Prices& prices) {
    ++stats_->cuts;
    return cut.Assign(prices.gpu_byte_ms, prices.cpu_byte_ms);
  }

  Evaluation Consider(const Assignment& a) {
    ++stats_->memory_checks;
    Evaluation e = Evaluate(p_, a);
    if (e.fits()) {
      candidates_.push_back({a, e.total_ms()});
    } else {
      int64_t over = 0;
      for (const DeviceMemory& d : e.memory) {
        over += std::max<int64_t>(0, d.total_bytes() - d.budget_bytes);
      }
      near_misses_.push_back({a, static_cast<double>(over)});
    }
    return e;
  }

  // When no solution met fits (both budgets bind, and no single price satisfies both), repair the
  // few closest misses move by move.
  void Repair() {
    std::sort(near_misses_.begin(), near_misses_.end(),
              [](const Candidate& x, const Candidate& y) { return x.ms < y.ms; });
    const int checks = std::clamp(400000 / std::max(1, p_.num_steps()), 16, 4000);
    for (size_t i = 0; i < near_misses_.size() && i < 4; ++i) {
      Assignment a = near_misses_[i].a;
      if (RepairToFit(p_, checks, a)) candidates_.push_back({a, PredictTime(p_, a)});
    }
  }

  Prices PricesFor(DeviceKind d, double price, const std::vector<double>* share) const {
    Prices prices;
    (d == DeviceKind::kGpu ? prices.gpu_byte_ms : prices.cpu_byte_ms) = price;
    prices.activation_share = share;
    return prices;
  }

  // The price searches for an overflowing device `d`, one per memory proxy: weights only; weights
  // and every activation; weights and the activations live at the peak steps (found from the
  // unconstrained solution, then from each search's answer, up to three rounds).
  // Large graphs (more than 2,000 steps) skip the all-activations proxy and use one peak round.
  void SearchDevice(DeviceKind d, const Assignment& unconstrained) {
    const bool large = p_.num_steps() > 2000;
    PriceSearch(d, nullptr);
    std::vector<double> all(p_.num_values(), 1.0);
    if (!large) PriceSearch(d, &all);
    std::vector<int> hot = {PeakStep(p_, unconstrained, d)};
    for (int round = 0; round < (large ? 1 : 3); ++round) {
      std::vector<double> share = LiveAtAny(hot);
      auto fit = PriceSearch(d, &share);
      if (!fit) break;
      int peak = PeakStep(p_, *fit, d);
      if (std::find(hot.begin(), hot.end(), peak) != hot.end()) break;
      hot.push_back(peak);
    }
  }

  // 1 for activations and graph inputs whose lifetime (producer to last use; graph outputs to the
  // end) covers one of `steps`, else 0.
  std::vector<double> LiveAtAny(const std::vector<int>& steps) const {
    std::vector<double> share(p_.num_values(), 0.0);
    for (int v = 0; v < p_.num_values(); ++v) {
      const ProblemValue& pv = p_.value(v);
      if (pv.role != ValueRole::kActivation && pv.role != ValueRole::kGraphInput) continue;
      int first = std::max(pv.producer, 0);
      int last = pv.graph_output ? p_.num_steps() : first;
      for (const Use& u : pv.uses) last = std::max(last, u.step);
      for (int s : steps) share[v] = (first <= s && s <= last) ? 1.0 : share[v];
    }
    return share;
  }

  // Brackets the smallest price of device `d`'s bytes whose cut fits `d` (quadrupling up or
  // quartering down from the last search's answer, which is usually close), then bisects it
  // geometrically. Returns the solution at the smallest fitting price found.
  std::optional<Assignment> PriceSearch(DeviceKind d, const std::vector<double>* share) {
    const int k = static_cast<int>(d);
    RelaxedCut cut(p_, share);  // one network for the whole search: only prices change
    auto fits_at = [&](double price, std::optional<Assignment>* fit) {
      Assignment a = Cut(cut, PricesFor(d, price, share));
      bool fits = Consider(a).memory[k].fits();
      if (fits) *fit = std::move(a);
      return fits;
    };
    const double scale = total_ms_ / std::max<double>(1, static_cast<double>(p_.total_weight_bytes()));
    const double resolution = p_.num_steps() > 2000 ? 1.05 : 1.001;
    std::optional<Assignment> fit;
    double lo = 0, hi = last_price_ > 0 ? last_price_ : scale * 1e-3;
    if (fits_at(hi, &fit)) {
      // Resuming from the last search's answer: when one resolution step lower no longer fits,
      // the bisection below could only end at `hi` again (it assumes, as the whole search does,
      // that fitting is monotone in the price), so stop here.
      if (last_price_ > 0) {
        if (!fits_at(hi / resolution, &fit)) {
          stats_->best_price = hi;
          return fit;
        }
        hi /= resolution;
      }
      lo = hi / 4;  // walk down until a price no longer fits
      for (int i = 0; i < 40 && lo > scale * 1e-12 && fits_at(lo, &fit); ++i) {
        hi = lo;
        lo /= 4;
      }
    } else {
      for (int i = 0; i < 40 && !fit; ++i) {
        lo = hi;
        hi *= 4;
        fits_at(hi, &fit);
      }
      if (!fit) return std::nullopt;
    }
    for (int i = 0; i < 24 && hi / lo >= resolution; ++i) {
      double mid = std::sqrt(lo * hi);
      (fits_at(mid, &fit) ? hi : lo) = mid;
    }
    last_price_ = hi;
    stats_->best_price = hi;
    return fit;
  }

  const Problem& p_;
  const SolverOptions& options_;
  SolverStats* stats_;
  std::vector<Candidate> candidates_;
  std::vector<Candidate> near_misses_;  // infeasible solutions; `ms` holds the overflow bytes
  Assignment e0_assignment_;
  // The time scale of the problem: prices start near total_ms / total weight bytes.
  double total_ms_ = 0;
  double last_price_ = 0;  // the previous price search's answer, where the next one starts
};

std::string Breakdown(const DeviceMemory& m) {
  return absl::StrCat("weights ", FormatMiB(m.weight_bytes), " + activations ",
                      FormatMiB(m.activation_bytes()), " + workspace ",
                      FormatMiB(m.workspace_bytes), " + staging ", FormatMiB(m.staging_bytes));
}

}  // namespace

absl::StatusOr<Assignment> SolveOptimal(const Problem& problem, const SolverOptions& options,
                                        SolverStats* stats) {
  SolverStats local;
  return OptimalSolver(problem, options, stats ? stats : &local).Solve();
}

absl::Status InfeasibleBudgetError(const Problem& problem) {
  const ProblemOptions& o = problem.options();
  // The least the GPU can hold: only the nodes the CPU cannot run.
  MemoryPair min_gpu = ComputeMemory(problem, AllCpu(problem));
  if (!min_gpu[1].fits()) {
    int gpu_only = 0;
    for (const ProblemNode& n : problem.nodes()) gpu_only += n.allowed(Placement::kCpu) ? 0 : 1;
    return absl::ResourceExhaustedError(absl::StrCat(
        "the GPU budget of ", FormatMiB(o.gpu_budget_bytes), " is too small: ", gpu_only,
        " node(s) that only the GPU can run need at least ", FormatMiB(min_gpu[1].total_bytes()),
        " on it (", Breakdown(min_gpu[1]), ")"));
  }
  // The least the host can hold: every node the GPU can run on the GPU, weights resident.
  MemoryPair min_cpu = ComputeMemory(problem, AllGpu(problem));
  if (!min_cpu[0].fits()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the CPU budget of ", FormatMiB(o.cpu_budget_bytes),
        " is too small: even with every node the GPU can run on the GPU, the host needs ",
        FormatMiB(min_cpu[0].total_bytes()), " (", Breakdown(min_cpu[0]), ")"));
  }
  MemoryPair all_cpu = ComputeMemory(problem, AllCpu(problem));
  return absl::ResourceExhaustedError(absl::StrCat(
      "no placement found that fits both the GPU budget of ", FormatMiB(o.gpu_budget_bytes),
      " and the CPU budget of ", FormatMiB(o.cpu_budget_bytes), "; all-CPU needs ",
      FormatMiB(all_cpu[0].total_bytes()), " of host memory, all-GPU needs ",
      FormatMiB(min_cpu[1].total_bytes()), " of GPU memory and ",
      FormatMiB(min_cpu[0].total_bytes()), " of host memory"));
}

}  // namespace tandem::partitioner
