// float32 exp, sigmoid and tanh written with plain arithmetic and selects (no libm calls, no
// branches), so loops over them vectorise; libm's expf/tanhf are opaque calls and do not.
//
// Accuracy (checked against libm over [-100, 100] in tests/kernels/elementwise_test.cc):
// FastExp within 3e-7 relative (Cephes' polynomial), FastTanh and FastSigmoid within 1e-6.
// Special values: exp(+inf) = inf, exp(-inf) = 0, NaN in → NaN out; overflow gives inf and
// underflow 0 or a subnormal, as libm does.
#ifndef TANDEM_KERNELS_CPU_ELEMENTWISE_FAST_MATH_H_
#define TANDEM_KERNELS_CPU_ELEMENTWISE_FAST_MATH_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace tandem::kernels::cpu::elementwise {

// 2^n for n in [-126, 127], built from the exponent bits.
inline float Pow2Int(int32_t n) {
  uint32_t bits = static_cast<uint32_t>(n + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline float FastExp(float x) {
  // exp(x) = 2^n * exp(r), n = round(x / ln2), |r| <= ln2 / 2. Clamping keeps n in [-159, 129];
  // 2^n is applied as two factors so each stays a normal float.
  float xc = x == x ? x : 0.0f;  // NaN: compute on 0, return x below
  xc = xc < -110.0f ? -110.0f : xc;
  xc = xc > 89.5f ? 89.5f : xc;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  float n = (xc * 1.44269504088896341f + kRound) - kRound;
  float r = xc - n * 0.693359375f;  // ln2 split into a short high part and a correction
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t ni = static_cast<int32_t>(n);
  int32_t n1 = ni / 2;
  float result = p * Pow2Int(n1) * Pow2Int(ni - n1);
  return x == x ? result : x;
}

inline float FastSigmoid(float x) { return 1.0f / (1.0f + FastExp(-x)); }

inline float FastTanh(float x) {
  float ax = std::fabs(x);
  // Near 0, 1 - 2/(e^2x + 1) cancels; the odd Taylor series to x^9 is exact to float there.
  float x2 = x * x;
  float small = x * (1.0f + x2 * (-0.333333333f + x2 * (0.133333333f + x2 * (-0.0539682540f +
                                                                       x2 * 0.0218694885f))));
  float large = 1.0f - 2.0f / (FastExp(2.0f * ax) + 1.0f);
  large = std::copysign(large, x);
  return ax < 0.25f ? small : large;
}

// exp for either compute type: FastExp for float, libm for double.
template <typename C>
C Exp(C x) {
  if constexpr (std::is_same_v<C, float>) {
    return FastExp(x);
  } else {
    return std::exp(x);
  }
}

}  // namespace tandem::kernels::cpu::elementwise

#endif  // TANDEM_KERNELS_CPU_ELEMENTWISE_FAST_MATH_H_
