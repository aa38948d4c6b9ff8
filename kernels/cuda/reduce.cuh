// Reductions over any set of axes (ReduceSum/Mean/Max/..., GlobalAveragePool, GlobalMaxPool).
#ifndef TANDEM_KERNELS_CUDA_REDUCE_CUH_
#define TANDEM_KERNELS_CUDA_REDUCE_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/element_type.h"
#include "kernels/cuda/strided_layout.h"

namespace tandem::kernels::cuda {

enum class ReduceOp : uint8_t { kSum, kMean, kMax, kMin, kProd, kSumSquare, kL1, kL2, kLogSum, kLogSumExp };

// Output element o (row-major over kept.dims, written contiguously) reduces the input elements at
// offset kept(o) + reduced(r) for every r (row-major over reduced.dims); operand 0 of each layout
// holds input strides in elements. The reduced space may be empty (reduce_size 0): the result is
// then the op's identity (0 for sums, 1 for Prod, -inf/+inf for Max/Min).
struct ReduceLayout {
  StridedLayout<1> kept;
  StridedLayout<1> reduced;
};

// Enqueues the reduction of x (float types; accumulated in float, or double for f64) into y of
// `num_outputs` elements, each over `reduce_size` input elements.
cudaError_t LaunchReduce(ReduceOp op, ElementType type, const ReduceLayout& layout, int64_t num_outputs,
                         int64_t reduce_size, const void* x, void* y, cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_REDUCE_CUH_
