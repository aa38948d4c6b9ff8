// Feeds folded constants back into the ModelProto so ONNX shape inference can finish (internal).
//
// ONNX infers shapes before tandem folds constants, so a Slice whose bounds come from arithmetic on
// Shape() (as PyTorch exports attention heads) has no inferred shape. After folding, the importer
// writes the newly constant values into the proto as initializers, drops the nodes that produced
// them, and runs inference again.
#ifndef TANDEM_IMPORTER_CONSTANT_INJECTION_H_
#define TANDEM_IMPORTER_CONSTANT_INJECTION_H_

#include "ir/graph.h"
#include "onnx/onnx_pb.h"

namespace tandem::importer {

// True when some value has no static shape or no dtype (the main graph only).
bool HasUnknownShapes(const ir::Graph& graph);

// Adds to `model`'s main graph every small initializer of `folded` that the proto computes with
// a node, and removes nodes all of whose outputs became initializers. Returns how many values
// were injected.
int InjectFoldedConstants(const ir::Graph& folded, onnx::ModelProto& model);

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_CONSTANT_INJECTION_H_
