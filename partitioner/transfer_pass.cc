// Transfer insertion.
//
// Overview. Given an assignment of every node to a placement (cpu, gpu, gpu-streamed) and the
// sequential execution order, this pass decides every copy between host and GPU memory:
//
// 1. Homes. A graph input lives on the host (the caller hands it over in host memory). An
//    activation lives where its producer runs (gpu-streamed counts as gpu). Initializers
//    (weights) are not copied per run: they are resident on every device that reads them
//    (see memory_model.cc), except for streamed weights (rule 6).
// 2. Uses. Each use of a value by a node is on the node's device, except a host use: a shape or
//    scalar operand that the consumer's executor reads in host memory wherever the node runs
//    (Capability::InputOnHost; Reshape's shape, Slice's starts...). Those operands stay on the
//    host: they are never copied to the GPU, and a GPU-produced one is copied back.
//    A graph output is a host use at the end: results are returned in host memory.
// 3. One copy per (value, destination device). With two devices a value needs at most one
//    copy: from its home to the other device, when any use is there. All uses on that device
//    read the one copy.
// 4. When. A copy runs just before its first use on the destination (step = that node's
//    position), so it occupies destination memory no earlier than needed. A GPU-produced graph
//    output that no host node reads is copied right after its producer (step = producer + 1).
//    The source buffer stays live until its copy has run.
// 5. Names. A copy is named "<value>@<destination>" ("x@gpu"): deterministic, unique by rule 3.
// 6. Streamed weights. A gpu-streamed node reads its weights from pinned host memory; each weight
//    is copied in before the node runs ("w@gpu", step = the node's position, marked streamed).
//    Its time is already inside the node's time (max of compute and copy, overlapped), so it is
//    listed for the runtime but not added to the total.
// 7. Order. Transfers are listed by step, then by name.
#include "partitioner/transfer_pass.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tandem::partitioner {
namespace {

void NoteUse(ValueRoute& r, DeviceKind d, int step) {
  int k = static_cast<int>(d);
  if (r.first_use[k] < 0 || step < r.first_use[k]) r.first_use[k] = step;
  r.last_use[k] = std::max(r.last_use[k], step);
}

}  // namespace

ValueRoute RouteValue(const Problem& problem, const Assignment& assignment, int v) {
  const ProblemValue& pv = problem.value(v);
  ValueRoute r;
  if (pv.role == ValueRole::kActivation && pv.producer >= 0) {
    r.home = DeviceOf(assignment[pv.producer]);
  }
  if (pv.role != ValueRole::kActivation && pv.role != ValueRole::kGraphInput) return r;
  for (const Use& u : pv.uses) {
    NoteUse(r, u.on_host ? DeviceKind::kCpu : DeviceOf(assignment[u.step]), u.step);
  }
  const int away = r.home == DeviceKind::kCpu ? 1 : 0;
  if (r.first_use[away] >= 0) {
    r.copy_step = r.first_use[away];
  } else if (pv.graph_output && r.home == DeviceKind::kGpu) {
    r.copy_step = pv.producer + 1;
  }
  return r;
}

double ValueCopyMs(const Problem& problem, const Assignment& assignment, int v) {
  const ProblemValue& pv = problem.value(v);
  if (pv.role != ValueRole::kActivation && pv.role != ValueRole::kGraphInput) return 0;
  // Inline form of RouteValue: this runs in the solvers' inner loops.
  const DeviceKind home = pv.role == ValueRole::kActivation
                              ? DeviceOf(assignment[pv.producer])
                              : DeviceKind::kCpu;
  if (home == DeviceKind::kGpu && pv.graph_output) return pv.to_cpu_ms;
  for (const Use& u : pv.uses) {
    DeviceKind d = u.on_host ? DeviceKind::kCpu : DeviceOf(assignment[u.step]);
    if (d != home) return home == DeviceKind::kCpu ? pv.to_gpu_ms : pv.to_cpu_ms;
  }
  return 0;
}

std::vector<Copy> ComputeCopies(const Problem& problem, const Assignment& assignment) {
  std::vector<Copy> copies;
  for (int v = 0; v < problem.num_values(); ++v) {
    const ProblemValue& pv = problem.value(v);
    if (pv.role != ValueRole::kActivation && pv.role != ValueRole::kGraphInput) continue;
    ValueRoute r = RouteValue(problem, assignment, v);
    if (r.copy_step >= 0) copies.push_back({v, r.home, r.copy_to(), r.copy_step, false});
  }
  for (int s = 0; s < problem.num_steps(); ++s) {
    if (assignment[s] != Placement::kGpuStreamed) continue;
    for (int w : problem.node(s).weights) {
      copies.push_back({w, DeviceKind::kCpu, DeviceKind::kGpu, s, true});
    }
  }
  return copies;
}

std::vector<Transfer> InsertTransfers(const ir::Graph& graph, const Problem& problem,
                                      const Assignment& assignment) {
  std::vector<Transfer> out;
  for (const Copy& c : ComputeCopies(problem, assignment)) {
    const ProblemValue& pv = problem.value(c.value);
    Transfer t;
    t.name = absl::StrCat(graph.value(ir::ValueId(c.value)).name, "@", DeviceKindName(c.to));
    t.value = ir::ValueId(c.value);
    t.from = c.from;
    t.to = c.to;
    t.bytes = pv.bytes;
    t.predicted_ms = c.to == DeviceKind::kGpu ? pv.to_gpu_ms : pv.to_cpu_ms;
    t.step = c.step;
    t.streamed_weight = c.streamed_weight;
    out.push_back(std::move(t));
  }
  std::stable_sort(out.begin(), out.end(), [](const Transfer& a, const Transfer& b) {
    return a.step != b.step ? a.step < b.step : a.name < b.name;
  });
  return out;
}

}  // namespace tandem::partitioner
