// Extracts a set of nodes of a graph as a graph of its own: the unit a device compiles.
//
// The new graph's inputs are the values its nodes read that none of them produce (graph inputs
// and values computed elsewhere); initializers it reads come along as initializers (sharing their
// bytes, no copy). Its outputs are the values it produces that something outside it needs: a node
// outside the set, a control-flow body of such a node, a graph output, or a value the caller lists
// in `extra_outputs` (e.g. one that a plan copies to another device). Initializers listed in
// `initializers_as_inputs` become inputs instead (weights that a device streams in per run); such
// an input carries the initializer as its default (Value::initializer on a graph input).
// Names are kept, so bodies that capture outer values by name still find them.
// Thread-safety: a pure function of its arguments.
#ifndef TANDEM_IR_PASSES_EXTRACT_SEGMENT_H_
#define TANDEM_IR_PASSES_EXTRACT_SEGMENT_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/graph.h"

namespace tandem::ir {

struct ExtractedSegment {
  std::unique_ptr<Graph> graph;
  // Ids in the source graph of the new graph's inputs and outputs, position for position.
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
};

// `nodes` in the order the new graph should list them (an execution order). InvalidArgument when a
// node id is out of range or listed twice.
absl::StatusOr<ExtractedSegment> ExtractSegment(const Graph& graph, absl::Span<const NodeId> nodes,
                                                absl::Span<const ValueId> extra_outputs = {},
                                                absl::Span<const ValueId> initializers_as_inputs = {});

}  // namespace tandem::ir

#endif  // TANDEM_IR_PASSES_EXTRACT_SEGMENT_H_
