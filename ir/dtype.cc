#include "ir/dtype.h"

#include <array>

namespace tandem::ir {
namespace {

struct DTypeRow {
  DType dtype;
  int size;
  absl::string_view name;
};

constexpr std::array<DTypeRow, kMaxDTypeValue + 1> kRows = {{
    {DType::kUndefined, 0, "undefined"},
    {DType::kFloat32, 4, "f32"},
    {DType::kUInt8, 1, "u8"},
    {DType::kInt8, 1, "i8"},
    {DType::kUInt16, 2, "u16"},
    {DType::kInt16, 2, "i16"},
    {DType::kInt32, 4, "i32"},
    {DType::kInt64, 8, "i64"},
    {DType::kString, 0, "str"},
    {DType::kBool, 1, "bool"},
    {DType::kFloat16, 2, "f16"},
    {DType::kFloat64, 8, "f64"},
    {DType::kUInt32, 4, "u32"},
    {DType::kUInt64, 8, "u64"},
    {DType::kComplex64, 8, "c64"},
    {DType::kComplex128, 16, "c128"},
    {DType::kBFloat16, 2, "bf16"},
}};

const DTypeRow& Row(DType dtype) { return kRows[static_cast<int>(dtype)]; }

}  // namespace

int DTypeSize(DType dtype) { return Row(dtype).size; }

absl::string_view DTypeName(DType dtype) { return Row(dtype).name; }

std::optional<DType> ParseDType(absl::string_view name) {
  for (const DTypeRow& row : kRows) {
    if (row.name == name) return row.dtype;
  }
  return std::nullopt;
}

std::optional<DType> DTypeFromInt(int64_t value) {
  if (value < 0 || value > kMaxDTypeValue) return std::nullopt;
  return static_cast<DType>(value);
}

bool IsFloatingPoint(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kFloat16 || dtype == DType::kFloat64 ||
         dtype == DType::kBFloat16;
}

bool IsInteger(DType dtype) {
  switch (dtype) {
    case DType::kUInt8: case DType::kInt8: case DType::kUInt16: case DType::kInt16:
    case DType::kInt32: case DType::kInt64: case DType::kUInt32: case DType::kUInt64:
      return true;
    default:
      return false;
  }
}

}  // namespace tandem::ir
