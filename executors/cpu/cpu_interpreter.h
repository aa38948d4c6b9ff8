// Runs graphs that a static plan cannot: shapes known only at run time (data-dependent sizes,
// symbolic dims), control flow (If, Loop, Scan) and sequence/optional values.
//
// Node by node, in topological order: the interpreter asks a shape-inference hook (ONNX's own,
// importer/node_inference.h) for the outputs' types given the concrete inputs, builds the node's
// kernel with every input as a constant of its real shape, allocates the outputs and runs it.
// Control flow and the sequence/optional ops are run by the interpreter itself, recursing into
// bodies with outer-scope lookups by name.
//
// This trades speed for generality: kernels are built per run (XNNPACK weight packing included),
// so the CPU executor uses it only for graphs its static plan rejects.
#ifndef TANDEM_EXECUTORS_CPU_CPU_INTERPRETER_H_
#define TANDEM_EXECUTORS_CPU_CPU_INTERPRETER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "executors/cpu/runtime_value.h"
#include "ir/graph.h"
#include "kernels/cpu/kernel.h"

namespace tandem::executors {

// Output types of `node` given its inputs' types and (when small enough to matter) values. Same
// signature as importer::MakeNodeInference's result, so tools pass that straight in.
using NodeInferenceFn = std::function<absl::StatusOr<std::vector<ir::TensorInfo>>(
    const ir::Node&, absl::Span<const ir::TensorInfo>, absl::Span<const ir::Tensor* const>)>;

class CpuInterpreter {
 public:
  // `infer` may be null: then nodes whose output shapes the graph does not give statically fail
  // with Unimplemented. `pool` may be null (single thread). Both must outlive the interpreter.
  CpuInterpreter(const ir::Graph& graph, NodeInferenceFn infer, pthreadpool_t pool);

  // Why the interpreter can never run `node` ("" when it may: whether it does depends on the
  // values at run time). Checks nested bodies too.
  static std::string UnsupportedReason(const ir::Graph& graph, const ir::Node& node);

  // `inputs` in the graph's input order, already checked by the caller.
  absl::StatusOr<std::vector<RuntimeValue>> Run(std::vector<RuntimeValue> inputs) const;

 // The values of one running graph; defined in cpu_interpreter_internal.h (public only so the
  // interpreter's helper functions can take it).
  struct Scope;

 private:
  absl::StatusOr<std::vector<RuntimeValue>> RunGraph(const ir::Graph& g,
                                                     std::vector<RuntimeValue> inputs,
                                                     const Scope* outer) const;
  absl::Status RunNode(const ir::Node& node, Scope& scope) const;
  absl::Status RunKernelNode(const ir::Node& node, Scope& scope) const;
  absl::Status RunIf(const ir::Node& node, Scope& scope) const;
  absl::Status RunLoop(const ir::Node& node, Scope& scope) const;
  absl::Status RunScan(const ir::Node& node, Scope& scope) const;
  absl::Status RunSequenceMap(const ir::Node& node, Scope& scope) const;
  absl::Status RunSequenceOrOptionalOp(const ir::Node& node, Scope& scope) const;

  const ir::Graph& graph_;
  NodeInferenceFn infer_;
  pthreadpool_t pool_;
};

// Ops the interpreter runs itself rather than through a kernel.
bool IsInterpreterOp(const ir::Node& node);

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_CPU_CPU_INTERPRETER_H_
