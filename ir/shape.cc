#include "ir/shape.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/checked_math.h"

namespace tandem::ir {

Shape Shape::Static(const std::vector<int64_t>& sizes) {
  std::vector<Dim> dims;
  dims.reserve(sizes.size());
  for (int64_t s : sizes) dims.push_back(Dim::Static(s));
  return Shape(std::move(dims));
}

bool Shape::is_static() const {
  if (!has_rank_) return false;
  for (const Dim& d : dims_) {
    if (!d.is_static()) return false;
  }
  return true;
}

std::optional<std::vector<int64_t>> Shape::static_sizes() const {
  if (!is_static()) return std::nullopt;
  std::vector<int64_t> out;
  out.reserve(dims_.size());
  for (const Dim& d : dims_) out.push_back(d.size());
  return out;
}

std::optional<int64_t> Shape::num_elements() const {
  auto sizes = static_sizes();
  if (!sizes) return std::nullopt;
  return CheckedNumElements(*sizes);
}

std::string Shape::ToString() const {
  if (!has_rank_) return "?";
  return absl::StrCat("[", absl::StrJoin(dims_, ",", [](std::string* out, const Dim& d) {
    if (d.is_static()) absl::StrAppend(out, d.size());
    else if (d.is_symbolic()) absl::StrAppend(out, d.symbol());
    else absl::StrAppend(out, "?");
  }), "]");
}

std::string TensorInfo::ToString() const {
  std::string tensor = absl::StrCat(DTypeName(dtype), shape.ToString());
  switch (type) {
    case ValueType::kTensor: return tensor;
    case ValueType::kSequence: return absl::StrCat("seq(", tensor, ")");
    case ValueType::kOptional: return absl::StrCat("opt(", tensor, ")");
    case ValueType::kOptionalSequence: return absl::StrCat("opt(seq(", tensor, "))");
    case ValueType::kOther: return "other";
  }
  return tensor;
}

std::optional<int64_t> CheckedNumElements(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    auto next = CheckedMul(n, d);
    if (!next) return std::nullopt;
    n = *next;
  }
  return n;
}

}  // namespace tandem::ir
