// What a model contains, for `partition-tool summary`: op histogram, parameter bytes by dtype,
// how much of them is borrowed from mapped files, inputs/outputs, opsets and the values whose
// shape is not static.
//
// Summarize() only reads the model: it never touches initializer bytes (a borrowed weight stays
// un-faulted), so summarizing a 500 MB model costs no more memory than importing it.
// Thread-safety: all functions are pure; a ModelSummary is a plain value.
#ifndef TANDEM_TOOLS_PARTITION_TOOL_MODEL_SUMMARY_H_
#define TANDEM_TOOLS_PARTITION_TOOL_MODEL_SUMMARY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/graph.h"
#include "nlohmann/json.hpp"

namespace tandem::tools {

// "Conv" in the default domain; "com.microsoft.FusedConv" otherwise.
struct OpCount {
  std::string op;
  int64_t count = 0;
};

struct DTypeParams {
  ir::DType dtype = ir::DType::kUndefined;
  int64_t tensors = 0;   // distinct initializer tensors of this dtype
  int64_t elements = 0;  // sum of their element counts
  int64_t bytes = 0;     // sum of their byte sizes (0 for strings, which have no fixed size)
};

struct NamedInfo {
  std::string name;
  ir::TensorInfo info;
  std::string graph;         // name of the graph holding the value (the main graph or a body)
  bool has_default = false;  // a graph input that also has an initializer
  // Why the shape is not static (non_static entries only): "unknown rank", "unknown dim",
  // "symbolic dim", or the container type ("sequence", "optional", "non-tensor").
  std::string why;
};

struct ModelSummary {
  // ---- metadata
  std::string path;
  std::string producer;
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opsets;  // domain ("" = ai.onnx) → version, of the main graph
  std::string graph_name;

  // ---- structure. "main" counts only the main graph; "body" counts every nested If/Loop/Scan
  // body at any depth, so main + body is the whole model.
  int64_t main_nodes = 0;
  int64_t main_values = 0;
  int64_t bodies = 0;
  int64_t body_nodes = 0;
  int64_t body_values = 0;
  std::vector<OpCount> ops;       // main graph; by count descending, then op name
  std::vector<OpCount> body_ops;  // nested bodies, same order; empty when there are none
  std::vector<NamedInfo> inputs;  // main graph inputs, in order
  std::vector<NamedInfo> outputs;

  // ---- parameters: the initializers of every graph (a graph input with a default counts).
  // A tensor shared by several values (e.g. Identity of a constant, folded) is counted once.
  std::vector<DTypeParams> params_by_dtype;  // by bytes descending, then dtype name
  int64_t param_tensors = 0;
  int64_t param_elements = 0;
  int64_t param_bytes = 0;
  int64_t borrowed_bytes = 0;  // of param_bytes: pointing into a mapped model/external-data file
  int64_t owned_bytes = 0;     // of param_bytes: decoded or folded into heap memory
  int64_t shared_values = 0;   // initializer values that alias a tensor already counted

  // ---- values (of every graph, excluding outer-scope references) whose shape is not fully
  // static: unknown rank, an unknown dimension, a symbolic dimension, or a non-tensor type.
  int64_t non_static_count = 0;
  std::vector<NamedInfo> non_static;  // the first `max_listed`, in graph order
};

struct SummaryOptions {
  int max_listed = 20;  // how many non-static values to list (the count is always exact)
};

// Summarizes `model`. `model.graph` must be non-null (the importer guarantees it).
ModelSummary Summarize(const ir::Model& model, const SummaryOptions& options = {});

// Human-friendly, aligned text; sizes as "44.59 MiB (46,758,048 B)". Ends with a newline.
std::string RenderText(const ModelSummary& summary);

// The same facts as JSON. Shapes are arrays whose entries are a number (static), a string
// (symbolic) or null (unknown); an unknown rank is null. Sizes are plain byte counts.
nlohmann::ordered_json ToJson(const ModelSummary& summary);

// "44.59 MiB (46,758,048 B)".
std::string FormatBytes(int64_t bytes);

}  // namespace tandem::tools

#endif  // TANDEM_TOOLS_PARTITION_TOOL_MODEL_SUMMARY_H_
