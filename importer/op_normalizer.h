// Rewrites version-specific forms of ONNX ops into the one form later stages see (internal).
//
// ONNX moved many attributes to inputs over the years (Reshape's shape, Squeeze/Unsqueeze/Reduce*
// axes, Split's split, Clip's min/max, Pad's pads, Slice's starts/ends...), renamed Upsample to
// Resize, and changed Softmax's semantics at opset 13. The canonical form is the newest one:
// every such operand is an input (a constant when it came from an attribute), as in opset 18.
// The table of rules is in op_normalizer.cc; docs/importer.md lists them.
#ifndef TANDEM_IMPORTER_OP_NORMALIZER_H_
#define TANDEM_IMPORTER_OP_NORMALIZER_H_

#include <string>

#include "absl/status/statusor.h"
#include "ir/graph.h"

namespace tandem::importer {

// What a normalization may add to the graph being built.
class NodeSink {
 public:
  virtual ~NodeSink() = default;
  // A new constant value; `name_hint` is made unique.
  virtual absl::StatusOr<ir::ValueId> AddConstant(const std::string& name_hint, ir::Tensor t) = 0;
  // A new intermediate value to be produced by a node passed to EmitNode.
  virtual absl::StatusOr<ir::ValueId> AddTemp(const std::string& name_hint, ir::TensorInfo info) = 0;
  // Adds a helper node ahead of the node being normalized.
  virtual absl::Status EmitNode(ir::Node node) = 0;
  virtual const ir::TensorInfo& Info(ir::ValueId id) const = 0;
};

// Normalizes `node` of the default domain at operator-set version `opset` in place; it may emit
// helper nodes and constants through `sink`. InvalidArgument naming the node when an attribute
// needed for the rewrite is malformed.
absl::Status NormalizeNode(int64_t opset, ir::Node& node, NodeSink& sink);

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_OP_NORMALIZER_H_
