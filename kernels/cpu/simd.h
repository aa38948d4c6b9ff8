// Math on GCC/Clang float vectors for the per-ISA kernel files (vector_f32_*.cc). Include it
// ONLY from a file compiled for one instruction set (kernels/CMakeLists.txt gives
// vector_f32_avx512.cc and vector_f32_avx2.cc their -m flags), with V the native vector of that
// set: F32x16 under AVX-512, F32x8 under AVX2, F32x4 under SSE2.
//
// Why not one source with target_clones and 16-lane vectors everywhere: GCC 12 turns a vector
// compare/select on a vector wider than the function's ISA, or one gimplified in an inline
// helper without that ISA, into one scalar compare per lane (a Softmax row got ~340 scalar
// instructions per 16 values). Whole files compiled per ISA see native vectors only.
//
// Everything here has internal linkage (an unnamed namespace in a header, on purpose): the
// same template compiled with -mavx512f in one file and without in another must never be merged
// by the linker, or a non-AVX-512 CPU could run the AVX-512 copy.
//
// The math helpers use only arithmetic, min/max and selects (no branches, no libm). Accuracy,
// checked against libm for every ISA in tests/kernels/simd_test.cc:
//   Exp                 within 3e-7 relative (Cephes' polynomial); exp(-inf) = 0, overflow inf
//   ExpUnderflowToZero  the same down to x = -86.6, exactly 0 below
//   Tanh                within 1e-6 relative
//   Erf                 within 5e-7 absolute and relative (Eigen's rational approximation)
// NaN in gives NaN out.
#ifndef TANDEM_KERNELS_CPU_SIMD_H_
#define TANDEM_KERNELS_CPU_SIMD_H_

#include <cstdint>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace tandem::kernels::cpu::simd {
namespace {

typedef float F32x16 __attribute__((vector_size(64)));
typedef float F32x8 __attribute__((vector_size(32)));
typedef float F32x4 __attribute__((vector_size(16)));

// The matching int32 vector (compare results, exponent bits) and the lane count.
template <typename V>
using I32Of = decltype(V{} < V{});
template <typename V>
constexpr int kLanesOf = sizeof(V) / sizeof(float);

// 4-byte-aligned, may_alias views of the vectors, for unaligned loads and stores. No memcpy
// through a local vector or float buffer: that takes the local's address, ASan then moves it to
// its fake stack, which does not keep 64-byte alignment, and GCC's aligned moves on it fault.
typedef float F32x16u __attribute__((vector_size(64), aligned(4), may_alias));
typedef float F32x8u __attribute__((vector_size(32), aligned(4), may_alias));
typedef float F32x4u __attribute__((vector_size(16), aligned(4), may_alias));

template <typename V>
inline V Load(const float* p) {
  if constexpr (sizeof(V) == 64) return *reinterpret_cast<const F32x16u*>(p);
  if constexpr (sizeof(V) == 32) return *reinterpret_cast<const F32x8u*>(p);
  if constexpr (sizeof(V) == 16) return *reinterpret_cast<const F32x4u*>(p);
}
template <typename V>
inline void Store(float* p, V v) {
  if constexpr (sizeof(V) == 64) *reinterpret_cast<F32x16u*>(p) = v;
  if constexpr (sizeof(V) == 32) *reinterpret_cast<F32x8u*>(p) = v;
  if constexpr (sizeof(V) == 16) *reinterpret_cast<F32x4u*>(p) = v;
}
// The first n (< lanes) floats of p; the other lanes hold `fill`.
// Under AVX-512 and AVX2 these are masked moves (lanes past n are neither read nor written, so
// they never fault); elsewhere lane by lane.
template <typename V>
inline V LoadPartial(const float* p, int64_t n, float fill) {
#if defined(__AVX512F__)
  if constexpr (sizeof(V) == 64) {
    return (V)_mm512_mask_loadu_ps(_mm512_set1_ps(fill), static_cast<__mmask16>((1u << n) - 1), p);
  }
#endif
#if defined(__AVX2__)
  if constexpr (sizeof(V) == 32) {
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return (V)_mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, mask), _mm256_castsi256_ps(mask));
  }
#endif
  V v = V{} + fill;
  for (int64_t i = 0; i < n; ++i) v[i] = p[i];
  return v;
}
template <typename V>
inline void StorePartial(float* p, V v, int64_t n) {
#if defined(__AVX512F__)
  if constexpr (sizeof(V) == 64) {
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), (__m512)v);
    return;
  }
#endif
#if defined(__AVX2__)
  if constexpr (sizeof(V) == 32) {
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_ps(p, mask, (__m256)v);
    return;
  }
#endif
  for (int64_t i = 0; i < n; ++i) p[i] = v[i];
}
template <typename V>
inline V Splat(float f) {
  return V{} + f;
}

