// Elementwise binary ops with numpy broadcasting: arithmetic, comparisons and logic.
#ifndef TANDEM_KERNELS_CUDA_BINARY_CUH_
#define TANDEM_KERNELS_CUDA_BINARY_CUH_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/element_type.h"
#include "kernels/cuda/strided_layout.h"

namespace tandem::kernels::cuda {

enum class BinaryOp : uint8_t {
  // arithmetic: output has the input type (f32, f16, f64, i32, i64, i8, u8)
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kMax,
  kMin,
  kMod,    // integer Mod with fmod=0: the result takes the divisor's sign (Python's %)
  kFmod,   // C fmod / C %: the result takes the dividend's sign
  kPRelu,  // a >= 0 ? a : a * b (float types)
  // comparisons: bool output, any numeric input type
  kEqual,
  kLess,
  kLessOrEqual,
  kGreater,
  kGreaterOrEqual,
  // logic: bool inputs and output
  kAnd,
  kOr,
  kXor,
};

bool BinarySupports(BinaryOp op, ElementType type);
// True for the comparisons and logic ops (whose output is bool).
bool BinaryOutputsBool(BinaryOp op);

// Enqueues out = op(a, b) over `layout` (operand 0: out, 1: a, 2: b; offsets in elements), with
// n = product of layout.dims. `type` is the input type. Float16 is computed in float; integer
// division by zero gives an unspecified value (GPUs do not trap).
cudaError_t LaunchBinary(BinaryOp op, ElementType type, const StridedLayout<3>& layout, int64_t n, const void* a,
                         const void* b, void* out, cudaStream_t stream);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_BINARY_CUH_
