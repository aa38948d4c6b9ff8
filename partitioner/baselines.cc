// The baseline strategies partition-tool compares the optimal plan against.
#include "partitioner/evaluate.h"
#include "partitioner/solvers.h"

namespace tandem::partitioner {
namespace {

// The greedy assignment that fills the first `prefix` steps.
Assignment Prefix(const Problem& problem, int prefix) {
  Assignment a(problem.num_steps());
  for (int s = 0; s < problem.num_steps(); ++s) {
    const ProblemNode& n = problem.node(s);
    bool gpu = n.allowed(Placement::kGpu) && (s < prefix || !n.allowed(Placement::kCpu));
    a[s] = gpu ? Placement::kGpu : Placement::kCpu;
  }
  return a;
}

bool Fits(const Problem& problem, const Assignment& a) {
  // Resident weights are a lower bound of each device's total: when they alone overflow, the
  // exact (and far costlier) evaluation cannot fit either.
  auto weights = ResidentWeightBytes(problem, a);
  if (weights[0] > problem.options().cpu_budget_bytes ||
      weights[1] > problem.options().gpu_budget_bytes) {
    return false;
  }
  MemoryPair m = ComputeMemory(problem, a);
  return m[0].fits() && m[1].fits();
}

}  // namespace

Assignment AllCpu(const Problem& problem) {
  Assignment a(problem.num_steps());
  for (int s = 0; s < problem.num_steps(); ++s) {
    a[s] = problem.node(s).allowed(Placement::kCpu) ? Placement::kCpu : Placement::kGpu;
  }
  return a;
}

Assignment AllGpu(const Problem& problem) {
  Assignment a(problem.num_steps());
  for (int s = 0; s < problem.num_steps(); ++s) {
    a[s] = problem.node(s).allowed(Placement::kGpu) ? Placement::kGpu : Placement::kCpu;
  }
  return a;
}

std::optional<Assignment> GreedyFill(const Problem& problem) {
  // The fill stops at the first node that does not fit, so the answer is the longest fitting
  // prefix. Memory grows with the prefix (more weights on the GPU), so a binary search finds it
  // with O(log n) exact evaluations instead of n.
  int lo = 0, hi = problem.num_steps();
  if (!Fits(problem, Prefix(problem, 0))) return std::nullopt;
  if (Fits(problem, Prefix(problem, hi))) return Prefix(problem, hi);
  while (hi - lo > 1) {  // invariant: prefix lo fits, prefix hi does not
    int mid = lo + (hi - lo) / 2;
    (Fits(problem, Prefix(problem, mid)) ? lo : hi) = mid;
  }
  return Prefix(problem, lo);
}

}  // namespace tandem::partitioner
