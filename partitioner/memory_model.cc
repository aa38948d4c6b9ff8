// The memory model (evaluate.h): exact per-device sums for an assignment.
//
// Activation buffers, per device, in value-id order (the CPU executor's order, so an all-CPU
// assignment gives exactly its arena):
// - a graph input or activation at home: from its producer's step (graph inputs: step 0) to its
//   last use at home or its copy away, whichever is later. A graph output at home on the host is
//   not in the arena: it is written straight into the caller's output buffer.
// - its copy away from home (transfer_pass.cc): from the copy's step to its last use there. A
//   copy to the host of a graph output lands in the output buffer, not the arena.
// Each buffer is `bytes + padding`, placed with the device's alignment by the executors' planner
// (executors::PlanMemory; arena_planner.h computes the identical plan faster).
//
// Workspace: on the host, the scratch of every CPU node's kernel (kernels keep it for the
// executor's lifetime, so it all adds up, as in CpuExecutor::scratch_bytes()); on the GPU, the
// profile's estimate once any node runs there.
#include <algorithm>
#include <vector>

#include "executors/memory_planner.h"
#include "partitioner/arena_planner.h"
#include "partitioner/evaluate.h"
#include "partitioner/transfer_pass.h"

namespace tandem::partitioner {
namespace {

using executors::BufferRequest;

int64_t AlignUp(int64_t x, int64_t a) { return a <= 1 ? x : (x + a - 1) / a * a; }

struct Arenas {
  std::vector<BufferRequest> requests[kNumDeviceKinds];
  int64_t output_bytes = 0;
  int64_t largest_copy = 0;  // activation copies only
};

void AddBuffer(Arenas& a, const ProblemOptions& o, DeviceKind d, int64_t bytes, int first,
               int last) {
  const ArenaLayout& layout = d == DeviceKind::kCpu ? o.cpu_layout : o.gpu_layout;
  a.requests[static_cast<int>(d)].push_back({bytes + layout.padding, first, std::max(first, last)});
}

// Fills `a` (cleared first; its vectors are reused across calls).
void CollectBuffers(const Problem& problem, const Assignment& assignment, Arenas& a) {
  for (auto& r : a.requests) r.clear();
  a.output_bytes = 0;
  a.largest_copy = 0;
  const ProblemOptions& o = problem.options();
  for (int v = 0; v < problem.num_values(); ++v) {
    const ProblemValue& pv = problem.value(v);
    if (pv.graph_output && pv.role != ValueRole::kUnused) a.output_bytes += pv.bytes;
    if (pv.role != ValueRole::kActivation && pv.role != ValueRole::kGraphInput) continue;
    ValueRoute r = RouteValue(problem, assignment, v);
    const int home = static_cast<int>(r.home);
    const int away = 1 - home;
    int first = pv.role == ValueRole::kActivation ? pv.producer : 0;
    if (!(r.home == DeviceKind::kCpu && pv.graph_output)) {
      int last = std::max({first, r.last_use[home], r.copy_step});
      AddBuffer(a, o, r.home, pv.bytes, first, last);
    }
    if (r.copy_step < 0) continue;
    a.largest_copy = std::max(a.largest_copy, pv.bytes);
    if (r.copy_to() == DeviceKind::kCpu && pv.graph_output) continue;
    AddBuffer(a, o, r.copy_to(), pv.bytes, r.copy_step, r.last_use[away]);
  }
}

// The buffers of the calling thread's last evaluation: reused so that the solvers' thousands of
// evaluations do not allocate (and page-fault) fresh vectors each time.
Arenas& ThreadArenas() {
  thread_local Arenas arenas;
  return arenas;
}

int64_t StreamStaging(const Problem& problem, const Assignment& assignment) {
  int64_t largest = 0;
  int streamed = 0;
  const int64_t align = problem.options().gpu_layout.alignment;
  for (int s = 0; s < problem.num_steps(); ++s) {
    if (assignment[s] != Placement::kGpuStreamed) continue;
    int64_t bytes = 0;
    for (int w : problem.node(s).weights) bytes += AlignUp(problem.value(w).bytes, align);
    largest = std::max(largest, bytes);
    ++streamed;
  }
  return streamed >= 2 ? 2 * largest : largest;
}

}  // namespace

std::array<int64_t, kNumDeviceKinds> ResidentWeightBytes(const Problem& problem,
                                                         const Assignment& assignment) {
  std::array<int64_t, kNumDeviceKinds> bytes{0, 0};
  for (int v = 0; v < problem.num_values(); ++v) {
    const ProblemValue& pv = problem.value(v);
    if (pv.role != ValueRole::kWeight) continue;
    bool on_cpu = pv.graph_output, on_gpu = false;
    for (const Use& u : pv.uses) {
      Placement p = assignment[u.step];
      if (u.on_host || p != Placement::kGpu) on_cpu = true;  // host use, cpu, or streamed
      if (!u.on_host && p == Placement::kGpu) on_gpu = true;
    }
    if (on_cpu) bytes[0] += pv.bytes;
    if (on_gpu) bytes[1] += pv.bytes;
  }
  return bytes;
}

int PeakStep(const Problem& problem, const Assignment& assignment, DeviceKind d) {
  Arenas& a = ThreadArenas();
  CollectBuffers(problem, assignment, a);
  std::vector<int64_t> delta(problem.num_steps() + 2, 0);
  for (const BufferRequest& r : a.requests[static_cast<int>(d)]) {
    int first = std::min(r.first, problem.num_steps());
    int last = std::min(r.last, problem.num_steps());
    delta[first] += r.bytes;
    delta[last + 1] -= r.bytes;
  }
  int64_t live = 0, peak = -1;
  int peak_step = 0;
  for (int s = 0; s <= problem.num_steps(); ++s) {
    live += delta[s];
    if (live > peak) {
      peak = live;
      peak_step = s;
    }
  }
  return peak_step;
}

MemoryPair ComputeMemory(const Problem& problem, const Assignment& assignment) {
  const ProblemOptions& o = problem.options();
  MemoryPair m;
  m[0].device = DeviceKind::kCpu;
  m[1].device = DeviceKind::kGpu;
  m[0].budget_bytes = o.cpu_budget_bytes;
  m[1].budget_bytes = problem.has_gpu() ? o.gpu_budget_bytes : 0;
  auto weights = ResidentWeightBytes(problem, assignment);
  m[0].weight_bytes = weights[0];
  m[1].weight_bytes = weights[1];
  Arenas& a = ThreadArenas();
  CollectBuffers(problem, assignment, a);
  m[0].arena_bytes = PlanArena(a.requests[0], o.cpu_layout.alignment).peak_bytes;
  m[1].arena_bytes = PlanArena(a.requests[1], o.gpu_layout.alignment).peak_bytes;
  m[0].output_bytes = a.output_bytes;
  m[0].staging_bytes = o.pinned_staging ? a.largest_copy : 0;
  m[1].staging_bytes = StreamStaging(problem, assignment);
  bool any_gpu = false;
  for (int s = 0; s < problem.num_steps(); ++s) {
    if (assignment[s] == Placement::kCpu) {
      m[0].workspace_bytes += problem.node(s).cpu_workspace_bytes;
    } else {
      any_gpu = true;
    }
  }
  m[1].workspace_bytes = any_gpu ? o.gpu_workspace_bytes : 0;
  return m;
}

}  // namespace tandem::partitioner
