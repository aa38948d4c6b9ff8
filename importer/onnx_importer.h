// Imports an ONNX model into tandem's IR.
//
// Pipeline: map the file → cut large raw weights out of the bytes protobuf will copy (they are
// borrowed from the mapping instead) → parse → ONNX checker → ONNX shape inference with data
// propagation → convert to ir::Graph, normalizing op versions → fold constants → verify.
//
// Thread-safety: the functions are re-entrant; the returned Model is independent of any other.
// Ownership: the Model's initializers keep the mapped model and external-data files alive.
#ifndef TANDEM_IMPORTER_ONNX_IMPORTER_H_
#define TANDEM_IMPORTER_ONNX_IMPORTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "ir/passes/fold_constants.h"

namespace tandem::importer {

struct ImportOptions {
  bool run_checker = true;        // ONNX's model checker (schemas, attribute types, SSA)
  bool infer_shapes = true;       // ONNX shape inference (strict: a node error fails the import)
  bool fold_constants = true;     // see ir/passes/fold_constants.h
  int max_subgraph_depth = 8;     // deeper If/Loop/Scan nesting is refused
  // raw_data payloads at least this large are borrowed from the file instead of copied.
  size_t borrow_threshold_bytes = 4096;
};

struct ImportStats {
  int onnx_nodes = 0;           // nodes in the file's main graph
  ir::FoldStats fold;
  int64_t borrowed_bytes = 0;   // initializer bytes pointing into mapped files
  int64_t owned_bytes = 0;      // initializer bytes decoded into memory
};

// Imports the model at `path`; external data is looked up next to it. Every error is an
// absl::Status whose message starts with the path and names the node or tensor at fault:
// NotFound (missing file), InvalidArgument (malformed or hostile model), Unimplemented (valid ONNX
// that tandem does not support, e.g. a custom domain or sparse initializers).
absl::StatusOr<ir::Model> ImportModel(const std::string& path, const ImportOptions& options = {},
                                      ImportStats* stats = nullptr);

// Imports from serialized bytes (copied as needed). External data is refused, because there is
// no folder to resolve it against. `name` identifies the model in messages.
absl::StatusOr<ir::Model> ImportModelFromBytes(const std::string& bytes, const std::string& name,
                                               const ImportOptions& options = {},
                                               ImportStats* stats = nullptr);

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_ONNX_IMPORTER_H_
