#include "kernels/cuda/detail/launch.cuh"
#include "kernels/cuda/gather.cuh"

namespace tandem::kernels::cuda {
namespace {

template <typename T, typename I>
__global__ void GatherKernel(const T* data, const I* indices, T* out, int64_t axis_dim, int64_t inner,
                             int64_t num_indices, int64_t n) {
  for (int64_t i = detail::GridStart<int64_t>(); i < n; i += detail::GridStride<int64_t>()) {
    int64_t in = i % inner;
    int64_t rest = i / inner;
    int64_t j = rest % num_indices;
    int64_t o = rest / num_indices;
    int64_t index = static_cast<int64_t>(indices[j]);
    if (index < 0) index += axis_dim;
    out[i] = (index >= 0 && index < axis_dim) ? data[(o * axis_dim + index) * inner + in] : T{};
  }
}

template <typename T>
cudaError_t Launch(const void* data, const void* indices, bool indices_int64, void* out, int64_t outer,
                   int64_t axis_dim, int64_t inner, int64_t num_indices, cudaStream_t stream) {
  int64_t n = outer * num_indices * inner;
  if (n <= 0) return cudaSuccess;
  unsigned blocks = detail::BlocksFor(n);
  if (indices_int64) {
    GatherKernel<T, int64_t><<<blocks, detail::kThreadsPerBlock, 0, stream>>>(
        static_cast<const T*>(data), static_cast<const int64_t*>(indices), static_cast<T*>(out), axis_dim, inner,
        num_indices, n);
  } else {
    GatherKernel<T, int32_t><<<blocks, detail::kThreadsPerBlock, 0, stream>>>(
        static_cast<const T*>(data), static_cast<const int32_t*>(indices), static_cast<T*>(out), axis_dim, inner,
        num_indices, n);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t LaunchGather(const void* data, const void* indices, bool indices_int64, void* out, int64_t outer,
                         int64_t axis_dim, int64_t inner, int64_t num_indices, int element_size, cudaStream_t stream) {
  switch (element_size) {
    case 1:
      return Launch<uint8_t>(data, indices, indices_int64, out, outer, axis_dim, inner, num_indices, stream);
    case 2:
      return Launch<uint16_t>(data, indices, indices_int64, out, outer, axis_dim, inner, num_indices, stream);
    case 4:
      return Launch<uint32_t>(data, indices, indices_int64, out, outer, axis_dim, inner, num_indices, stream);
    case 8:
      return Launch<uint64_t>(data, indices, indices_int64, out, outer, axis_dim, inner, num_indices, stream);
    default:
      return cudaErrorInvalidValue;
  }
}

}  // namespace tandem::kernels::cuda