// Horizontal sum or max (NaN propagating) by halving down to 4 lanes, then scalars.
template <bool kMax, typename V>
inline V Combine(V a, V b) {
  if constexpr (kMax) {
    return a >= b ? a : (a != a ? a : b);
  } else {
    return a + b;
  }
}
template <bool kMax, typename V>
inline float Reduce(V v) {
  if constexpr (kLanesOf<V> == 16) {
    const F32x8 lo = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
    const F32x8 hi = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    return Reduce<kMax>(Combine<kMax>(lo, hi));
  } else if constexpr (kLanesOf<V> == 8) {
    const F32x4 lo = __builtin_shufflevector(v, v, 0, 1, 2, 3);
    const F32x4 hi = __builtin_shufflevector(v, v, 4, 5, 6, 7);
    return Reduce<kMax>(Combine<kMax>(lo, hi));
  } else {
    const float a = kMax ? (v[0] >= v[2] || v[0] != v[0] ? v[0] : v[2]) : v[0] + v[2];
    const float b = kMax ? (v[1] >= v[3] || v[1] != v[1] ? v[1] : v[3]) : v[1] + v[3];
    return kMax ? (a >= b || a != a ? a : b) : a + b;
  }
}
template <typename V>
inline float ReduceAdd(V v) {
  return Reduce<false>(v);
}
template <typename V>
inline float ReduceMax(V v) {
  return Reduce<true>(v);
}
// Lane-wise max where a NaN in either operand wins.
template <typename V>
inline V MaxPropagateNaN(V a, V b) {
  return Combine<true>(a, b);
}

// 2^n for integral-valued n in [-126, 127], from the exponent bits.
template <typename V>
inline V Pow2(V n) {
  const I32Of<V> bits = (__builtin_convertvector(n, I32Of<V>) + 127) << 23;
  return __builtin_bit_cast(V, bits);
}

// e^r for |r| <= ln2/2 (Cephes' polynomial), after n = round(x / ln2), r = x - n·ln2.
template <typename V>
inline V ExpReduced(V x, V* n) {
  constexpr float kRound = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer
  *n = (x * 1.44269504088896341f + kRound) - kRound;
  V r = x - *n * 0.693359375f;  // ln2 as a short high part and a correction
  r = r - *n * -2.12194440e-4f;
  V p = Splat<V>(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}

// exp(x): x is clamped to [-110, 89.5], so n stays in [-159, 130]; 2^n is applied as two
// factors that are each a normal float, which gives inf above 88.7 and subnormals, then 0,
// below -87.3, as libm does.
template <typename V>
inline V Exp(V x) {
  const V zero = Splat<V>(0.0f), lo = Splat<V>(-110.0f), hi = Splat<V>(89.5f);
  V xc = x == x ? x : zero;  // NaN: compute on 0, return x below
  xc = xc < lo ? lo : xc;
  xc = xc > hi ? hi : xc;
  V n;
  const V p = ExpReduced(xc, &n);
  const V n1 = __builtin_convertvector(__builtin_convertvector(n, I32Of<V>) >> 1, V);  // floor(n / 2)
  const V result = p * Pow2(n1) * Pow2(n - n1);
  return x == x ? result : x;
}

// exp(x) for x <= 88 whose results below 2^-125 (x < -86.6) are exactly 0 instead of tiny or
// subnormal. Computing a subnormal takes a microcode assist of ~100 cycles on x86 (FTZ is off):
// softmax over attention scores with a -1e4 or -inf mask would hit it at every masked entry.
template <typename V>
inline V ExpUnderflowToZero(V x) {
  const V zero = Splat<V>(0.0f), lo = Splat<V>(-86.6f), hi = Splat<V>(88.0f);
  V xc = x == x ? x : zero;
  xc = xc < lo ? lo : xc;
  xc = xc > hi ? hi : xc;
  V n;
  const V p = ExpReduced(xc, &n);
  const V result = x == x ? p * Pow2(n) : x;
  return x < lo ? zero : result;
}

// tanh: the odd Taylor series to x^9 below |x| = 0.25 (where 1 - 2/(e^2x + 1) cancels), else
// 1 - 2/(e^2|x| + 1) with x's sign.
template <typename V>
inline V Tanh(V x) {
  const V zero = Splat<V>(0.0f);
  const V ax = x < zero ? -x : x;
  const V x2 = x * x;
  const V small =
      x * (1.0f + x2 * (-0.333333333f + x2 * (0.133333333f + x2 * (-0.0539682540f + x2 * 0.0218694885f))));
  const V large = 1.0f - 2.0f / (Exp(2.0f * ax) + 1.0f);
  const V signed_large = x < zero ? -large : large;
  return ax < Splat<V>(0.25f) ? small : signed_large;
}

// erf(x) = x·P(x²)/Q(x²) on [-4, 4] (Eigen's generic_fast_erf_float); beyond, erf rounds to ±1
// in float. Clamping with compares keeps NaN, and ±0 gives ±0.
template <typename V>
inline V Erf(V x) {
  const V lim = Splat<V>(4.0f), neg_lim = Splat<V>(-4.0f);
  x = x > lim ? lim : x;
  x = x < neg_lim ? neg_lim : x;
  const V x2 = x * x;
  V p = Splat<V>(-2.72614225801306e-10f);
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 + -2.10102402082508e-06f;
  p = p * x2 + -5.69250639462346e-05f;
  p = p * x2 + -7.34990630326855e-04f;
  p = p * x2 + -2.95459980854025e-03f;
  p = p * x2 + -1.60960333262415e-02f;
  V q = Splat<V>(-1.45660718464996e-05f);
  q = q * x2 + -2.13374055278905e-04f;
  q = q * x2 + -1.68282697438203e-03f;
  q = q * x2 + -7.37332916720468e-03f;
  q = q * x2 + -1.42647390514189e-02f;
  return x * p / q;
}

}  // namespace
}  // namespace tandem::kernels::cpu::simd

#endif  // TANDEM_KERNELS_CPU_SIMD_H_
