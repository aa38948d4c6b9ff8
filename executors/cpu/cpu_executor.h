// Runs a graph (for now: the whole graph) on the CPU with the kernels of kernels/cpu.
//
// Two modes, chosen by Create():
// - static plan (every value a tensor of static shape, no control flow): one kernel per node is
//   built up front (a node no kernel supports fails with Unimplemented naming it and why) and
//   every intermediate value is planned into one arena by liveness. This is the fast path.
// - interpreter (cpu_interpreter.h) for everything else: symbolic or data-dependent shapes,
//   If/Loop/Scan, sequences and optionals, strings. Kernels are built per run.
//
// Threading: Run() may be called from several threads; calls are serialised (one arena).
// Ownership: the graph must outlive the executor; initializers are read in place.
#ifndef TANDEM_EXECUTORS_CPU_CPU_EXECUTOR_H_
#define TANDEM_EXECUTORS_CPU_CPU_EXECUTOR_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "executors/cpu/cpu_interpreter.h"
#include "executors/cpu/runtime_value.h"
#include "ir/graph.h"
#include "kernels/cpu/kernel.h"

namespace tandem::executors {

struct CpuExecutorOptions {
  int threads = 1;  // worker threads for kernels (1: the calling thread only)
  // Output types of a node from its concrete inputs, for the interpreter mode; tools pass
  // importer::MakeNodeInference(model opsets). Without it only statically shaped graphs run.
  NodeInferenceFn infer;
  // Rewrites of the step list (cpu_executor_layout.cc); off only to compare against them.
  bool fuse = true;            // Conv or Add + Relu/Clip, and Sigmoid + Mul (SiLU) → one step
  bool channels_last = true;   // keep activations NHWC between XNNPACK kernels
};

class CpuExecutor {
 public:
  static absl::StatusOr<std::unique_ptr<CpuExecutor>> Create(const ir::Graph& graph,
                                                             const CpuExecutorOptions& options);
  ~CpuExecutor();
  CpuExecutor(const CpuExecutor&) = delete;
  CpuExecutor& operator=(const CpuExecutor&) = delete;

  // `inputs` in the graph's input order. InvalidArgument naming the input when a count, dtype or
  // shape is wrong; a kernel error names its node.
  // Every input and output must be a tensor; see RunValues otherwise.
  absl::StatusOr<std::vector<ir::Tensor>> Run(absl::Span<const ir::Tensor> inputs);
  // Like Run, and times each node: (*node_ms)[node id] = the wall-clock milliseconds of its
  // step(s) in this run (steady_clock around the kernels' Run). A layout conversion counts in the
  // node it feeds; a fused Relu/Clip counts in the Conv that absorbed it and reads 0 (as does the Mul of a
  // fused SiLU, which counts in its Sigmoid). For
  // calibration (partition-tool --calibrate). FailedPrecondition in interpreter mode, which
  // builds kernels per run.
  absl::StatusOr<std::vector<ir::Tensor>> RunProfiled(absl::Span<const ir::Tensor> inputs,
                                                      std::vector<double>* node_ms);
  // Inputs and outputs that may be sequences or optionals.
  absl::StatusOr<std::vector<RuntimeValue>> RunValues(std::vector<RuntimeValue> inputs);

  // True when the graph runs in the interpreter (no static plan).
  bool interpreted() const { return interpreter_ != nullptr; }
  // Bytes of the planned arena (graph inputs and intermediates); exact, known before running.
  // 0 in interpreter mode, where memory depends on the values.
  int64_t arena_bytes() const { return arena_bytes_; }
  // Bytes of constants copied because the file left them misaligned for their element type.
  int64_t aligned_constant_bytes() const { return aligned_constant_bytes_; }
  // Activations kept channels-last (NHWC) between XNNPACK kernels, and the NHWC→NCHW
  // conversions the layout pass inserted.
  int channels_last_values() const { return channels_last_values_; }
  int layout_conversions() const { return static_cast<int>(extra_values_.size()); }
  // Bytes of scratch buffers the kernels hold for the executor's lifetime (CpuKernel::
  // ScratchBytes, summed): the CPU workspace of the partitioner's memory model. 0 in interpreter
  // mode.
  int64_t scratch_bytes() const;

  // Why the CPU cannot run `node` ("" when it can): the same check Create() uses. When it can and
  // `scratch_bytes` is not null, sets it to the scratch its kernel holds (0 for interpreter nodes).
  static std::string UnsupportedReason(const ir::Graph& graph, const ir::Node& node,
                                       int64_t* scratch_bytes = nullptr);

 private:
  // Where a value's bytes are at run time.
  struct Slot {
    enum Kind { kNone, kArena, kConstant, kOutput } kind = kNone;
    int64_t offset = 0;          // kArena
    const void* constant = nullptr;  // kConstant
    int output_index = -1;       // kOutput: index into the graph's outputs
    kernels::cpu::Dims dims;
    ir::DType dtype = ir::DType::kUndefined;
  };
  struct Step {
    std::unique_ptr<kernels::cpu::CpuKernel> kernel;
    ir::NodeId node;  // for a layout conversion: the node it feeds
    // The values bound to the kernel: the node's, except where a fusion or a layout conversion
    // rebound them. Ids from graph.num_values() on are extra_values_ (NCHW copies).
    std::vector<ir::ValueId> inputs, outputs;
  };

  CpuExecutor(const ir::Graph& graph) : graph_(graph) {}
  absl::Status Plan();
  // cpu_executor_layout.cc: the Relu/Clip a Conv may absorb, the Mul that makes a Sigmoid a
  // SiLU, and the channels-last pass.
  static std::optional<kernels::cpu::FusedClamp> FusableClamp(const ir::Graph& graph, const ir::Node& node,
                                                              ir::NodeId* clamp_node);
  static bool FusableSilu(const ir::Graph& graph, const ir::Node& node, ir::NodeId* mul_node);
  void AssignLayouts();
  kernels::cpu::TensorView View(ir::ValueId id, std::vector<ir::Tensor>& outputs);

  absl::Status CheckInput(size_t i, const ir::Tensor& t) const;
  // `t`'s bytes, or an aligned copy when they are not aligned to the element size.
  const void* AlignedConstant(const ir::Tensor& t);

  const ir::Graph& graph_;
  std::unique_ptr<CpuInterpreter> interpreter_;
  std::vector<Step> steps_;
  std::vector<Slot> slots_;  // by ValueId, then extra_values_
  std::vector<ir::ValueId> extra_values_;  // extra value i (id num_values + i): NCHW copy of this one
  int channels_last_values_ = 0;
  int64_t arena_bytes_ = 0;
  std::vector<std::unique_ptr<uint8_t, void (*)(void*)>> aligned_constants_;
  int64_t aligned_constant_bytes_ = 0;
  std::unique_ptr<uint8_t, void (*)(void*)> arena_{nullptr, nullptr};
  pthreadpool_t pool_ = nullptr;
  std::mutex run_mutex_;
};

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_CPU_CPU_EXECUTOR_H_
