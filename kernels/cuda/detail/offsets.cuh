// Offsets of a linear index in a StridedLayout (device code for kernels/cuda/*.cu).
#ifndef TANDEM_KERNELS_CUDA_DETAIL_OFFSETS_CUH_
#define TANDEM_KERNELS_CUDA_DETAIL_OFFSETS_CUH_

#include "kernels/cuda/strided_layout.h"

namespace tandem::kernels::cuda::detail {

// Splits the row-major linear index `i` over layout.dims and accumulates each operand's offset.
// Index is int32_t when FitsInt32() said so, else int64_t; both are signed because strides may be
// negative (reversed slices).
template <int kOperands, typename Index>
__device__ inline void LayoutOffsets(const StridedLayout<kOperands>& layout, Index i, Index (&offsets)[kOperands]) {
#pragma unroll
  for (int k = 0; k < kOperands; ++k) offsets[k] = 0;
  for (int d = layout.rank - 1; d >= 0; --d) {
    Index size = static_cast<Index>(layout.dims[d]);
    Index q = i / size;
    Index r = i - q * size;
#pragma unroll
    for (int k = 0; k < kOperands; ++k) offsets[k] += r * static_cast<Index>(layout.strides[k][d]);
    i = q;
  }
}

}  // namespace tandem::kernels::cuda::detail

#endif  // TANDEM_KERNELS_CUDA_DETAIL_OFFSETS_CUH_
