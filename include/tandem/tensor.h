// tandem::Tensor: a dense, row-major tensor in host memory, the currency of Session::Run.
//
// Ownership. A Tensor either owns its bytes (Allocate, FromVector, and every output of Run) or
// borrows them from the caller (Borrow: no copy). A borrowed tensor's memory must stay valid and
// unchanged until the last Run that uses it has returned and every copy of the Tensor is gone.
// Copying a Tensor is cheap: copies share the same bytes (owned bytes live until the last copy
// goes away).
// Thread-safety: a Tensor is a value; concurrent reads are safe, and writes through
// mutable_data() must not race with a Run reading it.
#ifndef TANDEM_TENSOR_H_
#define TANDEM_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tandem/status.h"

namespace tandem {

// Element types, numbered as ONNX's TensorProto.DataType.
enum class DType : uint8_t {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kBFloat16 = 16,
};

// Bytes per element (0 for kUndefined); "f32", "i64"...
int DTypeSize(DType dtype);
const char* DTypeName(DType dtype);

class Tensor {
 public:
  Tensor() = default;

  // Owns zero-filled memory. InvalidArgument for a negative dim, an unsized dtype or overflow.
  static StatusOr<Tensor> Allocate(DType dtype, std::vector<int64_t> shape);
  // Borrows `data` (see the ownership rules above). InvalidArgument unless `bytes` is exactly
  // the element count times the element size.
  static StatusOr<Tensor> Borrow(DType dtype, std::vector<int64_t> shape, const void* data,
                                 size_t bytes);
  // Owns a copy of `values`; their count must match the shape.
  template <typename T>
  static StatusOr<Tensor> FromVector(DType dtype, std::vector<int64_t> shape,
                                     const std::vector<T>& values) {
    auto owner = std::make_shared<std::vector<T>>(values);
    return Wrap(dtype, std::move(shape), owner, owner->data(), owner->size() * sizeof(T), false);
  }

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t num_elements() const;
  size_t byte_size() const { return bytes_; }
  bool borrowed() const { return borrowed_; }
  const void* data() const { return data_; }
  // Writable bytes of an owned tensor; null for a borrowed one (the caller writes its own memory).
  void* mutable_data() const { return borrowed_ ? nullptr : const_cast<void*>(data_); }
  // Typed view; T must have the dtype's size (e.g. float for kFloat32).
  template <typename T>
  const T* data_as() const { return static_cast<const T*>(data_); }

  // (advanced) A tensor over `data`, kept alive by `keep_alive` (may be null when borrowed).
  static StatusOr<Tensor> Wrap(DType dtype, std::vector<int64_t> shape,
                               std::shared_ptr<const void> keep_alive, const void* data,
                               size_t bytes, bool borrowed);
  const std::shared_ptr<const void>& keep_alive() const { return keep_alive_; }

 private:
  DType dtype_ = DType::kUndefined;
  std::vector<int64_t> shape_;
  std::shared_ptr<const void> keep_alive_;
  const void* data_ = nullptr;
  size_t bytes_ = 0;
  bool borrowed_ = false;
};

}  // namespace tandem

#endif  // TANDEM_TENSOR_H_
