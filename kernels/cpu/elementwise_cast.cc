// Vectorisation: GCC 12 does not vectorise loops at -O2, nor if-convert selects whose arms may
// raise FP exceptions or set errno (we read neither). Placed before the includes so the kernel
// templates instantiated in this file are covered.
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#pragma GCC optimize("no-trapping-math", "no-math-errno")

// Cast and CastLike between the numeric dtypes and bool. Conversions:
//  - to bool: value != 0 (NaN is true); from bool: 0 or 1;
//  - float to integer: truncates toward zero, saturating at the type's limits, NaN → 0;
//  - integer to narrower integer: wraps (two's complement), as numpy's astype;
//  - to float16/bfloat16: through float32, rounding to nearest even.
// Casts to or from strings are string_cast.cc's; complex is declined.
#include <cstring>

#include "kernels/cpu/elementwise_common.h"
#include "kernels/cpu/string_cast.h"

namespace tandem::kernels::cpu::elementwise {
namespace {

template <typename TO, typename TI>
TO Convert(TI v) {
  auto w = Arith<TI>::Load(v);  // float for float16/bfloat16, else the value itself
  using W = decltype(w);
  if constexpr (std::is_same_v<TO, bool>) {
    return w != W(0);
  } else if constexpr (std::is_same_v<TO, Float16> || std::is_same_v<TO, BFloat16>) {
    return Arith<TO>::Store(static_cast<float>(w));
  } else if constexpr (kIsInt<TO> && std::is_floating_point_v<W>) {
    return SaturateCast<TO>(w);
  } else {
    return static_cast<TO>(w);
  }
}

template <typename TI, typename TO>
class CastKernel : public CpuKernel {
 public:
  explicit CastKernel(int64_t count) : count_(count) {}
  absl::Status Run(const KernelContext& ctx) override {
    const int64_t counts[] = {count_};
    if (absl::Status s = CheckCounts(ctx, counts, count_); !s.ok()) return s;
    const TI* x = ctx.inputs[0].as<TI>();
    TO* y = ctx.outputs[0].as<TO>();
    ParallelForRange(ctx.threadpool, count_, kCheapGrain, [&](int64_t b, int64_t e) {
      if constexpr (std::is_same_v<TI, TO>) {
        std::memcpy(y + b, x + b, static_cast<size_t>(e - b) * sizeof(TO));
      } else {
        for (int64_t i = b; i < e; ++i) y[i] = Convert<TO>(x[i]);
      }
    });
    return absl::OkStatus();
  }

 private:
  int64_t count_;
};

KernelOr MakeCastTo(const KernelBuildContext& ctx, ir::DType to) {
  auto dims = StaticOutputDims(ctx, 0);
  if (!dims.ok()) return dims.status();
  ir::DType from = ctx.input_info(0).dtype;
  if (ctx.output_info(0).dtype != to) {
    return ctx.Invalid(absl::StrCat("output dtype ", ir::DTypeName(ctx.output_info(0).dtype),
                                    " is not the target ", ir::DTypeName(to)));
  }
  if (from == ir::DType::kString || to == ir::DType::kString) {
    return MakeStringCastKernel(ctx, from, to);
  }
  std::unique_ptr<CpuKernel> kernel;
  Dispatch(from, [&](auto ti) {
    Dispatch(to, [&](auto to_tag) {
      kernel = std::make_unique<CastKernel<decltype(ti), decltype(to_tag)>>(NumElements(*dims));
    });
  });
  if (!kernel) {
    return ctx.Unsupported(absl::StrCat("cast from ", ir::DTypeName(from), " to ",
                                        ir::DTypeName(to), " is not supported"));
  }
  return kernel;
}

KernelOr MakeCast(const KernelBuildContext& ctx) {
  if (absl::Status s = CheckArity(ctx, 1, 1); !s.ok()) return s;
  int64_t to_attr = ctx.node().GetInt("to", -1);
  auto to = ir::DTypeFromInt(to_attr);
  if (!to || *to == ir::DType::kUndefined) {
    return ctx.Invalid(absl::StrCat("attribute 'to' = ", to_attr, " is not a dtype"));
  }
  return MakeCastTo(ctx, *to);
}

KernelOr MakeCastLike(const KernelBuildContext& ctx) {
  if (absl::Status s = CheckArity(ctx, 2, 2); !s.ok()) return s;
  return MakeCastTo(ctx, ctx.input_info(1).dtype);
}

}  // namespace

void RegisterCastKernels(KernelRegistry& r) {
  r.Register("Cast", MakeCast);
  r.Register("CastLike", MakeCastLike);
}

}  // namespace tandem::kernels::cpu::elementwise
