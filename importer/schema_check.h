// Checks, before anything else reads a node, that every node names an operator ONNX defines at
// the model's opset version, in a domain the model imports, and that bodies are not nested too
// deeply (internal).
#ifndef TANDEM_IMPORTER_SCHEMA_CHECK_H_
#define TANDEM_IMPORTER_SCHEMA_CHECK_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"

namespace tandem::importer {

// InvalidArgument for a domain the model does not import or nesting beyond `max_depth`;
// Unimplemented for an operator with no ONNX schema (unknown op, custom domain).
absl::Status CheckNodeSchemas(const onnx::GraphProto& graph,
                              const std::map<std::string, int64_t>& opsets, int max_depth);

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_SCHEMA_CHECK_H_
