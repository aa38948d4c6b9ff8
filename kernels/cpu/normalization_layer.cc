// LayerNormalization (opset 17) and MeanVarianceNormalization.
//
// Statistics use two passes (mean, then Σ(x - mean)²) with double accumulators rather than
// E[x²] - E[x]², which cancels catastrophically when |mean| >> stddev. The normalised output is
// computed in float (double for float64 inputs); float16/bfloat16 rows are widened first.
#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/reduction_core.h"

namespace tandem::kernels::cpu::reduction {
namespace {

// Expands a parameter of shape `pdims` (unidirectionally broadcastable to `row_dims`) to one
// value per element of a row, in compute type C.
template <typename C>
std::vector<C> ExpandToRow(ir::DType dtype, const void* data, const Dims& pdims, const Dims& row_dims) {
  int64_t pn = 1, n = 1;
  for (int64_t d : pdims) pn *= d;
  for (int64_t d : row_dims) n *= d;
  std::vector<double> p(pn);
  LoadAsDouble(dtype, data, pn, p.data());
  std::vector<C> row(n);
  const size_t lead = row_dims.size() - pdims.size();
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, src = 0, stride = 1;
    for (size_t k = row_dims.size(); k-- > 0;) {
      const int64_t idx = rest % row_dims[k];
      rest /= row_dims[k];
      if (k >= lead && pdims[k - lead] != 1) src += idx * stride;
      if (k >= lead) stride *= pdims[k - lead];
    }
    row[i] = static_cast<C>(p[src]);
  }
  return row;
}

bool BroadcastsTo(const Dims& pdims, const Dims& row_dims) {
  if (pdims.size() > row_dims.size()) return false;
  const size_t lead = row_dims.size() - pdims.size();
  for (size_t k = 0; k < pdims.size(); ++k) {
    if (pdims[k] != 1 && pdims[k] != row_dims[k + lead]) return false;
  }
  return true;
}

class LayerNormKernel : public CpuKernel {
 public:
  LayerNormKernel(ir::DType dtype, int64_t outer, Dims row_dims, float epsilon)
      : dtype_(dtype), outer_(outer), row_dims_(std::move(row_dims)), epsilon_(epsilon) {
    n_ = 1;
    for (int64_t d : row_dims_) n_ *= d;
  }

  absl::Status Run(const KernelContext& ctx) override {
    // An empty row (n = 0) has NaN statistics, as numpy's mean of nothing; Y is then empty too.
    std::vector<double> mean(outer_, NAN), inv_std(outer_, NAN);
    if (n_ > 0) {
      Dispatch(dtype_, [&](auto tag) {
        using Tag = decltype(tag);
        if constexpr (std::is_floating_point_v<Tag> || kIsHalf<Tag>) RunTyped<Tag>(ctx, mean, inv_std);
      });
    }
    for (size_t i = 1; i < 3; ++i) {  // optional Mean and InvStdDev outputs
      if (i >= ctx.outputs.size() || ctx.outputs[i].data == nullptr) continue;
      const std::vector<double>& v = i == 1 ? mean : inv_std;
      for (int64_t r = 0; r < outer_; ++r) StoreFromDouble(ctx.outputs[i].dtype, v[r], ctx.outputs[i].data, r);
    }
    return absl::OkStatus();
  }

 private:
  template <typename Tag>
  void RunTyped(const KernelContext& ctx, std::vector<double>& mean, std::vector<double>& inv_std) {
    using C = FloatCompute<Tag>;
    const TensorView& sv = ctx.inputs[1];
    std::vector<C> scale = ExpandToRow<C>(sv.dtype, sv.data, sv.dims, row_dims_);
    std::vector<C> bias(n_, C{0});
    if (ctx.inputs.size() > 2 && ctx.inputs[2].data != nullptr) {
      bias = ExpandToRow<C>(ctx.inputs[2].dtype, ctx.inputs[2].data, ctx.inputs[2].dims, row_dims_);
    }
    const auto* x = ctx.inputs[0].as<const Storage<Tag>>();
    auto* y = ctx.outputs[0].as<Storage<Tag>>();
    const int64_t n = n_;
    const int64_t grain = std::max<int64_t>(1, kReduceGrainElements / std::max<int64_t>(1, n));
    ParallelForRange(ctx.threadpool, outer_, grain, [&](int64_t begin, int64_t end) {
      std::vector<C> in_buf, out_buf;
      if constexpr (kIsHalf<Tag>) {
        in_buf.resize(n);
        out_buf.resize(n);
      }
      for (int64_t r = begin; r < end; ++r) {
        const C* xr;
        C* yr;
        if constexpr (kIsHalf<Tag>) {
          Widen<Tag>(x + r * n, n, in_buf.data());
          xr = in_buf.data();
          yr = out_buf.data();
        } else {
          xr = x + r * n;
          yr = y + r * n;
        }
        const double m = ReduceContiguous<SumOp, double>(xr, n, 0.0) / n;
        const double var =
            ReduceContiguous<SquaredDeviationSumOp, double>(xr, n, m) / n;
        const double inv = 1.0 / std::sqrt(var + epsilon_);
        mean[r] = m;
        inv_std[r] = inv;
        Normalize(xr, yr, static_cast<C>(m), static_cast<C>(inv), scale.data(), bias.data(), n);
        if constexpr (kIsHalf<Tag>) {
          for (int64_t i = 0; i < n; ++i) y[r * n + i] = Narrow<Tag>(out_buf[i]);
        }
      }
    });
  }

