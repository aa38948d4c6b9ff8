// MaxPool and AveragePool over 1 to 3 spatial dims of NC[D]H[W] tensors.
#ifndef TANDEM_KERNELS_CUDA_POOL_CUH_
#define TANDEM_KERNELS_CUDA_POOL_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/element_type.h"

namespace tandem::kernels::cuda {

// Windows over three spatial dims (callers with fewer put 1-sized dims first: in = out = kernel =
// stride = dilation = 1, pads 0). Window k of output o covers input positions
// o * stride - pad_begin + k * dilation; positions outside the input are skipped.
struct PoolParams {
  int64_t in[3] = {1, 1, 1};
  int64_t out[3] = {1, 1, 1};
  int64_t kernel[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1};
  int64_t dilation[3] = {1, 1, 1};
  int64_t pad_begin[3] = {0, 0, 0};
  int64_t pad_end[3] = {0, 0, 0};
  bool max = true;
  // Average only: divide by the number of window positions inside the *padded* input
  // ([-pad_begin, in + pad_end)) instead of inside the input.
  bool count_include_pad = false;
};

// Enqueues pooling of x [planes, in...] into y [planes, out...] (planes = N * C), float types.
cudaError_t LaunchPool(ElementType type, const PoolParams& params, int64_t planes, const void* x, void* y,
                       cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_POOL_CUH_
