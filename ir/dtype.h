// Element types of tensors in the IR.
//
// The numbering follows ONNX's TensorProto.DataType so that importing is a range check, but the IR
// itself does not depend on ONNX.
#ifndef TANDEM_IR_DTYPE_H_
#define TANDEM_IR_DTYPE_H_

#include <cstdint>
#include <optional>
#include "absl/strings/string_view.h"

namespace tandem::ir {

enum class DType : uint8_t {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,  // opaque: variable-length, never computed on
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBFloat16 = 16,
};

inline constexpr int kMaxDTypeValue = 16;

// Bytes per element; 0 for kUndefined and kString (which have no fixed size).
int DTypeSize(DType dtype);

// Lower-case name as printed in IR dumps: "f32", "i64", "bool", "str"...
absl::string_view DTypeName(DType dtype);

// Inverse of DTypeName.
std::optional<DType> ParseDType(absl::string_view name);

// The DType with ONNX data_type `value`, or nullopt when `value` is not a known type.
std::optional<DType> DTypeFromInt(int64_t value);

bool IsFloatingPoint(DType dtype);
bool IsInteger(DType dtype);

}  // namespace tandem::ir

#endif  // TANDEM_IR_DTYPE_H_
