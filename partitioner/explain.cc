// Partitioner::Explain: why a node is not on the device it would prefer on its own.
//
// The preferred device is the faster one for the node alone (the cost model's standalone
// times). For each node placed elsewhere, in order of precedence:
// 1. the preferred device's executor refuses it: its reason, verbatim;
// 2. moving it alone there breaks a budget: by how much;
// 3. moving it alone there is slower overall: its own time gain versus the copies it adds;
// 4. otherwise the strategy left it there (baselines are not optimal): the time it would save.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "partitioner/evaluate.h"
#include "partitioner/partitioner.h"
#include "partitioner/transfer_pass.h"

namespace tandem::partitioner {
namespace {

std::string Ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4f ms", ms);
  return buf;
}

double CopiesAround(const Problem& p, const Assignment& a, int step) {
  double ms = 0;
  for (const std::vector<int>* list : {&p.node(step).inputs, &p.node(step).outputs}) {
    for (int v : *list) ms += ValueCopyMs(p, a, v);
  }
  return ms;
}

std::string MoveReason(const Problem& p, Assignment& a, int step, Placement to,
                       const std::string& strategy) {
  const ProblemNode& n = p.node(step);
  const Placement from = a[step];
  const double copies_before = CopiesAround(p, a, step);
  a[step] = to;
  const double copies_after = CopiesAround(p, a, step);
  MemoryPair m = ComputeMemory(p, a);
  a[step] = from;
  const char* dev = DeviceKindName(DeviceOf(to)).data();
  for (const DeviceMemory& d : m) {
    if (d.fits()) continue;
    return absl::StrCat("moving it alone to the ", dev, " would exceed the ",
                        DeviceKindName(d.device), " budget by ",
                        FormatMiB(d.total_bytes() - d.budget_bytes));
  }
  const double gain = n.ms[static_cast<int>(from)] - n.ms[static_cast<int>(to)];
  const double added = copies_after - copies_before;
  if (added >= gain) {
    return absl::StrCat("on the ", dev, " it would save ", Ms(gain), " but copies would add ",
                        Ms(added));
  }
  return absl::StrCat("placed by the ", strategy, " strategy; moving it alone to the ", dev,
                      " would save ", Ms(gain - added));
}

}  // namespace

std::vector<NodeNote> Partitioner::Explain(const Plan& plan) const {
  std::vector<NodeNote> notes;
  if (!problem_.has_gpu()) return notes;
  std::vector<Placement> by_id = plan.Placements(graph_->num_nodes());
  Assignment a(problem_.num_steps());
  for (int s = 0; s < problem_.num_steps(); ++s) a[s] = by_id[problem_.node(s).id.value];
  for (int s = 0; s < problem_.num_steps(); ++s) {
    const ProblemNode& n = problem_.node(s);
    NodeNote note;
    note.node = n.id;
    note.placed = a[s];
    note.preferred = n.standalone_ms[1] < n.standalone_ms[0] ? DeviceKind::kGpu : DeviceKind::kCpu;
    if (DeviceOf(a[s]) == note.preferred) continue;
    const Placement to = note.preferred == DeviceKind::kCpu ? Placement::kCpu : Placement::kGpu;
    if (!n.allowed(to)) {
      note.refused = true;
      note.reason = absl::StrCat(DeviceKindName(note.preferred), " cannot run it: ",
                                 note.preferred == DeviceKind::kCpu ? n.cpu_reason : n.gpu_reason);
    } else {
      note.reason = MoveReason(problem_, a, s, to, plan.strategy);
    }
    notes.push_back(std::move(note));
  }
  return notes;
}

}  // namespace tandem::partitioner
