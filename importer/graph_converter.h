// Turns an onnx::GraphProto (already checked and shape-inferred) into an ir::Graph (internal).
#ifndef TANDEM_IMPORTER_GRAPH_CONVERTER_H_
#define TANDEM_IMPORTER_GRAPH_CONVERTER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "importer/external_data.h"
#include "importer/tensor_decoder.h"
#include "ir/graph.h"
#include "onnx/onnx_pb.h"

namespace tandem::importer {

struct ConvertOptions {
  int max_subgraph_depth = 8;  // If/Loop/Scan bodies nested deeper than this are refused
};

class GraphConverter {
 public:
  // `opsets` are the model's opset imports; `resolver` resolves external data (not owned, must
  // outlive the converter). `main_raw_data` gives, per main-graph initializer, where the wire
  // scanner found its bytes (may be empty).
  GraphConverter(std::map<std::string, int64_t> opsets, ExternalDataResolver* resolver,
                 std::shared_ptr<const void> file_keep_alive, const uint8_t* file_base,
                 std::vector<std::optional<ByteRange>> main_raw_data, ConvertOptions options)
      : opsets_(std::move(opsets)), resolver_(resolver), keep_alive_(std::move(file_keep_alive)),
        file_base_(file_base), main_raw_data_(std::move(main_raw_data)), options_(options) {}

  // Converts the main graph. Errors name the graph, node (name and op) or tensor.
  absl::StatusOr<std::unique_ptr<ir::Graph>> ConvertMain(const onnx::GraphProto& graph);

 private:
  struct Scope {
    const Scope* parent = nullptr;
    const ir::Graph* graph = nullptr;
    bool Defines(const std::string& name) const;
  };

  absl::StatusOr<std::unique_ptr<ir::Graph>> Convert(const onnx::GraphProto& proto,
                                                     const Scope* outer, int depth);
  absl::Status AddInitializers(const onnx::GraphProto& proto, int depth, ir::Graph& g);
  absl::Status AddInputs(const onnx::GraphProto& proto, ir::Graph& g);
  absl::Status AddNodes(const onnx::GraphProto& proto, const Scope& scope, int depth, ir::Graph& g);
  absl::StatusOr<ir::Attribute> ConvertAttribute(const onnx::AttributeProto& a,
                                                 const std::string& where, const Scope& scope,
                                                 int depth);

  std::map<std::string, int64_t> opsets_;
  ExternalDataResolver* resolver_;
  std::shared_ptr<const void> keep_alive_;
  const uint8_t* file_base_;
  std::vector<std::optional<ByteRange>> main_raw_data_;
  ConvertOptions options_;
  std::map<std::string, ir::TensorInfo> value_infos_;  // of the graph being converted
};

// The dtype and shape in a TypeProto. Non-tensor types (sequence, map, optional) give
// kUndefined with unknown rank. InvalidArgument for negative dims or unknown element types.
absl::StatusOr<ir::TensorInfo> ConvertType(const onnx::TypeProto& type, const std::string& what);

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_GRAPH_CONVERTER_H_
