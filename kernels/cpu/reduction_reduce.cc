// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum,
// ReduceLogSumExp, ReduceSumSquare (newest-opset form: axes are input 1).
//
// Accumulator types (Acc below), chosen per op and dtype:
//  - sums and products of float16/bfloat16/float32 accumulate in double, so the error of
//    ReduceSum/ReduceMean does not grow with the axis length (a float accumulator drifts by up to
//    n·eps: ~1e-3 relative for a million-element mean). A contiguous float32 sum runs in float
//    SIMD lanes over blocks of 128 elements whose totals go to double (reduction_core.h): float
//    speed, error bounded by ~16 eps·Σ|x| like numpy's pairwise sum. Outer-axis sums add rows
//    into a double row, which the compiler vectorizes as well.
//  - max/min accumulate in the (widened) element type; they never round.
//  - integers sum and multiply in 64 bits with wrap-around, like the ONNX integer types;
//    L2, LogSum and LogSumExp of integers compute in double and saturate when narrowed.
// Empty reductions follow ONNX/numpy: Sum/L1/L2/SumSquare = 0, Prod = 1, Max = -inf (lowest
// integer), Min = +inf, Mean = NaN (0 for integers), LogSum/LogSumExp = -inf.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "kernels/cpu/reduction_core.h"

