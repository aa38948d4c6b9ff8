// The runtime: executes a partitioner::Plan across a CPU and a GPU device.
//
//   CpuDevice cpu(...);  SomeGpuDevice gpu(...);          // budgets = the plan's budgets
//   TANDEM_ASSIGN_OR_RETURN(auto rt, Runtime::Create(graph, plan, {&cpu, &gpu}));
//   TANDEM_ASSIGN_OR_RETURN(std::vector<ir::Tensor> outs, rt->Run(inputs));
//
// Create() cuts every plan segment out of the graph (ir/passes/extract_segment.h) and compiles it
// on its device; a GPU segment is further split so that each node with streamed weights runs on
// its own (its weights are then live only around it). It turns the plan's transfers into copy
// steps, so the run is a list of ordinary steps (segments and copies, the tinygrad COPY idea)
// with explicit dependencies; the numbered spec is at the top of runtime.cc.
//
// Run() feeds the graph inputs (host memory, graph-input order) and returns the graph outputs in
// host memory (graph-output order). Steps run on three queues: one per device for segments and
// one for copies, each on its own thread, so independent CPU and GPU segments run at the same time
// and the copy a segment needs next runs while the one before it computes. Every buffer comes
// from its device's budgeted Allocator and is released after its last reader.
//
// Errors: Create: InvalidArgument naming the segment, node or value when the plan does not fit
// the graph (a node placed twice, a value read on a device no transfer brings it to: with
// RuntimeOptions::check_transfers); FailedPrecondition when the plan needs a GPU and none is
// given; ResourceExhausted when resident weights and arenas exceed a budget; the device's error
// when a segment does not compile. Run: InvalidArgument for wrong inputs; ResourceExhausted
// (naming the buffer, the need and what is free) when a budget is exceeded; a segment's error
// prefixed with the segment's name.
// Ownership: `graph` and the devices must outlive the Runtime; the plan is copied.
// Thread-safety: Run() may be called from several threads; runs are serialised, because the
// budgets hold for one run in flight.
#ifndef TANDEM_EXECUTORS_RUNTIME_H_
#define TANDEM_EXECUTORS_RUNTIME_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "executors/device.h"
#include "ir/graph.h"
#include "ir/passes/extract_segment.h"
#include "partitioner/plan.h"

namespace tandem::executors {

struct RuntimeDevices {
  Device* cpu = nullptr;  // required; kind() == kCpu
  Device* gpu = nullptr;  // (optional) required when the plan places anything on the GPU
};

struct RuntimeOptions {
  // Run the queues on their own threads (true), or every step on the calling thread in order.
  bool concurrent = true;
  // Fail in Create when the plan lacks a copy that a segment needs. Tests turn it off to show
  // that the devices themselves then refuse the run (a missing transfer cannot pass).
  bool check_transfers = true;
};

// What one step of a run did.
struct StepProfile {
  enum class Kind { kSegment, kTransfer } kind = Kind::kSegment;
  std::string name;    // "segment 2 (gpu)" or the transfer's name "x@gpu"
  std::string device;  // the device that ran it (a transfer: the destination)
  int64_t bytes = 0;   // transfers: bytes copied
  double predicted_ms = 0;  // the plan's prediction
  double start_ms = 0;      // from the start of the run
  double measured_ms = 0;
};

struct RunProfile {
  std::vector<StepProfile> steps;  // in the runtime's step order
  double total_ms = 0;
};

class Runtime {
 public:
  static absl::StatusOr<std::unique_ptr<Runtime>> Create(const ir::Graph& graph,
                                                         const partitioner::Plan& plan,
                                                         RuntimeDevices devices,
                                                         RuntimeOptions options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // `profile` (optional) receives per-step times.
  absl::StatusOr<std::vector<ir::Tensor>> Run(absl::Span<const ir::Tensor> inputs,
                                              RunProfile* profile = nullptr);

  const partitioner::Plan& plan() const { return plan_; }
  int num_segments() const { return static_cast<int>(units_.size()); }
  int num_transfers() const;

 private:
  struct Unit;   // one compiled segment
  struct Slot;   // a value in one device's memory
  struct Step;   // a segment run or a copy
  class Builder;
  class Execution;

  Runtime(const ir::Graph& graph, partitioner::Plan plan, RuntimeDevices devices,
          RuntimeOptions options);

  const ir::Graph& graph_;
  partitioner::Plan plan_;
  RuntimeDevices devices_;
  RuntimeOptions options_;
  std::vector<std::unique_ptr<Unit>> units_;
  std::vector<Slot> slots_;
  std::vector<Step> steps_;
  // By graph output: the slot holding it on the host, or -1 for an initializer output.
  std::vector<int> output_slots_;
  std::mutex run_mutex_;
};

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_RUNTIME_H_
