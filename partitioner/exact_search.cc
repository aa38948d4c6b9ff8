// Exact search for small graphs: depth-first branch and bound over the execution order.
//
// Nodes are assigned in execution order. Time is accumulated incrementally and exactly: a node's
// own time when it is placed, and each copy as soon as it becomes certain (a reader on the other
// side of an already-placed producer, or a GPU producer whose value the host needs), once per
// (value, destination). The bound of a partial assignment is that time plus, for every node not
// yet placed, its fastest allowed time. Resident weights only grow as nodes are placed, so a
// partial assignment whose weights already exceed a budget is cut. Complete assignments get the
// exact memory check. The incumbent starts at the heuristic's answer, which prunes most of the
// tree. Worst case 3^n leaves, bounded by `max_expansions`.
#include <algorithm>
#include <vector>

#include "partitioner/evaluate.h"
#include "partitioner/solvers.h"

namespace tandem::partitioner {
namespace {

class BranchAndBound {
 public:
  enum Kind { kCopy, kGpuReader, kCpuReader };

  BranchAndBound(const Problem& p, int64_t max_expansions)
      : p_(p), max_expansions_(max_expansions), a_(p.num_steps(), Placement::kCpu),
        copied_(p.num_values(), 0), gpu_readers_(p.num_values(), 0),
        cpu_readers_(p.num_values(), 0), rest_(p.num_steps() + 1, 0) {
    for (int s = p.num_steps() - 1; s >= 0; --s) {
      const auto& ms = p.node(s).ms;
      rest_[s] = rest_[s + 1] + *std::min_element(ms.begin(), ms.end());
    }
    // Weights the host holds whatever the assignment.
    for (int v = 0; v < p.num_values(); ++v) {
      const ProblemValue& pv = p.value(v);
      if (pv.role != ValueRole::kWeight || pv.uses.empty()) continue;
      bool host = pv.graph_output;
      for (const Use& u : pv.uses) host = host || u.on_host;
      if (host) {
        cpu_readers_[v] = 1;
        weights_[0] += pv.bytes;
      }
    }
  }

  // Improves `best` (time `best_ms`) if a faster fitting assignment exists. Returns false when
  // the search was cut short by the expansion limit (the answer is then not proven optimal).
  bool Run(Assignment& best, double& best_ms) {
    best_ = &best;
    best_ms_ = best_ms;
    Visit(0, 0);
    best_ms = best_ms_;
    return expansions_ <= max_expansions_;
  }

 private:
  void Visit(int step, double ms) {
    if (++expansions_ > max_expansions_) return;
    if (ms + rest_[step] >= best_ms_ - 1e-12) return;
    if (step == p_.num_steps()) {
      MemoryPair m = ComputeMemory(p_, a_);
      if (m[0].fits() && m[1].fits()) {
        best_ms_ = ms;
        *best_ = a_;
      }
      return;
    }
    const ProblemNode& n = p_.node(step);
    for (Placement q : {Placement::kCpu, Placement::kGpu, Placement::kGpuStreamed}) {
      if (!n.allowed(q)) continue;
      const size_t mark = undo_.size();
      a_[step] = q;
      double added = Place(step, q);
      if (weights_[0] <= p_.options().cpu_budget_bytes &&
          weights_[1] <= p_.options().gpu_budget_bytes) {
        Visit(step + 1, ms + added);
      }
      Unplace(mark);
    }
  }

  // Records `counter` += 1 for the undo stack; returns the new value.
  int Bump(std::vector<int>& counter, int v, Kind kind) {
    undo_.push_back({v, kind});
    return ++counter[v];
  }

  double Place(int step, Placement q) {
    const ProblemNode& n = p_.node(step);
    double ms = n.ms[static_cast<int>(q)];
    const DeviceKind device = DeviceOf(q);
    for (int v : n.inputs) {
      const ProblemValue& pv = p_.value(v);
      if (pv.role == ValueRole::kWeight) {
        for (const Use& u : pv.uses) {
          if (u.step != step || u.on_host) continue;
          bool gpu = q == Placement::kGpu;
          if (Bump(gpu ? gpu_readers_ : cpu_readers_, v, gpu ? kGpuReader : kCpuReader) == 1) {
            weights_[gpu ? 1 : 0] += pv.bytes;
          }
        }
        continue;
      }
      if (pv.role != ValueRole::kActivation && pv.role != ValueRole::kGraphInput) continue;
      const DeviceKind home = pv.role == ValueRole::kActivation ? DeviceOf(a_[pv.producer])
                                                                : DeviceKind::kCpu;
      for (const Use& u : pv.uses) {
        if (u.step != step) continue;
        DeviceKind d = u.on_host ? DeviceKind::kCpu : device;
        if (d != home && Bump(copied_, v, kCopy) == 1) {
          ms += home == DeviceKind::kCpu ? pv.to_gpu_ms : pv.to_cpu_ms;
        }
      }
    }
    if (device == DeviceKind::kGpu) {
      for (int v : n.outputs) {
        const ProblemValue& pv = p_.value(v);
        bool host = pv.graph_output;
        for (const Use& u : pv.uses) host = host || u.on_host;
        if (host && Bump(copied_, v, kCopy) == 1) ms += pv.to_cpu_ms;
      }
    }
    return ms;
  }

  void Unplace(size_t mark) {
    while (undo_.size() > mark) {
      auto [v, kind] = undo_.back();
      undo_.pop_back();
      std::vector<int>& counter = kind == kCopy ? copied_ : kind == kGpuReader ? gpu_readers_ : cpu_readers_;
      if (--counter[v] == 0 && kind != kCopy) weights_[kind == kGpuReader ? 1 : 0] -= p_.value(v).bytes;
    }
  }

  const Problem& p_;
  const int64_t max_expansions_;
  int64_t expansions_ = 0;
  Assignment a_;
  Assignment* best_ = nullptr;
  double best_ms_ = kInfinity;
  std::vector<int> copied_, gpu_readers_, cpu_readers_;
  std::vector<double> rest_;  // by step: the fastest times of the nodes from there on
  int64_t weights_[2] = {0, 0};
  std::vector<std::pair<int, Kind>> undo_;
};

}  // namespace

bool ExactSearch(const Problem& problem, int64_t max_expansions, Assignment& best,
                 double& best_ms) {
  return BranchAndBound(problem, max_expansions).Run(best, best_ms);
}

}  // namespace tandem::partitioner
