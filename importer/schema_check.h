// Checks, before anything else reads a node, that every node names an operator ONNX defines at
// the model's opset version, in a domain the model imports, that bodies are not nested too
// deeply, and that declared dimensions are possible (internal).
#ifndef TANDEM_IMPORTER_SCHEMA_CHECK_H_
#define TANDEM_IMPORTER_SCHEMA_CHECK_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"

namespace tandem::importer {

// InvalidArgument for a domain the model does not import or nesting beyond `max_depth` (naming
// the node that holds the body); Unimplemented for an operator with no ONNX schema (unknown op,
// custom domain).
absl::Status CheckNodeSchemas(const onnx::GraphProto& graph,
                              const std::map<std::string, int64_t>& opsets, int max_depth);

// InvalidArgument naming the tensor or value when an initializer or tensor attribute has a
// negative dimension or an element count that overflows int64, or a declared input, output or
// value_info has a negative dimension. Run it before ONNX's checker and shape inference, which
// would report these only as a mismatch at some consuming node. Recurses into bodies: call it
// after CheckNodeSchemas, which bounds their nesting.
absl::Status CheckDeclaredShapes(const onnx::GraphProto& graph);

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_SCHEMA_CHECK_H_
