// Vectorisation: GCC 12 does not vectorise loops at -O2, nor if-convert selects whose arms may
// raise FP exceptions or set errno (we read neither). Placed before the includes so the kernel
// templates instantiated in this file are covered.
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#pragma GCC optimize("no-trapping-math", "no-math-errno")

// Arithmetic with broadcasting: Add, Sub, Mul, Div, Mod, PRelu, and the variadic Sum, Mean, Max
// and Min. (Pow is in elementwise_pow.cc.)
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/elementwise_common.h"

namespace tandem::kernels::cpu::elementwise {
namespace {

using TC = TypeClass;

template <TypeClass kClass>
struct BinaryOpBase : NoValidate {
  template <typename T>
  static constexpr bool kSupports = kInClass<kClass, T>;
  static constexpr bool kBoolOut = false;
  static constexpr int64_t kGrain = kCheapGrain;
};

struct AddOp : BinaryOpBase<TC::kNumeric> {
  static constexpr int kVectorOp = kVectorAdd;
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (kIsInt<C>) return WrapAdd(a, b); else return a + b;
  }
};

struct SubOp : BinaryOpBase<TC::kNumeric> {
  static constexpr int kVectorOp = kVectorSub;
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (kIsInt<C>) return WrapSub(a, b); else return a - b;
  }
};

struct MulOp : BinaryOpBase<TC::kNumeric> {
  static constexpr int kVectorOp = kVectorMul;
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (kIsInt<C>) return WrapMul(a, b); else return a * b;
  }
};

struct MaxOp : BinaryOpBase<TC::kNumeric> {
  template <typename C>
  C operator()(C a, C b) const { return a > b || a != a ? a : b; }  // NaN propagates
};

struct MinOp : BinaryOpBase<TC::kNumeric> {
  template <typename C>
  C operator()(C a, C b) const { return a < b || a != a ? a : b; }
};

// Integer Div and Mod reject a zero divisor before computing (the result would be undefined).
struct IntDivisorCheck {
  template <typename T>
  absl::Status Validate(const T* b, int64_t n) const {
    if constexpr (kIsInt<T>) {
      for (int64_t i = 0; i < n; ++i) {
        if (b[i] == 0) return absl::InvalidArgumentError("integer division by zero");
      }
    }
    return absl::OkStatus();
  }
};

// Integer division truncates toward zero; INT_MIN / -1 wraps to INT_MIN.
struct DivOp : IntDivisorCheck {
  static constexpr int kVectorOp = kVectorDiv;
  template <typename T>
  static constexpr bool kSupports = kIsNumeric<T>;
  static constexpr bool kBoolOut = false;
  static constexpr int64_t kGrain = kCheapGrain;
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (kIsSignedInt<C>) {
      if (b == C(-1)) return WrapNeg(a);
    }
    return static_cast<C>(a / b);
  }
};

// fmod=1: the remainder takes the dividend's sign (C fmod / %). fmod=0: the divisor's (Python).
struct ModOp : IntDivisorCheck {
  template <typename T>
  static constexpr bool kSupports = kIsNumeric<T>;
  static constexpr bool kBoolOut = false;
  static constexpr int64_t kGrain = kCostlyGrain;
  bool fmod = false;
  template <typename C>
  C operator()(C a, C b) const {
    C r;
    if constexpr (kIsFloat<C>) {
      r = std::fmod(a, b);
    } else if constexpr (std::is_signed_v<C>) {
      r = b == C(-1) ? C(0) : static_cast<C>(a % b);
    } else {
      return static_cast<C>(a % b);
    }
    if (!fmod && r != C(0) && ((r < C(0)) != (b < C(0)))) r += b;
    return r;
  }
};

// Output y = acc(x_0, ..., x_{n-1}) with every input broadcast to the output, for n != 2 or
// Mean. Each parallel chunk of the output is finished pass by pass (y = x0 op x1, then
// y = y op x_k), so it stays in cache.
template <typename T, typename Op, bool kMean>
class VariadicKernel : public CpuKernel {
 public:
  VariadicKernel(Op op, const std::vector<Dims>& in, const Dims& out) : op_(op) {
    for (const Dims& d : in) counts_.push_back(NumElements(d));
    if (in.size() == 1) {
      passes_.emplace_back(absl::MakeConstSpan(&in[0], 1), out);
    } else {
      passes_.emplace_back(absl::MakeConstSpan(in.data(), 2), out);
      for (size_t k = 2; k < in.size(); ++k) {
        passes_.emplace_back(std::vector<Dims>{out, in[k]}, out);
      }
    }
  }

