// Checks, before anything else reads a node, that every node names an operator ONNX defines at
// the model's opset version, in a domain the model imports, that bodies are not nested too
// deeply, and that declared dimensions are possible (internal).
#ifndef TANDEM_IMPORTER_SCHEMA_CHECK_H_
#define TANDEM_IMPORTER_SCHEMA_CHECK_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "importer/wire_scanner.h"
#include "onnx/onnx_pb.h"

namespace tandem::importer {

// Checks the nodes of `model`'s graph and its bodies. InvalidArgument for a domain the model does
// not import, nesting beyond `max_depth` (naming the node that holds the body) or a stride that
// ONNX's inference would divide by zero; Unimplemented for an operator with no ONNX schema
// (unknown op, custom domain, model-local function).
absl::Status CheckNodeSchemas(const onnx::ModelProto& model,
                              const std::map<std::string, int64_t>& opsets, int max_depth);

// InvalidArgument naming the tensor or value when an initializer or tensor attribute has an
// unknown data type, a negative dimension or an element count that overflows int64, or a
// declared input, output or value_info has an unknown data type or a negative dimension. Run it
// before ONNX's checker and shape inference, which would report these only as a mismatch at some
// consuming node (or, for an unknown data type, without naming the tensor); and InvalidArgument
// when a tensor's raw_data does not hold exactly what its dtype and dims need (ONNX's inference
// would read past it); for the main graph's initializers whose payload the wire scanner cut out,
// `cut_payloads` (StrippedModel::raw_data) gives the payload's size. Recurses into bodies: call
// it after CheckNodeSchemas, which bounds their nesting.
absl::Status CheckDeclaredShapes(const onnx::GraphProto& graph,
                                 const std::vector<std::optional<ByteRange>>& cut_payloads = {});

// InvalidArgument naming the input when an input of the main graph has no type (or a tensor type
// without an element type). The IR spec requires one, and ONNX 1.12's inference functions
// dereference a missing type.
absl::Status CheckMainGraphInputsTyped(const onnx::GraphProto& graph);

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_SCHEMA_CHECK_H_
