// Vectorisation: GCC 12 does not vectorise loops at -O2, nor if-convert selects whose arms may
// raise FP exceptions or set errno (we read neither). Placed before the includes so the kernel
// templates instantiated in this file are covered.
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#pragma GCC optimize("no-trapping-math", "no-math-errno")

// Unary math ops: Abs, Neg, Exp, Log, Sqrt, Reciprocal, Floor, Ceil, Round, Sign, Erf, the
// trigonometric and hyperbolic functions, IsNaN, IsInf and Not.
#include <cmath>
#include <limits>

#include "kernels/cpu/elementwise_common.h"
#include "kernels/cpu/elementwise_fast_math.h"

namespace tandem::kernels::cpu::elementwise {
namespace {

using TC = TypeClass;

// Round half to even without libm: adding and subtracting 2^23 (2^52 for double) rounds in the
// default rounding mode; values that large are already integers.
template <typename C>
C RoundHalfEven(C x) {
  constexpr C kBig = std::is_same_v<C, float> ? C(8388608.0) : C(4503599627370496.0);
  C a = std::fabs(x);
  C r = std::copysign((a + kBig) - kBig, x);
  return a < kBig ? r : x;
}

template <typename C>
C Abs(C x) {
  if constexpr (kIsFloat<C>) {
    return std::fabs(x);
  } else if constexpr (std::is_signed_v<C>) {
    return x < 0 ? WrapNeg(x) : x;
  } else {
    return x;
  }
}

template <typename C>
C Neg(C x) {
  if constexpr (kIsFloat<C>) {
    return -x;
  } else {
    return WrapNeg(x);
  }
}

template <typename C>
C Sign(C x) {
  if constexpr (kIsFloat<C>) {
    return x > 0 ? C(1) : x < 0 ? C(-1) : x;  // keeps NaN
  } else {
    return static_cast<C>(x > 0 ? 1 : (std::is_signed_v<C> && x < 0) ? -1 : 0);
  }
}

// For an integer input, erf is computed in double and truncated (ONNX allows every numeric type).
template <typename C>
C Erf(C x) {
  if constexpr (kIsFloat<C>) {
    return std::erf(x);
  } else {
    return static_cast<C>(std::erf(static_cast<double>(x)));
  }
}

void RegisterRounding(KernelRegistry& r) {
  r.Register("Floor", UnaryFn<TC::kFloat>([](auto x) { return std::floor(x); }));
  r.Register("Ceil", UnaryFn<TC::kFloat>([](auto x) { return std::ceil(x); }));
  r.Register("Round", UnaryFn<TC::kFloat>([](auto x) { return RoundHalfEven(x); }));
}

void RegisterTrigonometric(KernelRegistry& r) {
  constexpr int64_t g = kCostlyGrain;
  r.Register("Sin", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::sin(x); }));
  r.Register("Cos", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::cos(x); }));
  r.Register("Tan", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::tan(x); }));
  r.Register("Asin", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::asin(x); }));
  r.Register("Acos", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::acos(x); }));
  r.Register("Atan", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::atan(x); }));
  r.Register("Sinh", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::sinh(x); }));
  r.Register("Cosh", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::cosh(x); }));
  r.Register("Asinh", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::asinh(x); }));
  r.Register("Acosh", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::acosh(x); }));
  r.Register("Atanh", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::atanh(x); }));
}

void RegisterPredicates(KernelRegistry& r) {
  r.Register("IsNaN", UnaryFn<TC::kFloat, true>([](auto x) { return x != x; }));
  r.Register("IsInf", UnaryFnFactory<TC::kFloat, true>([](const ir::Node& n) {
               bool neg = n.GetInt("detect_negative", 1) != 0;
               bool pos = n.GetInt("detect_positive", 1) != 0;
               return [neg, pos](auto x) {
                 using C = decltype(x);
                 constexpr C kInf = std::numeric_limits<C>::infinity();
                 return (pos && x == kInf) || (neg && x == -kInf);
               };
             }));
  r.Register("Not", UnaryFn<TC::kBool>([](bool x) { return !x; }));
}

}  // namespace

void RegisterUnaryMathKernels(KernelRegistry& r) {
  constexpr int64_t g = kCostlyGrain;
  r.Register("Abs", UnaryFn<TC::kNumeric>([](auto x) { return Abs(x); }));
  r.Register("Neg", UnaryFn<TC::kSigned>([](auto x) { return Neg(x); }));
  r.Register("Sign", UnaryFn<TC::kNumeric>([](auto x) { return Sign(x); }));
  r.Register("Exp", UnaryFn<TC::kFloat, false, g>([](auto x) { return Exp(x); }));
  r.Register("Log", UnaryFn<TC::kFloat, false, g>([](auto x) { return std::log(x); }));
  r.Register("Sqrt", UnaryFn<TC::kFloat>([](auto x) { return std::sqrt(x); }));
  r.Register("Reciprocal", UnaryFn<TC::kFloat>([](auto x) { return decltype(x)(1) / x; }));
  r.Register("Erf", UnaryFn<TC::kNumeric, false, g>([](auto x) { return Erf(x); }));
  RegisterRounding(r);
  RegisterTrigonometric(r);
  RegisterPredicates(r);
}

}  // namespace tandem::kernels::cpu::elementwise
