#include "executors/cuda/cuda_types.h"

namespace tandem::executors::cuda {

using kernels::cuda::ElementType;

std::optional<ElementType> ToElementType(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::kFloat32:
      return ElementType::kFloat32;
    case ir::DType::kFloat16:
      return ElementType::kFloat16;
    case ir::DType::kFloat64:
      return ElementType::kFloat64;
    case ir::DType::kInt32:
      return ElementType::kInt32;
    case ir::DType::kInt64:
      return ElementType::kInt64;
    case ir::DType::kInt8:
      return ElementType::kInt8;
    case ir::DType::kUInt8:
      return ElementType::kUInt8;
    case ir::DType::kBool:
      return ElementType::kBool;
    default:
      return std::nullopt;
  }
}

std::optional<cudnnDataType_t> ToCudnnType(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::kFloat32:
      return CUDNN_DATA_FLOAT;
    case ir::DType::kFloat16:
      return CUDNN_DATA_HALF;
    case ir::DType::kFloat64:
      return CUDNN_DATA_DOUBLE;
    default:
      return std::nullopt;
  }
}

std::optional<cudaDataType_t> ToCudaDataType(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::kFloat32:
      return CUDA_R_32F;
    case ir::DType::kFloat16:
      return CUDA_R_16F;
    default:
      return std::nullopt;
  }
}

}  // namespace tandem::executors::cuda
