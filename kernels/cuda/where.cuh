// Where(cond, x, y) with numpy broadcasting of all three operands.
#ifndef TANDEM_KERNELS_CUDA_WHERE_CUH_
#define TANDEM_KERNELS_CUDA_WHERE_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/strided_layout.h"

namespace tandem::kernels::cuda {

// Enqueues out = cond ? x : y over `layout` (operand 0: out, 1: cond (bool bytes), 2: x, 3: y),
// n = product of layout.dims, for elements of `element_size` bytes (1, 2, 4 or 8).
cudaError_t LaunchWhere(const StridedLayout<4>& layout, int64_t n, int element_size, const uint8_t* cond, const void* x,
                        const void* y, void* out, cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_WHERE_CUH_
