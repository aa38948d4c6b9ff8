// Vectorisation: GCC 12 does not vectorise loops at -O2, nor if-convert selects whose arms may
// raise FP exceptions or set errno (we read neither). Placed before the includes so the kernel
// templates instantiated in this file are covered.
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#pragma GCC optimize("no-trapping-math", "no-math-errno")

// Activation functions: Sigmoid, Tanh, Relu, LeakyRelu, Elu, Selu, Celu, HardSigmoid, HardSwish,
// Softplus, Softsign, ThresholdedRelu and Shrink. float32 exp-based ones use FastExp so their
// loops vectorise; double uses libm.
#include <cmath>

#include "kernels/cpu/elementwise_common.h"
#include "kernels/cpu/elementwise_fast_math.h"

namespace tandem::kernels::cpu::elementwise {
namespace {

using TC = TypeClass;

template <typename C>
C Sigmoid(C x) {
  if constexpr (std::is_same_v<C, float>) {
    return FastSigmoid(x);
  } else {
    return C(1) / (C(1) + std::exp(-x));
  }
}

template <typename C>
C Tanh(C x) {
  if constexpr (std::is_same_v<C, float>) {
    return FastTanh(x);
  } else {
    return std::tanh(x);
  }
}

// log(1 + e^x) without overflow for large x.
template <typename C>
C Softplus(C x) {
  return x > C(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// Shrink on integers computes in float and truncates, as the attributes are floats.
template <typename C>
C Shrink(C x, float lambd, float bias) {
  using F = std::conditional_t<std::is_same_v<C, float>, float, double>;
  F v = static_cast<F>(x);
  F y = v < -lambd ? v + bias : v > lambd ? v - bias : F(0);
  return static_cast<C>(y);
}

void RegisterExponentialUnits(KernelRegistry& r) {
  constexpr int64_t g = kCostlyGrain;
  r.Register("Elu", UnaryFnFactory<TC::kFloat, false, g>([](const ir::Node& n) {
               float alpha = n.GetFloat("alpha", 1.0f);
               return [alpha](auto x) {
                 using C = decltype(x);
                 return x < C(0) ? C(alpha) * (Exp(x) - C(1)) : x;
               };
             }));
  r.Register("Selu", UnaryFnFactory<TC::kFloat, false, g>([](const ir::Node& n) {
               float alpha = n.GetFloat("alpha", 1.67326319217681884765625f);
               float gamma = n.GetFloat("gamma", 1.05070102214813232421875f);
               return [alpha, gamma](auto x) {
                 using C = decltype(x);
                 return C(gamma) * (x > C(0) ? x : C(alpha) * (Exp(x) - C(1)));
               };
             }));
  r.Register("Celu", UnaryFnFactory<TC::kFloat, false, g>([](const ir::Node& n) {
               float alpha = n.GetFloat("alpha", 1.0f);
               return [alpha](auto x) {
                 using C = decltype(x);
                 C neg = C(alpha) * (Exp(x / C(alpha)) - C(1));
                 return (x > C(0) ? x : C(0)) + (neg < C(0) ? neg : C(0));
               };
             }));
  r.Register("Softplus", UnaryFn<TC::kFloat, false, g>([](auto x) { return Softplus(x); }));
}

void RegisterPiecewiseLinear(KernelRegistry& r) {
  r.Register("Relu",
             UnaryFn<TC::kSigned>([](auto x) { return x > decltype(x)(0) ? x : decltype(x)(0); }));
  r.Register("LeakyRelu", UnaryFnFactory<TC::kFloat>([](const ir::Node& n) {
               float alpha = n.GetFloat("alpha", 0.01f);
               return [alpha](auto x) {
                 using C = decltype(x);
                 return x < C(0) ? x * C(alpha) : x;
               };
             }));
  r.Register("ThresholdedRelu", UnaryFnFactory<TC::kFloat>([](const ir::Node& n) {
               float alpha = n.GetFloat("alpha", 1.0f);
               return [alpha](auto x) {
                 using C = decltype(x);
                 return x > C(alpha) ? x : C(0);
               };
             }));
  r.Register("HardSigmoid", UnaryFnFactory<TC::kFloat>([](const ir::Node& n) {
               float alpha = n.GetFloat("alpha", 0.2f), beta = n.GetFloat("beta", 0.5f);
               return [alpha, beta](auto x) {
                 using C = decltype(x);
                 C y = C(alpha) * x + C(beta);
                 y = y < C(1) ? y : C(1);
                 return y > C(0) ? y : C(0);
               };
             }));
  r.Register("HardSwish", UnaryFn<TC::kFloat>([](auto x) {
               using C = decltype(x);
               C y = x * C(1.0 / 6.0) + C(0.5);
               y = y < C(1) ? y : C(1);
               return x * (y > C(0) ? y : C(0));
             }));
  r.Register("Softsign",
             UnaryFn<TC::kFloat>([](auto x) { return x / (decltype(x)(1) + std::fabs(x)); }));
  r.Register("Shrink", UnaryFnFactory<TC::kNumeric>([](const ir::Node& n) {
               float lambd = n.GetFloat("lambd", 0.5f), bias = n.GetFloat("bias", 0.0f);
               return [lambd, bias](auto x) { return Shrink(x, lambd, bias); };
             }));
}

}  // namespace

void RegisterActivationKernels(KernelRegistry& r) {
  constexpr int64_t g = kCostlyGrain;
  r.Register("Sigmoid", UnaryFn<TC::kFloat, false, g>([](auto x) { return Sigmoid(x); }));
  r.Register("Tanh", UnaryFn<TC::kFloat, false, g>([](auto x) { return Tanh(x); }));
  RegisterExponentialUnits(r);
  RegisterPiecewiseLinear(r);
}

}  // namespace tandem::kernels::cpu::elementwise
