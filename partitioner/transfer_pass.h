// Transfer insertion: which copies an assignment implies, and where every value lives. The spec
// is at the top of transfer_pass.cc. The memory model and the time model both read values'
// routes from here, so a copy that is priced is also a copy that is allocated.
//
// Internal to partitioner/. Thread-safety: pure functions.
#ifndef TANDEM_PARTITIONER_TRANSFER_PASS_H_
#define TANDEM_PARTITIONER_TRANSFER_PASS_H_

#include <vector>

#include "ir/graph.h"
#include "partitioner/plan.h"
#include "partitioner/problem.h"

namespace tandem::partitioner {

// Where one graph input or activation lives under an assignment. Steps are positions in the
// execution order; -1 means "none". A copy at step s runs just before the node at step s
// (s == num_steps: after the last node).
struct ValueRoute {
  DeviceKind home = DeviceKind::kCpu;  // where it is produced (graph inputs: the host)
  int first_use[kNumDeviceKinds] = {-1, -1};  // by DeviceKind; host-side uses count as cpu
  int last_use[kNumDeviceKinds] = {-1, -1};
  int copy_step = -1;  // the one copy away from home, or -1 when none is needed
  DeviceKind copy_to() const { return home == DeviceKind::kCpu ? DeviceKind::kGpu : DeviceKind::kCpu; }
};

// The route of value `v` (a graph input or activation; other roles get a default route).
ValueRoute RouteValue(const Problem& problem, const Assignment& assignment, int v);

// Time of the copies of value `v` (0 or one copy), in ms.
double ValueCopyMs(const Problem& problem, const Assignment& assignment, int v);

// A copy without a name: the fast form for the evaluator.
struct Copy {
  int value = -1;
  DeviceKind from = DeviceKind::kCpu;
  DeviceKind to = DeviceKind::kGpu;
  int step = 0;
  bool streamed_weight = false;
};
std::vector<Copy> ComputeCopies(const Problem& problem, const Assignment& assignment);

// The copies as named Transfers, sorted by step then name: activation copies and streamed
// weights. Names are "<value name>@<destination>".
std::vector<Transfer> InsertTransfers(const ir::Graph& graph, const Problem& problem,
                                      const Assignment& assignment);

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_TRANSFER_PASS_H_
