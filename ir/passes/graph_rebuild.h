// Builds a new graph from an old one with some nodes removed and some values made constant.
// Passes use it because graphs are not edited in place.
#ifndef TANDEM_IR_PASSES_GRAPH_REBUILD_H_
#define TANDEM_IR_PASSES_GRAPH_REBUILD_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "ir/graph.h"

namespace tandem::ir {

// Copies `graph`, keeping node n only when keep_node[n]; a value v with constants[v] set becomes
// an initializer holding that tensor (sharing its bytes). Values that the kept graph no longer
// references (including unused initializers) are dropped; inputs and outputs are always kept.
// `constants` and `keep_node` are indexed by ValueId and NodeId of `graph`.
absl::StatusOr<std::unique_ptr<Graph>> RebuildGraph(
    const Graph& graph, const std::vector<bool>& keep_node,
    const std::vector<std::shared_ptr<const Tensor>>& constants);

// Names of outer-scope values that the bodies of `node` (recursively) read.
absl::flat_hash_set<std::string> BodyCaptures(const Node& node);

// Marks the nodes needed to compute the graph's outputs (those not needed are dead), given that
// values with constants[v] set need no producer.
std::vector<bool> LiveNodes(const Graph& graph,
                            const std::vector<std::shared_ptr<const Tensor>>& constants);

}  // namespace tandem::ir

#endif  // TANDEM_IR_PASSES_GRAPH_REBUILD_H_
