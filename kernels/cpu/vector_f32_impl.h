// The loops behind VectorF32Kernels, over V = the native float vector of the including file's
// ISA. Include only from vector_f32_<isa>.cc; everything has internal linkage (see simd.h).
#ifndef TANDEM_KERNELS_CPU_VECTOR_F32_IMPL_H_
#define TANDEM_KERNELS_CPU_VECTOR_F32_IMPL_H_

#include <cstdint>

#include "kernels/cpu/simd.h"
#include "kernels/cpu/vector_f32.h"
#include "kernels/cpu/vector_f32_depthwise_impl.h"

namespace tandem::kernels::cpu::simd {
namespace {

// y[i] = F(x[i]); the last partial vector is padded with zeros.
template <typename V, V (*F)(V)>
void Map(const float* x, float* y, int64_t n) {
  constexpr int kLanes = kLanesOf<V>;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) Store(y + i, F(Load<V>(x + i)));
  if (i < n) StorePartial(y + i, F(LoadPartial<V>(x + i, n - i, 0.0f)), n - i);
}

// Exps are summed in float lanes for kSumBlock elements, then into a double, so long rows keep
// float32 accuracy while the inner loop stays in registers.
constexpr int64_t kSumBlock = 256;

// The max, then exps (stored into y for Softmax) and their sum, then the scale or shift. The
// last partial vector reads -inf past the row, whose exp is 0.
template <typename V>
void SoftmaxRow(const float* x, float* y, int64_t n, bool log) {
  constexpr int kLanes = kLanesOf<V>;
  const int64_t full = n - n % kLanes, tail = n - full;
  const float neg_inf = -__builtin_inff();
  V vmax = Splat<V>(neg_inf);
  for (int64_t i = 0; i < full; i += kLanes) vmax = MaxPropagateNaN(vmax, Load<V>(x + i));
  if (tail) vmax = MaxPropagateNaN(vmax, LoadPartial<V>(x + full, tail, neg_inf));
  const float max = ReduceMax(vmax);
  double sum = 0;
  for (int64_t i = 0; i < full;) {
    const int64_t stop = full < i + kSumBlock ? full : i + kSumBlock;
    V part = Splat<V>(0.0f);
    for (; i < stop; i += kLanes) {
      const V e = ExpUnderflowToZero(Load<V>(x + i) - max);
      if (!log) Store(y + i, e);
      part += e;
    }
    sum += ReduceAdd(part);
  }
  if (tail) {
    const V e = ExpUnderflowToZero(LoadPartial<V>(x + full, tail, neg_inf) - max);
    if (!log) StorePartial(y + full, e, tail);
    sum += ReduceAdd(e);
  }
  if (log) {
    const float offset = max + static_cast<float>(__builtin_log(sum));
    for (int64_t i = 0; i < full; i += kLanes) Store(y + i, Load<V>(x + i) - offset);
    if (tail) StorePartial(y + full, LoadPartial<V>(x + full, tail, 0.0f) - offset, tail);
  } else {
    const float scale = static_cast<float>(1.0 / sum);
    for (int64_t i = 0; i < full; i += kLanes) Store(y + i, Load<V>(y + i) * scale);
    if (tail) StorePartial(y + full, LoadPartial<V>(y + full, tail, 0.0f) * scale, tail);
  }
}

// x * sigmoid(x), the value Mul(x, Sigmoid(x)) computes, NaN and infinities included
// (silu(-inf) = -inf * 0 = NaN). With z = -|x|: sigmoid(|x|) = 1 / (1 + e^z), and
// sigmoid(-|x|) = e^z / (1 + e^z), so e^z never overflows.
template <typename V>
inline V Silu(V x) {
#if defined(__AVX512F__)
  if constexpr (sizeof(V) == 64) {
    // About 19 instructions a vector: e^z as 2^n (vscalefps) times a degree-5 polynomial on the
    // reduced argument, the reciprocal as vrcp14ps plus one Newton step (2^-28).
    const __m512 v = (__m512)x;
    const __m512 z = _mm512_max_ps(_mm512_or_ps(v, _mm512_set1_ps(-0.0f)), _mm512_set1_ps(-104.0f));  // e^-104 = 0
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(z, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 t = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), z);  // ln2, split in two
    t = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187045e-06f), t);
    __m512 p = _mm512_set1_ps(0x1.0F9F9Cp-7f);  // minimax e^t on [-ln2/2, ln2/2]
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0x1.573A1Ap-5f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0x1.555A80p-3f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0x1.FFFDC6p-2f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0x1.FFFFF6p-1f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.0f));
    const __m512 e = _mm512_scalef_ps(p, n);  // e^z in [0, 1]
    const __m512 d = _mm512_add_ps(e, _mm512_set1_ps(1.0f));
    __m512 r = _mm512_rcp14_ps(d);
    r = _mm512_fmadd_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f)), r);
    r = _mm512_mask_mul_ps(r, _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ), r, e);
    return (V)_mm512_mul_ps(v, r);
  }
