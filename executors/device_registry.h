// Which devices this build of tandem can use on this machine.
//
// device_registry.cc is the only file in tandem with `#if TANDEM_HAVE_CUDA` (the style guide's
// registry rule); everything else asks here.
#ifndef TANDEM_EXECUTORS_DEVICE_REGISTRY_H_
#define TANDEM_EXECUTORS_DEVICE_REGISTRY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/graph.h"

namespace tandem::executors {

struct DeviceInfo {
  std::string kind;      // "cpu" or "cuda"
  int ordinal = 0;       // index among devices of the same kind
  std::string name;      // e.g. "NVIDIA H100 80GB HBM3", or the CPU model
  int64_t total_bytes = 0;
  int64_t free_bytes = 0;
};

// True when this binary contains the CUDA executor (TANDEM_CUDA found the toolkit at build time).
bool CudaExecutorBuilt();

// The devices present: always the CPU, then each CUDA GPU when the CUDA executor is built and a
// driver and GPU are present. Why a kind is missing (not built; no driver; no device) is appended
// to `notes` when it is non-null. Never fails: a machine without a GPU simply lists the CPU.
std::vector<DeviceInfo> ListDevices(std::vector<std::string>* notes = nullptr);

// ---- The GPU executor, for code that must build with and without CUDA (tools, partitioner).

// Why the GPU executor cannot run `node` ("" when it can). Host-only (no GPU needed): the same
// lowering the executor's Create() runs. Without the CUDA executor in the build, every node gets
// "this build has no CUDA executor".
std::string GpuUnsupportedReason(const ir::Graph& graph, const ir::Node& node);
// Why the GPU executor cannot run node `node` with the initializers `weights` given per run as
// inputs, as the runtime does for a gpu-streamed placement; "" when it can. Host-only: lowers
// the node extracted with those weights as inputs.
std::string GpuStreamingReason(const ir::Graph& graph, ir::NodeId node, absl::Span<const ir::ValueId> weights);

struct GpuRunnerOptions {
  int device = 0;
  int64_t workspace_limit = int64_t{256} << 20;  // see CudaExecutorOptions
  bool use_cuda_graphs = false;
  bool allow_tf32 = false;
};

// A whole graph loaded on one GPU, run with host tensors (copies in, runs, copies out, waits).
// Tools use it; the runtime adapts the executors through executors/device.h instead.
class GpuGraphRunner {
 public:
  virtual ~GpuGraphRunner() = default;
  // InvalidArgument naming the input on a wrong count, dtype or shape.
  virtual absl::StatusOr<std::vector<ir::Tensor>> Run(absl::Span<const ir::Tensor> inputs) = 0;
  // Run, timing each node on the GPU: (*node_ms)[node id] in ms (aliases and fused
  // activations 0).
  virtual absl::StatusOr<std::vector<ir::Tensor>> RunProfiled(absl::Span<const ir::Tensor> inputs,
                                                              std::vector<double>* node_ms) = 0;
  virtual std::string device_name() const = 0;
  // Device bytes held: weights + activation arena + workspace + input/output staging.
  virtual int64_t device_bytes() const = 0;
  // "weights 44.6 MiB + activations 3.1 MiB + workspace 1.0 MiB + staging 0.6 MiB"
  virtual std::string MemorySummary() const = 0;
  // Nodes that launch work, and Relu/Clip nodes fused into their producer.
  virtual int kernel_steps() const = 0;
  virtual int fused_activations() const = 0;
};

// Loads `graph` (which must outlive the runner) on GPU options.device. FailedPrecondition with the
// reason when this build has no CUDA executor or the machine has no usable GPU; Unimplemented
// naming the first node the GPU cannot run; ResourceExhausted when it does not fit.
absl::StatusOr<std::unique_ptr<GpuGraphRunner>> CreateGpuRunner(const ir::Graph& graph,
                                                                const GpuRunnerOptions& options);

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_DEVICE_REGISTRY_H_
