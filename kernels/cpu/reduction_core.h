// The reduction engine behind Reduce* and MeanVarianceNormalization: accumulates Op over the
// reduced axes of a ReduceGeometry into one accumulator of type A per output element.
//
// An Op maps each element (optionally against a per-output `shift`, e.g. the max for
// LogSumExp or the mean for a variance) and combines mapped values:
//   acc = Combine(acc, Map(x, shift)),  starting from Init().
// The two hot loops are written as blocks of 8 independent lanes so that GCC's SLP vectorizer
// turns them into SIMD code at -O2 (plain loops are not vectorized there), and so that a long
// sum is 8 interleaved partial sums, which also lowers rounding error.
//
// Work is split into tasks that depend only on the shape (see reduction_common.h), so results
// do not change with the thread count:
//  - inner axis kept: a task is (output slice, block of up to kColumnBlock columns); it adds
//    whole rows into its block of accumulators.
//  - inner axis reduced: a task is a range of output slices, each reducing its rows; when there
//    are few slices but many elements (a reduce-all), each slice is cut into fixed chunks whose
//    partial results are combined in chunk order.
#ifndef TANDEM_KERNELS_CPU_REDUCTION_CORE_H_
#define TANDEM_KERNELS_CPU_REDUCTION_CORE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/cpu/reduction_common.h"
#include "kernels/cpu/reduction_math.h"

