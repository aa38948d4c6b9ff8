#include <cmath>

#include "kernels/cuda/detail/launch.cuh"
#include "kernels/cuda/detail/numeric.cuh"
#include "kernels/cuda/unary.cuh"

namespace tandem::kernels::cuda {
namespace {

// One formula per op, in the compute type C (float or double). std:: math functions have
// float and double device overloads, so the same code serves both.
template <typename C>
__device__ inline C ApplyFloat(UnaryOp op, C x, const UnaryParams& p) {
  const C zero = 0, one = 1;
  switch (op) {
    case UnaryOp::kRelu:
      return x > zero ? x : zero;
    case UnaryOp::kLeakyRelu:
      return x >= zero ? x : C(p.alpha) * x;
    case UnaryOp::kThresholdedRelu:
      return x > C(p.alpha) ? x : zero;
    case UnaryOp::kElu:
      return x > zero ? x : C(p.alpha) * (exp(x) - one);
    case UnaryOp::kSelu:
      return C(p.gamma) * (x > zero ? x : C(p.alpha) * (exp(x) - one));
    case UnaryOp::kCelu: {
      C a = C(p.alpha);
      C neg = a * (exp(x / a) - one);
      return (x > zero ? x : zero) + (neg < zero ? neg : zero);
    }
    case UnaryOp::kSigmoid:
      // Stable on both tails: exp of a non-positive number never overflows.
      if (x >= zero) return one / (one + exp(-x));
      return exp(x) / (one + exp(x));
    case UnaryOp::kHardSigmoid: {
      C v = C(p.alpha) * x + C(p.beta);
      return v < zero ? zero : (v > one ? one : v);
    }
    case UnaryOp::kHardSwish: {
      C v = x / C(6) + C(0.5);
      return x * (v < zero ? zero : (v > one ? one : v));
    }
    case UnaryOp::kTanh:
      return tanh(x);
    case UnaryOp::kErf:
      return erf(x);
    case UnaryOp::kGelu:
      return C(0.5) * x * (one + erf(x * C(0.70710678118654752440)));
    case UnaryOp::kGeluTanh: {
      C inner = C(0.79788456080286535588) * (x + C(0.044715) * x * x * x);
      return C(0.5) * x * (one + tanh(inner));
    }
    case UnaryOp::kSoftplus: {  // log(1 + e^x) without overflow
      C ax = x < zero ? -x : x;
      return (x > zero ? x : zero) + log1p(exp(-ax));
    }
    case UnaryOp::kSoftsign:
      return x / (one + (x < zero ? -x : x));
    case UnaryOp::kMish: {
      C ax = x < zero ? -x : x;
      return x * tanh((x > zero ? x : zero) + log1p(exp(-ax)));
    }
    case UnaryOp::kClip: {
      C lo = C(p.alpha), hi = C(p.beta);
      if (x != x) return x;  // NaN passes through
      return x < lo ? lo : (x > hi ? hi : x);
    }
    case UnaryOp::kExp:
      return exp(x);
    case UnaryOp::kLog:
      return log(x);
    case UnaryOp::kSqrt:
      return sqrt(x);
    case UnaryOp::kReciprocal:
      return one / x;
    case UnaryOp::kFloor:
      return floor(x);
    case UnaryOp::kCeil:
      return ceil(x);
    case UnaryOp::kRound:
      return rint(x);  // half to even, as ONNX Round
    case UnaryOp::kSin:
      return sin(x);
    case UnaryOp::kCos:
      return cos(x);
    case UnaryOp::kTan:
      return tan(x);
    case UnaryOp::kAsin:
      return asin(x);
    case UnaryOp::kAcos:
      return acos(x);
    case UnaryOp::kAtan:
      return atan(x);
    case UnaryOp::kSinh:
      return sinh(x);
    case UnaryOp::kCosh:
      return cosh(x);
    case UnaryOp::kAsinh:
      return asinh(x);
    case UnaryOp::kAcosh:
      return acosh(x);
    case UnaryOp::kAtanh:
      return atanh(x);
    case UnaryOp::kPowScalar: {
      C e = C(p.alpha);
      if (e == C(2)) return x * x;
      if (e == one) return x;
      if (e == C(0.5)) return sqrt(x);
      return pow(x, e);
    }
    case UnaryOp::kAbs:
      return x < zero ? -x : x;
    case UnaryOp::kNeg:
      return -x;
    case UnaryOp::kSign:
      return x > zero ? one : (x < zero ? -one : zero);
    default:
      return x;
  }
}

template <typename T>
__global__ void UnaryFloatKernel(UnaryOp op, const T* x, T* y, int64_t n, UnaryParams p) {
  for (int64_t i = detail::GridStart<int64_t>(); i < n; i += detail::GridStride<int64_t>()) {
    y[i] = detail::Store<T>(ApplyFloat(op, detail::Load(x[i]), p));
  }
}

template <typename T>
__global__ void ClassifyKernel(bool is_nan, const T* x, uint8_t* y, int64_t n) {
  for (int64_t i = detail::GridStart<int64_t>(); i < n; i += detail::GridStride<int64_t>()) {
    auto v = detail::Load(x[i]);
    y[i] = is_nan ? static_cast<uint8_t>(isnan(v)) : static_cast<uint8_t>(isinf(v));
  }
}

template <typename T>
__global__ void UnaryIntKernel(UnaryOp op, const T* x, T* y, int64_t n) {
  static_assert(std::is_signed_v<T>, "signed integers only");
  for (int64_t i = detail::GridStart<int64_t>(); i < n; i += detail::GridStride<int64_t>()) {
    T v = x[i];
    switch (op) {
      case UnaryOp::kAbs:
        y[i] = v < 0 ? static_cast<T>(-v) : v;
        break;
      case UnaryOp::kNeg:
        y[i] = static_cast<T>(-v);
        break;
      case UnaryOp::kSign:
        y[i] = static_cast<T>(v > 0 ? 1 : (v < 0 ? -1 : 0));
        break;
      default:
        y[i] = v;
        break;
    }
  }
}

__global__ void NotKernel(const uint8_t* x, uint8_t* y, int64_t n) {
  for (int64_t i = detail::GridStart<int64_t>(); i < n; i += detail::GridStride<int64_t>()) y[i] = x[i] == 0;
}

template <typename T>
cudaError_t LaunchFloat(UnaryOp op, const void* x, void* y, int64_t n, const UnaryParams& p, cudaStream_t stream) {
  unsigned blocks = detail::BlocksFor(n);
  if (op == UnaryOp::kIsNaN || op == UnaryOp::kIsInf) {
    ClassifyKernel<T><<<blocks, detail::kThreadsPerBlock, 0, stream>>>(op == UnaryOp::kIsNaN, static_cast<const T*>(x),
                                                                       static_cast<uint8_t*>(y), n);
  } else {
    UnaryFloatKernel<T>
        <<<blocks, detail::kThreadsPerBlock, 0, stream>>>(op, static_cast<const T*>(x), static_cast<T*>(y), n, p);
  }
  return cudaGetLastError();
}

template <typename T>
cudaError_t LaunchInt(UnaryOp op, const void* x, void* y, int64_t n, cudaStream_t stream) {
  UnaryIntKernel<T><<<detail::BlocksFor(n), detail::kThreadsPerBlock, 0, stream>>>(op, static_cast<const T*>(x),
                                                                                   static_cast<T*>(y), n);
  return cudaGetLastError();
}

}  // namespace

bool UnarySupports(UnaryOp op, ElementType type) {
  if (op == UnaryOp::kNot) return type == ElementType::kBool;
  if (IsFloatType(type)) return true;
  bool signed_int = type == ElementType::kInt32 || type == ElementType::kInt64 || type == ElementType::kInt8;
  return signed_int && (op == UnaryOp::kAbs || op == UnaryOp::kNeg || op == UnaryOp::kSign);
}

cudaError_t LaunchUnary(UnaryOp op, ElementType type, const void* x, void* y, int64_t n, const UnaryParams& params,
                        cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  if (!UnarySupports(op, type)) return cudaErrorInvalidValue;
  switch (type) {
    case ElementType::kFloat32:
      return LaunchFloat<float>(op, x, y, n, params, stream);
    case ElementType::kFloat16:
      return LaunchFloat<__half>(op, x, y, n, params, stream);
    case ElementType::kFloat64:
      return LaunchFloat<double>(op, x, y, n, params, stream);
    case ElementType::kInt32:
      return LaunchInt<int32_t>(op, x, y, n, stream);
    case ElementType::kInt64:
      return LaunchInt<int64_t>(op, x, y, n, stream);
    case ElementType::kInt8:
      return LaunchInt<int8_t>(op, x, y, n, stream);
    case ElementType::kBool:
      NotKernel<<<detail::BlocksFor(n), detail::kThreadsPerBlock, 0, stream>>>(static_cast<const uint8_t*>(x),
                                                                               static_cast<uint8_t*>(y), n);
      return cudaGetLastError();
    default:
      return cudaErrorInvalidValue;
  }
}

}  // namespace tandem::kernels::cuda
