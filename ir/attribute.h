// Node attributes: every ONNX attribute kind.
#ifndef TANDEM_IR_ATTRIBUTE_H_
#define TANDEM_IR_ATTRIBUTE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "ir/shape.h"
#include "ir/tensor.h"

namespace tandem::ir {

class Graph;

// The kinds mirror ONNX AttributeProto.AttributeType. Sparse tensors are kept densified.
enum class AttrKind {
  kFloat, kInt, kString, kTensor, kGraph, kType,
  kFloats, kInts, kStrings, kTensors, kGraphs, kTypes,
};

class Attribute {
 public:
  using Value = std::variant<float, int64_t, std::string, Tensor, std::shared_ptr<const Graph>,
                             TensorInfo, std::vector<float>, std::vector<int64_t>,
                             std::vector<std::string>, std::vector<Tensor>,
                             std::vector<std::shared_ptr<const Graph>>, std::vector<TensorInfo>>;

  Attribute() = default;
  explicit Attribute(Value v) : value_(std::move(v)) {}

  AttrKind kind() const { return static_cast<AttrKind>(value_.index()); }
  const Value& value() const { return value_; }

  // Typed access; the caller checks kind() first (the verifier and the importer do).
  float f() const { return std::get<float>(value_); }
  int64_t i() const { return std::get<int64_t>(value_); }
  const std::string& s() const { return std::get<std::string>(value_); }
  const Tensor& t() const { return std::get<Tensor>(value_); }
  const Graph& g() const { return *std::get<std::shared_ptr<const Graph>>(value_); }
  const std::vector<float>& floats() const { return std::get<std::vector<float>>(value_); }
  const std::vector<int64_t>& ints() const { return std::get<std::vector<int64_t>>(value_); }
  const std::vector<std::string>& strings() const {
    return std::get<std::vector<std::string>>(value_);
  }

  // Subgraphs held by this attribute (kGraph or kGraphs), for walking nested graphs.
  std::vector<const Graph*> subgraphs() const;

 private:
  Value value_;
};

absl::string_view AttrKindName(AttrKind kind);

}  // namespace tandem::ir

#endif  // TANDEM_IR_ATTRIBUTE_H_
