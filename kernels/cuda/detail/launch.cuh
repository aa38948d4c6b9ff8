// Launch geometry and grid-stride loops shared by the .cu files of kernels/cuda (device code;
// included only by .cu files, never by the launcher headers).
#ifndef TANDEM_KERNELS_CUDA_DETAIL_LAUNCH_CUH_
#define TANDEM_KERNELS_CUDA_DETAIL_LAUNCH_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

namespace tandem::kernels::cuda::detail {

inline constexpr int kThreadsPerBlock = 256;
// Enough blocks to fill any current GPU several times over; grid-stride loops cover the rest.
inline constexpr int64_t kMaxBlocks = 65535;

inline unsigned BlocksFor(int64_t n, int threads = kThreadsPerBlock) {
  int64_t blocks = (n + threads - 1) / threads;
  if (blocks < 1) blocks = 1;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  return static_cast<unsigned>(blocks);
}

// for (Index i = first; i < n; i += stride) over every thread of the grid.
template <typename Index>
__device__ inline Index GridStart() {
  return static_cast<Index>(blockIdx.x) * static_cast<Index>(blockDim.x) + static_cast<Index>(threadIdx.x);
}
template <typename Index>
__device__ inline Index GridStride() {
  return static_cast<Index>(gridDim.x) * static_cast<Index>(blockDim.x);
}

}  // namespace tandem::kernels::cuda::detail

#endif  // TANDEM_KERNELS_CUDA_DETAIL_LAUNCH_CUH_
