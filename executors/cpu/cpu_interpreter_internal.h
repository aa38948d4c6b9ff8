// The interpreter's per-graph-invocation state (internal to executors/cpu).
#ifndef TANDEM_EXECUTORS_CPU_CPU_INTERPRETER_INTERNAL_H_
#define TANDEM_EXECUTORS_CPU_CPU_INTERPRETER_INTERNAL_H_

#include <optional>
#include <vector>

#include "executors/cpu/cpu_interpreter.h"

namespace tandem::executors {

// The values of one running graph (a body runs in a Scope whose parent is its node's scope).
struct CpuInterpreter::Scope {
  const ir::Graph* graph = nullptr;
  const Scope* parent = nullptr;
  // By ValueId; initializers and outer-scope values are filled on first use (hence mutable:
  // a body reads its parent's values through a const Scope*).
  mutable std::vector<std::optional<RuntimeValue>> values;

  absl::StatusOr<const RuntimeValue*> Get(ir::ValueId id) const;
  // Input i of `node`, which must be a tensor (or an optional holding one).
  absl::StatusOr<const ir::Tensor*> GetTensor(const ir::Node& node, size_t i) const;
  void Set(ir::ValueId id, RuntimeValue v);
};

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_CPU_CPU_INTERPRETER_INTERNAL_H_
