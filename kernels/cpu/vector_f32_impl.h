// The loops behind VectorF32Kernels, over V = the native float vector of the including file's
// ISA. Include only from vector_f32_<isa>.cc; everything has internal linkage (see simd.h).
#ifndef TANDEM_KERNELS_CPU_VECTOR_F32_IMPL_H_
#define TANDEM_KERNELS_CPU_VECTOR_F32_IMPL_H_

#include <cstdint>

#include "kernels/cpu/simd.h"
#include "kernels/cpu/vector_f32.h"

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

template <typename V>
inline V Clamp(V v, V lo, V hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

// Four vectors of channels at a time keep their sums in registers across all taps.
template <typename V>
void DepthwisePixel(const float* const* taps, int64_t num_taps, const float* weights, const float* bias,
                    int64_t channels, float lo, float hi, float* out) {
  constexpr int64_t kLanes = kLanesOf<V>;
  const V vlo = Splat<V>(lo), vhi = Splat<V>(hi);
  int64_t c = 0;
  for (; c + 4 * kLanes <= channels; c += 4 * kLanes) {
    V a0 = Splat<V>(0.0f), a1 = a0, a2 = a0, a3 = a0;
    if (bias) {
      a0 = Load<V>(bias + c), a1 = Load<V>(bias + c + kLanes);
      a2 = Load<V>(bias + c + 2 * kLanes), a3 = Load<V>(bias + c + 3 * kLanes);
    }
    for (int64_t t = 0; t < num_taps; ++t) {
      const float* x = taps[t];
      if (x == nullptr) continue;
      const float* w = weights + t * channels + c;
      a0 += Load<V>(x + c) * Load<V>(w);
      a1 += Load<V>(x + c + kLanes) * Load<V>(w + kLanes);
      a2 += Load<V>(x + c + 2 * kLanes) * Load<V>(w + 2 * kLanes);
      a3 += Load<V>(x + c + 3 * kLanes) * Load<V>(w + 3 * kLanes);
    }
    Store(out + c, Clamp(a0, vlo, vhi));
    Store(out + c + kLanes, Clamp(a1, vlo, vhi));
    Store(out + c + 2 * kLanes, Clamp(a2, vlo, vhi));
    Store(out + c + 3 * kLanes, Clamp(a3, vlo, vhi));
  }
  for (; c + kLanes <= channels; c += kLanes) {
    V a = bias ? Load<V>(bias + c) : Splat<V>(0.0f);
    for (int64_t t = 0; t < num_taps; ++t) {
      if (taps[t] != nullptr) a += Load<V>(taps[t] + c) * Load<V>(weights + t * channels + c);
    }
    Store(out + c, Clamp(a, vlo, vhi));
  }
  if (c < channels) {
    const int64_t n = channels - c;
    V a = bias ? LoadPartial<V>(bias + c, n, 0.0f) : Splat<V>(0.0f);
    for (int64_t t = 0; t < num_taps; ++t) {
      if (taps[t] == nullptr) continue;
      a += LoadPartial<V>(taps[t] + c, n, 0.0f) * LoadPartial<V>(weights + t * channels + c, n, 0.0f);
    }
    StorePartial(out + c, Clamp(a, vlo, vhi), n);
  }
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
                          SoftmaxRow<V>,
                          DepthwisePixel<V>,
                          ChannelAffine<V>,
                          {BinaryRun<V, kVectorAdd>, BinaryRun<V, kVectorSub>, BinaryRun<V, kVectorMul>,
                           BinaryRun<V, kVectorDiv>}};
}

}  // namespace
}  // namespace tandem::kernels::cpu::simd

#endif  // TANDEM_KERNELS_CPU_VECTOR_F32_IMPL_H_
