// Constant tensors in the IR: initializers and tensor-valued attributes.
//
// The bytes either belong to the tensor (decoded from typed protobuf fields, or folded by a pass)
// or are borrowed from a memory-mapped model or external-data file, which the tensor keeps alive.
// Borrowing is what makes a 500 MB model import without copying its weights.
#ifndef TANDEM_IR_TENSOR_H_
#define TANDEM_IR_TENSOR_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "ir/dtype.h"

namespace tandem::ir {

// Immutable byte storage, cheap to copy (shared).
class TensorData {
 public:
  TensorData() = default;
  // Takes ownership of `bytes`.
  static TensorData Owned(std::vector<uint8_t> bytes);
  // Borrows [data, data + size); `keep_alive` must own that memory (e.g. a MappedFile).
  static TensorData Borrowed(std::shared_ptr<const void> keep_alive, const uint8_t* data,
                             size_t size);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool is_borrowed() const { return borrowed_; }

 private:
  std::shared_ptr<const void> holder_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool borrowed_ = false;
};

// A constant tensor. For kString, `strings` holds the elements and `data` is empty; for every
// other dtype `data` holds exactly num_elements() * DTypeSize(dtype) little-endian bytes.
struct Tensor {
  DType dtype = DType::kUndefined;
  std::vector<int64_t> dims;
  TensorData data;
  std::vector<std::string> strings;

  // Elements; the dims were checked for overflow when the tensor was made.
  int64_t num_elements() const;
  size_t byte_size() const { return data.size(); }

  // A typed view of the bytes. T must match the dtype's size; the caller checks the dtype.
  template <typename T>
  absl::Span<const T> values() const {
    return absl::Span<const T>(reinterpret_cast<const T*>(data.data()), data.size() / sizeof(T));
  }
  // Element i as int64 (integer and bool dtypes) for shape computations.
  int64_t IntAt(int64_t i) const;
  // Element i as double (any numeric dtype but f16/bf16/complex).
  double DoubleAt(int64_t i) const;

  // A tensor that owns a copy of `values`.
  template <typename T>
  static Tensor FromValues(DType dtype, std::vector<int64_t> dims, const std::vector<T>& values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return Tensor{dtype, std::move(dims), TensorData::Owned(std::move(bytes)), {}};
  }
};

}  // namespace tandem::ir

#endif  // TANDEM_IR_TENSOR_H_
