#include "ir/tensor.h"

#include "ir/shape.h"

namespace tandem::ir {

TensorData TensorData::Owned(std::vector<uint8_t> bytes) {
  auto owner = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  TensorData t;
  t.data_ = owner->data();
  t.size_ = owner->size();
  t.holder_ = std::move(owner);
  return t;
}

TensorData TensorData::Borrowed(std::shared_ptr<const void> keep_alive, const uint8_t* data,
                                size_t size) {
  TensorData t;
  t.holder_ = std::move(keep_alive);
  t.data_ = data;
  t.size_ = size;
  t.borrowed_ = true;
  return t;
}

int64_t Tensor::num_elements() const { return CheckedNumElements(dims).value_or(0); }

template <typename T>
static T Load(const uint8_t* base, int64_t i) {
  T v;
  std::memcpy(&v, base + i * sizeof(T), sizeof(T));  // borrowed data may be unaligned
  return v;
}

int64_t Tensor::IntAt(int64_t i) const {
  const uint8_t* p = data.data();
  switch (dtype) {
    case DType::kInt64: return Load<int64_t>(p, i);
    case DType::kInt32: return Load<int32_t>(p, i);
    case DType::kInt16: return Load<int16_t>(p, i);
    case DType::kInt8: return Load<int8_t>(p, i);
    case DType::kUInt64: return static_cast<int64_t>(Load<uint64_t>(p, i));
    case DType::kUInt32: return Load<uint32_t>(p, i);
    case DType::kUInt16: return Load<uint16_t>(p, i);
    case DType::kUInt8: case DType::kBool: return Load<uint8_t>(p, i);
    case DType::kFloat32: return static_cast<int64_t>(Load<float>(p, i));
    case DType::kFloat64: return static_cast<int64_t>(Load<double>(p, i));
    default: return 0;
  }
}

double Tensor::DoubleAt(int64_t i) const {
  switch (dtype) {
    case DType::kFloat32: return Load<float>(data.data(), i);
    case DType::kFloat64: return Load<double>(data.data(), i);
    default: return static_cast<double>(IntAt(i));
  }
}

}  // namespace tandem::ir
