#include "kernels/cuda/cast.cuh"
#include "kernels/cuda/detail/launch.cuh"
#include "kernels/cuda/detail/numeric.cuh"

namespace tandem::kernels::cuda {
namespace {

// Bool is stored as uint8 but converts like C++ bool.
struct BoolByte {
  uint8_t v;
};

template <typename T>
struct Wide {
  using type = typename detail::Compute<T>::type;
};
template <>
struct Wide<BoolByte> {
  using type = int;
};

template <typename T>
__device__ inline typename Wide<T>::type Read(const T& v) {
  return detail::Load(v);
}
template <>
__device__ inline int Read<BoolByte>(const BoolByte& v) {
  return v.v != 0;
}

template <typename To, typename W>
__device__ inline To Write(W v) {
  return detail::Store<To>(v);
}
template <>
__device__ inline BoolByte Write<BoolByte, float>(float v) {
  return BoolByte{static_cast<uint8_t>(v != 0.0f)};
}
template <>
__device__ inline BoolByte Write<BoolByte, double>(double v) {
  return BoolByte{static_cast<uint8_t>(v != 0.0)};
}
template <>
__device__ inline BoolByte Write<BoolByte, int>(int v) {
  return BoolByte{static_cast<uint8_t>(v != 0)};
}
template <>
__device__ inline BoolByte Write<BoolByte, int64_t>(int64_t v) {
  return BoolByte{static_cast<uint8_t>(v != 0)};
}
template <>
__device__ inline BoolByte Write<BoolByte, int8_t>(int8_t v) {
  return BoolByte{static_cast<uint8_t>(v != 0)};
}
template <>
__device__ inline BoolByte Write<BoolByte, uint8_t>(uint8_t v) {
  return BoolByte{static_cast<uint8_t>(v != 0)};
}
// Integers into half go through float.
template <>
__device__ inline __half Write<__half, int>(int v) {
  return __float2half_rn(static_cast<float>(v));
}
template <>
__device__ inline __half Write<__half, int64_t>(int64_t v) {
  return __float2half_rn(static_cast<float>(v));
}
template <>
__device__ inline __half Write<__half, int8_t>(int8_t v) {
  return __float2half_rn(static_cast<float>(v));
}
template <>
__device__ inline __half Write<__half, uint8_t>(uint8_t v) {
  return __float2half_rn(static_cast<float>(v));
}

template <typename From, typename To>
__global__ void CastKernel(const From* x, To* y, int64_t n) {
  for (int64_t i = detail::GridStart<int64_t>(); i < n; i += detail::GridStride<int64_t>()) {
    y[i] = Write<To>(Read(x[i]));
  }
}

template <typename From, typename To>
cudaError_t Launch(const void* x, void* y, int64_t n, cudaStream_t stream) {
  CastKernel<From, To><<<detail::BlocksFor(n), detail::kThreadsPerBlock, 0, stream>>>(static_cast<const From*>(x),
                                                                                      static_cast<To*>(y), n);
  return cudaGetLastError();
}

template <typename From>
cudaError_t LaunchTo(ElementType to, const void* x, void* y, int64_t n, cudaStream_t stream) {
  switch (to) {
    case ElementType::kFloat32:
      return Launch<From, float>(x, y, n, stream);
    case ElementType::kFloat16:
      return Launch<From, __half>(x, y, n, stream);
    case ElementType::kFloat64:
      return Launch<From, double>(x, y, n, stream);
    case ElementType::kInt32:
      return Launch<From, int32_t>(x, y, n, stream);
    case ElementType::kInt64:
      return Launch<From, int64_t>(x, y, n, stream);
    case ElementType::kInt8:
      return Launch<From, int8_t>(x, y, n, stream);
    case ElementType::kUInt8:
      return Launch<From, uint8_t>(x, y, n, stream);
    case ElementType::kBool:
      return Launch<From, BoolByte>(x, y, n, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace

cudaError_t LaunchCast(ElementType from, ElementType to, const void* x, void* y, int64_t n, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  if (from == to) {
    return cudaMemcpyAsync(y, x, static_cast<size_t>(n) * ElementSize(from), cudaMemcpyDeviceToDevice, stream);
  }
  switch (from) {
    case ElementType::kFloat32:
      return LaunchTo<float>(to, x, y, n, stream);
    case ElementType::kFloat16:
      return LaunchTo<__half>(to, x, y, n, stream);
    case ElementType::kFloat64:
      return LaunchTo<double>(to, x, y, n, stream);
    case ElementType::kInt32:
      return LaunchTo<int32_t>(to, x, y, n, stream);
    case ElementType::kInt64:
      return LaunchTo<int64_t>(to, x, y, n, stream);
    case ElementType::kInt8:
      return LaunchTo<int8_t>(to, x, y, n, stream);
    case ElementType::kUInt8:
      return LaunchTo<uint8_t>(to, x, y, n, stream);
    case ElementType::kBool:
      return LaunchTo<BoolByte>(to, x, y, n, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace tandem::kernels::cuda
