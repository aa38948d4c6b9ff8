// Runs a whole ir::Graph on one NVIDIA GPU: cuDNN for convolutions, cuBLASLt for Gemm/MatMul,
// tandem's own kernels (kernels/cuda) for the rest. The CPU executor's counterpart
// (executors/cpu/cpu_executor.h), for graphs whose values all have static shapes.
//
// Lifecycle:
// - Create() lowers every node (cuda_op.h; Unimplemented naming the first node the GPU cannot
//   run, with the same reason UnsupportedReason() gives), plans storage (cuda_plan.h), creates the
//   cuDNN/cuBLASLt handles and chooses algorithms within `workspace_limit`. At that point
//   MemoryRequirement() is exact and nothing has been allocated for the graph.
// - Allocate() makes one device allocation of MemoryRequirement().total() bytes and uploads the
//   weights once. Create() calls it unless `options.allocate` is false. On failure it returns
//   ResourceExhausted with the bytes needed and free; the executor stays valid and Allocate() may
//   be called again (after the caller freed memory). Release() gives the memory back.
// - Run() enqueues the graph. Everything is static: no allocation, no synchronisation (except in
//   the host-tensor convenience Run), so a run can be captured into a CUDA graph; with
//   `use_cuda_graphs` the executor does that itself and replays it for the same buffers.
//
// Only the CUDA runtime API is used (no driver API), so binaries linking this start on machines
// without a GPU or driver; Create() then fails with FailedPrecondition saying why.
//
// Threading: every method may be called from any thread; Run() calls are serialised (one arena).
// Ownership: `graph` must outlive the executor (weights are read from it by Allocate()). Device
// pointers passed to Run() must be 256-byte aligned (cudaMalloc's alignment), must not overlap,
// and must stay valid until the work enqueued on the stream has finished.
#ifndef TANDEM_EXECUTORS_CUDA_CUDA_EXECUTOR_H_
#define TANDEM_EXECUTORS_CUDA_CUDA_EXECUTOR_H_

#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "executors/cuda/cuda_handles.h"
#include "executors/cuda/cuda_op.h"
#include "executors/cuda/cuda_plan.h"
#include "ir/graph.h"

namespace tandem::executors::cuda {

struct CudaExecutorOptions {
  int device = 0;  // CUDA device ordinal
  // Upper bound on the one scratch buffer all ops share (cuDNN and cuBLASLt workspaces, padded
  // convolution inputs). Algorithms needing more are not chosen. (default 256 MiB)
  int64_t workspace_limit = int64_t{256} << 20;
  // (optional) Stream for uploads and for Run(host tensors). Defaults to a non-blocking stream
  // the executor creates. Run(device pointers) always takes its stream from the caller.
  cudaStream_t stream = nullptr;
  // Allocate and upload in Create(). When false, call Allocate() before running.
  bool allocate = true;
  // Device buffers for every graph input and output, used by Run(host tensors) and counted in the
  // requirement. Turn off when only Run(device pointers) is used.
  bool host_staging = true;
  // Capture the work for each distinct set of Run buffers into a CUDA graph and replay it on
  // later runs with the same buffers. Needs a stream other than the legacy default stream.
  bool use_cuda_graphs = false;
  int cuda_graph_cache_size = 4;  // captured buffer sets kept; the oldest is dropped
  // Let float32 Conv/Gemm/MatMul use TF32 tensor cores (faster, about 1e-3 relative error).
  bool allow_tf32 = false;
  // Fuse a Relu/Clip into the Conv, Gemm or BatchNormalization before it.
  bool fuse_activations = true;
  // Allocate() holds only the weights (and staging); each Run(..., scratch) brings the
  // activation arena and workspace (scratch_bytes()), so that memory is held only while the
  // graph runs (the runtime's GPU device takes it from its budget per run). Run(host tensors)
  // is then unavailable.
  bool scratch_per_run = false;
  // (optional) Where to get the cuDNN and cuBLASLt handles instead of creating the executor's
  // own: the runtime's GPU device shares one pair across its segments (each handle holds device
  // memory). Borrowed: it must outlive the executor, and runs of executors sharing it must not
  // overlap.
  SharedCudaHandles* shared_handles = nullptr;
};

// Device bytes a graph needs on the GPU; total() is what Allocate() asks for.
struct CudaMemoryRequirement {
  int64_t weight_bytes = 0;     // initializers the GPU reads + constants folded at load
  int64_t arena_bytes = 0;      // activations, placed by liveness (executors/memory_planner.h)
  int64_t workspace_bytes = 0;  // the largest workspace of any op
  int64_t staging_bytes = 0;    // graph inputs and outputs for Run(host tensors)
  int64_t total() const { return weight_bytes + arena_bytes + workspace_bytes + staging_bytes; }
};

class CudaExecutor {
 public:
  // FailedPrecondition when there is no usable GPU (no driver, no device) or the ordinal is out
  // of range; Unimplemented when a node cannot run on the GPU; ResourceExhausted when
  // options.allocate and the memory does not fit; Internal for CUDA/cuDNN/cuBLAS failures.
  static absl::StatusOr<std::unique_ptr<CudaExecutor>> Create(const ir::Graph& graph,
                                                              const CudaExecutorOptions& options);
  ~CudaExecutor();
  CudaExecutor(const CudaExecutor&) = delete;
  CudaExecutor& operator=(const CudaExecutor&) = delete;

