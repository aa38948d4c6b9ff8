// CreateGpuDevice for builds with the CUDA executor: the GPU as an executors::Device.
//
// Memory. The device's Allocator hands out stream-ordered device memory (cudaMallocAsync from the
// device's default pool, kept cached by a release threshold of "never", so a run's buffers are
// reused by the next run without returning to the driver). Every byte is charged to the budget:
// - a segment's weights (and the constants its ops derive) for the segment's life;
// - its activation arena and library workspace (CudaExecutor::scratch_bytes) while it runs;
// - its outputs until the runtime drops them; copies the runtime brings in, likewise.
// That is the partitioner's memory model (partitioner/memory_model.cc), so a plan that fits runs.
// One difference, on the safe side: a weight read by two GPU segments is uploaded by each.
//
// Handles. One cuDNN and one cuBLASLt handle serve all the device's segments (each handle holds
// device memory outside the budget), created when a segment first needs them.
//
// Order. A segment's work is enqueued on the device's compute stream and waited for before Run
// returns; copies run on the transfer's own stream (pinned_transfer.h). Both are synchronous
// towards the runtime, which overlaps them by issuing copies from its copy thread. Memory is
// allocated on a third stream and synchronised before it is handed out; it is freed only after
// everything that used it has been waited for, so the three streams never race on a buffer.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "executors/cuda/cuda_device_info.h"
#include "executors/cuda/cuda_executor.h"
#include "executors/cuda/cuda_status.h"
#include "executors/cuda/device_guard.h"
#include "executors/cuda/pinned_transfer.h"
#include "executors/gpu_device.h"
#include "partitioner/capability.h"

namespace tandem::executors {
namespace {

using cuda::CudaStatus;
using cuda::DeviceGuard;

// The stream allocations and frees are ordered on; shared with the deleters of buffers, which
// may outlive the device.
struct AllocationStream {
  int ordinal = 0;
  bool pooled = false;  // cudaMallocAsync available; else cudaMalloc/cudaFree
  cuda::StreamPtr stream;
};

class DeviceMemoryAllocator final : public Allocator {
 public:
  DeviceMemoryAllocator(const MemorySpace& space, std::string name, int64_t budget,
                        std::shared_ptr<AllocationStream> stream)
      : Allocator(space, std::move(name), budget, cuda::kDeviceAlignment, /*padding=*/0),
        stream_(std::move(stream)) {}

 protected:
  void* AllocateRaw(int64_t bytes) override {
    DeviceGuard guard(stream_->ordinal);
    if (!guard.status().ok()) return nullptr;
    void* p = nullptr;
    const size_t n = static_cast<size_t>(std::max<int64_t>(bytes, cuda::kDeviceAlignment));
    cudaError_t err = stream_->pooled ? cudaMallocAsync(&p, n, stream_->stream.get()) : cudaMalloc(&p, n);
    if (err == cudaSuccess && stream_->pooled) err = cudaStreamSynchronize(stream_->stream.get());
    if (err != cudaSuccess) {
      cudaGetLastError();  // an allocation failure is not sticky
      return nullptr;
    }
    return p;
  }
  std::function<void(void*)> RawDeleter() const override {
    return [stream = stream_](void* p) {
      DeviceGuard guard(stream->ordinal);
      if (stream->pooled) {
        cudaFreeAsync(p, stream->stream.get());
      } else {
        cudaFree(p);
      }
    };
  }

 private:
  std::shared_ptr<AllocationStream> stream_;
};

class CudaSegment final : public CompiledSegment {
 public:
  CudaSegment(const ir::Graph& graph, std::string label, std::vector<bool> input_on_host, Allocator& allocator,
              cudaStream_t stream, std::mutex& enqueue_mutex)
      : graph_(graph),
        label_(std::move(label)),
        input_on_host_(std::move(input_on_host)),
        allocator_(allocator),
        stream_(stream),
        enqueue_mutex_(enqueue_mutex) {}

