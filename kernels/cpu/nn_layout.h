// Layout conversions between ONNX's channels-first activations and the channels-last layout
// XNNPACK computes in. Both are batched 2-D transposes, tiled for cache reuse and split across
// the thread pool.
#ifndef TANDEM_KERNELS_CPU_NN_LAYOUT_H_
#define TANDEM_KERNELS_CPU_NN_LAYOUT_H_

#include <pthreadpool.h>

#include <cstdint>

namespace tandem::kernels::cpu::nn {

// dst[b][c][r] = src[b][r][c] for `batch` matrices of rows x cols floats. src and dst must not
// overlap.
void TransposeBatched(const float* src, float* dst, int64_t batch, int64_t rows, int64_t cols,
                      pthreadpool_t pool);

// NCHW (any number of spatial dims, `spatial` elements per plane) → NHWC.
inline void NchwToNhwc(const float* src, float* dst, int64_t n, int64_t c, int64_t spatial,
                       pthreadpool_t pool) {
  TransposeBatched(src, dst, n, c, spatial, pool);
}

// NHWC → NCHW.
inline void NhwcToNchw(const float* src, float* dst, int64_t n, int64_t c, int64_t spatial,
                       pthreadpool_t pool) {
  TransposeBatched(src, dst, n, spatial, c, pool);
}

}  // namespace tandem::kernels::cpu::nn

#endif  // TANDEM_KERNELS_CPU_NN_LAYOUT_H_