  // y = (x - m) * inv * scale + bias, in blocks of 8 so that it vectorizes.
  template <typename C>
  static void Normalize(const C* __restrict x, C* __restrict y, C m, C inv, const C* scale,
                        const C* bias, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      for (int j = 0; j < 8; ++j) y[i + j] = (x[i + j] - m) * inv * scale[i + j] + bias[i + j];
    }
    for (; i < n; ++i) y[i] = (x[i] - m) * inv * scale[i] + bias[i];
  }

  ir::DType dtype_;
  int64_t outer_;
  Dims row_dims_;
  int64_t n_;
  float epsilon_;
};

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeLayerNorm(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (!IsFloatDType(dtype)) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype), " is not supported"));
  }
  TANDEM_ASSIGN_OR_RETURN(Dims dims, StaticInputDims(ctx, 0));
  const int rank = static_cast<int>(dims.size());
  if (rank == 0) return ctx.Invalid("input must have rank >= 1");
  TANDEM_ASSIGN_OR_RETURN(int axis, NormalizeAxis(ctx, ctx.node().GetInt("axis", -1), rank));
  Dims row_dims(dims.begin() + axis, dims.end());
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) {
      if (i == 1) return ctx.Invalid("Scale is required");
      continue;
    }
    if (!IsFloatDType(ctx.input_info(i).dtype)) return ctx.Invalid("Scale and B must be float");
    TANDEM_ASSIGN_OR_RETURN(Dims pdims, StaticInputDims(ctx, i));
    if (!BroadcastsTo(pdims, row_dims)) {
      return ctx.Invalid(absl::StrCat("input ", i, " does not broadcast to the normalized shape"));
    }
  }
  TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, dims));
  Dims stat_dims = dims;
  int64_t outer = 1;
  for (int i = 0; i < rank; ++i) {
    if (i < axis) outer *= dims[i];
    else stat_dims[i] = 1;
  }
  for (size_t i = 1; i < 3 && i < ctx.num_outputs(); ++i) {
    if (!ctx.node().outputs[i].valid()) continue;
    if (!IsFloatDType(ctx.output_info(i).dtype)) return ctx.Invalid("Mean/InvStdDev must be float");
    TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, i, stat_dims));
  }
  return std::unique_ptr<CpuKernel>(std::make_unique<LayerNormKernel>(
      dtype, outer, row_dims, ctx.node().GetFloat("epsilon", 1e-5f)));
}

// ---- MeanVarianceNormalization: y = (x - mean) / (stddev + 1e-9) over `axes`, as the ONNX
// function body defines it.
class MvnKernel : public CpuKernel {
 public:
  MvnKernel(ir::DType dtype, ReduceGeometry g) : dtype_(dtype), g_(std::move(g)) {}

  absl::Status Run(const KernelContext& ctx) override {
    if (g_.empty_input) return absl::OkStatus();
    Dispatch(dtype_, [&](auto tag) {
      using Tag = decltype(tag);
      if constexpr (std::is_floating_point_v<Tag> || kIsHalf<Tag>) RunTyped<Tag>(ctx);
    });
    return absl::OkStatus();
  }

 private:
  template <typename Tag>
  void RunTyped(const KernelContext& ctx) {
    const auto* x = ctx.inputs[0].as<const Storage<Tag>>();
    auto* y = ctx.outputs[0].as<Storage<Tag>>();
    std::vector<double> mean(g_.num_outputs), scale(g_.num_outputs);
    ReduceInto<Tag, SumOp, double>(g_, x, mean.data(), nullptr, ctx.threadpool);
    for (double& m : mean) m /= static_cast<double>(g_.reduce_count);
    ReduceInto<Tag, SquaredDeviationSumOp, double>(g_, x, scale.data(), mean.data(),
                                                                   ctx.threadpool);
    for (double& s : scale) s = 1.0 / (std::sqrt(s / static_cast<double>(g_.reduce_count)) + 1e-9);
    const int64_t inner = g_.inner;
    const bool per_column = !g_.inner_reduced;
    const int64_t grain = std::max<int64_t>(1, kReduceGrainElements / std::max<int64_t>(1, g_.reduce_count));
    ParallelForRange(ctx.threadpool, g_.outer, grain, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t o = per_column ? p * inner : p;
        ForEachRow(g_, p, 0, g_.red_rows, [&](int64_t off) {
          for (int64_t i = 0; i < inner; ++i) {
            const int64_t k = per_column ? o + i : o;
            double v;
            if constexpr (kIsHalf<Tag>) v = ToFloat(Tag{x[off + i]});
            else v = x[off + i];
            y[off + i] = Narrow<Tag>((v - mean[k]) * scale[k]);
          }
        });
      }
    });
  }

  ir::DType dtype_;
  ReduceGeometry g_;
};

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeMvn(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (!IsFloatDType(dtype)) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype), " is not supported"));
  }
  TANDEM_ASSIGN_OR_RETURN(Dims dims, StaticInputDims(ctx, 0));
  TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, dims));
  const int rank = static_cast<int>(dims.size());
  std::vector<bool> mask(rank, false);
  for (int64_t a : ctx.node().GetInts("axes", {0, 2, 3})) {
    TANDEM_ASSIGN_OR_RETURN(int k, NormalizeAxis(ctx, a, rank));
    if (mask[k]) return ctx.Invalid(absl::StrCat("axis ", a, " is repeated"));
    mask[k] = true;
  }
  return std::unique_ptr<CpuKernel>(std::make_unique<MvnKernel>(dtype, MakeReduceGeometry(dims, mask)));
}

}  // namespace

void RegisterLayerNormKernels(KernelRegistry& r) {
  r.Register("LayerNormalization", MakeLayerNorm);
  r.Register("MeanVarianceNormalization", MakeMvn);
}

}  // namespace tandem::kernels::cpu::reduction
