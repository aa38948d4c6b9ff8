// Capability: whether a device's executor can run a node, and why not.
//
// The partitioner never decides this itself: each executor answers (the ONNX Runtime
// GetCapability idea, with TFLite's "unsupported_details" reason). A node never goes to a device
// whose Capability refuses it, and partition-tool prints the reason.
//
// - CpuCapability asks executors::CpuExecutor::UnsupportedReason, the same check the CPU
//   executor's Create() uses, so the two cannot disagree.
// - GpuCapability asks the CUDA executor's own check (its dry-run lowering, which Create() also
//   runs) in builds that have the executor. A build without CUDA still plans for GPU profiles;
//   there it answers from GpuOpTable() (below).
//
// Thread-safety: implementations must be safe to call concurrently (they are const and pure).
#ifndef TANDEM_PARTITIONER_CAPABILITY_H_
#define TANDEM_PARTITIONER_CAPABILITY_H_

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "ir/graph.h"

namespace tandem::partitioner {

// A device's answer for one node: whether it can run it, and what its kernel holds.
struct NodeSupport {
  std::string reason;           // "" when the device can run the node
  int64_t workspace_bytes = 0;  // scratch the node's kernel holds while the executor exists
};

class Capability {
 public:
  virtual ~Capability() = default;
  // Both answers from one look at the node (the CPU builds the node's kernel once for both).
  // (optional) defaults to {UnsupportedReason(), 0}.
  virtual NodeSupport Check(const ir::Graph& graph, const ir::Node& node) const {
    return {UnsupportedReason(graph, node), 0};
  }
  // "" when the device can run `node` of `graph`; otherwise a short reason such as
  // "Loop: control flow is not supported on the GPU".
  virtual std::string UnsupportedReason(const ir::Graph& graph, const ir::Node& node) const = 0;
  // Whether input `index` of `node` must be in host memory when the node runs on this device:
  // shape and scalar operands (Reshape's shape, Slice's starts...) that the executor reads on
  // the host to set up the launch. The partitioner keeps such values on the host (no copy to the
  // device, and a copy back when a device node produced them).
  // (optional) defaults to IsShapeInput() below.
  virtual bool InputOnHost(const ir::Graph& graph, const ir::Node& node, int index) const;
  // "" when the device can run `node` with its weights streamed in per run (the gpu-streamed
  // placement: the runtime passes them as inputs, not load-time constants); else why not, e.g.
  // "BatchNormalization: the GPU folds its weights into constants when it loads the node".
  // Asked only of nodes UnsupportedReason() accepts. (optional) defaults to "".
  virtual std::string StreamingReason(const ir::Graph& graph, const ir::Node& node) const { return ""; }
};

// The ONNX operands that are shapes, axes, sizes or counts: Reshape 1, Expand 1, Tile 1, Slice
// 1..4, Pad 1 and 3, Resize 1..3, Upsample 1, Squeeze/Unsqueeze 1, Reduce* 1, TopK 1, Split 1,
// ConstantOfShape 0, Range 0..2, OneHot 1.
bool IsShapeInput(const ir::Node& node, int index);

class CpuCapability final : public Capability {
 public:
  std::string UnsupportedReason(const ir::Graph& graph, const ir::Node& node) const override;
  // The workspace is the kernel's scratch (CpuKernel::ScratchBytes), summed over the CPU's nodes
  // by the memory model exactly as CpuExecutor::scratch_bytes() sums it.
  NodeSupport Check(const ir::Graph& graph, const ir::Node& node) const override;
  // The CPU reads every operand from host memory anyway.
  bool InputOnHost(const ir::Graph&, const ir::Node&, int) const override { return true; }
};

// The GPU executor's answer. With the CUDA executor built: executors::GpuUnsupportedReason, the
// executor's own lowering check, so a node planned for the GPU is one the executor accepts.
// Without it: GpuTableReason(). The table can accept a node whose attributes or dtypes the
// executor would refuse (an unsupported Pad mode, an integer Conv); plans from such builds are
// reports for a GPU the build cannot drive anyway. tests/device/cuda_host/gpu_op_table_test.cc
// keeps the table's op list equal to the executor's registry and checks that the table never
// refuses a node of the conformance suite or the exported models that the executor accepts.
class GpuCapability final : public Capability {
 public:
  std::string UnsupportedReason(const ir::Graph& graph, const ir::Node& node) const override;
  // executors::GpuStreamingReason with the executor built; else GpuTableStreamingReason().
  std::string StreamingReason(const ir::Graph& graph, const ir::Node& node) const override;
};

// The CUDA executor's registered ops, and its rule for every operand (a tensor of static shape
// and of a dtype its kernels know); "" when a node passes both.
const std::set<std::string, std::less<>>& GpuOpTable();
std::string GpuTableReason(const ir::Graph& graph, const ir::Node& node);
// The executor's rule for streamed weights: the ops whose lowering reads weight operands as
// constants (BatchNorm statistics, Clip bounds, Pad's value) cannot take them per run.
std::string GpuTableStreamingReason(const ir::Graph& graph, const ir::Node& node);

// A Capability from a function, for tests and tools.
class FunctionCapability final : public Capability {
 public:
  using Fn = std::function<std::string(const ir::Graph&, const ir::Node&)>;
  explicit FunctionCapability(Fn fn) : fn_(std::move(fn)) {}
  std::string UnsupportedReason(const ir::Graph& graph, const ir::Node& node) const override {
    return fn_(graph, node);
  }

 private:
  Fn fn_;
};

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_CAPABILITY_H_
