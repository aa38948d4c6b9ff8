#include "executors/device_registry.h"

#include <unistd.h>

#include <fstream>

#include "absl/strings/str_format.h"

#if TANDEM_HAVE_CUDA
#include "executors/cuda/cuda_device_info.h"
#include "executors/cuda/cuda_executor.h"
#include "executors/cuda/cuda_plan.h"
#include "ir/passes/extract_segment.h"
#endif

namespace tandem::executors {
namespace {

DeviceInfo HostCpu() {
  DeviceInfo cpu;
  cpu.kind = "cpu";
  std::ifstream info("/proc/cpuinfo");
  std::string line;
  while (std::getline(info, line)) {
    if (line.rfind("model name", 0) == 0) {
      cpu.name = line.substr(line.find(':') + 2);
      break;
    }
  }
  if (cpu.name.empty()) cpu.name = "host CPU";
  long pages = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  cpu.total_bytes = static_cast<int64_t>(pages) * page;
  cpu.free_bytes = static_cast<int64_t>(avail) * page;
  return cpu;
}

constexpr const char* kNoCudaBuild =
    "no GPU support: this build has no CUDA executor (TANDEM_CUDA=OFF or no toolkit)";

#if TANDEM_HAVE_CUDA
std::string MiB(int64_t bytes) { return absl::StrFormat("%.1f MiB", bytes / 1048576.0); }

class CudaGraphRunner final : public GpuGraphRunner {
 public:
  explicit CudaGraphRunner(std::unique_ptr<cuda::CudaExecutor> executor) : executor_(std::move(executor)) {}
  absl::StatusOr<std::vector<ir::Tensor>> Run(absl::Span<const ir::Tensor> inputs) override {
    return executor_->Run(inputs);
  }
  absl::StatusOr<std::vector<ir::Tensor>> RunProfiled(absl::Span<const ir::Tensor> inputs,
                                                      std::vector<double>* node_ms) override {
    return executor_->RunProfiled(inputs, node_ms);
  }
  std::string device_name() const override { return executor_->device_name(); }
  int64_t device_bytes() const override { return executor_->MemoryRequirement().total(); }
  std::string MemorySummary() const override {
    const cuda::CudaMemoryRequirement& r = executor_->MemoryRequirement();
    return absl::StrFormat("weights %s + activations %s + workspace %s + staging %s", MiB(r.weight_bytes),
                           MiB(r.arena_bytes), MiB(r.workspace_bytes), MiB(r.staging_bytes));
  }
  int kernel_steps() const override { return executor_->num_kernel_steps(); }
  int fused_activations() const override { return executor_->fused_activations(); }

 private:
  std::unique_ptr<cuda::CudaExecutor> executor_;
};
#endif

}  // namespace

std::string GpuUnsupportedReason(const ir::Graph& graph, const ir::Node& node) {
#if TANDEM_HAVE_CUDA
  return cuda::CudaExecutor::UnsupportedReason(graph, node);
#else
  return kNoCudaBuild;
#endif
}

std::string GpuStreamingReason(const ir::Graph& graph, ir::NodeId node, absl::Span<const ir::ValueId> weights) {
#if TANDEM_HAVE_CUDA
  if (weights.empty()) return "";
  auto segment = ir::ExtractSegment(graph, {node}, {}, weights);
  if (!segment.ok()) return std::string(segment.status().message());
  auto plan = cuda::BuildCudaPlan(*segment->graph, /*fuse_activations=*/false);
  return plan.ok() ? "" : std::string(plan.status().message());
#else
  return kNoCudaBuild;
#endif
}

absl::StatusOr<std::unique_ptr<GpuGraphRunner>> CreateGpuRunner(const ir::Graph& graph,
                                                                const GpuRunnerOptions& options) {
#if TANDEM_HAVE_CUDA
  cuda::CudaExecutorOptions o;
  o.device = options.device;
  o.workspace_limit = options.workspace_limit;
  o.use_cuda_graphs = options.use_cuda_graphs;
  o.allow_tf32 = options.allow_tf32;
  auto executor = cuda::CudaExecutor::Create(graph, o);
  if (!executor.ok()) return executor.status();
  return std::unique_ptr<GpuGraphRunner>(new CudaGraphRunner(*std::move(executor)));
#else
  return absl::FailedPreconditionError(kNoCudaBuild);
#endif
}

bool CudaExecutorBuilt() {
#if TANDEM_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

std::vector<DeviceInfo> ListDevices(std::vector<std::string>* notes) {
  std::vector<DeviceInfo> devices = {HostCpu()};
#if TANDEM_HAVE_CUDA
  std::string why;
  for (const cuda::GpuInfo& gpu : cuda::ListGpus(&why)) {
    devices.push_back(DeviceInfo{"cuda", gpu.ordinal, gpu.name, gpu.total_bytes, gpu.free_bytes});
  }
  if (!why.empty() && notes) notes->push_back(why);
#else
  if (notes) notes->push_back(kNoCudaBuild);
#endif
  return devices;
}

}  // namespace tandem::executors
