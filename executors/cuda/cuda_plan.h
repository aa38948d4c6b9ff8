// The static plan of a CUDA executor, built on the host without touching a GPU:
//
// 1. Lowering. Nodes are visited in topological order and each is lowered by CudaOpRegistry (the
//    same call UnsupportedReason makes). A node whose only consumer is a Relu or a Clip with
//    constant bounds is asked to fuse that clamp; when it does, the Relu/Clip becomes an alias.
// 2. Storage. Alias ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity, fused activations) put
//    their output in the storage of their input, so each value has a root. A root is a graph
//    input (the caller's buffer), an initializer (the weights buffer), the first graph output
//    that is the root or one of its aliases (the producer writes straight into the caller's
//    output buffer), or else an activation in the arena.
// 3. Liveness. An arena root lives from its producing step to the last step that reads it or
//    any of its aliases; executors/memory_planner.h places them (256-byte aligned).
// 4. Weights. Initializers some op reads on the device (CudaOp::ReadsInputAtRun) or that are
//    graph outputs, plus the constants ops derived while lowering (folded BatchNorm, float32
//    biases), are packed 256-byte aligned into one buffer uploaded once.
// 5. Outputs whose root is not their own buffer (an input, a weight, another output) are copied
//    device-to-device at the end of a run.
// Host staging for Run(host tensors) holds every graph input and output, 256-byte aligned.
#ifndef TANDEM_EXECUTORS_CUDA_CUDA_PLAN_H_
#define TANDEM_EXECUTORS_CUDA_CUDA_PLAN_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "executors/cuda/cuda_op.h"
#include "ir/graph.h"

namespace tandem::executors::cuda {

inline constexpr int64_t kDeviceAlignment = 256;

// Where a value's bytes are at run time.
struct ValueSlot {
  enum Kind : uint8_t { kNone, kInput, kOutput, kWeight, kArena };
  Kind kind = kNone;
  int index = 0;       // kInput / kOutput: the graph input / output
  int64_t offset = 0;  // kWeight / kArena: bytes from the start of the buffer
};

struct PlanStep {
  ir::NodeId node;
  std::unique_ptr<CudaOp> op;             // null: an alias (no work)
  std::vector<int64_t> constant_offsets;  // op->constants()[k] lives at weights + offset
};

// Host bytes to upload to weights + offset (an initializer, borrowed from the graph, or an op
// constant, owned by the op).
struct WeightUpload {
  const uint8_t* data = nullptr;
  int64_t bytes = 0;
  int64_t offset = 0;
};

struct OutputCopy {
  int output = 0;  // graph output index
  ValueSlot from;
  int64_t bytes = 0;
};

struct CudaPlan {
  std::vector<PlanStep> steps;
  std::vector<ValueSlot> slots;  // by ValueId
  std::vector<WeightUpload> uploads;
  std::vector<OutputCopy> output_copies;
  std::vector<int64_t> input_bytes, output_bytes;      // per graph input / output
  std::vector<bool> input_read_on_device;              // per graph input: some kernel reads it
  std::vector<int64_t> input_staging, output_staging;  // offsets in the staging buffer
  int64_t weight_bytes = 0;
  int64_t arena_bytes = 0;
  int64_t staging_bytes = 0;
  int fused_activations = 0;
};

// Builds the plan of the whole of `graph` (which must outlive the plan: uploads point into its
// initializers). Unimplemented naming the first node the GPU cannot run.
absl::StatusOr<CudaPlan> BuildCudaPlan(const ir::Graph& graph, bool fuse_activations);

// The base pointers of one run: the caller's inputs and outputs, and the executor's buffers.
struct PlanBuffers {
  absl::Span<const void* const> inputs;
  absl::Span<void* const> outputs;
  uint8_t* weights = nullptr;
  uint8_t* arena = nullptr;
  void* workspace = nullptr;
};

// Where `slot` is in this run (null for kNone).
void* SlotPointer(const ValueSlot& slot, const PlanBuffers& buffers);

// Runs every op of the plan in order (each enqueues its work on `stream`), with the pointers the
// slots give; an op's error is returned naming its node. Output copies are the caller's (they
// need cudaMemcpyAsync, or memcpy in host tests). With `step_events` (plan.steps.size() + 1
// events), event s is recorded before step s and the last after the last step, so the time
// between events s and s + 1 is step s's.
absl::Status RunPlanSteps(const ir::Graph& graph, CudaPlan& plan, const PlanBuffers& buffers, cudaStream_t stream,
                          const CudaLibraries* libs, absl::Span<const cudaEvent_t> step_events = {});

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_CUDA_PLAN_H_
