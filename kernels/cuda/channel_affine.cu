#include "kernels/cuda/channel_affine.cuh"
#include "kernels/cuda/detail/launch.cuh"
#include "kernels/cuda/detail/numeric.cuh"

namespace tandem::kernels::cuda {
namespace {

template <typename T, typename Index>
__global__ void ChannelAffineKernel(const T* x, T* y, const float* scale, const float* shift, Index n, Index channels,
                                    Index inner, float lo, float hi) {
  using A = typename detail::Compute<T>::type;
  for (Index i = detail::GridStart<Index>(); i < n; i += detail::GridStride<Index>()) {
    Index c = (i / inner) % channels;
    A v = detail::Load(x[i]);
    if (scale) v *= A(scale[c]);
    if (shift) v += A(shift[c]);
    v = v < A(lo) ? A(lo) : (v > A(hi) ? A(hi) : v);
    y[i] = detail::Store<T>(v);
  }
}

template <typename T>
cudaError_t Launch(const void* x, void* y, const float* scale, const float* shift, int64_t outer, int64_t channels,
                   int64_t inner, float lo, float hi, cudaStream_t stream) {
  int64_t n = outer * channels * inner;
  if (n <= 0) return cudaSuccess;
  const T* tx = static_cast<const T*>(x);
  T* ty = static_cast<T*>(y);
  unsigned blocks = detail::BlocksFor(n);
  if (n < (int64_t{1} << 30)) {
    ChannelAffineKernel<T, int32_t><<<blocks, detail::kThreadsPerBlock, 0, stream>>>(
        tx, ty, scale, shift, static_cast<int32_t>(n), static_cast<int32_t>(channels), static_cast<int32_t>(inner), lo,
        hi);
  } else {
    ChannelAffineKernel<T, int64_t>
        <<<blocks, detail::kThreadsPerBlock, 0, stream>>>(tx, ty, scale, shift, n, channels, inner, lo, hi);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t LaunchChannelAffine(ElementType type, const void* x, void* y, const float* scale, const float* shift,
                                int64_t outer, int64_t channels, int64_t inner, float lo, float hi,
                                cudaStream_t stream) {
  switch (type) {
    case ElementType::kFloat32:
      return Launch<float>(x, y, scale, shift, outer, channels, inner, lo, hi, stream);
    case ElementType::kFloat16:
      return Launch<__half>(x, y, scale, shift, outer, channels, inner, lo, hi, stream);
    case ElementType::kFloat64:
      return Launch<double>(x, y, scale, shift, outer, channels, inner, lo, hi, stream);
    default:
      return cudaErrorInvalidValue;
  }
}

}  // namespace tandem::kernels::cuda
