// Gather along one axis (ONNX Gather).
#ifndef TANDEM_KERNELS_CUDA_GATHER_CUH_
#define TANDEM_KERNELS_CUDA_GATHER_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

namespace tandem::kernels::cuda {

// data is viewed as [outer, axis_dim, inner] and out as [outer, num_indices, inner]:
// out[o, j, i] = data[o, index(j), i], where index(j) = indices[j] (int64 when `indices_int64`,
// else int32), plus axis_dim when negative. An index still outside [0, axis_dim) yields zeros
// (the GPU cannot report it; the CPU executor rejects it). Elements are `element_size` bytes.
cudaError_t LaunchGather(const void* data, const void* indices, bool indices_int64, void* out, int64_t outer,
                         int64_t axis_dim, int64_t inner, int64_t num_indices, int element_size, cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_GATHER_CUH_