namespace tandem::kernels::cpu::reduction {
namespace {

enum class Kind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

constexpr bool IsMaxMin(Kind k) { return k == Kind::kMax || k == Kind::kMin; }
constexpr bool NeedsDouble(Kind k) { return k == Kind::kL2 || k == Kind::kLogSum || k == Kind::kLogSumExp; }

// Accumulator type of `kind` for dispatch tag Tag (see the file comment).
template <typename Tag, Kind K>
struct AccOf {
  using type = std::conditional_t<
      IsMaxMin(K),
      std::conditional_t<kIsHalf<Tag>, float, std::conditional_t<std::is_same_v<Tag, bool>, uint8_t, Tag>>,
      std::conditional_t<NeedsDouble(K) || kIsHalf<Tag> || std::is_floating_point_v<Tag>, double,
                         std::conditional_t<std::is_signed_v<Tag>, int64_t, uint64_t>>>;
};

// The final value of one output from its accumulator; `count` elements were reduced.
template <Kind K, typename A>
A Finalize(A acc, int64_t count, A shift) {
  if constexpr (K == Kind::kMean) {
    if constexpr (std::is_integral_v<A>) {
      return count == 0 ? A{0} : static_cast<A>(acc / static_cast<A>(count));
    } else {
      return acc / static_cast<A>(count);  // 0/0 = NaN for an empty mean, as numpy
    }
  } else if constexpr (K == Kind::kL2) {
    return std::sqrt(acc);
  } else if constexpr (K == Kind::kLogSum) {
    return std::log(acc);
  } else if constexpr (K == Kind::kLogSumExp) {
    return std::isfinite(shift) ? std::log(acc) + shift : shift;  // max of ±inf/NaN is the answer
  } else {
    return acc;
  }
}

template <Kind K> struct OpOf { using type = SumOp; };
template <> struct OpOf<Kind::kMax> { using type = MaxOp; };
template <> struct OpOf<Kind::kMin> { using type = MinOp; };
template <> struct OpOf<Kind::kProd> { using type = ProdOp; };
template <> struct OpOf<Kind::kL1> { using type = AbsSumOp; };
template <> struct OpOf<Kind::kL2> { using type = SquareSumOp; };
template <> struct OpOf<Kind::kSumSquare> { using type = SquareSumOp; };
template <> struct OpOf<Kind::kLogSumExp> { using type = ExpSumOp; };

template <typename Tag, Kind K>
void ReduceTyped(const ReduceGeometry& g, const void* in, void* out, pthreadpool_t pool) {
  using A = typename AccOf<Tag, K>::type;
  const auto* x = static_cast<const Storage<Tag>*>(in);
  std::vector<A> acc(g.num_outputs), shift;
  if constexpr (K == Kind::kLogSumExp) {  // pass 1: the max, so that exp never overflows
    shift.resize(g.num_outputs);
    ReduceInto<Tag, MaxOp, A>(g, x, shift.data(), nullptr, pool);
    std::vector<A> finite_shift(shift);
    for (A& s : finite_shift) s = std::isfinite(s) ? s : A{0};
    ReduceInto<Tag, ExpSumOp, A>(g, x, acc.data(), finite_shift.data(), pool);
  } else {
    ReduceInto<Tag, typename OpOf<K>::type, A>(g, x, acc.data(), nullptr, pool);
  }
  auto* y = static_cast<Storage<Tag>*>(out);
  for (int64_t o = 0; o < g.num_outputs; ++o) {
    y[o] = Narrow<Tag>(Finalize<K, A>(acc[o], g.reduce_count, shift.empty() ? A{0} : shift[o]));
  }
}

// Calls ReduceTyped<Tag, kind>; false when the dtype is not supported for the op.
template <typename Tag>
bool ReduceDispatchKind(Kind kind, const ReduceGeometry& g, const void* in, void* out,
                        pthreadpool_t pool) {
  if constexpr (std::is_same_v<Tag, bool>) {
    if (kind == Kind::kMax) { ReduceTyped<Tag, Kind::kMax>(g, in, out, pool); return true; }
    if (kind == Kind::kMin) { ReduceTyped<Tag, Kind::kMin>(g, in, out, pool); return true; }
    return false;
  } else {
    switch (kind) {
      case Kind::kSum: ReduceTyped<Tag, Kind::kSum>(g, in, out, pool); break;
      case Kind::kMean: ReduceTyped<Tag, Kind::kMean>(g, in, out, pool); break;
      case Kind::kMax: ReduceTyped<Tag, Kind::kMax>(g, in, out, pool); break;
      case Kind::kMin: ReduceTyped<Tag, Kind::kMin>(g, in, out, pool); break;
      case Kind::kProd: ReduceTyped<Tag, Kind::kProd>(g, in, out, pool); break;
      case Kind::kL1: ReduceTyped<Tag, Kind::kL1>(g, in, out, pool); break;
      case Kind::kL2: ReduceTyped<Tag, Kind::kL2>(g, in, out, pool); break;
      case Kind::kLogSum: ReduceTyped<Tag, Kind::kLogSum>(g, in, out, pool); break;
      case Kind::kLogSumExp: ReduceTyped<Tag, Kind::kLogSumExp>(g, in, out, pool); break;
      case Kind::kSumSquare: ReduceTyped<Tag, Kind::kSumSquare>(g, in, out, pool); break;
    }
    return true;
  }
}

// Which axes an axes list reduces (nullopt mask = "no reduction": noop_with_empty_axes).
// Errors are plain messages; callers wrap them for build or run time.
absl::StatusOr<std::vector<bool>> AxesMask(const std::vector<int64_t>& axes, int rank,
                                           bool noop_with_empty_axes, bool* identity) {
  *identity = axes.empty() && noop_with_empty_axes;
  std::vector<bool> mask(rank, axes.empty() && !noop_with_empty_axes);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) {
      return absl::InvalidArgumentError(absl::StrCat("axis ", a, " is out of range for rank ", rank));
    }
    int64_t k = a < 0 ? a + rank : a;
    if (mask[k]) return absl::InvalidArgumentError(absl::StrCat("axis ", a, " is repeated"));
    mask[k] = true;
  }
  return mask;
}

