#include "kernels/cuda/detail/launch.cuh"
#include "kernels/cuda/detail/offsets.cuh"
#include "kernels/cuda/where.cuh"

namespace tandem::kernels::cuda {
namespace {

template <typename T, typename Index>
__global__ void WhereKernel(StridedLayout<4> layout, Index n, const uint8_t* cond, const T* x, const T* y, T* out) {
  for (Index i = detail::GridStart<Index>(); i < n; i += detail::GridStride<Index>()) {
    Index off[4];
    detail::LayoutOffsets(layout, i, off);
    out[off[0]] = cond[off[1]] ? x[off[2]] : y[off[3]];
  }
}

template <typename T>
cudaError_t Launch(const StridedLayout<4>& layout, int64_t n, const uint8_t* cond, const void* x, const void* y,
                   void* out, cudaStream_t stream) {
  const T* tx = static_cast<const T*>(x);
  const T* ty = static_cast<const T*>(y);
  T* to = static_cast<T*>(out);
  if (FitsInt32(layout, n)) {
    WhereKernel<T, int32_t><<<detail::BlocksFor(n), detail::kThreadsPerBlock, 0, stream>>>(
        layout, static_cast<int32_t>(n), cond, tx, ty, to);
  } else {
    WhereKernel<T, int64_t><<<detail::BlocksFor(n), detail::kThreadsPerBlock, 0, stream>>>(layout, n, cond, tx, ty, to);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t LaunchWhere(const StridedLayout<4>& layout, int64_t n, int element_size, const uint8_t* cond, const void* x,
                        const void* y, void* out, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  switch (element_size) {
    case 1:
      return Launch<uint8_t>(layout, n, cond, x, y, out, stream);
    case 2:
      return Launch<uint16_t>(layout, n, cond, x, y, out, stream);
    case 4:
      return Launch<uint32_t>(layout, n, cond, x, y, out, stream);
    case 8:
      return Launch<uint64_t>(layout, n, cond, x, y, out, stream);
    default:
      return cudaErrorInvalidValue;
  }
}

}  // namespace tandem::kernels::cuda
