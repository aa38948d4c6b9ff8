// Vectorisation: GCC 12 does not vectorise loops at -O2, nor if-convert selects whose arms may
// raise FP exceptions or set errno (we read neither). Placed before the includes so the kernel
// templates instantiated in this file are covered.
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#pragma GCC optimize("no-trapping-math", "no-math-errno")

// Pow. ONNX lets the exponent's dtype differ from the base's (the output has the base's):
//  - same dtype: one BinaryKernel (integers by repeated squaring, wrapping);
//  - float base with a constant scalar exponent of 1, 2 or 3: a unary kernel (x*x...),
//    the common case in decomposed LayerNorm and friends;
//  - mixed dtypes: the exponent is widened to double at run time, then one BinaryKernel.
#include <cmath>
#include <vector>

#include "kernels/cpu/elementwise_common.h"

namespace tandem::kernels::cpu::elementwise {
namespace {

// base^exp for integers; a negative exponent truncates 1/base^|exp| toward zero.
template <typename T, typename E>
T IntPow(T base, E exp) {
  if (exp < 0) {
    if (base == T(1)) return T(1);
    if constexpr (std::is_signed_v<T>) {
      if (base == T(-1)) return (static_cast<int64_t>(exp) & 1) ? T(-1) : T(1);
    }
    return T(0);
  }
  T result = 1;
  auto e = static_cast<uint64_t>(exp);
  while (e) {
    if (e & 1) result = WrapMul(result, base);
    base = WrapMul(base, base);
    e >>= 1;
  }
  return result;
}

struct PowOp : NoValidate {
  template <typename T>
  static constexpr bool kSupports = kIsNumeric<T>;
  static constexpr bool kBoolOut = false;
  static constexpr int64_t kGrain = kCostlyGrain;
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (kIsFloat<C>) return std::pow(a, b); else return IntPow(a, b);
  }
};

// The exponent arrives as double; `int_exp` says it came from an integer dtype.
struct PowMixedOp : PowOp {
  bool int_exp = false;
  template <typename C>
  C operator()(C a, double e) const {
    if constexpr (kIsFloat<C>) {
      return static_cast<C>(std::pow(static_cast<double>(a), e));
    } else {
      if (int_exp) return IntPow(a, static_cast<int64_t>(e));
      return SaturateCast<C>(std::pow(static_cast<double>(a), e));
    }
  }
};

template <typename E>
void WidenToDouble(const void* src, double* dst, int64_t n) {
  const E* s = static_cast<const E*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<double>(Arith<E>::Load(s[i]));
}

template <typename T>
class PowMixedKernel : public CpuKernel {
 public:
  PowMixedKernel(PowMixedOp op, const BinaryShapes& s, void (*widen)(const void*, double*, int64_t))
      : inner_(op, s.a, s.b, s.out, PowOp::kGrain), exp_count_(NumElements(s.b)), widen_(widen) {}
  absl::Status Run(const KernelContext& ctx) override {
    if (ctx.inputs.size() != 2 || ctx.inputs[1].num_elements() != exp_count_) {
      return absl::InvalidArgumentError("Pow: unexpected exponent buffer");
    }
    std::vector<double> exp(static_cast<size_t>(exp_count_));
    widen_(ctx.inputs[1].data, exp.data(), exp_count_);
    TensorView inputs[2] = {ctx.inputs[0], ctx.inputs[1]};
    inputs[1].dtype = ir::DType::kFloat64;
    inputs[1].data = exp.data();
    KernelContext widened{inputs, ctx.outputs, ctx.threadpool};
    return inner_.Run(widened);
  }

 private:
  BinaryKernel<T, double, T, PowMixedOp> inner_;
  int64_t exp_count_;
  void (*widen_)(const void*, double*, int64_t);
};

struct SquareOp {
  template <typename C>
  C operator()(C x) const { return x * x; }
};
struct CubeOp {
  template <typename C>
  C operator()(C x) const { return x * x * x; }
};
struct IdentityOp {
  template <typename C>
  C operator()(C x) const { return x; }
};

// A unary kernel for x^e with a constant scalar e in {1, 2, 3}; null for other exponents.
template <typename T>
std::unique_ptr<CpuKernel> PowByConstant(double e, int64_t count) {
  if (e == 2.0) {
    return std::make_unique<UnaryKernel<T, T, SquareOp>>(SquareOp{}, count, kCheapGrain);
  }
  if (e == 3.0) {
    return std::make_unique<UnaryKernel<T, T, CubeOp>>(CubeOp{}, count, kCheapGrain);
  }
  if (e == 1.0) {
    return std::make_unique<UnaryKernel<T, T, IdentityOp>>(IdentityOp{}, count, kCheapGrain);
  }
  return nullptr;
}

KernelOr MakePow(const KernelBuildContext& ctx) {
  if (absl::Status s = CheckArity(ctx, 2, 2); !s.ok()) return s;
  auto shapes = GetBinaryShapes(ctx);
  if (!shapes.ok()) return shapes.status();
  ir::DType base = ctx.input_info(0).dtype, exp = ctx.input_info(1).dtype;
  std::unique_ptr<CpuKernel> kernel;
  if (base == exp) {
    const ir::Tensor* c = ctx.constant_input(1);
    bool scalar_exp = c != nullptr && c->num_elements() == 1 &&
                      NumElements(shapes->out) == NumElements(shapes->a);
    Dispatch(base, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (kIsFloat<T>) {
        if (scalar_exp) {
          kernel = PowByConstant<T>(Arith<T>::Load(c->values<T>()[0]), NumElements(shapes->a));
        }
      }
      if constexpr (kIsNumeric<T>) {
        if (!kernel) {
          kernel = std::make_unique<BinaryKernel<T, T, T, PowOp>>(PowOp{}, shapes->a, shapes->b,
                                                                  shapes->out, PowOp::kGrain);
        }
      }
    });
    if (!kernel) return UnsupportedDType(ctx, base);
    return kernel;
  }
  void (*widen)(const void*, double*, int64_t) = nullptr;
  Dispatch(exp, [&](auto tag) {
    using E = decltype(tag);
    if constexpr (kIsNumeric<E>) widen = &WidenToDouble<E>;
  });
  if (widen == nullptr) return ctx.Unsupported(absl::StrCat("exponent dtype ", ir::DTypeName(exp)));
  PowMixedOp op;
  op.int_exp = ir::IsInteger(exp);
  Dispatch(base, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (kIsNumeric<T>) kernel = std::make_unique<PowMixedKernel<T>>(op, *shapes, widen);
  });
  if (!kernel) return UnsupportedDType(ctx, base);
  return kernel;
}

}  // namespace

void RegisterPowKernels(KernelRegistry& r) { r.Register("Pow", MakePow); }

}  // namespace tandem::kernels::cpu::elementwise
