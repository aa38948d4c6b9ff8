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
  // Inputs and outputs that may be sequences or optionals.
  absl::StatusOr<std::vector<RuntimeValue>> RunValues(std::vector<RuntimeValue> inputs);

  // True when the graph runs in the interpreter (no static plan).
  bool interpreted() const { return interpreter_ != nullptr; }
  // Bytes of the planned arena (graph inputs and intermediates); exact, known before running.
  // 0 in interpreter mode, where memory depends on the values.
  int64_t arena_bytes() const { return arena_bytes_; }
  // Bytes of constants copied because the file left them misaligned for their element type.
  int64_t aligned_constant_bytes() const { return aligned_constant_bytes_; }

  // Why the CPU cannot run `node` ("" when it can): the same check Create() uses.
  static std::string UnsupportedReason(const ir::Graph& graph, const ir::Node& node);

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
    ir::NodeId node;
  };

  CpuExecutor(const ir::Graph& graph) : graph_(graph) {}
  absl::Status Plan(const std::vector<ir::NodeId>& order);
  kernels::cpu::TensorView View(ir::ValueId id, std::vector<ir::Tensor>& outputs);

  absl::Status CheckInput(size_t i, const ir::Tensor& t) const;
  // `t`'s bytes, or an aligned copy when they are not aligned to the element size.
  const void* AlignedConstant(const ir::Tensor& t);

  const ir::Graph& graph_;
  std::unique_ptr<CpuInterpreter> interpreter_;
  std::vector<Step> steps_;
  std::vector<Slot> slots_;  // by ValueId
  int64_t arena_bytes_ = 0;
  std::vector<std::unique_ptr<uint8_t, void (*)(void*)>> aligned_constants_;
  int64_t aligned_constant_bytes_ = 0;
  std::unique_ptr<uint8_t, void (*)(void*)> arena_{nullptr, nullptr};
  pthreadpool_t pool_ = nullptr;
  std::mutex run_mutex_;
};

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_CPU_CPU_EXECUTOR_H_