  absl::Status Init(const cuda::CudaExecutorOptions& options) {
    TANDEM_ASSIGN_OR_RETURN(executor_, cuda::CudaExecutor::Create(graph_, options));
    TANDEM_ASSIGN_OR_RETURN(resident_, allocator_.Reserve(executor_->resident_bytes(),
                                                          absl::StrCat("the weights of ", label_)));
    TANDEM_RETURN_IF_ERROR(executor_->Allocate());
    input_on_host_.resize(graph_.inputs().size(), false);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<DeviceTensor>> Run(absl::Span<const DeviceTensor> inputs) override {
    const ir::Graph& g = graph_;
    if (inputs.size() != g.inputs().size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(label_, " takes ", g.inputs().size(), " inputs, got ", inputs.size()));
    }
    std::vector<const void*> in(inputs.size(), nullptr);
    std::vector<Buffer> uploads;  // host operands some kernel reads on the device
    for (size_t i = 0; i < inputs.size(); ++i) {
      const ir::Value& v = g.value(g.inputs()[i]);
      const MemorySpace* want = input_on_host_[i] ? &HostMemory() : &allocator_.space();
      if (inputs[i].space != want) {
        return absl::FailedPreconditionError(absl::StrCat(
            label_, " reads '", v.name, "' from ", inputs[i].space ? inputs[i].space->name() : "no",
            " memory, but it must be in ", want->name(), " memory: no transfer brought it there"));
      }
      const ir::Tensor& t = inputs[i].tensor;
      const auto dims = v.info.shape.static_sizes();
      if (t.dtype != v.info.dtype || !dims || t.dims != *dims) {
        return absl::InvalidArgumentError(absl::StrCat(label_, ": input '", v.name, "' must be ",
                                                       v.info.ToString(), ", got ", ir::DTypeName(t.dtype),
                                                       ir::Shape::Static(t.dims).ToString()));
      }
      in[i] = t.data.data();
      if (input_on_host_[i] && executor_->ReadsInputOnDevice(i) && t.byte_size() > 0) {
        TANDEM_ASSIGN_OR_RETURN(Buffer b, allocator_.Allocate(static_cast<int64_t>(t.byte_size()),
                                                              absl::StrCat("operand '", v.name, "' of ", label_)));
        TANDEM_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(b.data(), t.data.data(), t.byte_size(), cudaMemcpyHostToDevice, stream_),
            absl::StrCat(label_, ": copying operand '", v.name, "'"));
        in[i] = b.data();
        uploads.push_back(std::move(b));
      }
    }
    Buffer scratch;  // the arena and workspace, held for this run only
    if (executor_->scratch_bytes() > 0) {
      TANDEM_ASSIGN_OR_RETURN(scratch, allocator_.Allocate(executor_->scratch_bytes(),
                                                           absl::StrCat("the activations of ", label_)));
    }
    std::vector<Buffer> outputs;
    std::vector<void*> out;
    for (ir::ValueId id : g.outputs()) {
      const ir::Value& v = g.value(id);
      TANDEM_ASSIGN_OR_RETURN(
          Buffer b, allocator_.Allocate(ValueBytes(v), absl::StrCat("output '", v.name, "' of ", label_)));
      out.push_back(b.data());
      outputs.push_back(std::move(b));
    }
    {
      // The device's segments share their library handles, which must not be used concurrently.
      std::lock_guard<std::mutex> lock(enqueue_mutex_);
      TANDEM_RETURN_IF_ERROR(executor_->Run(in, out, scratch.data(), stream_));
    }
    // Errors inside kernels surface here; the run's buffers are released only after.
    TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_), absl::StrCat("running ", label_));
    std::vector<DeviceTensor> result;
    for (size_t i = 0; i < outputs.size(); ++i) {
      const ir::Value& v = g.value(g.outputs()[i]);
      ir::Tensor t;
      t.dtype = v.info.dtype;
      t.dims = *v.info.shape.static_sizes();
      t.data = AsTensorData(outputs[i]);
      result.push_back(DeviceTensor{std::move(t), &allocator_.space(), nullptr});
    }
    return result;
  }

  int64_t resident_bytes() const override { return resident_ ? resident_->bytes() : 0; }

 private:
  static int64_t ValueBytes(const ir::Value& v) {
    return v.info.shape.num_elements().value_or(0) * ir::DTypeSize(v.info.dtype);
  }

  const ir::Graph& graph_;
  std::string label_;
  std::vector<bool> input_on_host_;
  Allocator& allocator_;
  cudaStream_t stream_;
  std::mutex& enqueue_mutex_;
  std::unique_ptr<cuda::CudaExecutor> executor_;
  std::shared_ptr<Reservation> resident_;
};

