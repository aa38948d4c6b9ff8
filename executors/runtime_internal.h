// The runtime's step list, shared by runtime_build.cc (Create) and runtime.cc (Run).
// Internal to executors/.
#ifndef TANDEM_EXECUTORS_RUNTIME_INTERNAL_H_
#define TANDEM_EXECUTORS_RUNTIME_INTERNAL_H_

#include <memory>
#include <string>
#include <vector>

#include "executors/runtime.h"

namespace tandem::executors {

// Queues: one per device kind for segments, one for copies.
inline constexpr int kCopyQueue = 2;
inline constexpr int kNumQueues = 3;

struct Runtime::Unit {
  std::string name;  // "segment 2 (gpu)", or "segment 2 (gpu) part 1" after a split
  DeviceKind device = DeviceKind::kCpu;
  std::vector<ir::NodeId> nodes;
  double predicted_ms = 0;
  std::vector<ir::ValueId> streamed;  // weights it reads as inputs, copied in per run
  ir::ExtractedSegment extracted;
  std::unique_ptr<CompiledSegment> compiled;
};

// A value in one device's memory during a run.
struct Runtime::Slot {
  ir::ValueId value;
  DeviceKind device = DeviceKind::kCpu;
  int producer = -1;                     // the step that writes it; -1: set when the run starts
  int graph_input = -1;                  // set from the run's inputs[graph_input]
  const ir::Tensor* constant = nullptr;  // or a weight in host memory (streamed to the GPU)
  int readers = 0;                       // steps that read it, plus graph outputs it is
};

struct Runtime::Step {
  StepProfile::Kind kind = StepProfile::Kind::kSegment;
  std::string name;
  int queue = 0;
  int unit = -1;                     // kSegment: index into units_
  Device* device = nullptr;          // kSegment: its device; kTransfer: the destination
  DataTransfer* via = nullptr;       // kTransfer
  int64_t bytes = 0;                 // kTransfer: the plan's figure
  double predicted_ms = 0;
  std::vector<int> reads;            // slots, in the segment's input order
  std::vector<int> writes;           // slots, in the segment's output order
  std::vector<int> deps;             // steps that must finish first (all earlier in steps_)
};

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_RUNTIME_INTERNAL_H_
