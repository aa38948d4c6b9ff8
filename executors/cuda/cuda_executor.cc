#include "executors/cuda/cuda_executor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "executors/cuda/cublaslt_loader.h"
#include "executors/cuda/cuda_device_info.h"
#include "executors/cuda/cuda_status.h"
#include "executors/cuda/device_guard.h"

namespace tandem::executors::cuda {
namespace {

int64_t AlignUp(int64_t n) { return (n + kDeviceAlignment - 1) / kDeviceAlignment * kDeviceAlignment; }

std::string MiB(int64_t bytes) { return absl::StrFormat("%.1f MiB", bytes / 1048576.0); }

// Adds the node's description to an op error that does not name it yet.
absl::Status NameNode(const absl::Status& s, const ir::Node& node) {
  std::string d = node.Describe();
  if (std::string(s.message()).find(d) != std::string::npos) return s;
  return absl::Status(s.code(), absl::StrCat(d, ": ", s.message()));
}

}  // namespace

std::string CudaExecutor::UnsupportedReason(const ir::Graph& graph, const ir::Node& node) {
  auto op = CudaOpRegistry::Default().Lower(graph, node);
  return op.ok() ? "" : std::string(op.status().message());
}

absl::StatusOr<CudaMemoryRequirement> CudaExecutor::EstimateMemory(const ir::Graph& graph,
                                                                   const CudaExecutorOptions& options) {
  TANDEM_ASSIGN_OR_RETURN(CudaPlan plan, BuildCudaPlan(graph, options.fuse_activations));
  CudaMemoryRequirement r;
  r.weight_bytes = plan.weight_bytes;
  r.arena_bytes = plan.arena_bytes;
  r.workspace_bytes = AlignUp(std::max<int64_t>(0, options.workspace_limit));
  r.staging_bytes = options.host_staging ? plan.staging_bytes : 0;
  return r;
}

absl::StatusOr<std::unique_ptr<CudaExecutor>> CudaExecutor::Create(const ir::Graph& graph,
                                                                   const CudaExecutorOptions& options) {
  // Only the requested device is touched: enumerating them all (ListGpus) would create a
  // context, and spend its memory, on every GPU of the machine.
  TANDEM_ASSIGN_OR_RETURN(std::string gpu_name, UsableGpuName(options.device));
  TANDEM_ASSIGN_OR_RETURN(CudaPlan plan, BuildCudaPlan(graph, options.fuse_activations));
  std::unique_ptr<CudaExecutor> ex(new CudaExecutor(graph, options, std::move(plan)));
  ex->device_name_ = std::move(gpu_name);
  TANDEM_RETURN_IF_ERROR(ex->Initialize());
  if (options.allocate) TANDEM_RETURN_IF_ERROR(ex->Allocate());
  return ex;
}

absl::Status CudaExecutor::Initialize() {
  DeviceGuard guard(options_.device);
  TANDEM_RETURN_IF_ERROR(guard.status());
  cudnnHandle_t cudnn = nullptr;
  bool uses_cudnn = false;
  for (const PlanStep& step : plan_.steps) uses_cudnn = uses_cudnn || (step.op && step.op->uses_cudnn());
  cublasLtHandle_t lt = nullptr;
  if (options_.shared_handles != nullptr) {
    if (uses_cudnn) {
      TANDEM_ASSIGN_OR_RETURN(cudnn, options_.shared_handles->Cudnn());
    }
    TANDEM_ASSIGN_OR_RETURN(lt, options_.shared_handles->CublasLt());
  } else {
    if (uses_cudnn) {
      TANDEM_CUDA_RETURN_IF_ERROR(cudnnCreate(&cudnn), "cudnnCreate");
      cudnn_.reset(cudnn);
    }
    if (const std::string& why = LoadCublasLt(); !why.empty()) return absl::FailedPreconditionError(why);
    TANDEM_CUDA_RETURN_IF_ERROR(cublasLtCreate(&lt), "cublasLtCreate");
    cublas_lt_.reset(lt);
  }
  libs_ = CudaLibraries{cudnn, lt, options_.device, options_.allow_tf32};
  stream_ = options_.stream;
  if (stream_ == nullptr) {
    cudaStream_t s = nullptr;
    TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    own_stream_.reset(s);
    stream_ = s;
  }
  cudaEvent_t event = nullptr;
  TANDEM_CUDA_RETURN_IF_ERROR(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreateWithFlags");
  run_done_.reset(event);
  int64_t workspace = 0;
  for (PlanStep& step : plan_.steps) {
    if (!step.op) continue;
    absl::Status s = step.op->Prepare(libs_, options_.workspace_limit);
    if (!s.ok()) return NameNode(s, graph_.node(step.node));
    workspace = std::max(workspace, step.op->workspace_bytes());
  }
  requirement_.weight_bytes = plan_.weight_bytes;
  requirement_.arena_bytes = plan_.arena_bytes;
  requirement_.workspace_bytes = AlignUp(workspace);
  requirement_.staging_bytes = options_.host_staging ? plan_.staging_bytes : 0;
  return absl::OkStatus();
}

CudaExecutor::~CudaExecutor() {
  std::lock_guard<std::mutex> lock(mutex_);
  ReleaseLocked();
}

bool CudaExecutor::allocated() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return memory_ != nullptr || resident_bytes() == 0;
}

int64_t CudaExecutor::resident_bytes() const {
  return requirement_.total() - (options_.scratch_per_run ? scratch_bytes() : 0);
}

bool CudaExecutor::ReadsInputOnDevice(size_t input) const {
  return input < plan_.input_read_on_device.size() && plan_.input_read_on_device[input];
}

int CudaExecutor::num_kernel_steps() const {
  int n = 0;
  for (const PlanStep& step : plan_.steps) n += step.op != nullptr;
  return n;
}

absl::Status CudaExecutor::Allocate() {
  std::lock_guard<std::mutex> lock(mutex_);
  const int64_t total = resident_bytes();
  if (memory_ != nullptr || total == 0) return absl::OkStatus();
  DeviceGuard guard(options_.device);
  TANDEM_RETURN_IF_ERROR(guard.status());
  void* memory = nullptr;
  cudaError_t err = cudaMalloc(&memory, static_cast<size_t>(total));
  if (err != cudaSuccess) {
    cudaGetLastError();  // an allocation failure is not sticky: clear it so the context stays usable
    size_t free_bytes = 0, total_bytes = 0;
    cudaMemGetInfo(&free_bytes, &total_bytes);
    std::string msg =
        absl::StrCat("GPU ", options_.device, " (", device_name_, "): cannot allocate ", MiB(total), " (weights ",
                     MiB(requirement_.weight_bytes), " + activations ", MiB(requirement_.arena_bytes), " + workspace ",
                     MiB(requirement_.workspace_bytes), " + staging ", MiB(requirement_.staging_bytes), "); ",
                     MiB(static_cast<int64_t>(free_bytes)), " free of ", MiB(static_cast<int64_t>(total_bytes)), ": ",
                     cudaGetErrorString(err));
    if (err == cudaErrorMemoryAllocation) return absl::ResourceExhaustedError(msg);
    return absl::InternalError(msg);
  }
  memory_.reset(memory);
  uint8_t* base = static_cast<uint8_t*>(memory);
  weights_ = base;
  staging_ = weights_ + requirement_.weight_bytes;
  if (!options_.scratch_per_run) {
    arena_ = staging_;
    workspace_ = arena_ + requirement_.arena_bytes;
    staging_ = workspace_ + requirement_.workspace_bytes;
  }
  for (const WeightUpload& u : plan_.uploads) {
    if (u.bytes == 0) continue;
    absl::Status s = CudaStatus(
        cudaMemcpyAsync(weights_ + u.offset, u.data, static_cast<size_t>(u.bytes), cudaMemcpyHostToDevice, stream_),
        "uploading weights");
    if (!s.ok()) {
      ReleaseLocked();
      return s;
    }
  }
  absl::Status s = CudaStatus(cudaStreamSynchronize(stream_), "uploading weights");
  if (!s.ok()) ReleaseLocked();
  return s;
}

void CudaExecutor::Release() {
  std::lock_guard<std::mutex> lock(mutex_);
  ReleaseLocked();
}

void CudaExecutor::ReleaseLocked() {
  if (memory_ == nullptr && graphs_.empty()) return;
  DeviceGuard guard(options_.device);
  if (stream_ != nullptr) cudaStreamSynchronize(stream_);
  if (last_run_recorded_) cudaEventSynchronize(run_done_.get());  // a run on a caller's stream
  graphs_.clear();                                                // captured graphs point into the memory
  memory_.reset();
  weights_ = arena_ = workspace_ = staging_ = nullptr;
}

absl::Status CudaExecutor::Enqueue(absl::Span<const void* const> inputs, absl::Span<void* const> outputs,
                                   cudaStream_t stream, absl::Span<const cudaEvent_t> step_events) {
  if (libs_.cudnn != nullptr) TANDEM_CUDA_RETURN_IF_ERROR(cudnnSetStream(libs_.cudnn, stream), "cudnnSetStream");
  PlanBuffers buffers{inputs, outputs, weights_, arena_, workspace_};
  TANDEM_RETURN_IF_ERROR(RunPlanSteps(graph_, plan_, buffers, stream, &libs_, step_events));
  for (const OutputCopy& copy : plan_.output_copies) {
    if (copy.bytes == 0) continue;
    TANDEM_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(outputs[copy.output], SlotPointer(copy.from, buffers), static_cast<size_t>(copy.bytes),
                        cudaMemcpyDeviceToDevice, stream),
        absl::StrCat("copying output '", graph_.value(graph_.outputs()[copy.output]).name, "'"));
  }
  return absl::OkStatus();
}