#endif
  const V zero = Splat<V>(0.0f);
  const V z = x < zero ? x : zero - x;  // -|x|; NaN stays NaN
  const V e = Exp(z);
  const V r = 1.0f / (e + 1.0f);
  return x * (x < zero ? e * r : r);
}

template <typename V>
void ChannelAffine(const float* x, float* y, int64_t pixels, int64_t channels, const float* scale,
                   const float* shift) {
  constexpr int64_t kLanes = kLanesOf<V>;
  const int64_t full = channels - channels % kLanes, tail = channels - full;
  for (int64_t p = 0; p < pixels; ++p) {
    const float* xp = x + p * channels;
    float* yp = y + p * channels;
    for (int64_t c = 0; c < full; c += kLanes) Store(yp + c, Load<V>(xp + c) * Load<V>(scale + c) + Load<V>(shift + c));
    if (tail) {
      const V v = LoadPartial<V>(xp + full, tail, 0.0f) * LoadPartial<V>(scale + full, tail, 0.0f) +
                  LoadPartial<V>(shift + full, tail, 0.0f);
      StorePartial(yp + full, v, tail);
    }
  }
}

template <int kOp, typename A, typename B>
inline auto Apply(A a, B b) {
  if constexpr (kOp == kVectorAdd) return a + b;
  if constexpr (kOp == kVectorSub) return a - b;
  if constexpr (kOp == kVectorMul) return a * b;
  if constexpr (kOp == kVectorDiv) return a / b;
}

// A repeated operand is a scalar in the vector expression (GCC broadcasts it).
template <typename V, int kOp, bool kA, bool kB>
void BinaryLoop(const float* a, const float* b, float* y, int64_t n) {
  constexpr int64_t kLanes = kLanesOf<V>;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    if constexpr (kA && kB) Store(y + i, Apply<kOp>(Load<V>(a + i), Load<V>(b + i)));
    if constexpr (kA && !kB) Store(y + i, Apply<kOp>(Load<V>(a + i), b[0]));
    if constexpr (!kA && kB) Store(y + i, Apply<kOp>(a[0], Load<V>(b + i)));
    if constexpr (!kA && !kB) Store(y + i, Splat<V>(Apply<kOp>(a[0], b[0])));
  }
  for (; i < n; ++i) y[i] = Apply<kOp>(a[kA ? i : 0], b[kB ? i : 0]);
}

template <typename V, int kOp>
void BinaryRun(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n) {
  if (sa && sb) {
    BinaryLoop<V, kOp, true, true>(a, b, y, n);
  } else if (sa) {
    BinaryLoop<V, kOp, true, false>(a, b, y, n);
  } else if (sb) {
    BinaryLoop<V, kOp, false, true>(a, b, y, n);
  } else {
    BinaryLoop<V, kOp, false, false>(a, b, y, n);
  }
}

template <typename V>
constexpr VectorF32Kernels MakeVectorF32Kernels(const char* isa) {
  return VectorF32Kernels{isa,
                          Map<V, Exp<V>>,
                          Map<V, Erf<V>>,
                          Map<V, Tanh<V>>,
                          Map<V, Silu<V>>,
                          SoftmaxRow<V>,
                          DepthwiseRowLoop<V>,
                          ChannelAffine<V>,
                          {BinaryRun<V, kVectorAdd>, BinaryRun<V, kVectorSub>, BinaryRun<V, kVectorMul>,
                           BinaryRun<V, kVectorDiv>}};
}

}  // namespace
}  // namespace tandem::kernels::cpu::simd

#endif  // TANDEM_KERNELS_CPU_VECTOR_F32_IMPL_H_
