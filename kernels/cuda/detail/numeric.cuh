// Scalar conversions for kernels that compute in float (or double) whatever the storage type is.
#ifndef TANDEM_KERNELS_CUDA_DETAIL_NUMERIC_CUH_
#define TANDEM_KERNELS_CUDA_DETAIL_NUMERIC_CUH_

#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

namespace tandem::kernels::cuda::detail {

// The type arithmetic happens in: float for float and half, double for double, else T itself.
template <typename T>
struct Compute {
  using type = T;
};
template <>
struct Compute<__half> {
  using type = float;
};

template <typename T>
__device__ inline typename Compute<T>::type Load(T v) {
  return v;
}
template <>
__device__ inline float Load<__half>(__half v) {
  return __half2float(v);
}

template <typename T, typename C>
__device__ inline T Store(C v) {
  return static_cast<T>(v);
}
template <>
__device__ inline __half Store<__half, float>(float v) {
  return __float2half_rn(v);
}
template <>
__device__ inline __half Store<__half, double>(double v) {
  return __float2half_rn(static_cast<float>(v));
}

template <typename T>
inline constexpr bool kIsFloating = std::is_floating_point_v<T> || std::is_same_v<T, __half>;

}  // namespace tandem::kernels::cuda::detail

#endif  // TANDEM_KERNELS_CUDA_DETAIL_NUMERIC_CUH_
