// Shared machinery of the elementwise kernels (internal to kernels/cpu/elementwise_*.cc).
//
// An elementwise op is a small functor whose operator() takes values of the "compute type": the
// storage type itself for float, double, integers and bool, and float for float16/bfloat16
// (Arith<T> widens on load and narrows on store). Kernels are templates over storage types and
// the functor, so the dtype is chosen once when the kernel is built and the inner loops are
// plain loops with the op inlined, which the compiler vectorises for float32.
//
// Integer arithmetic wraps (two's complement) instead of invoking signed-overflow UB.
#ifndef TANDEM_KERNELS_CPU_ELEMENTWISE_COMMON_H_
#define TANDEM_KERNELS_CPU_ELEMENTWISE_COMMON_H_

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/cpu/broadcast.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/kernel.h"
#include "kernels/cpu/vector_f32.h"

namespace tandem::kernels::cpu::elementwise {

// Everything here is internal to the family, hence the namespace: other families define helpers
// with the same names (WrapAdd, StaticInputDims...) in kernels::cpu.
//
// Each elementwise_*.cc registers its ops through one of these (called by elementwise.cc).
void RegisterVectorF32Kernels(KernelRegistry& r);  // before the generic ones it overrides for float32
void RegisterUnaryMathKernels(KernelRegistry& r);
void RegisterActivationKernels(KernelRegistry& r);
void RegisterArithmeticKernels(KernelRegistry& r);
void RegisterPowKernels(KernelRegistry& r);
void RegisterCompareKernels(KernelRegistry& r);
void RegisterSelectKernels(KernelRegistry& r);
void RegisterCastKernels(KernelRegistry& r);

inline int64_t NumElements(absl::Span<const int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// "[2,3,4]", for messages.
inline std::string DimsToString(absl::Span<const int64_t> dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

// ---- dtype classes (over storage types as Dispatch passes them)
template <typename T>
inline constexpr bool kIsFloat = std::is_floating_point_v<T> || std::is_same_v<T, Float16> ||
                                 std::is_same_v<T, BFloat16>;
template <typename T>
inline constexpr bool kIsInt = std::is_integral_v<T> && !std::is_same_v<T, bool>;
template <typename T>
inline constexpr bool kIsSignedInt = kIsInt<T> && std::is_signed_v<T>;
template <typename T>
inline constexpr bool kIsNumeric = kIsFloat<T> || kIsInt<T>;
// Types on which negation makes sense: floats and signed integers.
template <typename T>
inline constexpr bool kIsSigned = kIsFloat<T> || kIsSignedInt<T>;

// ---- load/store between storage and compute types
template <typename T>
struct Arith {
  using C = T;
  static C Load(T v) { return v; }
  static T Store(C v) { return v; }
};
template <>
struct Arith<Float16> {
  using C = float;
  static float Load(Float16 v) { return ToFloat(v); }
  static Float16 Store(float v) { return FromFloat16(v); }
};
template <>
struct Arith<BFloat16> {
  using C = float;
  static float Load(BFloat16 v) { return ToFloat(v); }
  static BFloat16 Store(float v) { return FromBFloat16(v); }
};
template <typename T>
using ComputeT = typename Arith<T>::C;

// ---- wrapping integer arithmetic
template <typename T>
using WrapU = std::make_unsigned_t<std::common_type_t<T, unsigned>>;
template <typename T>
T WrapAdd(T a, T b) { return static_cast<T>(static_cast<WrapU<T>>(a) + static_cast<WrapU<T>>(b)); }
template <typename T>
T WrapSub(T a, T b) { return static_cast<T>(static_cast<WrapU<T>>(a) - static_cast<WrapU<T>>(b)); }
template <typename T>
T WrapMul(T a, T b) { return static_cast<T>(static_cast<WrapU<T>>(a) * static_cast<WrapU<T>>(b)); }
template <typename T>
T WrapNeg(T a) { return static_cast<T>(WrapU<T>(0) - static_cast<WrapU<T>>(a)); }

// Ops whose right operand needs no run-time check derive from this (integer Div/Mod override
// Validate to reject a zero divisor before computing anything).
struct NoValidate {
  template <typename T>
  absl::Status Validate(const T*, int64_t) const { return absl::OkStatus(); }
};

// A float converted to an integer type, saturating at its limits and with NaN as 0 (a plain
// static_cast is undefined behaviour out of range).
template <typename T, typename F>
T SaturateCast(F v) {
  if constexpr (std::is_floating_point_v<F> && kIsInt<T>) {
    if (!(v == v)) return 0;
    constexpr T kLowest = std::numeric_limits<T>::lowest(), kMax = std::numeric_limits<T>::max();
    if (v <= static_cast<F>(kLowest)) return kLowest;
    // static_cast<F>(kMax) may round up to 2^bits, which is then the right threshold.
    if (v >= static_cast<F>(kMax)) return kMax;
  }
  return static_cast<T>(v);
}

// ---- factory plumbing
using KernelOr = absl::StatusOr<std::unique_ptr<CpuKernel>>;

// Checks the input/output counts: at least `min_in` (at most `max_in`) inputs and one output.
absl::Status CheckArity(const KernelBuildContext& ctx, size_t min_in, size_t max_in);
// The static dims of input i / output i; Unsupported when not static.
absl::StatusOr<Dims> StaticInputDims(const KernelBuildContext& ctx, size_t i);
absl::StatusOr<Dims> StaticOutputDims(const KernelBuildContext& ctx, size_t i);
absl::Status UnsupportedDType(const KernelBuildContext& ctx, ir::DType dtype);

// Checks at run time that each view still has the element count the kernel was built for, so a
// mismatched buffer is an error instead of an out-of-bounds access.
absl::Status CheckCounts(const KernelContext& ctx, absl::Span<const int64_t> in_counts,
                         int64_t out_count);

// Grains (elements per parallel task): cheap ops amortise the task overhead over more elements.
inline constexpr int64_t kCheapGrain = 32768;
inline constexpr int64_t kCostlyGrain = 4096;

// ---- unary kernels: y[i] = op(x[i])
template <typename TI, typename TO, typename Op>
void UnaryLoop(const TI* x, TO* y, int64_t n, const Op& op) {
  for (int64_t i = 0; i < n; ++i) y[i] = Arith<TO>::Store(op(Arith<TI>::Load(x[i])));
}

template <typename TI, typename TO, typename Op>
class UnaryKernel : public CpuKernel {
 public:
  UnaryKernel(Op op, int64_t count, int64_t grain) : op_(op), count_(count), grain_(grain) {}
  absl::Status Run(const KernelContext& ctx) override {
    const int64_t counts[] = {count_};
    if (absl::Status s = CheckCounts(ctx, counts, count_); !s.ok()) return s;
    const TI* x = ctx.inputs[0].as<TI>();
    TO* y = ctx.outputs[0].as<TO>();
    ParallelForRange(ctx.threadpool, count_, grain_,
                     [&](int64_t b, int64_t e) { UnaryLoop(x + b, y + b, e - b, op_); });
    return absl::OkStatus();
  }

 private:
  Op op_;
  int64_t count_;
  int64_t grain_;
};

// An op functor declares what it accepts and returns:
//   template <typename T> static constexpr bool kSupports = ...;   // storage types
//   static constexpr bool kBoolOut = ...;                          // bool output, else as input
//   static constexpr int64_t kGrain = kCheapGrain or kCostlyGrain;
template <typename Op, typename T>
using OpOut = std::conditional_t<Op::kBoolOut, bool, T>;

// A factory for a one-input op whose functor `make(node)` builds from the node's attributes.
template <typename Op, typename Make>
KernelFactory UnaryFactory(Make make) {
  return [make](const KernelBuildContext& ctx) -> KernelOr {
    if (absl::Status s = CheckArity(ctx, 1, 1); !s.ok()) return s;
    auto dims = StaticOutputDims(ctx, 0);
    if (!dims.ok()) return dims.status();
    ir::DType dtype = ctx.input_info(0).dtype;
    Op op = make(ctx.node());
    std::unique_ptr<CpuKernel> kernel;
    Dispatch(dtype, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (Op::template kSupports<T>) {
        kernel = std::make_unique<UnaryKernel<T, OpOut<Op, T>, Op>>(op, NumElements(*dims),
                                                                   Op::kGrain);
      }
    });
    if (!kernel) return UnsupportedDType(ctx, dtype);
    return kernel;
  };
}

template <typename Op>
KernelFactory UnaryFactory() {
  return UnaryFactory<Op>([](const ir::Node&) { return Op{}; });
}

// The dtypes an op accepts, as ONNX groups them (kAny: numeric and bool).
enum class TypeClass { kFloat, kSigned, kNumeric, kBool, kUnsignedInt, kAny };
template <TypeClass kClass, typename T>
inline constexpr bool kInClass =
    kClass == TypeClass::kFloat     ? kIsFloat<T>
    : kClass == TypeClass::kSigned  ? kIsSigned<T>
    : kClass == TypeClass::kNumeric ? kIsNumeric<T>
    : kClass == TypeClass::kBool    ? std::is_same_v<T, bool>
    : kClass == TypeClass::kAny     ? kIsNumeric<T> || std::is_same_v<T, bool>
                                    : kIsInt<T> && !std::is_signed_v<T>;

// An op functor around a generic lambda `f(x)` (or `f(a, b)`), for ops that are one expression.
template <TypeClass kClass, bool kBool, int64_t kG, typename F>
struct FnOp : NoValidate {
  F f;
  template <typename T>
  static constexpr bool kSupports = kInClass<kClass, T>;
  static constexpr bool kBoolOut = kBool;
  static constexpr int64_t kGrain = kG;
  template <typename... C>
  auto operator()(C... x) const { return f(x...); }
};

// A factory for a one-input op whose functor is the lambda `maker(node)` returns, e.g.
// UnaryFnFactory<TypeClass::kFloat>([](const ir::Node&) { return [](auto x) { ... }; }).
template <TypeClass kClass, bool kBool = false, int64_t kG = kCheapGrain, typename Maker>
KernelFactory UnaryFnFactory(Maker maker) {
  using F = decltype(maker(std::declval<const ir::Node&>()));
  using Op = FnOp<kClass, kBool, kG, F>;
  return UnaryFactory<Op>([maker](const ir::Node& n) { return Op{{}, maker(n)}; });
}

// The same for an op without attributes: UnaryFn<TypeClass::kFloat>([](auto x) { ... }).
template <TypeClass kClass, bool kBool = false, int64_t kG = kCheapGrain, typename F>
KernelFactory UnaryFn(F f) {
  return UnaryFnFactory<kClass, kBool, kG>([f](const ir::Node&) { return f; });
}



// ---- binary kernels with broadcasting: y = op(a, b)
template <bool kA, bool kB, typename TA, typename TB, typename TO, typename Op>
void BinaryLoop(const TA* a, const TB* b, TO* y, int64_t n, const Op& op) {
  for (int64_t i = 0; i < n; ++i) {
    y[i] = Arith<TO>::Store(op(Arith<TA>::Load(a[kA ? i : 0]), Arith<TB>::Load(b[kB ? i : 0])));
  }
}

// One run of BinaryLoop, specialised on which inputs are contiguous (stride 1) or repeated.
template <typename TA, typename TB, typename TO, typename Op>
void BinaryRun(const TA* a, int64_t sa, const TB* b, int64_t sb, TO* y, int64_t n, const Op& op) {
  if (sa && sb) {
    BinaryLoop<true, true>(a, b, y, n, op);
  } else if (sa) {
    BinaryLoop<true, false>(a, b, y, n, op);
  } else if (sb) {
    BinaryLoop<false, true>(a, b, y, n, op);
  } else {
    BinaryLoop<false, false>(a, b, y, n, op);
  }
}

// Runs op over `indexer`'s output with inputs a and b, in parallel.
template <typename TA, typename TB, typename TO, typename Op>
void RunBinary(const BroadcastIndexer& indexer, const TA* a, const TB* b, TO* y, const Op& op,
               int64_t grain, pthreadpool_t pool) {
  const int64_t sa = indexer.inner_stride(0), sb = indexer.inner_stride(1);
  ParallelForRange(pool, indexer.size(), grain, [&](int64_t begin, int64_t end) {
    indexer.ForEachRun(begin, end, [&](int64_t o, int64_t n, const int64_t* off) {
      BinaryRun(a + off[0], sa, b + off[1], sb, y + o, n, op);
    });
  });
}

// Ops with a vectorised float32 run (vector_f32.h) name it: static constexpr int kVectorOp.
template <typename Op, typename = void>
struct VectorOpOf {
  static constexpr int kValue = -1;
};
template <typename Op>
struct VectorOpOf<Op, std::void_t<decltype(Op::kVectorOp)>> {
  static constexpr int kValue = Op::kVectorOp;
};

template <typename TA, typename TB, typename TO, typename Op>
class BinaryKernel : public CpuKernel {
 public:
  BinaryKernel(Op op, const Dims& a, const Dims& b, const Dims& out, int64_t grain)
      : op_(op), indexer_({a, b}, out), a_count_(NumElements(a)), b_count_(NumElements(b)),
        grain_(grain), a_(a), b_(b), out_(out) {}
  ChannelsLast channels_last_support() const override {
    return out_.size() == 4 && a_.size() <= 4 && b_.size() <= 4 ? ChannelsLast::kAllInputs : ChannelsLast::kNo;
  }
  void SetChannelsLast(bool input0, bool output0) override {
    if (!input0 || !output0) return;
    // Same bytes, walked as N,H,W,C: a per-channel operand [C,1,1] becomes [1,1,1,C].
    auto nhwc = [](const Dims& d) {
      Dims r(4 - d.size(), 1);
      r.insert(r.end(), d.begin(), d.end());
      return Dims{r[0], r[2], r[3], r[1]};
    };
    const Dims a = nhwc(a_), b = nhwc(b_);
    indexer_ = BroadcastIndexer({a, b}, nhwc(out_));
  }
  // A Relu/Clip after the op, applied to each run while it is in cache (float32 vector ops
  // only): the residual Add + Relu of ResNets in one pass over memory instead of two.
  void FuseClamp(FusedClamp clamp) { clamp_ = clamp; }
  bool fused_clamp() const override { return clamp_.has_value(); }
  absl::Status Run(const KernelContext& ctx) override {
    const int64_t counts[] = {a_count_, b_count_};
    if (absl::Status s = CheckCounts(ctx, counts, indexer_.size()); !s.ok()) return s;
    if (indexer_.size() == 0) return absl::OkStatus();  // an empty output reads no divisor
    if (absl::Status s = op_.Validate(ctx.inputs[1].as<TB>(), b_count_); !s.ok()) return s;
    constexpr int kVectorOp = VectorOpOf<Op>::kValue;
    if constexpr (kVectorOp >= 0 && std::is_same_v<TA, float> && std::is_same_v<TB, float> &&
                  std::is_same_v<TO, float>) {
      const VectorF32Kernels::BinaryRun run = VectorF32().binary[kVectorOp];
      const float *a = ctx.inputs[0].as<const float>(), *b = ctx.inputs[1].as<const float>();
      float* y = ctx.outputs[0].as<float>();
      const int64_t sa = indexer_.inner_stride(0), sb = indexer_.inner_stride(1);
      ParallelForRange(ctx.threadpool, indexer_.size(), grain_ * 4, [&](int64_t begin, int64_t end) {
        indexer_.ForEachRun(begin, end, [&](int64_t o, int64_t n, const int64_t* off) {
          if (!clamp_) return run(a + off[0], sa, b + off[1], sb, y + o, n);
          for (int64_t k = 0; k < n; k += kClampChunk) {
            const int64_t m = std::min(kClampChunk, n - k);
            run(a + off[0] + k * sa, sa, b + off[1] + k * sb, sb, y + o + k, m);
            ClampRun(y + o + k, m, clamp_->min, clamp_->max);
          }
        });
      });
    } else {
      RunBinary(indexer_, ctx.inputs[0].as<TA>(), ctx.inputs[1].as<TB>(), ctx.outputs[0].as<TO>(), op_, grain_,
                ctx.threadpool);
    }
    return absl::OkStatus();
  }

 private:
  static constexpr int64_t kClampChunk = 2048;  // floats: 8 KiB, still in L1 for the clamp
  // NaN stays NaN (Relu and Clip propagate it).
  static void ClampRun(float* y, int64_t n, float lo, float hi) {
    for (int64_t i = 0; i < n; ++i) {
      float v = y[i];
      v = v < lo ? lo : v;
      y[i] = v > hi ? hi : v;
    }
  }

  Op op_;
  BroadcastIndexer indexer_;
  int64_t a_count_, b_count_;
  int64_t grain_;
  Dims a_, b_, out_;  // as built (NCHW), for SetChannelsLast
  std::optional<FusedClamp> clamp_;
};

// The dims of inputs 0 and 1 as the kernel should broadcast them, and the output dims. Handles
// two legacy (opset < 7) forms: `broadcast=1, axis`, where B is aligned with A at `axis`, and
// PRelu-6's 1-D per-channel slope.
struct BinaryShapes {
  Dims a, b, out;
};
absl::StatusOr<BinaryShapes> GetBinaryShapes(const KernelBuildContext& ctx);

// A factory for a two-input op with broadcasting, both inputs of one dtype.
template <typename Op, typename Make>
KernelFactory BinaryFactory(Make make) {
  return [make](const KernelBuildContext& ctx) -> KernelOr {
    if (absl::Status s = CheckArity(ctx, 2, 2); !s.ok()) return s;
    auto shapes = GetBinaryShapes(ctx);
    if (!shapes.ok()) return shapes.status();
    ir::DType dtype = ctx.input_info(0).dtype;
    if (ctx.input_info(1).dtype != dtype) {
      return ctx.Invalid(absl::StrCat("inputs have different dtypes ", ir::DTypeName(dtype),
                                      " and ", ir::DTypeName(ctx.input_info(1).dtype)));
    }
    Op op = make(ctx.node());
    std::unique_ptr<CpuKernel> kernel;
    Dispatch(dtype, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (Op::template kSupports<T>) {
        kernel = std::make_unique<BinaryKernel<T, T, OpOut<Op, T>, Op>>(
            op, shapes->a, shapes->b, shapes->out, Op::kGrain);
      }
    });
    if (!kernel) return UnsupportedDType(ctx, dtype);
    if constexpr (VectorOpOf<Op>::kValue >= 0) {
      if (dtype == ir::DType::kFloat32 && ctx.requested_clamp()) {
        static_cast<BinaryKernel<float, float, float, Op>*>(kernel.get())->FuseClamp(*ctx.requested_clamp());
      }
    }
    return kernel;
  };
}

template <typename Op>
KernelFactory BinaryFactory() {
  return BinaryFactory<Op>([](const ir::Node&) { return Op{}; });
}

// Two-input counterparts of UnaryFnFactory / UnaryFn: the lambda takes (a, b).
template <TypeClass kClass, bool kBool = false, int64_t kG = kCheapGrain, typename Maker>
KernelFactory BinaryFnFactory(Maker maker) {
  using F = decltype(maker(std::declval<const ir::Node&>()));
  using Op = FnOp<kClass, kBool, kG, F>;
  return BinaryFactory<Op>([maker](const ir::Node& n) { return Op{{}, maker(n)}; });
}

template <TypeClass kClass, bool kBool = false, int64_t kG = kCheapGrain, typename F>
KernelFactory BinaryFn(F f) {
  return BinaryFnFactory<kClass, kBool, kG>([f](const ir::Node&) { return f; });
}

}  // namespace tandem::kernels::cpu::elementwise

#endif  // TANDEM_KERNELS_CPU_ELEMENTWISE_COMMON_H_
