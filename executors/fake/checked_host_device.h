// CheckedHostDevice: a TEST DOUBLE that stands in for a GPU so that the runtime's logic (order,
// transfers, buffer lifetimes, concurrency, budgets) is tested on machines without one. It is
// never a GPU and must never be reported as one: its name says "test double".
//
// It computes with the CPU executor, but it has a memory space of its own ("checked-host"):
// - its weights are copied into memory from its own budgeted allocator at compile time;
// - everything it produces is tagged with its space;
// - a segment refuses (FailedPrecondition, naming the value) any input that is not in its space,
//   except the operands it declares host-resident (shape and scalar operands, as the GPU does);
// - the CPU device refuses its tensors the same way.
// So a value that reaches it without a transfer, or leaves it without one, fails the run: a
// missing or misplaced transfer cannot pass. Its DataTransfer copies host <-> checked-host and
// counts copies and bytes, so tests can check that the plan's copies, and only those, happened.
//
// Thread-safety: as Device; the counters are atomic.
#ifndef TANDEM_EXECUTORS_FAKE_CHECKED_HOST_DEVICE_H_
#define TANDEM_EXECUTORS_FAKE_CHECKED_HOST_DEVICE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "executors/cpu/cpu_executor.h"
#include "executors/device.h"
#include "executors/host_segment.h"

namespace tandem::executors {

struct CheckedHostDeviceOptions {
  int64_t budget_bytes = -1;  // -1: unlimited
  CpuExecutorOptions executor;
};

class CheckedHostDevice final : public Device {
 public:
  explicit CheckedHostDevice(CheckedHostDeviceOptions options);

  std::string name() const override { return "checked-host (test double)"; }
  // It plays the GPU's side of a plan.
  DeviceKind kind() const override { return DeviceKind::kGpu; }
  const MemorySpace& space() const override { return space_; }
  Allocator& allocator() override { return *allocator_; }
  Support Supports(const ir::Graph& graph, ir::NodeId node) const override;
  // Shape and scalar operands stay on the host, as they do for the GPU executor
  // (partitioner::IsShapeInput).
  bool InputOnHost(const ir::Graph& graph, const ir::Node& node, int index) const override;
  absl::StatusOr<std::unique_ptr<CompiledSegment>> Compile(
      const ir::Graph& segment_graph, const std::string& label,
      const std::vector<bool>& input_on_host) override;
  DataTransfer* transfer() override { return &transfer_; }

  int64_t copies_to_device() const { return transfer_.to_device; }
  int64_t copies_to_host() const { return transfer_.to_host; }
  int64_t bytes_copied() const { return transfer_.bytes; }

 private:
  class Transfer final : public DataTransfer {
   public:
    explicit Transfer(const MemorySpace& space) : space_(space) {}
    bool CanCopy(const MemorySpace& src, const MemorySpace& dst) const override;
    absl::Status Copy(const Buffer& src, const Buffer& dst) override;
    absl::Status CopyBytes(const void* src, const MemorySpace& src_space, const Buffer& dst,
                           int64_t bytes) override;
    std::atomic<int64_t> to_device{0}, to_host{0}, bytes{0};

   private:
    const MemorySpace& space_;
  };

  CheckedHostDeviceOptions options_;
  MemorySpace space_{"checked-host"};
  std::unique_ptr<Allocator> allocator_;
  ResidentWeights weights_;
  Transfer transfer_{space_};
};

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_FAKE_CHECKED_HOST_DEVICE_H_