  // Why the GPU executor cannot run `node` ("" when it can): the same lowering Create() uses.
  // Host-only: needs no GPU, so partitioners on any machine can ask.
  static std::string UnsupportedReason(const ir::Graph& graph, const ir::Node& node);

  // The requirement without a GPU: weights, arena and staging exactly as Create() will plan
  // them, workspace as options.workspace_limit (an upper bound: the actual one depends on the
  // algorithms the GPU's libraries choose). Unimplemented like Create() for unsupported nodes.
  static absl::StatusOr<CudaMemoryRequirement> EstimateMemory(const ir::Graph& graph,
                                                              const CudaExecutorOptions& options);

  // Exact once Create() returned, whether or not memory is allocated.
  const CudaMemoryRequirement& MemoryRequirement() const { return requirement_; }
  // Bytes Allocate() takes: the whole requirement, or without scratch when scratch_per_run.
  int64_t resident_bytes() const;
  // Bytes of the scratch each Run must bring when scratch_per_run: arena + workspace.
  int64_t scratch_bytes() const { return requirement_.arena_bytes + requirement_.workspace_bytes; }
  // Whether some kernel reads graph input `input` in device memory (false for operands only
  // read while lowering, such as Reshape's shape, and for inputs nothing reads).
  bool ReadsInputOnDevice(size_t input) const;

  // Allocates MemoryRequirement().total() bytes and uploads the weights (no-op when allocated).
  absl::Status Allocate();
  // Frees the device memory (waits for pending work first). Allocate() again before running.
  void Release();
  bool allocated() const;

  // Enqueues one run on `stream`: inputs[i] holds graph input i, outputs[i] receives graph
  // output i (device pointers, sizes as the graph's static shapes). Returns once the work is
  // enqueued; errors inside kernels surface on the stream. FailedPrecondition when not
  // allocated; InvalidArgument on a wrong number of buffers.
  absl::Status Run(absl::Span<const void* const> inputs, absl::Span<void* const> outputs, cudaStream_t stream);
  // The same with the run's scratch (scratch_bytes(), 256-byte aligned, used by no other work
  // until this run has finished on `stream`), for an executor made with scratch_per_run.
  absl::Status Run(absl::Span<const void* const> inputs, absl::Span<void* const> outputs, void* scratch,
                   cudaStream_t stream);

  // Copies host tensors in, runs, copies the outputs back and waits. InvalidArgument naming the
  // input when a count, dtype or shape is wrong; Internal when the GPU reported an error.
  absl::StatusOr<std::vector<ir::Tensor>> Run(absl::Span<const ir::Tensor> inputs);
  // The same, timing each node with CUDA events around its kernels (never in a CUDA graph):
  // (*node_ms)[node id] = its GPU milliseconds in this run; aliases and fused activations read 0.
  // For calibration (partition-tool --calibrate).
  absl::StatusOr<std::vector<ir::Tensor>> RunProfiled(absl::Span<const ir::Tensor> inputs,
                                                      std::vector<double>* node_ms);

  int device() const { return options_.device; }
  const std::string& device_name() const { return device_name_; }
  // Nodes that launch work (the rest are aliases and fused activations).
  int num_kernel_steps() const;
  int fused_activations() const { return plan_.fused_activations; }
  // CUDA graphs captured so far (for tests).
  int cuda_graph_captures() const { return graph_captures_; }

 private:
  struct CapturedGraph {
    std::vector<const void*> buffers;  // the inputs then the outputs it was captured with
    GraphExecPtr exec;
  };

  CudaExecutor(const ir::Graph& graph, const CudaExecutorOptions& options, CudaPlan plan)
      : graph_(graph), options_(options), plan_(std::move(plan)) {}
  absl::Status Initialize();
  absl::Status RunLocked(absl::Span<const void* const> inputs, absl::Span<void* const> outputs, cudaStream_t stream);
  absl::Status CheckBufferCounts(size_t inputs, size_t outputs) const;
  absl::Status Enqueue(absl::Span<const void* const> inputs, absl::Span<void* const> outputs, cudaStream_t stream,
                       absl::Span<const cudaEvent_t> step_events = {});
  absl::StatusOr<std::vector<ir::Tensor>> RunHost(absl::Span<const ir::Tensor> inputs, std::vector<double>* node_ms);
  absl::Status RunWithGraph(absl::Span<const void* const> inputs, absl::Span<void* const> outputs, cudaStream_t stream);
  absl::Status CheckInput(size_t i, const ir::Tensor& t) const;
  void ReleaseLocked();

  const ir::Graph& graph_;
  CudaExecutorOptions options_;
  CudaPlan plan_;
  CudaMemoryRequirement requirement_;
  std::string device_name_;
  CudnnPtr cudnn_;
  CublasLtPtr cublas_lt_;
  CudaLibraries libs_;
  StreamPtr own_stream_;
  cudaStream_t stream_ = nullptr;  // options_.stream or own_stream_
  DeviceMemory memory_;
  uint8_t* weights_ = nullptr;
  uint8_t* arena_ = nullptr;
  uint8_t* workspace_ = nullptr;
  uint8_t* staging_ = nullptr;
  EventPtr run_done_;  // recorded after each run, on its stream
  cudaStream_t last_stream_ = nullptr;
  bool last_run_recorded_ = false;
  std::vector<CapturedGraph> graphs_;
  std::vector<EventPtr> step_events_;  // RunProfiled's, created on first use
  int graph_captures_ = 0;
  mutable std::mutex mutex_;
};

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_CUDA_EXECUTOR_H_