namespace tandem::kernels::cpu::reduction {

// Integer accumulators wrap like the ONNX integer types do (and never hit signed-overflow UB).
template <typename A>
inline A WrapAdd(A a, A b) {
  if constexpr (std::is_integral_v<A>) {
    using U = std::make_unsigned_t<A>;
    return static_cast<A>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <typename A>
inline A WrapMul(A a, A b) {
  if constexpr (std::is_integral_v<A> && !std::is_same_v<A, bool>) {
    using U = std::make_unsigned_t<A>;
    return static_cast<A>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}

template <typename A>
inline bool IsNan(A v) {
  if constexpr (std::is_floating_point_v<A>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

template <typename A>
inline A Lowest() {
  return std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity()
                                              : std::numeric_limits<A>::lowest();
}
template <typename A>
inline A Highest() {
  return std::numeric_limits<A>::has_infinity ? std::numeric_limits<A>::infinity()
                                              : std::numeric_limits<A>::max();
}

// Sums (Combine = +) also define MapF32x4, the same Map on 4 floats, for the float32 fast path.
struct SumOp {
  static constexpr bool kUsesShift = false;
  template <typename A> static A Init() { return A{0}; }
  template <typename A> static A Map(A v, A) { return v; }
  template <typename A> static A Combine(A a, A b) { return WrapAdd(a, b); }
  static F32x4 MapF32x4(F32x4 v, F32x4) { return v; }
};
struct AbsSumOp : SumOp {
  template <typename A> static A Map(A v, A) {
    if constexpr (std::is_unsigned_v<A>) {
      return v;
    } else if constexpr (std::is_integral_v<A>) {
      using U = std::make_unsigned_t<A>;
      return v < 0 ? static_cast<A>(U{0} - static_cast<U>(v)) : v;  // |INT64_MIN| wraps
    } else {
      return std::fabs(v);
    }
  }
  static F32x4 MapF32x4(F32x4 v, F32x4) {
    I32x4 bits;
    std::memcpy(&bits, &v, sizeof(v));
    bits &= 0x7fffffff;  // clear the sign
    std::memcpy(&v, &bits, sizeof(v));
    return v;
  }
};
struct SquareSumOp : SumOp {
  template <typename A> static A Map(A v, A) { return WrapMul(v, v); }
  static F32x4 MapF32x4(F32x4 v, F32x4) { return v * v; }
};
// Σ (x - shift)²: the second pass of a two-pass variance.
struct SquaredDeviationSumOp : SumOp {
  static constexpr bool kUsesShift = true;
  template <typename A> static A Map(A v, A shift) { return (v - shift) * (v - shift); }
  // In float, the rounding of `shift` (the mean) changes the sum only by n·δ², second order.
  static F32x4 MapF32x4(F32x4 v, F32x4 shift) { return (v - shift) * (v - shift); }
};
// Σ exp(x - shift): LogSumExp's second pass, shift being the max (0 when it is not finite).
struct ExpSumOp : SumOp {
  static constexpr bool kUsesShift = true;
  template <typename A> static A Map(A v, A shift) { return std::exp(v - shift); }
  static F32x4 MapF32x4(F32x4 v, F32x4 shift) { return ExpNonPositive(v - shift); }
};
struct ProdOp {
  static constexpr bool kUsesShift = false;
  template <typename A> static A Init() { return A{1}; }
  template <typename A> static A Map(A v, A) { return v; }
  template <typename A> static A Combine(A a, A b) { return WrapMul(a, b); }
};
// Max and min propagate NaN, as numpy (the ONNX reference) does.
struct MaxOp {
  static constexpr bool kUsesShift = false;
  template <typename A> static A Init() { return Lowest<A>(); }
  template <typename A> static A Map(A v, A) { return v; }
  template <typename A> static A Combine(A a, A b) { return (a >= b || IsNan(a)) ? a : b; }
  // One maxps; ignores NaN (ExtremumContiguousF32 tracks NaN on the side).
  static F32x4 CombineF32x4(F32x4 a, F32x4 b) { return a > b ? a : b; }
};
struct MinOp : MaxOp {
  template <typename A> static A Init() { return Highest<A>(); }
  template <typename A> static A Combine(A a, A b) { return (a <= b || IsNan(a)) ? a : b; }
  static F32x4 CombineF32x4(F32x4 a, F32x4 b) { return a < b ? a : b; }
};

// Float32 fast path of a sum: 8 float lanes (two F32x4) per block of kFloatSumBlock
// elements, block totals added in double. Each lane adds only 16 values before its total moves
// to double, so the error is at most ~16 eps · Σ|x| whatever n — the bound of numpy's pairwise
// sum, which the ONNX reference uses — at float SIMD speed: 8 double lanes measured 5x slower
// (0.42 vs 0.06-0.1 ns/element, in L1 and from memory).
inline constexpr int64_t kFloatSumBlock = 128;

template <typename Op>
double SumContiguousF32(const float* x, int64_t n, double shift) {
  const F32x4 vshift = Splat4(static_cast<float>(shift));
  double total = 0;
  int64_t i = 0;
  while (i + 8 <= n) {
    const int64_t stop = std::min(n, i + kFloatSumBlock);
    F32x4 s0{}, s1{};
    for (; i + 8 <= stop; i += 8) {
      s0 += Op::MapF32x4(Load4(x + i), vshift);
      s1 += Op::MapF32x4(Load4(x + i + 4), vshift);
    }
    total += HorizontalSum(s0 + s1);
  }
  for (; i < n; ++i) total += Op::Map(static_cast<double>(x[i]), shift);
  return total;
}

// Float32 max/min with F32x4 maxps/minps in 4 independent chains; a NaN anywhere is tracked in
// a side mask (a NaN-propagating select per element would be a 5-op dependency chain, 3x slower).
template <typename Op>
float ExtremumContiguousF32(const float* x, int64_t n) {
  F32x4 m0 = Splat4(Op::template Init<float>()), m1 = m0, m2 = m0, m3 = m0;
  I32x4 nan{};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const F32x4 v0 = Load4(x + i), v1 = Load4(x + i + 4), v2 = Load4(x + i + 8), v3 = Load4(x + i + 12);
    nan |= (v0 != v0) | (v1 != v1) | (v2 != v2) | (v3 != v3);
    m0 = Op::CombineF32x4(m0, v0);
    m1 = Op::CombineF32x4(m1, v1);
    m2 = Op::CombineF32x4(m2, v2);
    m3 = Op::CombineF32x4(m3, v3);
  }
  if (nan[0] | nan[1] | nan[2] | nan[3]) return std::numeric_limits<float>::quiet_NaN();
  const F32x4 m = Op::CombineF32x4(Op::CombineF32x4(m0, m1), Op::CombineF32x4(m2, m3));
  float r = Op::Combine(Op::Combine(m[0], m[1]), Op::Combine(m[2], m[3]));
  for (; i < n; ++i) r = Op::Combine(r, x[i]);
  return r;
}

template <typename Op, typename = void>
struct HasMapF32x4 : std::false_type {};
template <typename Op>
struct HasMapF32x4<Op, std::void_t<decltype(Op::MapF32x4(F32x4{}, F32x4{}))>> : std::true_type {};

// Op over n contiguous elements.
template <typename Op, typename A, typename C>
A ReduceContiguous(const C* x, int64_t n, A shift) {
  if constexpr (std::is_same_v<C, float> && std::is_same_v<A, double> && HasMapF32x4<Op>::value) {
    return SumContiguousF32<Op>(x, n, shift);
  }
  if constexpr (std::is_same_v<C, float> && std::is_same_v<A, float> &&
                (std::is_same_v<Op, MaxOp> || std::is_same_v<Op, MinOp>)) {
    return ExtremumContiguousF32<Op>(x, n);
  }
  A lane[8];
  for (A& l : lane) l = Op::template Init<A>();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) {
      lane[j] = Op::Combine(lane[j], Op::Map(static_cast<A>(x[i + j]), shift));
    }
  }
  for (int j = 0; i + j < n; ++j) lane[j] = Op::Combine(lane[j], Op::Map(static_cast<A>(x[i + j]), shift));
  for (int j = 0; j < 4; ++j) lane[j] = Op::Combine(lane[j], lane[j + 4]);
  return Op::Combine(Op::Combine(lane[0], lane[2]), Op::Combine(lane[1], lane[3]));
}

// acc[i] = Combine(acc[i], Map(x[i], shift[i])) for n contiguous elements.
template <typename Op, typename A, typename C>
void AccumulateContiguous(A* __restrict acc, const C* __restrict x, int64_t n,
                          const A* __restrict shift) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) {
      A s = Op::kUsesShift ? shift[i + j] : A{0};
      acc[i + j] = Op::Combine(acc[i + j], Op::Map(static_cast<A>(x[i + j]), s));
    }
  }
  for (; i < n; ++i) {
    acc[i] = Op::Combine(acc[i], Op::Map(static_cast<A>(x[i]), Op::kUsesShift ? shift[i] : A{0}));
  }
}

