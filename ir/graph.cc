#include "ir/graph.h"

#include <queue>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace tandem::ir {

absl::string_view ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kGraphInput: return "input";
    case ValueKind::kInitializer: return "initializer";
    case ValueKind::kNodeOutput: return "node output";
    case ValueKind::kOuterScope: return "outer-scope";
  }
  return "?";
}

const Attribute* Node::attr(absl::string_view attr_name) const {
  auto it = attributes.find(attr_name);
  return it == attributes.end() ? nullptr : &it->second;
}

int64_t Node::GetInt(absl::string_view attr_name, int64_t default_value) const {
  const Attribute* a = attr(attr_name);
  return a && a->kind() == AttrKind::kInt ? a->i() : default_value;
}

float Node::GetFloat(absl::string_view attr_name, float default_value) const {
  const Attribute* a = attr(attr_name);
  return a && a->kind() == AttrKind::kFloat ? a->f() : default_value;
}

std::string Node::GetString(absl::string_view attr_name, std::string default_value) const {
  const Attribute* a = attr(attr_name);
  return a && a->kind() == AttrKind::kString ? a->s() : default_value;
}

std::vector<int64_t> Node::GetInts(absl::string_view attr_name,
                                   std::vector<int64_t> defaults) const {
  const Attribute* a = attr(attr_name);
  return a && a->kind() == AttrKind::kInts ? a->ints() : defaults;
}

std::string Node::Describe() const {
  std::string op = domain.empty() ? op_type : absl::StrCat(domain, ".", op_type);
  return name.empty() ? absl::StrCat(op, " (unnamed)") : absl::StrCat(op, " \"", name, "\"");
}

absl::StatusOr<ValueId> Graph::AddValue(std::string name, TensorInfo info, ValueKind kind) {
  if (!name.empty() && value_by_name_.contains(name)) {
    return absl::AlreadyExistsError(
        absl::StrCat("graph '", name_, "': value '", name, "' is defined more than once"));
  }
  ValueId id(static_cast<int32_t>(values_.size()));
  if (!name.empty()) value_by_name_.emplace(name, id);
  Value v;
  v.name = std::move(name);
  v.info = std::move(info);
  v.kind = kind;
  values_.push_back(std::move(v));
  return id;
}

absl::StatusOr<ValueId> Graph::AddInput(std::string name, TensorInfo info) {
  auto id = AddValue(std::move(name), std::move(info), ValueKind::kGraphInput);
  if (id.ok()) inputs_.push_back(*id);
  return id;
}

absl::StatusOr<ValueId> Graph::AddInitializer(std::string name, Tensor tensor) {
  TensorInfo info{tensor.dtype, Shape::Static(tensor.dims)};
  auto id = AddValue(std::move(name), std::move(info), ValueKind::kInitializer);
  if (id.ok()) values_[id->value].initializer = std::make_shared<const Tensor>(std::move(tensor));
  return id;
}

void Graph::SetInputDefault(ValueId id, Tensor tensor) {
  values_[id.value].initializer = std::make_shared<const Tensor>(std::move(tensor));
}

absl::StatusOr<ValueId> Graph::AddOuterScopeValue(std::string name, TensorInfo info) {
  return AddValue(std::move(name), std::move(info), ValueKind::kOuterScope);
}

absl::StatusOr<ValueId> Graph::AddNodeOutput(std::string name, TensorInfo info) {
  return AddValue(std::move(name), std::move(info), ValueKind::kNodeOutput);
}

absl::StatusOr<NodeId> Graph::AddNode(Node node) {
  NodeId id(static_cast<int32_t>(nodes_.size()));
  auto bad = [&](ValueId v) { return v.valid() && v.value >= num_values(); };
  for (ValueId v : node.inputs) {
    if (bad(v)) return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": bad input id"));
  }
  for (ValueId v : node.outputs) {
    if (!v.valid()) continue;
    if (bad(v)) return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": bad output id"));
    const Value& out = values_[v.value];
    if (out.kind != ValueKind::kNodeOutput || out.producer.valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph '", name_, "': node ", node.Describe(), " writes value '", out.name,
          "', which is already ", out.producer.valid() ? "produced by another node"
                                                       : absl::StrCat("a graph ", ValueKindName(out.kind))));
    }
  }
  for (ValueId v : node.inputs) {
    if (v.valid()) values_[v.value].consumers.push_back(id);
  }
  for (ValueId v : node.outputs) {
    if (v.valid()) values_[v.value].producer = id;
  }
  nodes_.push_back(std::move(node));
  return id;
}

int64_t Graph::opset(const std::string& domain) const {
  auto it = opsets_.find(domain);
  if (it == opsets_.end() && domain == "ai.onnx") it = opsets_.find("");
  return it == opsets_.end() ? 0 : it->second;
}

std::optional<ValueId> Graph::FindValue(absl::string_view name) const {
  auto it = value_by_name_.find(name);
  if (it == value_by_name_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::vector<NodeId>> Graph::TopologicalOrder() const {
  // Kahn's algorithm with a min-heap so that ties keep insertion order.
  std::vector<int> pending(nodes_.size(), 0);
  for (size_t n = 0; n < nodes_.size(); ++n) {
    for (ValueId v : nodes_[n].inputs) {
      if (v.valid() && values_[v.value].producer.valid()) ++pending[n];
    }
  }
  std::priority_queue<int32_t, std::vector<int32_t>, std::greater<>> ready;
  for (size_t n = 0; n < nodes_.size(); ++n) {
    if (pending[n] == 0) ready.push(static_cast<int32_t>(n));
  }
  std::vector<NodeId> order;
  order.reserve(nodes_.size());
  while (!ready.empty()) {
    int32_t n = ready.top();
    ready.pop();
    order.push_back(NodeId(n));
    for (ValueId out : nodes_[n].outputs) {
      if (!out.valid()) continue;
      for (NodeId consumer : values_[out.value].consumers) {
        if (--pending[consumer.value] == 0) ready.push(consumer.value);
      }
    }
  }
  if (order.size() != nodes_.size()) {
    for (size_t n = 0; n < nodes_.size(); ++n) {
      if (pending[n] > 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "graph '", name_, "' has a cycle through node ", nodes_[n].Describe()));
      }
    }
  }
  return order;
}

int64_t Graph::InitializerBytes() const {
  int64_t total = 0;
  for (const Value& v : values_) {
    if (v.initializer) total += static_cast<int64_t>(v.initializer->byte_size());
  }
  return total;
}

}  // namespace tandem::ir
