#include "executors/cpu/tensor_axis.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::executors {
namespace {

constexpr size_t kSlackBytes = 16;

int64_t Product(const std::vector<int64_t>& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= dims[i];
  return p;
}

absl::Status RefuseStrings(const ir::Tensor& t) {
  if (t.dtype == ir::DType::kString) {
    return absl::UnimplementedError("string tensors cannot be sliced or concatenated yet");
  }
  return absl::OkStatus();
}

}  // namespace

ir::Tensor NewTensor(ir::DType dtype, std::vector<int64_t> dims) {
  ir::Tensor t;
  t.dtype = dtype;
  t.dims = std::move(dims);
  const int64_t n = Product(t.dims, 0, t.dims.size());
  if (dtype == ir::DType::kString) {
    t.strings.resize(static_cast<size_t>(n));
    return t;
  }
  const size_t bytes = static_cast<size_t>(n) * ir::DTypeSize(dtype);
  std::vector<uint8_t> buffer;
  buffer.reserve(bytes + kSlackBytes);
  buffer.resize(bytes);
  t.data = ir::TensorData::Owned(std::move(buffer));
  return t;
}

absl::StatusOr<int> NormalizeAxis(int64_t axis, int rank, bool inclusive) {
  const int64_t limit = inclusive ? rank + 1 : rank;
  if (axis < -limit || axis >= limit) {
    return absl::OutOfRangeError(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  return static_cast<int>(axis < 0 ? axis + limit : axis);
}

absl::StatusOr<ir::Tensor> SliceAxis(const ir::Tensor& t, int axis, int64_t start, int64_t length) {
  if (auto s = RefuseStrings(t); !s.ok()) return s;
  const int64_t extent = t.dims[axis];
  if (start < 0 || length < 0 || start + length > extent) {
    return absl::OutOfRangeError(absl::StrCat("slice [", start, ", ", start + length,
                                              ") is outside axis ", axis, " of size ", extent));
  }
  std::vector<int64_t> dims = t.dims;
  dims[axis] = length;
  ir::Tensor out = NewTensor(t.dtype, dims);
  const int64_t outer = Product(t.dims, 0, axis);
  const size_t inner = static_cast<size_t>(Product(t.dims, axis + 1, t.dims.size())) * ir::DTypeSize(t.dtype);
  const uint8_t* src = t.data.data();
  if (out.byte_size() == 0) return out;  // an empty slice; `src` may be null
  uint8_t* dst = MutableBytes(out);
  for (int64_t o = 0; o < outer; ++o) {
    std::memcpy(dst + o * length * inner, src + (o * extent + start) * inner, length * inner);
  }
  return out;
}

absl::StatusOr<ir::Tensor> ConcatAxis(absl::Span<const ir::Tensor> parts, int axis) {
  if (parts.empty()) return absl::InvalidArgumentError("nothing to concatenate");
  const ir::Tensor& first = parts[0];
  if (auto s = RefuseStrings(first); !s.ok()) return s;
  std::vector<int64_t> dims = first.dims;
  int64_t total = 0;
  for (const ir::Tensor& p : parts) {
    bool same = p.dtype == first.dtype && p.dims.size() == dims.size();
    for (size_t d = 0; same && d < dims.size(); ++d) same = (d == static_cast<size_t>(axis) || p.dims[d] == dims[d]);
    if (!same) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot concatenate [", absl::StrJoin(p.dims, ","), "] with [", absl::StrJoin(dims, ","),
          "] along axis ", axis));
    }
    total += p.dims[axis];
  }
  dims[axis] = total;
  ir::Tensor out = NewTensor(first.dtype, dims);
  const int64_t outer = Product(dims, 0, axis);
  const size_t inner = static_cast<size_t>(Product(dims, axis + 1, dims.size())) * ir::DTypeSize(first.dtype);
  uint8_t* dst = MutableBytes(out);
  for (int64_t o = 0; o < outer; ++o) {
    for (const ir::Tensor& p : parts) {
      const size_t block = p.dims[axis] * inner;
      if (block == 0) continue;  // an empty part; its data may be null
      std::memcpy(dst, p.data.data() + o * block, block);
      dst += block;
    }
  }
  return out;
}

ir::Tensor WithAxisInserted(ir::Tensor t, int axis) {
  t.dims.insert(t.dims.begin() + axis, 1);
  return t;
}

ir::Tensor WithAxisRemoved(ir::Tensor t, int axis) {
  t.dims.erase(t.dims.begin() + axis);
  return t;
}

absl::StatusOr<ir::Tensor> StackAxis(absl::Span<const ir::Tensor> parts, int axis) {
  std::vector<ir::Tensor> expanded;
  expanded.reserve(parts.size());
  for (const ir::Tensor& p : parts) {
    if (p.dims != parts[0].dims) {
      return absl::InvalidArgumentError(absl::StrCat("cannot stack [", absl::StrJoin(p.dims, ","),
                                                     "] with [", absl::StrJoin(parts[0].dims, ","), "]"));
    }
    expanded.push_back(WithAxisInserted(p, axis));
  }
  return ConcatAxis(expanded, axis);
}

}  // namespace tandem::executors