// The two loops above for a storage type; halves are widened to float a block at a time.
template <typename Tag, typename Op, typename A>
struct RowOps {
  static constexpr int64_t kBlock = 512;
  static A Reduce(const Storage<Tag>* x, int64_t n, A shift) {
    if constexpr (!kIsHalf<Tag>) {
      return ReduceContiguous<Op, A>(x, n, shift);
    } else {
      float buf[kBlock];
      A acc = Op::template Init<A>();
      for (int64_t b = 0; b < n; b += kBlock) {
        int64_t len = std::min(kBlock, n - b);
        Widen<Tag>(x + b, len, buf);
        acc = Op::Combine(acc, ReduceContiguous<Op, A>(buf, len, shift));
      }
      return acc;
    }
  }
  static void Accumulate(A* acc, const Storage<Tag>* x, int64_t n, const A* shift) {
    if constexpr (!kIsHalf<Tag>) {
      AccumulateContiguous<Op, A>(acc, x, n, shift);
    } else {
      float buf[kBlock];
      for (int64_t b = 0; b < n; b += kBlock) {
        int64_t len = std::min(kBlock, n - b);
        Widen<Tag>(x + b, len, buf);
        AccumulateContiguous<Op, A>(acc + b, buf, len, shift ? shift + b : nullptr);
      }
    }
  }
};

inline constexpr int64_t kColumnBlock = 2048;

