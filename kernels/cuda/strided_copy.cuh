// dst[layout offset 0] = src[layout offset 1] over an index space: the one kernel behind
// Transpose, Slice (any steps), Expand, Concat, Split and Pad's interior copy.
#ifndef TANDEM_KERNELS_CUDA_STRIDED_COPY_CUH_
#define TANDEM_KERNELS_CUDA_STRIDED_COPY_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/strided_layout.h"

namespace tandem::kernels::cuda {

// Enqueues the copy of the `n` (= product of layout.dims) elements of `element_size` bytes (1, 2,
// 4 or 8) on `stream`. Operand 0 of `layout` addresses `dst`, operand 1 `src`; offsets are in
// elements from those pointers. A layout that is contiguous for both becomes one
// cudaMemcpyAsync. Returns cudaErrorInvalidValue for another element size.
cudaError_t LaunchStridedCopy(const StridedLayout<2>& layout, int64_t n, int element_size, const void* src, void* dst,
                              cudaStream_t stream);

// Enqueues dst[i] = pattern for i < n, where the element is `element_size` bytes (1, 2, 4 or 8)
// holding the low bytes of `pattern` (for Pad's constant and for zero fills of any type).
cudaError_t LaunchFillPattern(void* dst, int64_t n, int element_size, uint64_t pattern, cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_STRIDED_COPY_CUH_
