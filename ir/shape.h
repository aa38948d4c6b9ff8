// Tensor shapes whose dimensions may be static, symbolic ("batch") or unknown.
#ifndef TANDEM_IR_SHAPE_H_
#define TANDEM_IR_SHAPE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/dtype.h"

namespace tandem::ir {

// One dimension: a known size >= 0, a named symbol, or unknown (neither).
class Dim {
 public:
  Dim() = default;  // unknown
  static Dim Static(int64_t size) { Dim d; d.size_ = size; return d; }
  static Dim Symbolic(std::string symbol) { Dim d; d.symbol_ = std::move(symbol); return d; }

  bool is_static() const { return size_ >= 0; }
  bool is_symbolic() const { return size_ < 0 && !symbol_.empty(); }
  bool is_unknown() const { return size_ < 0 && symbol_.empty(); }
  int64_t size() const { return size_; }  // -1 unless static
  const std::string& symbol() const { return symbol_; }

  bool operator==(const Dim& o) const { return size_ == o.size_ && symbol_ == o.symbol_; }
  bool operator!=(const Dim& o) const { return !(*this == o); }

 private:
  int64_t size_ = -1;
  std::string symbol_;
};

// A shape with known or unknown rank. A rank-0 shape is a scalar.
class Shape {
 public:
  Shape() = default;  // unknown rank
  explicit Shape(std::vector<Dim> dims) : dims_(std::move(dims)), has_rank_(true) {}
  static Shape Static(const std::vector<int64_t>& sizes);

  bool has_rank() const { return has_rank_; }
  int rank() const { return static_cast<int>(dims_.size()); }  // 0 when the rank is unknown
  const std::vector<Dim>& dims() const { return dims_; }
  const Dim& dim(int i) const { return dims_[i]; }

  // True when the rank and every dimension are known numbers.
  bool is_static() const;
  // The sizes of a static shape (empty for a scalar); nullopt otherwise.
  std::optional<std::vector<int64_t>> static_sizes() const;
  // Product of the dimensions; nullopt if not static or if it overflows int64.
  std::optional<int64_t> num_elements() const;

  // "[1,3,224,224]", "[batch,?,768]", "[]" for a scalar, "?" for unknown rank.
  std::string ToString() const;

  bool operator==(const Shape& o) const { return has_rank_ == o.has_rank_ && dims_ == o.dims_; }
  bool operator!=(const Shape& o) const { return !(*this == o); }

 private:
  std::vector<Dim> dims_;
  bool has_rank_ = false;
};

// ONNX values are tensors, or sequences/optionals of tensors (only control flow and sequence ops
// produce the latter). For those, dtype and shape describe the tensor inside.
enum class ValueType : uint8_t {
  kTensor,
  kSequence,          // seq(tensor)
  kOptional,          // optional(tensor)
  kOptionalSequence,  // optional(seq(tensor))
  kOther,             // maps and anything else: carried through, never computed on
};

// What is known statically about a value: its element type and shape.
struct TensorInfo {
  DType dtype = DType::kUndefined;
  Shape shape;
  ValueType type = ValueType::kTensor;

  // "f32[1,3,224,224]", "seq(f32[?])", "opt(i64[])"
  std::string ToString() const;
  bool operator==(const TensorInfo& o) const {
    return dtype == o.dtype && shape == o.shape && type == o.type;
  }
  bool operator!=(const TensorInfo& o) const { return !(*this == o); }
};

// Product of `dims`, or nullopt if one is negative or the product overflows int64.
std::optional<int64_t> CheckedNumElements(const std::vector<int64_t>& dims);

}  // namespace tandem::ir

#endif  // TANDEM_IR_SHAPE_H_
