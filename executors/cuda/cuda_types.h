// ir::DType to the element types of the CUDA kernels, cuDNN and cuBLASLt.
#ifndef TANDEM_EXECUTORS_CUDA_CUDA_TYPES_H_
#define TANDEM_EXECUTORS_CUDA_CUDA_TYPES_H_

#include <cudnn.h>
#include <library_types.h>

#include <optional>

#include "ir/dtype.h"
#include "kernels/cuda/element_type.h"

namespace tandem::executors::cuda {

// The kernels' type for `dtype`; nullopt for types no GPU kernel computes on (strings, complex,
// bfloat16, unsigned 16/32/64-bit).
std::optional<kernels::cuda::ElementType> ToElementType(ir::DType dtype);

// cuDNN and cuBLASLt data types for the float types they compute on (f32, f16; f64 for cuDNN).
std::optional<cudnnDataType_t> ToCudnnType(ir::DType dtype);
std::optional<cudaDataType_t> ToCudaDataType(ir::DType dtype);

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_CUDA_TYPES_H_
