// ArgMax and ArgMin (keepdims, select_last_index) over one axis, giving int64 indices.
//
// NaN counts as the extreme value, as numpy's argmax/argmin (the ONNX reference) do: the first
// NaN wins, or the last one with select_last_index. Ties go to the first index, or the last
// with select_last_index.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/reduction_core.h"

namespace tandem::kernels::cpu::reduction {
namespace {

template <typename C>
bool IsNanValue(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

// Whether v replaces the current best.
template <bool kMax, bool kLast, typename C>
inline bool Better(C v, C best) {
  if constexpr (kLast) {
    return (kMax ? v >= best : v <= best) || IsNanValue(v);
  } else {
    return (kMax ? v > best : v < best) || (IsNanValue(v) && !IsNanValue(best));
  }
}

struct ArgGeometry {
  int64_t outer, n, inner;
};

// Columns handled together when the axis is not innermost; their bests stay in registers/L1.
constexpr int64_t kArgColumns = 256;

// Axis innermost: a vectorized max (or min) pass, then a scan for its first (or last)
// occurrence, which is cheaper than a compare-and-branch per element.
template <typename Tag, bool kMax, bool kLast>
void ArgRows(const ArgGeometry& g, const Tag* x, int64_t* y, pthreadpool_t pool) {
  const int64_t grain = std::max<int64_t>(1, kReduceGrainElements / g.n);
  ParallelForRange(pool, g.outer, grain, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      const Tag* row = x + o * g.n;
      using Ext = std::conditional_t<kMax, MaxOp, MinOp>;
      const Tag ext = ReduceContiguous<Ext, Tag>(row, g.n, Tag{});
      const bool nan = IsNanValue(ext);  // MaxOp/MinOp propagate NaN: find the NaN
      auto hit = [&](int64_t i) { return nan ? IsNanValue(row[i]) : row[i] == ext; };
      int64_t idx = 0;
      if constexpr (kLast) {
        for (idx = g.n - 1; idx > 0 && !hit(idx); --idx) {}
      } else {
        while (idx < g.n - 1 && !hit(idx)) ++idx;
      }
      y[o] = idx;
    }
  });
}

template <typename Tag, bool kMax, bool kLast>
void ArgTyped(const ArgGeometry& g, const void* in, int64_t* y, pthreadpool_t pool) {
  using C = std::conditional_t<kIsHalf<Tag>, float, Tag>;
  const auto* x = static_cast<const Storage<Tag>*>(in);
  auto load = [&](int64_t i) -> C {
    if constexpr (kIsHalf<Tag>) {
      return ToFloat(Tag{x[i]});
    } else {
      return x[i];
    }
  };
  if constexpr (!kIsHalf<Tag>) {
    if (g.inner == 1) return ArgRows<Tag, kMax, kLast>(g, x, y, pool);
  }
  const int64_t blocks = (g.inner + kArgColumns - 1) / kArgColumns;
  const int64_t task_elems = g.n * std::min(g.inner, kArgColumns);
  const int64_t grain = std::max<int64_t>(1, kReduceGrainElements / std::max<int64_t>(1, task_elems));
  ParallelForRange(pool, g.outer * blocks, grain, [&](int64_t begin, int64_t end) {
    C best[kArgColumns];
    int64_t idx[kArgColumns];
    for (int64_t t = begin; t < end; ++t) {
      const int64_t o = t / blocks, c0 = (t % blocks) * kArgColumns;
      const int64_t w = std::min(kArgColumns, g.inner - c0);
      const int64_t base = o * g.n * g.inner + c0;
      for (int64_t j = 0; j < w; ++j) {
        best[j] = load(base + j);
        idx[j] = 0;
      }
      for (int64_t k = 1; k < g.n; ++k) {
        const int64_t row = base + k * g.inner;
        for (int64_t j = 0; j < w; ++j) {
          C v = load(row + j);
          if (Better<kMax, kLast>(v, best[j])) {
            best[j] = v;
            idx[j] = k;
          }
        }
      }
      std::copy(idx, idx + w, y + o * g.inner + c0);
    }
  });
}

class ArgKernel : public CpuKernel {
 public:
  ArgKernel(ir::DType dtype, ArgGeometry g, bool is_max, bool last)
      : dtype_(dtype), g_(g), is_max_(is_max), last_(last) {}

  absl::Status Run(const KernelContext& ctx) override {
    const void* x = ctx.inputs[0].data;
    auto* y = ctx.outputs[0].as<int64_t>();
    Dispatch(dtype_, [&](auto tag) {
      using Tag = decltype(tag);
      if (is_max_) {
        last_ ? ArgTyped<Tag, true, true>(g_, x, y, ctx.threadpool)
              : ArgTyped<Tag, true, false>(g_, x, y, ctx.threadpool);
      } else {
        last_ ? ArgTyped<Tag, false, true>(g_, x, y, ctx.threadpool)
              : ArgTyped<Tag, false, false>(g_, x, y, ctx.threadpool);
      }
    });
    return absl::OkStatus();
  }

 private:
  ir::DType dtype_;
  ArgGeometry g_;
  bool is_max_, last_;
};

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeArg(bool is_max, const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (!Dispatch(dtype, [](auto) {})) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype), " is not supported"));
  }
  if (ctx.output_info(0).dtype != ir::DType::kInt64) return ctx.Invalid("output must be int64");
  TANDEM_ASSIGN_OR_RETURN(Dims dims, StaticInputDims(ctx, 0));
  const int rank = static_cast<int>(dims.size());
  if (rank == 0) return ctx.Invalid("input must have rank >= 1");
  TANDEM_ASSIGN_OR_RETURN(int axis, NormalizeAxis(ctx, ctx.node().GetInt("axis", 0), rank));
  if (dims[axis] == 0) return ctx.Invalid("the reduced axis is empty");
  ArgGeometry g{1, dims[axis], 1};
  for (int i = 0; i < axis; ++i) g.outer *= dims[i];
  for (int i = axis + 1; i < rank; ++i) g.inner *= dims[i];
  Dims out = dims;
  if (ctx.node().GetInt("keepdims", 1) != 0) {
    out[axis] = 1;
  } else {
    out.erase(out.begin() + axis);
  }
  TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, out));
  return std::unique_ptr<CpuKernel>(std::make_unique<ArgKernel>(
      dtype, g, is_max, ctx.node().GetInt("select_last_index", 0) != 0));
}

}  // namespace

void RegisterArgReduceKernels(KernelRegistry& r) {
  r.Register("ArgMax", [](const KernelBuildContext& ctx) { return MakeArg(true, ctx); });
  r.Register("ArgMin", [](const KernelBuildContext& ctx) { return MakeArg(false, ctx); });
}

}  // namespace tandem::kernels::cpu::reduction
