// The tandem IR: a dataflow graph of nodes and values addressed by dense ids.
//
// A Graph owns its nodes and values in two vectors; NodeId/ValueId index them. Values know their
// producer and consumers, so passes walk the graph without maps. Control-flow bodies (If, Loop,
// Scan) are nested Graphs held by node attributes; a body refers to values of enclosing graphs by
// name through values of kind kOuterScope.
//
// Graphs are built by the importer and by passes through the Add* methods; once verified
// (graph_verifier.h) they are treated as immutable, and a rewrite builds a new Graph.
// Not thread-safe for mutation; const access from many threads is safe.
#ifndef TANDEM_IR_GRAPH_H_
#define TANDEM_IR_GRAPH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "ir/attribute.h"
#include "ir/shape.h"
#include "ir/tensor.h"

namespace tandem::ir {

// Strong index types, so a node index can never be passed where a value index is expected.
template <typename Tag>
struct Id {
  int32_t value = -1;
  constexpr Id() = default;
  constexpr explicit Id(int32_t v) : value(v) {}
  bool valid() const { return value >= 0; }
  bool operator==(Id o) const { return value == o.value; }
  bool operator!=(Id o) const { return value != o.value; }
  bool operator<(Id o) const { return value < o.value; }
  template <typename H>
  friend H AbslHashValue(H h, Id id) { return H::combine(std::move(h), id.value); }
};
using NodeId = Id<struct NodeTag>;
using ValueId = Id<struct ValueTag>;

enum class ValueKind {
  kGraphInput,   // fed by the caller at run time
  kInitializer,  // a constant with bytes (may also be a graph input in old ONNX models)
  kNodeOutput,   // produced by exactly one node
  kOuterScope,   // a value of an enclosing graph, referenced by name from a subgraph body
};
absl::string_view ValueKindName(ValueKind kind);

struct Value {
  std::string name;
  TensorInfo info;
  ValueKind kind = ValueKind::kNodeOutput;
  NodeId producer;                           // valid only for kNodeOutput
  std::vector<NodeId> consumers;             // one entry per use (a node using it twice: twice)
  std::shared_ptr<const Tensor> initializer; // set only for kInitializer
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;              // "" is the default ONNX domain
  std::vector<ValueId> inputs;     // an invalid id stands for an omitted optional input
  std::vector<ValueId> outputs;    // an invalid id stands for an omitted optional output
  std::map<std::string, Attribute, std::less<>> attributes;

  const Attribute* attr(absl::string_view attr_name) const;
  // Typed lookups with defaults; a present attribute of another kind yields the default too
  // (the importer has already rejected wrong kinds for the ops it knows).
  int64_t GetInt(absl::string_view attr_name, int64_t default_value) const;
  float GetFloat(absl::string_view attr_name, float default_value) const;
  std::string GetString(absl::string_view attr_name, std::string default_value) const;
  std::vector<int64_t> GetInts(absl::string_view attr_name, std::vector<int64_t> defaults = {}) const;

  // `Conv "conv1"` — how messages name a node.
  std::string Describe() const;
  // The i-th input, or an invalid id if absent.
  ValueId input(size_t i) const { return i < inputs.size() ? inputs[i] : ValueId(); }
};

class Graph {
 public:
  explicit Graph(std::string name = "main") : name_(std::move(name)) {}
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // ---- building. Each returns AlreadyExists when `name` is already a value of this graph.
  absl::StatusOr<ValueId> AddInput(std::string name, TensorInfo info);
  absl::StatusOr<ValueId> AddInitializer(std::string name, Tensor tensor);
  absl::StatusOr<ValueId> AddOuterScopeValue(std::string name, TensorInfo info);
  // Adds a value that a node will produce; wire it with AddNode.
  absl::StatusOr<ValueId> AddNodeOutput(std::string name, TensorInfo info);
  // Adds `node`; its inputs and outputs must be ids of this graph. Fails when an output already
  // has a producer or is not a kNodeOutput value.
  absl::StatusOr<NodeId> AddNode(Node node);
  void AddOutput(ValueId id) { outputs_.push_back(id); }
  // Makes an existing graph input also carry a default (ONNX initializer listed as an input).
  void SetInputDefault(ValueId id, Tensor tensor);
  void set_info(ValueId id, TensorInfo info) { values_[id.value].info = std::move(info); }
  void set_opset(std::string domain, int64_t version) { opsets_[std::move(domain)] = version; }
  void set_name(std::string name) { name_ = std::move(name); }

  // ---- access
  const std::string& name() const { return name_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Value>& values() const { return values_; }
  const Node& node(NodeId id) const { return nodes_[id.value]; }
  const Value& value(ValueId id) const { return values_[id.value]; }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }
  const std::map<std::string, int64_t>& opsets() const { return opsets_; }
  // Version of `domain` imported by this graph (or its model); 0 when absent.
  int64_t opset(const std::string& domain) const;
  std::optional<ValueId> FindValue(absl::string_view name) const;
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  int num_values() const { return static_cast<int>(values_.size()); }

  // Nodes in an order where every producer comes before its consumers (stable: ties keep
  // insertion order). InvalidArgument naming a node on the cycle if the graph has one.
  absl::StatusOr<std::vector<NodeId>> TopologicalOrder() const;

  // Total bytes held by initializers, and how many of them are borrowed from a mapped file.
  int64_t InitializerBytes() const;

 private:
  absl::StatusOr<ValueId> AddValue(std::string name, TensorInfo info, ValueKind kind);

  std::string name_;
  std::vector<Node> nodes_;
  std::vector<Value> values_;
  std::vector<ValueId> inputs_;
  std::vector<ValueId> outputs_;
  std::map<std::string, int64_t> opsets_;
  absl::flat_hash_map<std::string, ValueId> value_by_name_;
};

// A model: the main graph plus metadata from the file.
struct Model {
  std::string path;  // where it was loaded from; "" for in-memory bytes
  std::string producer;
  int64_t ir_version = 0;
  std::unique_ptr<Graph> graph;
};

}  // namespace tandem::ir

#endif  // TANDEM_IR_GRAPH_H_
