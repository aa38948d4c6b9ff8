// Element types the CUDA kernels compute on. The kernels do not depend on the IR; the executor
// maps ir::DType onto this (executors/cuda/cuda_types.h).
#ifndef TANDEM_KERNELS_CUDA_ELEMENT_TYPE_H_
#define TANDEM_KERNELS_CUDA_ELEMENT_TYPE_H_

#include <cstdint>

namespace tandem::kernels::cuda {

enum class ElementType : uint8_t {
  kFloat32,
  kFloat16,
  kFloat64,
  kInt32,
  kInt64,
  kInt8,
  kUInt8,
  kBool,  // one byte holding 0 or 1
};

inline int ElementSize(ElementType t) {
  switch (t) {
    case ElementType::kFloat32:
    case ElementType::kInt32:
      return 4;
    case ElementType::kFloat16:
      return 2;
    case ElementType::kFloat64:
    case ElementType::kInt64:
      return 8;
    case ElementType::kInt8:
    case ElementType::kUInt8:
    case ElementType::kBool:
      return 1;
  }
  return 0;
}

inline bool IsFloatType(ElementType t) {
  return t == ElementType::kFloat32 || t == ElementType::kFloat16 || t == ElementType::kFloat64;
}

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_ELEMENT_TYPE_H_
