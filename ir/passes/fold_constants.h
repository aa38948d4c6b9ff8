// Constant folding: turns computations on constants into initializers and removes dead nodes.
//
// 1. Constant nodes become initializers; Identity of a constant shares its bytes (no copy).
// 2. Shape and Size of a value whose shape is static become constants, which is what makes the
//    Shape → Gather → Unsqueeze → Concat → Reshape chains of PyTorch exports foldable.
// 3. Any other node whose inputs are all constant is evaluated by EvaluateConstantNode (small
//    integer/float math only).
// 4. Values that ONNX's data propagation computed (`known_values`, 0-D/1-D integer tensors)
//    become constants when their dtype and static shape agree with the values.
// 5. Nodes no longer needed for the graph's outputs are removed, with unused initializers.
// Nodes holding subgraphs (If/Loop/Scan) are never folded. The input graph is not modified.
#ifndef TANDEM_IR_PASSES_FOLD_CONSTANTS_H_
#define TANDEM_IR_PASSES_FOLD_CONSTANTS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "ir/graph.h"

namespace tandem::ir {

using KnownValues = absl::flat_hash_map<std::string, std::vector<int64_t>>;

struct FoldStats {
  int folded_values = 0;   // node outputs that became constants
  int removed_nodes = 0;   // nodes removed (folded or dead)
};

absl::StatusOr<std::unique_ptr<Graph>> FoldConstants(const Graph& graph,
                                                     const KnownValues& known_values,
                                                     FoldStats* stats = nullptr);

}  // namespace tandem::ir

#endif  // TANDEM_IR_PASSES_FOLD_CONSTANTS_H_
