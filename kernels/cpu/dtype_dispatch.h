// Calls a generic lambda with a value of the C++ type that stores a dtype's elements, so one
// template serves every dtype: Dispatch(dtype, [&](auto tag) { using T = decltype(tag); ... }).
// float16 and bfloat16 are stored as uint16_t bit patterns; use Float16/BFloat16 tags to tell
// them apart (kernels usually widen them to float and narrow the result).
#ifndef TANDEM_KERNELS_CPU_DTYPE_DISPATCH_H_
#define TANDEM_KERNELS_CPU_DTYPE_DISPATCH_H_

#include <cstdint>

#include "common/float16.h"
#include "ir/dtype.h"

namespace tandem::kernels::cpu {

struct Float16 { uint16_t bits; };
struct BFloat16 { uint16_t bits; };

inline float ToFloat(Float16 h) { return HalfBitsToFloat(h.bits); }
inline float ToFloat(BFloat16 b) { return BFloat16BitsToFloat(b.bits); }
inline Float16 FromFloat16(float f) { return Float16{FloatToHalfBits(f)}; }
inline BFloat16 FromBFloat16(float f) { return BFloat16{FloatToBFloat16Bits(f)}; }

// Numeric dtypes and bool. Returns false (and does not call `fn`) for string, complex, undefined.
template <typename Fn>
bool Dispatch(ir::DType dtype, Fn&& fn) {
  switch (dtype) {
    case ir::DType::kFloat32: fn(float{}); return true;
    case ir::DType::kFloat64: fn(double{}); return true;
    case ir::DType::kFloat16: fn(Float16{}); return true;
    case ir::DType::kBFloat16: fn(BFloat16{}); return true;
    case ir::DType::kInt8: fn(int8_t{}); return true;
    case ir::DType::kInt16: fn(int16_t{}); return true;
    case ir::DType::kInt32: fn(int32_t{}); return true;
    case ir::DType::kInt64: fn(int64_t{}); return true;
    case ir::DType::kUInt8: fn(uint8_t{}); return true;
    case ir::DType::kUInt16: fn(uint16_t{}); return true;
    case ir::DType::kUInt32: fn(uint32_t{}); return true;
    case ir::DType::kUInt64: fn(uint64_t{}); return true;
    case ir::DType::kBool: fn(bool{}); return true;
    default: return false;
  }
}

// Like Dispatch, but for kernels that only move bytes: by element size (1, 2, 4, 8, 16 bytes).
template <typename Fn>
bool DispatchBySize(ir::DType dtype, Fn&& fn) {
  switch (ir::DTypeSize(dtype)) {
    case 1: fn(uint8_t{}); return true;
    case 2: fn(uint16_t{}); return true;
    case 4: fn(uint32_t{}); return true;
    case 8: fn(uint64_t{}); return true;
    default: return false;
  }
}

}  // namespace tandem::kernels::cpu

#endif  // TANDEM_KERNELS_CPU_DTYPE_DISPATCH_H_