absl::Status CudaExecutor::RunWithGraph(absl::Span<const void* const> inputs, absl::Span<void* const> outputs,
                                        cudaStream_t stream) {
  std::vector<const void*> key(inputs.begin(), inputs.end());
  key.insert(key.end(), outputs.begin(), outputs.end());
  key.push_back(arena_);  // per-run scratch moves the arena and workspace
  for (const CapturedGraph& g : graphs_) {
    if (g.buffers == key) {
      TANDEM_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(g.exec.get(), stream), "cudaGraphLaunch");
      return absl::OkStatus();
    }
  }
  TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal),
                              "cudaStreamBeginCapture");
  absl::Status enqueued = Enqueue(inputs, outputs, stream);
  cudaGraph_t graph = nullptr;
  cudaError_t ended = cudaStreamEndCapture(stream, &graph);  // always end, even after an error
  GraphPtr owned_graph(graph);
  TANDEM_RETURN_IF_ERROR(enqueued);
  TANDEM_CUDA_RETURN_IF_ERROR(ended, "cudaStreamEndCapture");
  cudaGraphExec_t exec = nullptr;
  TANDEM_CUDA_RETURN_IF_ERROR(cudaGraphInstantiate(&exec, graph, 0), "cudaGraphInstantiate");
  CapturedGraph captured{std::move(key), GraphExecPtr(exec)};
  ++graph_captures_;
  if (static_cast<int>(graphs_.size()) >= std::max(1, options_.cuda_graph_cache_size)) graphs_.erase(graphs_.begin());
  graphs_.push_back(std::move(captured));
  TANDEM_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graphs_.back().exec.get(), stream), "cudaGraphLaunch");
  return absl::OkStatus();
}

