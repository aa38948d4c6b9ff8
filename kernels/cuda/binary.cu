#include <cmath>

#include "kernels/cuda/binary.cuh"
#include "kernels/cuda/detail/launch.cuh"
#include "kernels/cuda/detail/numeric.cuh"
#include "kernels/cuda/detail/offsets.cuh"

namespace tandem::kernels::cuda {
namespace {

template <typename C>
__device__ inline C IntPow(C base, C exp) {
  if constexpr (std::is_signed_v<C>) {
    if (exp < 0) return base == 1 ? C(1) : (base == -1 ? ((exp & 1) ? C(-1) : C(1)) : C(0));
  }
  C result = 1;
  while (exp > 0) {
    if (exp & 1) result *= base;
    base *= base;
    exp >>= 1;
  }
  return result;
}

template <typename C>
__device__ inline C Arith(BinaryOp op, C a, C b) {
  switch (op) {
    case BinaryOp::kAdd:
      return a + b;
    case BinaryOp::kSub:
      return a - b;
    case BinaryOp::kMul:
      return a * b;
    case BinaryOp::kDiv:
      return a / b;
    case BinaryOp::kMax:
      return a > b ? a : b;
    case BinaryOp::kMin:
      return a < b ? a : b;
    case BinaryOp::kPow:
      if constexpr (std::is_floating_point_v<C>) {
        return pow(a, b);
      } else {
        return IntPow(a, b);
      }
    case BinaryOp::kFmod:
      if constexpr (std::is_floating_point_v<C>) {
        return fmod(a, b);
      } else {
        return a % b;
      }
    case BinaryOp::kMod:
      if constexpr (std::is_floating_point_v<C>) {
        C r = fmod(a, b);
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
      } else if constexpr (std::is_signed_v<C>) {
        C r = a % b;
        return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<C>(r + b) : r;
      } else {
        return a % b;
      }
    case BinaryOp::kPRelu:
      if constexpr (std::is_signed_v<C> || std::is_floating_point_v<C>) return a >= C(0) ? a : a * b;
      return a;
    default:
      return a;
  }
}

template <typename C>
__device__ inline bool Compare(BinaryOp op, C a, C b) {
  switch (op) {
    case BinaryOp::kEqual:
      return a == b;
    case BinaryOp::kLess:
      return a < b;
    case BinaryOp::kLessOrEqual:
      return a <= b;
    case BinaryOp::kGreater:
      return a > b;
    case BinaryOp::kGreaterOrEqual:
      return a >= b;
    case BinaryOp::kAnd:
      return (a != 0) && (b != 0);
    case BinaryOp::kOr:
      return (a != 0) || (b != 0);
    case BinaryOp::kXor:
      return (a != 0) != (b != 0);
    default:
      return false;
  }
}

template <typename T, typename Index>
__global__ void ArithKernel(BinaryOp op, StridedLayout<3> layout, Index n, const T* a, const T* b, T* out) {
  for (Index i = detail::GridStart<Index>(); i < n; i += detail::GridStride<Index>()) {
    Index off[3];
    detail::LayoutOffsets(layout, i, off);
    out[off[0]] = detail::Store<T>(Arith(op, detail::Load(a[off[1]]), detail::Load(b[off[2]])));
  }
}

template <typename T, typename Index>
__global__ void CompareKernel(BinaryOp op, StridedLayout<3> layout, Index n, const T* a, const T* b, uint8_t* out) {
  for (Index i = detail::GridStart<Index>(); i < n; i += detail::GridStride<Index>()) {
    Index off[3];
    detail::LayoutOffsets(layout, i, off);
    out[off[0]] = Compare(op, detail::Load(a[off[1]]), detail::Load(b[off[2]])) ? 1 : 0;
  }
}

template <typename T, typename Index>
void Enqueue(BinaryOp op, const StridedLayout<3>& layout, int64_t n, const void* a, const void* b, void* out,
             cudaStream_t stream) {
  const T* ta = static_cast<const T*>(a);
  const T* tb = static_cast<const T*>(b);
  unsigned blocks = detail::BlocksFor(n);
  if (BinaryOutputsBool(op)) {
    CompareKernel<T, Index><<<blocks, detail::kThreadsPerBlock, 0, stream>>>(op, layout, static_cast<Index>(n), ta, tb,
                                                                             static_cast<uint8_t*>(out));
  } else {
    ArithKernel<T, Index><<<blocks, detail::kThreadsPerBlock, 0, stream>>>(op, layout, static_cast<Index>(n), ta, tb,
                                                                           static_cast<T*>(out));
  }
}

template <typename T>
cudaError_t Launch(BinaryOp op, const StridedLayout<3>& layout, int64_t n, const void* a, const void* b, void* out,
                   cudaStream_t stream) {
  if (FitsInt32(layout, n)) {
    Enqueue<T, int32_t>(op, layout, n, a, b, out, stream);
  } else {
    Enqueue<T, int64_t>(op, layout, n, a, b, out, stream);
  }
  return cudaGetLastError();
}

}  // namespace

bool BinaryOutputsBool(BinaryOp op) { return op >= BinaryOp::kEqual; }

bool BinarySupports(BinaryOp op, ElementType type) {
  if (op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kXor) return type == ElementType::kBool;
  if (BinaryOutputsBool(op)) return true;  // comparisons of any type, bool included
  if (type == ElementType::kBool) return false;
  if (op == BinaryOp::kPRelu) return IsFloatType(type);
  if (op == BinaryOp::kMod) return !IsFloatType(type);  // float Mod must use fmod=1 (ONNX)
  return true;
}

cudaError_t LaunchBinary(BinaryOp op, ElementType type, const StridedLayout<3>& layout, int64_t n, const void* a,
                         const void* b, void* out, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  if (!BinarySupports(op, type)) return cudaErrorInvalidValue;
  switch (type) {
    case ElementType::kFloat32:
      return Launch<float>(op, layout, n, a, b, out, stream);
    case ElementType::kFloat16:
      return Launch<__half>(op, layout, n, a, b, out, stream);
    case ElementType::kFloat64:
      return Launch<double>(op, layout, n, a, b, out, stream);
    case ElementType::kInt32:
      return Launch<int32_t>(op, layout, n, a, b, out, stream);
    case ElementType::kInt64:
      return Launch<int64_t>(op, layout, n, a, b, out, stream);
    case ElementType::kInt8:
      return Launch<int8_t>(op, layout, n, a, b, out, stream);
    case ElementType::kUInt8:
    case ElementType::kBool:
      return Launch<uint8_t>(op, layout, n, a, b, out, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace tandem::kernels::cuda
