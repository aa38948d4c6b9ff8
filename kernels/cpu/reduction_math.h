// Small SIMD helpers for the reduction family.
//
// The build uses -O2, where GCC vectorizes only simple loops; code with selects (clamps) or
// conversions stays scalar. The hot float32 loops therefore use GCC/Clang vector extensions
// (F32x4: 4 floats, one SSE/NEON register), which are portable C++ for both compilers and need
// no intrinsics or #ifdefs.
#ifndef TANDEM_KERNELS_CPU_REDUCTION_MATH_H_
#define TANDEM_KERNELS_CPU_REDUCTION_MATH_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace tandem::kernels::cpu::reduction {

using F32x4 = float __attribute__((vector_size(16)));
using I32x4 = int32_t __attribute__((vector_size(16)));

inline F32x4 Load4(const float* p) {
  F32x4 v;
  std::memcpy(&v, p, sizeof(v));  // unaligned
  return v;
}
inline void Store4(float* p, F32x4 v) { std::memcpy(p, &v, sizeof(v)); }
inline F32x4 Splat4(float f) { return F32x4{f, f, f, f}; }
inline float HorizontalSum(F32x4 v) { return (v[0] + v[2]) + (v[1] + v[3]); }
inline float HorizontalMax(F32x4 v) {
  float a = v[0] > v[1] ? v[0] : v[1], b = v[2] > v[3] ? v[2] : v[3];
  return a > b ? a : b;
}

// exp(x) for x <= 0 within ~2 ulp (Cephes expf: exp(x) = 2^n * p(r), |r| <= ln2/2), for float
// or F32x4, without branches or library calls. Inputs below -87.3 give ~1e-38 instead of a
// denormal or 0 (harmless for softmax, where they are added to a sum >= 1); NaN gives NaN.
// Not for x > 88.
template <typename V>
inline V ExpNonPositive(V x) {
  constexpr bool kVector = !std::is_same_v<V, float>;
  const V lo = V{} + -87.3f, hi = V{} + 88.0f, zero = V{};
  x = x < lo ? lo : x;  // NaN passes through both clamps
  x = x > hi ? hi : x;
  // Round x*log2(e) to the nearest integer with the 1.5*2^23 trick (no SSE4.1 roundps needed).
  V n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  n = n == n ? n : zero;  // NaN: keeps the int conversion below defined; p carries the NaN
  V r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  V p = V{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  V scale;
  if constexpr (kVector) {
    const I32x4 bits = (__builtin_convertvector(n, I32x4) + 127) << 23;
    std::memcpy(&scale, &bits, sizeof(scale));
  } else {
    const int32_t bits = (static_cast<int32_t>(n) + 127) * (1 << 23);
    std::memcpy(&scale, &bits, sizeof(scale));
  }
  return p * scale;
}

inline double ExpNonPositive(double x) { return std::exp(x); }

}  // namespace tandem::kernels::cpu::reduction

#endif  // TANDEM_KERNELS_CPU_REDUCTION_MATH_H_