  absl::Status Run(const KernelContext& ctx) override {
    const int64_t size = passes_[0].size();
    if (absl::Status s = CheckCounts(ctx, counts_, size); !s.ok()) return s;
    T* y = ctx.outputs[0].as<T>();
    ParallelForRange(ctx.threadpool, size, Op::kGrain,
                     [&](int64_t b, int64_t e) { Chunk(ctx, y, b, e); });
    return absl::OkStatus();
  }

 private:
  void Chunk(const KernelContext& ctx, T* y, int64_t begin, int64_t end) const {
    const T* x0 = ctx.inputs[0].as<T>();
    if (counts_.size() == 1) {
      const int64_t s0 = passes_[0].inner_stride(0);
      passes_[0].ForEachRun(begin, end, [&](int64_t o, int64_t n, const int64_t* off) {
        for (int64_t i = 0; i < n; ++i) y[o + i] = x0[off[0] + i * s0];
      });
    } else {
      const BroadcastIndexer& first = passes_[0];
      const int64_t sa = first.inner_stride(0), sb = first.inner_stride(1);
      const T* x1 = ctx.inputs[1].as<T>();
      first.ForEachRun(begin, end, [&](int64_t o, int64_t n, const int64_t* off) {
        BinaryRun(x0 + off[0], sa, x1 + off[1], sb, y + o, n, op_);
      });
    }
    for (size_t k = 2; k < counts_.size(); ++k) {
      const BroadcastIndexer& pass = passes_[k - 1];
      const int64_t sb = pass.inner_stride(1);
      const T* xk = ctx.inputs[k].as<T>();
      pass.ForEachRun(begin, end, [&](int64_t o, int64_t n, const int64_t* off) {
        BinaryRun(y + o, 1, xk + off[1], sb, y + o, n, op_);
      });
    }
    if constexpr (kMean) {
      using C = ComputeT<T>;
      const C n = static_cast<C>(counts_.size());
      for (int64_t i = begin; i < end; ++i) y[i] = Arith<T>::Store(Arith<T>::Load(y[i]) / n);
    }
  }

  Op op_;
  std::vector<int64_t> counts_;
  std::vector<BroadcastIndexer> passes_;
};

template <typename Op, bool kMean>
KernelFactory VariadicFactory() {
  return [](const KernelBuildContext& ctx) -> KernelOr {
    if (absl::Status s = CheckArity(ctx, 1, std::numeric_limits<size_t>::max()); !s.ok()) return s;
    ir::DType dtype = ctx.input_info(0).dtype;
    std::vector<Dims> in;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) return ctx.Invalid(absl::StrCat("input ", i, " is missing"));
      if (ctx.input_info(i).dtype != dtype) return ctx.Invalid("inputs have different dtypes");
      auto d = StaticInputDims(ctx, i);
      if (!d.ok()) return d.status();
      in.push_back(*std::move(d));
    }
    auto out = StaticOutputDims(ctx, 0);
    if (!out.ok()) return out.status();
    auto want = BroadcastDims(in);
    if (!want.ok()) return ctx.Invalid(std::string(want.status().message()));
    if (*want != *out) return ctx.Invalid("the output shape is not the broadcast of the inputs");
    std::unique_ptr<CpuKernel> kernel;
    Dispatch(dtype, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (Op::template kSupports<T> && (!kMean || kIsFloat<T>)) {
        if (in.size() == 2 && !kMean) {
          kernel =
              std::make_unique<BinaryKernel<T, T, T, Op>>(Op{}, in[0], in[1], *out, Op::kGrain);
        } else {
          kernel = std::make_unique<VariadicKernel<T, Op, kMean>>(Op{}, in, *out);
        }
      }
    });
    if (!kernel) return UnsupportedDType(ctx, dtype);
    return kernel;
  };
}

}  // namespace

void RegisterArithmeticKernels(KernelRegistry& r) {
  r.Register("Add", BinaryFactory<AddOp>());
  r.Register("Sub", BinaryFactory<SubOp>());
  r.Register("Mul", BinaryFactory<MulOp>());
  r.Register("Div", BinaryFactory<DivOp>());
  r.Register("Mod", BinaryFactory<ModOp>([](const ir::Node& n) {
               ModOp op;
               op.fmod = n.GetInt("fmod", 0) != 0;
               return op;
             }));
  r.Register("PRelu", BinaryFn<TC::kNumeric>([](auto x, auto slope) {
               using C = decltype(x);
               if constexpr (kIsInt<C>) return x < C(0) ? WrapMul(x, slope) : x;
               else return x < C(0) ? x * slope : x;
             }));
  r.Register("Sum", VariadicFactory<AddOp, false>());
  r.Register("Mean", VariadicFactory<AddOp, true>());
  r.Register("Max", VariadicFactory<MaxOp, false>());
  r.Register("Min", VariadicFactory<MinOp, false>());
}

}  // namespace tandem::kernels::cpu::elementwise