absl::Status CudaExecutor::CheckBufferCounts(size_t inputs, size_t outputs) const {
  if (inputs == graph_.inputs().size() && outputs == graph_.outputs().size()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("the graph takes ", graph_.inputs().size(), " inputs and ",
                                                 graph_.outputs().size(), " outputs, got ", inputs, " and ", outputs));
}

absl::Status CudaExecutor::Run(absl::Span<const void* const> inputs, absl::Span<void* const> outputs,
                               cudaStream_t stream) {
  TANDEM_RETURN_IF_ERROR(CheckBufferCounts(inputs.size(), outputs.size()));
  if (options_.scratch_per_run && scratch_bytes() > 0) {
    return absl::FailedPreconditionError("this GPU executor takes its scratch per run: call Run(..., scratch, stream)");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  DeviceGuard guard(options_.device);
  TANDEM_RETURN_IF_ERROR(guard.status());
  return RunLocked(inputs, outputs, stream);
}

absl::Status CudaExecutor::Run(absl::Span<const void* const> inputs, absl::Span<void* const> outputs, void* scratch,
                               cudaStream_t stream) {
  TANDEM_RETURN_IF_ERROR(CheckBufferCounts(inputs.size(), outputs.size()));
  if (!options_.scratch_per_run) {
    return absl::FailedPreconditionError("this GPU executor owns its scratch: it was not made with scratch_per_run");
  }
  if (scratch == nullptr && scratch_bytes() > 0) {
    return absl::InvalidArgumentError(absl::StrCat("the run needs ", MiB(scratch_bytes()), " of scratch, got none"));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  DeviceGuard guard(options_.device);
  TANDEM_RETURN_IF_ERROR(guard.status());
  arena_ = static_cast<uint8_t*>(scratch);
  workspace_ = arena_ == nullptr ? nullptr : arena_ + requirement_.arena_bytes;
  absl::Status s = RunLocked(inputs, outputs, stream);
  arena_ = workspace_ = nullptr;
  return s;
}

absl::Status CudaExecutor::RunLocked(absl::Span<const void* const> inputs, absl::Span<void* const> outputs,
                                     cudaStream_t stream) {
  if (memory_ == nullptr && resident_bytes() > 0) {
    return absl::FailedPreconditionError("the GPU executor's memory is not allocated; call Allocate()");
  }
  // The arena and workspace are shared by every run: a run on another stream than the previous
  // one must wait for it on the device, not only be enqueued after it.
  if (last_stream_ != stream && last_run_recorded_) {
    TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(stream, run_done_.get(), 0), "cudaStreamWaitEvent");
  }
  absl::Status s = options_.use_cuda_graphs && stream != nullptr ? RunWithGraph(inputs, outputs, stream)
                                                                 : Enqueue(inputs, outputs, stream);
  TANDEM_RETURN_IF_ERROR(s);
  TANDEM_CUDA_RETURN_IF_ERROR(cudaEventRecord(run_done_.get(), stream), "cudaEventRecord");
  last_stream_ = stream;
  last_run_recorded_ = true;
  return absl::OkStatus();
}

absl::Status CudaExecutor::CheckInput(size_t i, const ir::Tensor& t) const {
  const ir::Value& v = graph_.value(graph_.inputs()[i]);
  auto dims = v.info.shape.static_sizes();
  if (t.dtype == v.info.dtype && dims && t.dims == *dims &&
      t.byte_size() == static_cast<size_t>(plan_.input_bytes[i])) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("input '", v.name, "' must be ", v.info.ToString(), ", got ",
                                                 ir::DTypeName(t.dtype), ir::Shape::Static(t.dims).ToString()));
}

