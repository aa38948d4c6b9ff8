// Per-channel y = clamp(x * scale[c] + shift[c], lo, hi) on [outer, channels, inner] tensors:
// BatchNormalization in inference (scale and shift folded from the statistics at load) and the
// bias + Relu/Clip epilogue of a convolution.
#ifndef TANDEM_KERNELS_CUDA_CHANNEL_AFFINE_CUH_
#define TANDEM_KERNELS_CUDA_CHANNEL_AFFINE_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/element_type.h"

namespace tandem::kernels::cuda {

// `scale` (null: 1) and `shift` (null: 0) hold `channels` floats. lo/hi bound the result (pass
// -inf/+inf for none). x is `type` (float types) and may be the same buffer as y.
cudaError_t LaunchChannelAffine(ElementType type, const void* x, void* y, const float* scale, const float* shift,
                                int64_t outer, int64_t channels, int64_t inner, float lo, float hi,
                                cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_CHANNEL_AFFINE_CUH_
