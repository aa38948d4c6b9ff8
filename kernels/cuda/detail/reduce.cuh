// Reductions across a group of threads: a warp (32) or a whole block, for kernels that give one
// row or one output element to each group.
#ifndef TANDEM_KERNELS_CUDA_DETAIL_REDUCE_CUH_
#define TANDEM_KERNELS_CUDA_DETAIL_REDUCE_CUH_

#include <cfloat>

namespace tandem::kernels::cuda::detail {

struct SumOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    return a + b;
  }
};
struct MaxOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    return a > b ? a : b;
  }
};
struct MinOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    return a < b ? a : b;
  }
};
struct ProdOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    return a * b;
  }
};

template <typename T, typename Op>
__device__ inline T WarpReduce(T v, Op op) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// Reduces `v` over the kGroup consecutive threads of a group (kGroup is 32 or a multiple of 32
// equal to blockDim.x) and returns the result to every thread of the group. `scratch` must hold
// kGroup / 32 values and is used only when kGroup > 32. Every thread of the block must call it.
template <int kGroup, typename T, typename Op>
__device__ inline T GroupReduce(T v, Op op, T* scratch) {
  v = WarpReduce(v, op);
  if constexpr (kGroup > 32) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    __syncthreads();  // scratch may still be read from a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = scratch[0];
    for (int w = 1; w < kGroup / 32; ++w) v = op(v, scratch[w]);
  }
  return v;
}

}  // namespace tandem::kernels::cuda::detail

#endif  // TANDEM_KERNELS_CUDA_DETAIL_REDUCE_CUH_