absl::StatusOr<std::vector<ir::Tensor>> CudaExecutor::Run(absl::Span<const ir::Tensor> inputs) {
  return RunHost(inputs, nullptr);
}

absl::StatusOr<std::vector<ir::Tensor>> CudaExecutor::RunProfiled(absl::Span<const ir::Tensor> inputs,
                                                                  std::vector<double>* node_ms) {
  if (node_ms == nullptr) return absl::InvalidArgumentError("RunProfiled needs somewhere to put the times");
  return RunHost(inputs, node_ms);
}

absl::StatusOr<std::vector<ir::Tensor>> CudaExecutor::RunHost(absl::Span<const ir::Tensor> inputs,
                                                              std::vector<double>* node_ms) {
  if (!options_.host_staging || options_.scratch_per_run) {
    return absl::FailedPreconditionError(
        "Run(host tensors) needs CudaExecutorOptions::host_staging and no scratch_per_run");
  }
  if (inputs.size() != graph_.inputs().size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the graph takes ", graph_.inputs().size(), " inputs, got ", inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) TANDEM_RETURN_IF_ERROR(CheckInput(i, inputs[i]));
  // One lock across copies in, the run and copies out: the staging buffers are the executor's.
  std::lock_guard<std::mutex> lock(mutex_);
  if (memory_ == nullptr && resident_bytes() > 0) {
    return absl::FailedPreconditionError("the GPU executor's memory is not allocated; call Allocate()");
  }
  DeviceGuard guard(options_.device);
  TANDEM_RETURN_IF_ERROR(guard.status());
  std::vector<const void*> in(inputs.size());
  std::vector<void*> out(plan_.output_bytes.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    in[i] = staging_ + plan_.input_staging[i];
    if (plan_.input_bytes[i] == 0) continue;
    TANDEM_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(const_cast<void*>(in[i]), inputs[i].data.data(), static_cast<size_t>(plan_.input_bytes[i]),
                        cudaMemcpyHostToDevice, stream_),
        "copying inputs to the GPU");
  }
  for (size_t i = 0; i < out.size(); ++i) out[i] = staging_ + plan_.output_staging[i];
  if (node_ms == nullptr) {
    TANDEM_RETURN_IF_ERROR(RunLocked(in, out, stream_));
  } else {
    // Timed: the plain enqueue with an event between steps, on the executor's own stream.
    if (step_events_.size() != plan_.steps.size() + 1) {
      step_events_.clear();
      for (size_t s = 0; s <= plan_.steps.size(); ++s) {
        cudaEvent_t e = nullptr;
        TANDEM_CUDA_RETURN_IF_ERROR(cudaEventCreate(&e), "cudaEventCreate");
        step_events_.emplace_back(e);
      }
    }
    std::vector<cudaEvent_t> events;
    for (const EventPtr& e : step_events_) events.push_back(e.get());
    if (last_stream_ != stream_ && last_run_recorded_) {
      TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(stream_, run_done_.get(), 0), "cudaStreamWaitEvent");
    }
    TANDEM_RETURN_IF_ERROR(Enqueue(in, out, stream_, events));
    TANDEM_CUDA_RETURN_IF_ERROR(cudaEventRecord(run_done_.get(), stream_), "cudaEventRecord");
    last_stream_ = stream_;
    last_run_recorded_ = true;
  }
  std::vector<std::vector<uint8_t>> bytes(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    bytes[i].resize(static_cast<size_t>(plan_.output_bytes[i]));
    if (bytes[i].empty()) continue;
    TANDEM_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(bytes[i].data(), out[i], bytes[i].size(), cudaMemcpyDeviceToHost, stream_),
        "copying outputs from the GPU");
  }
  TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_), "running the graph on the GPU");
  if (node_ms != nullptr) {
    node_ms->assign(static_cast<size_t>(graph_.num_nodes()), 0.0);
    for (size_t s = 0; s < plan_.steps.size(); ++s) {
      if (!plan_.steps[s].op) continue;
      float ms = 0;
      TANDEM_CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms, step_events_[s].get(), step_events_[s + 1].get()),
                                  "cudaEventElapsedTime");
      (*node_ms)[plan_.steps[s].node.value] += ms;
    }
  }
  std::vector<ir::Tensor> results(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const ir::Value& v = graph_.value(graph_.outputs()[i]);
    results[i].dtype = v.info.dtype;
    results[i].dims = *v.info.shape.static_sizes();
    results[i].data = ir::TensorData::Owned(std::move(bytes[i]));
  }
  return results;
}

}  // namespace tandem::executors::cuda