// Inner axis kept: acc[p * inner + c] over every reduced row.
template <typename Tag, typename Op, typename A>
void ReduceKeptInner(const ReduceGeometry& g, const Storage<Tag>* x, A* acc, const A* shift,
                     pthreadpool_t pool) {
  const int64_t blocks = (g.inner + kColumnBlock - 1) / kColumnBlock;
  const int64_t task_elems = g.red_rows * std::min(g.inner, kColumnBlock);
  const int64_t grain = std::max<int64_t>(1, kReduceGrainElements / std::max<int64_t>(1, task_elems));
  ParallelForRange(pool, g.outer * blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t p = t / blocks;
      const int64_t c0 = (t % blocks) * kColumnBlock;
      const int64_t w = std::min(kColumnBlock, g.inner - c0);
      A* a = acc + p * g.inner + c0;
      const A* s = Op::kUsesShift ? shift + p * g.inner + c0 : nullptr;
      std::fill(a, a + w, Op::template Init<A>());
      ForEachRow(g, p, 0, g.red_rows, [&](int64_t off) {
        RowOps<Tag, Op, A>::Accumulate(a, x + off + c0, w, s);
      });
    }
  });
}

// Op over the flat reduced elements [e0, e1) of output slice p (rows of `inner` elements).
template <typename Tag, typename Op, typename A>
A ReduceSliceRange(const ReduceGeometry& g, const Storage<Tag>* x, int64_t p, int64_t e0,
                   int64_t e1, A shift) {
  A acc = Op::template Init<A>();
  int64_t row = e0 / g.inner;
  ForEachRow(g, p, row, (e1 + g.inner - 1) / g.inner, [&](int64_t off) {
    const int64_t b = std::max(e0, row * g.inner) - row * g.inner;
    const int64_t e = std::min(e1, (row + 1) * g.inner) - row * g.inner;
    acc = Op::Combine(acc, RowOps<Tag, Op, A>::Reduce(x + off + b, e - b, shift));
    ++row;
  });
  return acc;
}

// Inner axis reduced: acc[p] over all of slice p's elements.
template <typename Tag, typename Op, typename A>
void ReduceReducedInner(const ReduceGeometry& g, const Storage<Tag>* x, A* acc, const A* shift,
                        pthreadpool_t pool) {
  const int64_t n = g.reduce_count;
  // Chunking, a function of the shape only: few slices of many elements are cut into chunks.
  const int64_t chunks =
      g.outer >= 16 || n < 4 * kReduceGrainElements ? 1 : (n + kReduceGrainElements - 1) / kReduceGrainElements;
  if (chunks == 1) {
    const int64_t grain = std::max<int64_t>(1, kReduceGrainElements / std::max<int64_t>(1, n));
    ParallelForRange(pool, g.outer, grain, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        acc[p] = ReduceSliceRange<Tag, Op, A>(g, x, p, 0, n, Op::kUsesShift ? shift[p] : A{0});
      }
    });
    return;
  }
  std::vector<A> partial(g.outer * chunks);
  const int64_t chunk_len = (n + chunks - 1) / chunks;
  ParallelFor(pool, g.outer * chunks, [&](int64_t t) {
    const int64_t p = t / chunks, c = t % chunks;
    const int64_t e0 = std::min(n, c * chunk_len), e1 = std::min(n, e0 + chunk_len);
    partial[t] = ReduceSliceRange<Tag, Op, A>(g, x, p, e0, e1, Op::kUsesShift ? shift[p] : A{0});
  });
  for (int64_t p = 0; p < g.outer; ++p) {
    A a = Op::template Init<A>();
    for (int64_t c = 0; c < chunks; ++c) a = Op::Combine(a, partial[p * chunks + c]);
    acc[p] = a;
  }
}

// acc[o] for every output element o (g.num_outputs of them). `shift` (num_outputs values) is
// read only by ops with kUsesShift.
template <typename Tag, typename Op, typename A>
void ReduceInto(const ReduceGeometry& g, const Storage<Tag>* x, A* acc, const A* shift,
                pthreadpool_t pool) {
  if (g.empty_input) {  // empty reduction: every output is the identity of Op
    std::fill(acc, acc + g.num_outputs, Op::template Init<A>());
    return;
  }
  if (g.inner_reduced) {
    ReduceReducedInner<Tag, Op, A>(g, x, acc, shift, pool);
  } else {
    ReduceKeptInner<Tag, Op, A>(g, x, acc, shift, pool);
  }
}

}  // namespace tandem::kernels::cpu::reduction

#endif  // TANDEM_KERNELS_CPU_REDUCTION_CORE_H_