Dims ReducedDims(const Dims& in, const std::vector<bool>& mask, bool keepdims) {
  Dims out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!mask[i]) out.push_back(in[i]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

std::vector<int64_t> AxesFromTensor(ir::DType dtype, const void* data, int64_t n) {
  std::vector<int64_t> axes(n);
  for (int64_t i = 0; i < n; ++i) {
    axes[i] = dtype == ir::DType::kInt32 ? static_cast<const int32_t*>(data)[i]
                                         : static_cast<const int64_t*>(data)[i];
  }
  return axes;
}

class ReduceKernel : public CpuKernel {
 public:
  ReduceKernel(Kind kind, ir::DType dtype, Dims in_dims, bool keepdims, bool noop)
      : kind_(kind), dtype_(dtype), in_dims_(std::move(in_dims)), keepdims_(keepdims), noop_(noop) {}

  // Fixes the axes at build time (constant or absent axes input).
  absl::Status SetAxes(const std::vector<int64_t>& axes) {
    TANDEM_ASSIGN_OR_RETURN(mask_, AxesMask(axes, static_cast<int>(in_dims_.size()), noop_, &identity_));
    geometry_ = MakeReduceGeometry(in_dims_, mask_);
    axes_fixed_ = true;
    return absl::OkStatus();
  }
  Dims OutputDims() const { return identity_ ? in_dims_ : ReducedDims(in_dims_, mask_, keepdims_); }

  absl::Status Run(const KernelContext& ctx) override {
    const TensorView& in = ctx.inputs[0];
    TensorView& out = ctx.outputs[0];
    ReduceGeometry runtime_geometry;
    const ReduceGeometry* g = &geometry_;
    bool identity = identity_;
    if (!axes_fixed_) {  // axes fed at run time (ReduceSum-13 allows it)
      const TensorView& axes = ctx.inputs[1];
      TANDEM_ASSIGN_OR_RETURN(
          std::vector<bool> mask,
          AxesMask(AxesFromTensor(axes.dtype, axes.data, axes.num_elements()),
                   static_cast<int>(in_dims_.size()), noop_, &identity));
      Dims want = identity ? in_dims_ : ReducedDims(in_dims_, mask, keepdims_);
      if (want != out.dims) {
        return absl::InvalidArgumentError(absl::StrCat(
            "axes give output shape [", absl::StrJoin(want, ","), "] but the model declares [",
            absl::StrJoin(out.dims, ","), "]"));
      }
      runtime_geometry = MakeReduceGeometry(in_dims_, mask);
      g = &runtime_geometry;
    }
    if (identity) {  // noop_with_empty_axes and no axes: the input unchanged
      if (in.byte_size() > 0) std::memcpy(out.data, in.data, in.byte_size());
      return absl::OkStatus();
    }
    Dispatch(dtype_, [&](auto tag) {
      ReduceDispatchKind<decltype(tag)>(kind_, *g, in.data, out.data, ctx.threadpool);
    });
    return absl::OkStatus();
  }

 private:
  Kind kind_;
  ir::DType dtype_;
  Dims in_dims_;
  bool keepdims_, noop_;
  bool axes_fixed_ = false, identity_ = false;
  std::vector<bool> mask_;
  ReduceGeometry geometry_;
};

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeReduce(Kind kind, const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (dtype == ir::DType::kBool ? !IsMaxMin(kind) : !Dispatch(dtype, [](auto) {})) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype), " is not supported"));
  }
  if (ctx.output_info(0).dtype != dtype) return ctx.Invalid("output dtype differs from the input's");
  TANDEM_ASSIGN_OR_RETURN(Dims in_dims, StaticInputDims(ctx, 0));
  const ir::Node& node = ctx.node();
  auto kernel = std::make_unique<ReduceKernel>(kind, dtype, in_dims, node.GetInt("keepdims", 1) != 0,
                                               node.GetInt("noop_with_empty_axes", 0) != 0);
  if (ctx.has_input(1)) {
    ir::DType at = ctx.input_info(1).dtype;
    if (at != ir::DType::kInt64 && at != ir::DType::kInt32) return ctx.Invalid("axes must be int64");
  }
  const ir::Tensor* axes = ctx.constant_input(1);
  if (!ctx.has_input(1) || axes != nullptr) {
    std::vector<int64_t> list;
    if (axes) list = AxesFromTensor(axes->dtype, axes->data.data(), axes->num_elements());
    absl::Status s = kernel->SetAxes(list);
    if (!s.ok()) return ctx.Invalid(std::string(s.message()));
    TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, kernel->OutputDims()));
  } else {
    TANDEM_RETURN_IF_ERROR(StaticOutputDims(ctx, 0).status());
  }
  return std::unique_ptr<CpuKernel>(std::move(kernel));
}

}  // namespace

void RegisterReduceKernels(KernelRegistry& r) {
  const std::pair<const char*, Kind> ops[] = {
      {"ReduceSum", Kind::kSum},       {"ReduceMean", Kind::kMean},
      {"ReduceMax", Kind::kMax},       {"ReduceMin", Kind::kMin},
      {"ReduceProd", Kind::kProd},     {"ReduceL1", Kind::kL1},
      {"ReduceL2", Kind::kL2},         {"ReduceLogSum", Kind::kLogSum},
      {"ReduceLogSumExp", Kind::kLogSumExp}, {"ReduceSumSquare", Kind::kSumSquare},
  };
  for (const auto& [name, kind] : ops) {
    Kind k = kind;
    r.Register(name, [k](const KernelBuildContext& ctx) { return MakeReduce(k, ctx); });
  }
}

}  // namespace tandem::kernels::cpu::reduction
