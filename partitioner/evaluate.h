// The two numbers every solver needs for an assignment: predicted time (the sequential model)
// and exact memory per device (the memory model). docs/partitioner.md describes both.
//
// Time: sum over nodes of their time on their placement, plus one copy time for every copy the
// transfer pass inserts (streamed-weight copies excluded: they are inside the node's time).
//
// Memory, per device: resident weights + the activation arena's peak (executors::PlanMemory over
// the device's buffers with the device's alignment and padding, lifetimes in execution steps,
// copies included) + graph outputs (host) + workspace (host: the CPU kernels' scratch; GPU: the
// profile's estimate when any node runs there) + staging: on the host one
// pinned buffer as large as the largest activation copy (copies run one at a time); on the GPU
// the streamed-weight buffers (one when one node streams, two of the largest size when several
// do, so the next copy overlaps the current node).
//
// Internal to partitioner/. Thread-safety: pure functions.
#ifndef TANDEM_PARTITIONER_EVALUATE_H_
#define TANDEM_PARTITIONER_EVALUATE_H_

#include <array>

#include "partitioner/plan.h"
#include "partitioner/problem.h"

namespace tandem::partitioner {

using MemoryPair = std::array<DeviceMemory, kNumDeviceKinds>;  // by DeviceKind

struct Evaluation {
  double node_ms = 0;
  double transfer_ms = 0;
  MemoryPair memory;
  double total_ms() const { return node_ms + transfer_ms; }
  bool fits() const { return memory[0].fits() && memory[1].fits(); }
};

// Time only (no memory): O(nodes + uses).
double PredictTime(const Problem& problem, const Assignment& assignment);
// Exact memory of both devices (budgets filled in from the problem's options).
MemoryPair ComputeMemory(const Problem& problem, const Assignment& assignment);
Evaluation Evaluate(const Problem& problem, const Assignment& assignment);

// The step at which device `d`'s live activation bytes (its arena buffers, unpadded) peak: where
// a memory price should bite. 0 when the device holds no buffer.
int PeakStep(const Problem& problem, const Assignment& assignment, DeviceKind d);

// Resident weight bytes per device (the first term of ComputeMemory), O(weights' uses).
std::array<int64_t, kNumDeviceKinds> ResidentWeightBytes(const Problem& problem,
                                                         const Assignment& assignment);

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_EVALUATE_H_
