// LayerNormalization over the trailing `cols` elements of each row.
#ifndef TANDEM_KERNELS_CUDA_LAYER_NORM_CUH_
#define TANDEM_KERNELS_CUDA_LAYER_NORM_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/element_type.h"

namespace tandem::kernels::cuda {

// For each of `rows` rows of `cols` elements: y = (x - mean) / sqrt(var + epsilon) * scale + bias,
// with the population variance. scale and bias hold `cols` elements of x's type; bias may be
// null. mean and inv_std_dev (float, one per row) are written when non-null. Float types;
// statistics accumulate in float (double for f64).
cudaError_t LaunchLayerNorm(ElementType type, const void* x, const void* scale, const void* bias, void* y, float* mean,
                            float* inv_std_dev, int64_t rows, int64_t cols, float epsilon, cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_LAYER_NORM_CUH_
