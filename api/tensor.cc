#include "tandem/tensor.h"

#include "absl/strings/str_cat.h"
#include "ir/dtype.h"

namespace tandem {

int DTypeSize(DType dtype) { return ir::DTypeSize(static_cast<ir::DType>(dtype)); }

const char* DTypeName(DType dtype) {
  return ir::DTypeName(static_cast<ir::DType>(dtype)).data();
}

int64_t Tensor::num_elements() const {
  int64_t n = 1;
  for (int64_t d : shape_) n *= d;
  return n;
}

StatusOr<Tensor> Tensor::Wrap(DType dtype, std::vector<int64_t> shape,
                              std::shared_ptr<const void> keep_alive, const void* data,
                              size_t bytes, bool borrowed) {
  const int size = DTypeSize(dtype);
  if (size == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor dtype ", static_cast<int>(dtype), " has no fixed element size"));
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > INT64_MAX / d / size)) {
      return absl::InvalidArgumentError(absl::StrCat("tensor shape has a negative or too large dim ", d));
    }
    n *= d;
  }
  if (static_cast<uint64_t>(n) * size != bytes) {
    return absl::InvalidArgumentError(absl::StrCat("a ", DTypeName(dtype), " tensor of ", n,
                                                   " elements needs ", n * size, " bytes, got ", bytes));
  }
  if (data == nullptr && bytes > 0) return absl::InvalidArgumentError("tensor data is null");
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.keep_alive_ = std::move(keep_alive);
  t.data_ = data;
  t.bytes_ = bytes;
  t.borrowed_ = borrowed;
  return t;
}

StatusOr<Tensor> Tensor::Allocate(DType dtype, std::vector<int64_t> shape) {
  const int size = DTypeSize(dtype);
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (size > 0 && d > 0 && n > INT64_MAX / d / size)) {
      return absl::InvalidArgumentError(absl::StrCat("tensor shape has a negative or too large dim ", d));
    }
    n *= d;
  }
  auto owner = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(n) * size);
  return Wrap(dtype, std::move(shape), owner, owner->data(), owner->size(), false);
}

StatusOr<Tensor> Tensor::Borrow(DType dtype, std::vector<int64_t> shape, const void* data,
                                size_t bytes) {
  return Wrap(dtype, std::move(shape), nullptr, data, bytes, true);
}

}  // namespace tandem
