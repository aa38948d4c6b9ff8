// Overflow-checked integer arithmetic for sizes computed from untrusted models.
#ifndef TANDEM_COMMON_CHECKED_MATH_H_
#define TANDEM_COMMON_CHECKED_MATH_H_

#include <cstdint>
#include <optional>

namespace tandem {

// a * b, or nullopt when the product does not fit in int64 or an operand is negative.
inline std::optional<int64_t> CheckedMul(int64_t a, int64_t b) {
  if (a < 0 || b < 0) return std::nullopt;
  int64_t out;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// a + b, or nullopt when the sum does not fit in int64 or an operand is negative.
inline std::optional<int64_t> CheckedAdd(int64_t a, int64_t b) {
  if (a < 0 || b < 0) return std::nullopt;
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

}  // namespace tandem

#endif  // TANDEM_COMMON_CHECKED_MATH_H_
