#include "kernels/cuda/detail/launch.cuh"
#include "kernels/cuda/detail/offsets.cuh"
#include "kernels/cuda/strided_copy.cuh"

namespace tandem::kernels::cuda {
namespace {

template <typename T, typename Index>
__global__ void StridedCopyKernel(StridedLayout<2> layout, Index n, const T* src, T* dst) {
  for (Index i = detail::GridStart<Index>(); i < n; i += detail::GridStride<Index>()) {
    Index off[2];
    detail::LayoutOffsets(layout, i, off);
    dst[off[0]] = src[off[1]];
  }
}

template <typename T>
cudaError_t Launch(const StridedLayout<2>& layout, int64_t n, const void* src, void* dst, cudaStream_t stream) {
  const T* s = static_cast<const T*>(src);
  T* d = static_cast<T*>(dst);
  if (FitsInt32(layout, n)) {
    StridedCopyKernel<T, int32_t>
        <<<detail::BlocksFor(n), detail::kThreadsPerBlock, 0, stream>>>(layout, static_cast<int32_t>(n), s, d);
  } else {
    StridedCopyKernel<T, int64_t><<<detail::BlocksFor(n), detail::kThreadsPerBlock, 0, stream>>>(layout, n, s, d);
  }
  return cudaGetLastError();
}

template <typename T>
__global__ void FillKernel(T* dst, int64_t n, T value) {
  for (int64_t i = detail::GridStart<int64_t>(); i < n; i += detail::GridStride<int64_t>()) dst[i] = value;
}

template <typename T>
cudaError_t Fill(void* dst, int64_t n, uint64_t pattern, cudaStream_t stream) {
  FillKernel<T>
      <<<detail::BlocksFor(n), detail::kThreadsPerBlock, 0, stream>>>(static_cast<T*>(dst), n, static_cast<T>(pattern));
  return cudaGetLastError();
}

}  // namespace

cudaError_t LaunchStridedCopy(const StridedLayout<2>& layout, int64_t n, int element_size, const void* src, void* dst,
                              cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  if (layout.rank == 1 && layout.strides[0][0] == 1 && layout.strides[1][0] == 1) {
    return cudaMemcpyAsync(dst, src, static_cast<size_t>(n) * element_size, cudaMemcpyDeviceToDevice, stream);
  }
  switch (element_size) {
    case 1:
      return Launch<uint8_t>(layout, n, src, dst, stream);
    case 2:
      return Launch<uint16_t>(layout, n, src, dst, stream);
    case 4:
      return Launch<uint32_t>(layout, n, src, dst, stream);
    case 8:
      return Launch<uint64_t>(layout, n, src, dst, stream);
    default:
      return cudaErrorInvalidValue;
  }
}

cudaError_t LaunchFillPattern(void* dst, int64_t n, int element_size, uint64_t pattern, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  switch (element_size) {
    case 1:
      return Fill<uint8_t>(dst, n, pattern, stream);
    case 2:
      return Fill<uint16_t>(dst, n, pattern, stream);
    case 4:
      return Fill<uint32_t>(dst, n, pattern, stream);
    case 8:
      return Fill<uint64_t>(dst, n, pattern, stream);
    default:
      return cudaErrorInvalidValue;
  }
}

}  // namespace tandem::kernels::cuda