class CudaDevice final : public Device {
 public:
  CudaDevice(const GpuDeviceOptions& options, std::string gpu_name)
      : options_(options),
        name_(absl::StrCat("cuda:", options.ordinal, " (", gpu_name, ")")),
        space_(absl::StrCat("cuda:", options.ordinal)),
        handles_(options.ordinal),
        transfer_(space_, options.ordinal, options.staging_chunk_bytes) {}

  absl::Status Init() {
    DeviceGuard guard(options_.ordinal);
    TANDEM_RETURN_IF_ERROR(guard.status());
    auto allocation = std::make_shared<AllocationStream>();
    allocation->ordinal = options_.ordinal;
    int pools = 0;
    allocation->pooled =
        cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, options_.ordinal) == cudaSuccess && pools;
    cudaGetLastError();
    if (allocation->pooled) {
      cudaMemPool_t pool = nullptr;
      TANDEM_CUDA_RETURN_IF_ERROR(cudaDeviceGetDefaultMemPool(&pool, options_.ordinal), "cudaDeviceGetDefaultMemPool");
      uint64_t keep = std::numeric_limits<uint64_t>::max();  // freed memory stays in the pool
      TANDEM_CUDA_RETURN_IF_ERROR(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep),
                                  "cudaMemPoolSetAttribute");
    }
    cudaStream_t s = nullptr;
    TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
    allocation->stream.reset(s);
    TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
    compute_.reset(s);
    allocator_ = std::make_unique<DeviceMemoryAllocator>(space_, name_, options_.budget_bytes, std::move(allocation));
    return transfer_.Initialize();
  }

  ~CudaDevice() override {
    DeviceGuard guard(options_.ordinal);
    if (compute_) cudaStreamSynchronize(compute_.get());
  }

  std::string name() const override { return name_; }
  DeviceKind kind() const override { return DeviceKind::kGpu; }
  const MemorySpace& space() const override { return space_; }
  Allocator& allocator() override { return *allocator_; }

  Support Supports(const ir::Graph& graph, ir::NodeId node) const override {
    std::string reason = cuda::CudaExecutor::UnsupportedReason(graph, graph.node(node));
    return Support{reason.empty(), reason};
  }
  bool InputOnHost(const ir::Graph&, const ir::Node& node, int index) const override {
    return partitioner::IsShapeInput(node, index);
  }

  absl::StatusOr<std::unique_ptr<CompiledSegment>> Compile(const ir::Graph& segment_graph, const std::string& label,
                                                           const std::vector<bool>& input_on_host) override {
    cuda::CudaExecutorOptions o;
    o.device = options_.ordinal;
    o.workspace_limit = options_.workspace_limit;
    o.stream = compute_.get();
    o.allocate = false;
    o.host_staging = false;
    o.allow_tf32 = options_.allow_tf32;
    o.scratch_per_run = true;
    o.shared_handles = &handles_;
    auto segment = std::make_unique<CudaSegment>(segment_graph, label, input_on_host, *allocator_, compute_.get(),
                                                 enqueue_mutex_);
    absl::Status s = segment->Init(o);
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat(label, " on ", name_, ": ", s.message()));
    return std::unique_ptr<CompiledSegment>(std::move(segment));
  }

  DataTransfer* transfer() override { return &transfer_; }

 private:
  GpuDeviceOptions options_;
  std::string name_;
  MemorySpace space_;
  cuda::SharedCudaHandles handles_;  // declared before the streams: destroyed after them
  std::mutex enqueue_mutex_;
  cuda::StreamPtr compute_;
  std::unique_ptr<DeviceMemoryAllocator> allocator_;
  cuda::PinnedTransfer transfer_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Device>> CreateGpuDevice(const GpuDeviceOptions& options) {
  TANDEM_ASSIGN_OR_RETURN(std::string gpu_name, cuda::UsableGpuName(options.ordinal));
  auto device = std::make_unique<CudaDevice>(options, gpu_name);
  TANDEM_RETURN_IF_ERROR(device->Init());
  return std::unique_ptr<Device>(std::move(device));
}

}  // namespace tandem::executors
