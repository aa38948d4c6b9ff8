// Cast between the element types of element_type.h.
#ifndef TANDEM_KERNELS_CUDA_CAST_CUH_
#define TANDEM_KERNELS_CUDA_CAST_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/element_type.h"

namespace tandem::kernels::cuda {

// Enqueues y[i] = (to) x[i] for i < n. To bool: x != 0. Float to integer truncates toward zero
// (out-of-range values saturate, as the GPU's conversion instructions do). Float16 goes through
// float.
cudaError_t LaunchCast(ElementType from, ElementType to, const void* x, void* y, int64_t n, cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_CAST_CUH_
