// Elementwise unary ops y = f(x) on contiguous tensors of the same shape: activations and math.
#ifndef TANDEM_KERNELS_CUDA_UNARY_CUH_
#define TANDEM_KERNELS_CUDA_UNARY_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/element_type.h"

namespace tandem::kernels::cuda {

enum class UnaryOp : uint8_t {
  // float types (f32, f16, f64)
  kRelu,
  kLeakyRelu /*alpha*/,
  kThresholdedRelu /*alpha*/,
  kElu /*alpha*/,
  kSelu /*alpha, gamma*/,
  kCelu /*alpha*/,
  kSigmoid,
  kHardSigmoid /*alpha, beta*/,
  kHardSwish,
  kTanh,
  kErf,
  kGelu,
  kGeluTanh,
  kSoftplus,
  kSoftsign,
  kMish,
  kClip /*min, max*/,
  kExp,
  kLog,
  kSqrt,
  kReciprocal,
  kFloor,
  kCeil,
  kRound,
  kSin,
  kCos,
  kTan,
  kAsin,
  kAcos,
  kAtan,
  kSinh,
  kCosh,
  kAsinh,
  kAcosh,
  kAtanh,
  kPowScalar /*alpha = exponent*/,
  kIsNaN /*bool output*/,
  kIsInf /*bool output*/,
  // float and signed integer types
  kAbs,
  kNeg,
  kSign,
  // bool
  kNot,
};

// Parameters of the ops marked above; unused by the others.
struct UnaryParams {
  float alpha = 0;
  float beta = 0;
  float gamma = 0;
};

// Whether LaunchUnary supports `op` on `type`.
bool UnarySupports(UnaryOp op, ElementType type);

// Enqueues y[i] = op(x[i]) for i < n. x is `type`; y is `type` too, except bool for kIsNaN and
// kIsInf. Float16 is computed in float. x and y may be the same buffer.
cudaError_t LaunchUnary(UnaryOp op, ElementType type, const void* x, void* y, int64_t n, const UnaryParams& params,
                        cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_UNARY_CUH_
