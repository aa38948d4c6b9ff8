// Fills a device buffer with a value (used by tests to prove the CUDA toolchain end to end, and
// by the executor to initialise buffers).
#ifndef TANDEM_KERNELS_CUDA_FILL_CUH_
#define TANDEM_KERNELS_CUDA_FILL_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

namespace tandem::kernels::cuda {

// Enqueues dst[i] = value for i < n on `stream`. Returns the launch error, if any.
cudaError_t LaunchFill(float* dst, int64_t n, float value, cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_FILL_CUH_
