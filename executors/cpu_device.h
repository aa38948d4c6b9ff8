// The host CPU as a Device: segments run on the CPU executor (executors/cpu/cpu_executor.h) in
// host memory. Weights are read in place (from the mapped model file) and counted once against
// the budget; each segment's arena and the outputs it holds are counted too.
//
// Thread-safety: as Device (device.h). The CPU device has no DataTransfer: host memory is the
// source or destination of every copy, which the other device provides.
#ifndef TANDEM_EXECUTORS_CPU_DEVICE_H_
#define TANDEM_EXECUTORS_CPU_DEVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "executors/cpu/cpu_executor.h"
#include "executors/device.h"
#include "executors/host_segment.h"

namespace tandem::executors {

struct CpuDeviceOptions {
  int64_t budget_bytes = -1;  // -1: unlimited
  CpuExecutorOptions executor;  // threads and the node-inference hook for dynamic shapes
};

class CpuDevice final : public Device {
 public:
  explicit CpuDevice(CpuDeviceOptions options);

  std::string name() const override { return "cpu"; }
  DeviceKind kind() const override { return DeviceKind::kCpu; }
  const MemorySpace& space() const override { return HostMemory(); }
  Allocator& allocator() override { return allocator_; }
  Support Supports(const ir::Graph& graph, ir::NodeId node) const override;
  // The CPU reads every operand from host memory.
  bool InputOnHost(const ir::Graph&, const ir::Node&, int) const override { return true; }
  absl::StatusOr<std::unique_ptr<CompiledSegment>> Compile(
      const ir::Graph& segment_graph, const std::string& label,
      const std::vector<bool>& input_on_host) override;

 private:
  CpuDeviceOptions options_;
  Allocator allocator_;
  ResidentWeights weights_;
};

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_CPU_DEVICE_H_
