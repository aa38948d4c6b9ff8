// The device interface the runtime drives: a small table of operations, on the model of
// ggml-backend and ONNX Runtime's execution providers.
//
// A Device compiles a segment (a self-contained ir::Graph cut out of the model, see
// ir/passes/extract_segment.h) into a CompiledSegment, owns the budgeted Allocator of its memory,
// and (for a device with its own memory) provides the DataTransfer that copies to and from the
// host. Implementations: CpuDevice (executors/cpu_device.h), the GPU device (executors/cuda/,
// issue 4), and CheckedHostDevice (executors/fake/), a test double.
//
// Ownership: the runtime owns segment graphs and compiled segments; a Device must outlive every
// CompiledSegment it made, and a segment graph must outlive its CompiledSegment.
// Thread-safety: Supports/InputOnHost are const and pure. Compile is not called concurrently on
// one device. CompiledSegment::Run may be called from any thread, one call at a time per segment
// unless the implementation says otherwise.
#ifndef TANDEM_EXECUTORS_DEVICE_H_
#define TANDEM_EXECUTORS_DEVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "executors/allocator.h"
#include "ir/graph.h"
#include "partitioner/device_profile.h"

namespace tandem::executors {

using partitioner::DeviceKind;

// A tensor in some device's memory. `tensor` holds dtype, dims and bytes (its TensorData keeps
// the memory alive); `reservation`, when set, counts those bytes against a device budget for as
// long as the runtime holds the tensor.
struct DeviceTensor {
  ir::Tensor tensor;
  const MemorySpace* space = nullptr;
  std::shared_ptr<Reservation> reservation;
};

// A Buffer viewed as tensor bytes (shares the memory).
ir::TensorData AsTensorData(const Buffer& buffer);

struct MemoryInfo {
  int64_t free_bytes = 0;
  int64_t total_bytes = 0;  // the budget; -1 when unlimited
};

struct Support {
  bool ok = true;
  std::string reason;  // why not, when !ok: "Loop: control flow is not supported on the GPU"
};

// Copies between two memory spaces (ONNX Runtime's IDataTransfer). Copies are synchronous on the
// calling thread; the runtime overlaps them with compute by issuing them from its copy thread.
class DataTransfer {
 public:
  virtual ~DataTransfer() = default;
  virtual bool CanCopy(const MemorySpace& src, const MemorySpace& dst) const = 0;
  // `dst` must be at least as large as `src`; copies src.bytes. Internal on a device failure.
  virtual absl::Status Copy(const Buffer& src, const Buffer& dst) = 0;
  // Copies `bytes` from `src` (in `src_space`) to `dst`: the form the runtime uses, since device
  // tensors hold their bytes as TensorData.
  virtual absl::Status CopyBytes(const void* src, const MemorySpace& src_space, const Buffer& dst,
                                 int64_t bytes) = 0;
};

// One segment compiled for one device. Inputs and outputs are the segment graph's, in order.
class CompiledSegment {
 public:
  virtual ~CompiledSegment() = default;
  // Runs the segment. Every input must be in the memory space this segment reads it from (its
  // device's, or the host for an operand the device reads on the host): FailedPrecondition naming
  // the value otherwise, so a missing transfer can never go unnoticed. Outputs are in the
  // device's memory, counted against its budget.
  virtual absl::StatusOr<std::vector<DeviceTensor>> Run(absl::Span<const DeviceTensor> inputs) = 0;
  // Bytes this segment holds between runs (resident weights, arena), counted in its budget.
  virtual int64_t resident_bytes() const = 0;
};

class Device {
 public:
  virtual ~Device() = default;
  // "cpu", "cuda:0", "checked-host (test double)": used in messages and reports.
  virtual std::string name() const = 0;
  // Which side of a Plan this device plays.
  virtual DeviceKind kind() const = 0;
  virtual const MemorySpace& space() const = 0;
  virtual Allocator& allocator() = 0;
  // (optional) defaults to the allocator's budget and use.
  virtual MemoryInfo memory();
  // Whether this device can run `node`, and why not.
  virtual Support Supports(const ir::Graph& graph, ir::NodeId node) const = 0;
  // (optional) whether input `index` of `node` is read from host memory when the node runs here
  // (shape and scalar operands). Defaults to false: every operand is in device memory.
  virtual bool InputOnHost(const ir::Graph& graph, const ir::Node& node, int index) const;
  // Compiles `segment_graph` (which must outlive the result). `label` names the segment in
  // messages ("segment 3 (gpu)"). `input_on_host[i]`: input i is read from host memory.
  // Resident weights and arenas are taken from allocator(): ResourceExhausted past the budget.
  virtual absl::StatusOr<std::unique_ptr<CompiledSegment>> Compile(
      const ir::Graph& segment_graph, const std::string& label,
      const std::vector<bool>& input_on_host) = 0;
  // (optional) copies between this device's memory and the host; defaults to null (the device
  // works in host memory and needs no copies).
  virtual DataTransfer* transfer();
};

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_DEVICE_H_
