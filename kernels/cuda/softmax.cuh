// Softmax and LogSoftmax along one axis.
#ifndef TANDEM_KERNELS_CUDA_SOFTMAX_CUH_
#define TANDEM_KERNELS_CUDA_SOFTMAX_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/element_type.h"

namespace tandem::kernels::cuda {

// x and y are viewed as [outer, axis_dim, inner]; each of the outer * inner lines along the axis
// is normalised: y = exp(x - max) / sum(exp(x - max)), or x - max - log(sum(...)) when `log`.
// Float types; accumulated in float (double for f64). x and y may be the same buffer.
cudaError_t LaunchSoftmax(ElementType type, const void* x, void* y, int64_t outer, int64_t axis_dim, int64_t inner,
                          bool log, cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_SOFTMAX_CUH_
