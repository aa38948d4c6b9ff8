// BatchNormalization (inference, and training_mode=1 with batch statistics), InstanceNormalization
// and LRN: per-channel normalizations of an [N, C, D1, ...] tensor.
//
// The work unit is one (n, c) plane of S = D1*D2*... contiguous elements. Statistics accumulate in
// double with two passes; outputs are computed in float (double for float64 inputs).
#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/reduction_core.h"
#include "kernels/cpu/vector_f32.h"

namespace tandem::kernels::cpu::reduction {
namespace {

struct Planes {
  int64_t n, c, s;  // batch, channels, elements per plane
};

// y = x * a + b over one plane, in blocks of 8 so that it vectorizes.
template <typename Tag, typename C>
void AffinePlane(const Storage<Tag>* __restrict x, Storage<Tag>* __restrict y, int64_t s, C a, C b) {
  if constexpr (kIsHalf<Tag>) {
    for (int64_t i = 0; i < s; ++i) y[i] = Narrow<Tag>(ToFloat(Tag{x[i]}) * a + b);
  } else {
    int64_t i = 0;
    for (; i + 8 <= s; i += 8) {
      for (int j = 0; j < 8; ++j) y[i + j] = x[i + j] * a + b;
    }
    for (; i < s; ++i) y[i] = x[i] * a + b;
  }
}

// Mean and population variance of n contiguous elements (two passes, double).
template <typename Tag>
void PlaneMoments(const Storage<Tag>* x, int64_t n, double* mean, double* var) {
  using Rows = RowOps<Tag, SumOp, double>;
  using DevRows = RowOps<Tag, SquaredDeviationSumOp, double>;
  *mean = n == 0 ? 0.0 : Rows::Reduce(x, n, 0.0) / n;
  *var = n == 0 ? 0.0 : DevRows::Reduce(x, n, *mean) / n;
}

absl::StatusOr<Planes> PlanesOf(const KernelBuildContext& ctx, const Dims& dims) {
  if (dims.size() < 2) return ctx.Invalid("input must be [N, C, ...]");
  Planes p{dims[0], dims[1], 1};
  for (size_t i = 2; i < dims.size(); ++i) p.s *= dims[i];
  return p;
}

// Checks that inputs [first, last] are float vectors of C elements.
absl::Status CheckChannelParams(const KernelBuildContext& ctx, size_t first, size_t last, int64_t c) {
  for (size_t i = first; i <= last; ++i) {
    if (!ctx.has_input(i)) return ctx.Invalid(absl::StrCat("input ", i, " is required"));
    if (!IsFloatDType(ctx.input_info(i).dtype)) return ctx.Invalid(absl::StrCat("input ", i, " must be float"));
    TANDEM_ASSIGN_OR_RETURN(Dims d, StaticInputDims(ctx, i));
    if (d.size() != 1 || d[0] != c) return ctx.Invalid(absl::StrCat("input ", i, " must have shape [", c, "]"));
  }
  return absl::OkStatus();
}

std::vector<double> ChannelParam(const TensorView& v, int64_t c) {
  std::vector<double> out(c);
  LoadAsDouble(v.dtype, v.data, c, out.data());
  return out;
}

template <typename Fn>
void DispatchFloat(ir::DType dtype, Fn&& fn) {
  Dispatch(dtype, [&](auto tag) {
    using Tag = decltype(tag);
    if constexpr (std::is_floating_point_v<Tag> || kIsHalf<Tag>) fn(tag);
  });
}

// ---- BatchNormalization
class BatchNormKernel : public CpuKernel {
 public:
  BatchNormKernel(ir::DType dtype, Planes p, double epsilon, double momentum, bool training, size_t rank)
      : dtype_(dtype), p_(p), epsilon_(epsilon), momentum_(momentum), training_(training), rank_(rank) {}

  // Inference on float32 [N, C, H, W] also runs channels-last (the parameters are [C] vectors,
  // which the layout pass passes through unchanged), so that DenseNet's Concat → BN → Relu → Conv
  // chains stay NHWC between XNNPACK convolutions.
  ChannelsLast channels_last_support() const override {
    return !training_ && dtype_ == ir::DType::kFloat32 && rank_ == 4 ? ChannelsLast::kAllInputs : ChannelsLast::kNo;
  }
  void SetChannelsLast(bool input0, bool output0) override { channels_last_ = input0 && output0; }

  absl::Status Run(const KernelContext& ctx) override {
    const int64_t c = p_.c;
    std::vector<double> scale = ChannelParam(ctx.inputs[1], c), bias = ChannelParam(ctx.inputs[2], c);
    std::vector<double> mean = ChannelParam(ctx.inputs[3], c), var = ChannelParam(ctx.inputs[4], c);
    if (channels_last_) return RunChannelsLast(ctx, scale, bias, mean, var);
    DispatchFloat(dtype_, [&](auto tag) {
      using Tag = decltype(tag);
      using C = FloatCompute<Tag>;
      const auto* x = ctx.inputs[0].as<const Storage<Tag>>();
      auto* y = ctx.outputs[0].as<Storage<Tag>>();
      if (training_) TrainingStats<Tag>(x, ctx, mean, var);
      std::vector<C> a(c), b(c);
      for (int64_t k = 0; k < c; ++k) {
        const double inv = scale[k] / std::sqrt(var[k] + epsilon_);
        a[k] = static_cast<C>(inv);
        b[k] = static_cast<C>(bias[k] - mean[k] * inv);
      }
      const int64_t grain = std::max<int64_t>(1, kReduceGrainElements / std::max<int64_t>(1, p_.s));
      ParallelForRange(ctx.threadpool, p_.n * c, grain, [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) AffinePlane<Tag>(x + t * p_.s, y + t * p_.s, p_.s, a[t % c], b[t % c]);
      });
    });
    return absl::OkStatus();
  }

 private:
  // Batch mean/variance per channel over N and the spatial dims; writes the optional
  // running_mean/running_var outputs and replaces mean/var with the batch statistics.
  template <typename Tag>
  void TrainingStats(const Storage<Tag>* x, const KernelContext& ctx, std::vector<double>& mean,
                     std::vector<double>& var) {
    std::vector<double> bmean(p_.c), bvar(p_.c);
    const double count = static_cast<double>(p_.n * p_.s);
    ParallelFor(ctx.threadpool, p_.c, [&](int64_t k) {
      using Sum = RowOps<Tag, SumOp, double>;
      using Dev = RowOps<Tag, SquaredDeviationSumOp, double>;
      double s = 0, d = 0;
      for (int64_t n = 0; n < p_.n; ++n) s += Sum::Reduce(x + (n * p_.c + k) * p_.s, p_.s, 0.0);
      bmean[k] = count > 0 ? s / count : 0.0;
      for (int64_t n = 0; n < p_.n; ++n) d += Dev::Reduce(x + (n * p_.c + k) * p_.s, p_.s, bmean[k]);
      bvar[k] = count > 0 ? d / count : 0.0;
    });
    for (size_t i = 1; i < 3 && i < ctx.outputs.size(); ++i) {
      const TensorView& out = ctx.outputs[i];
      if (out.data == nullptr) continue;
      const std::vector<double>& running = i == 1 ? mean : var;
      const std::vector<double>& batch = i == 1 ? bmean : bvar;
      for (int64_t k = 0; k < p_.c; ++k) {
        StoreFromDouble(out.dtype, running[k] * momentum_ + batch[k] * (1.0 - momentum_), out.data, k);
      }
    }
    mean = std::move(bmean);
    var = std::move(bvar);
  }

  absl::Status RunChannelsLast(const KernelContext& ctx, const std::vector<double>& scale,
                               const std::vector<double>& bias, const std::vector<double>& mean,
                               const std::vector<double>& var) {
    const int64_t c = p_.c;
    CacheLineVector<float> a(c), b(c);  // read 64 bytes at a time by channel_affine
    for (int64_t k = 0; k < c; ++k) {
      const double inv = scale[k] / std::sqrt(var[k] + epsilon_);
      a[k] = static_cast<float>(inv);
      b[k] = static_cast<float>(bias[k] - mean[k] * inv);
    }
    const float* x = ctx.inputs[0].as<const float>();
    float* y = ctx.outputs[0].as<float>();
    const auto affine = VectorF32().channel_affine;
    const int64_t grain = std::max<int64_t>(1, kReduceGrainElements / std::max<int64_t>(1, c));
    ParallelForRange(ctx.threadpool, p_.n * p_.s, grain, [&](int64_t begin, int64_t end) {
      affine(x + begin * c, y + begin * c, end - begin, c, a.data(), b.data());
    });
    return absl::OkStatus();
  }

  ir::DType dtype_;
  Planes p_;
  double epsilon_, momentum_;
  bool training_;
  size_t rank_;
  bool channels_last_ = false;
};

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeBatchNorm(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (!IsFloatDType(dtype)) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype), " is not supported"));
  }
  TANDEM_ASSIGN_OR_RETURN(Dims dims, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Planes p, PlanesOf(ctx, dims));
  TANDEM_RETURN_IF_ERROR(CheckChannelParams(ctx, 1, 4, p.c));
  TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, dims));
  const bool training = ctx.node().GetInt("training_mode", 0) != 0;
  for (size_t i = 1; i < ctx.num_outputs(); ++i) {
    if (!ctx.node().outputs[i].valid()) continue;
    if (!training || i > 2) return ctx.Unsupported("extra outputs need training_mode=1 (at most 3 outputs)");
    if (!IsFloatDType(ctx.output_info(i).dtype)) return ctx.Invalid("running statistics must be float");
    TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, i, Dims{p.c}));
  }
  return std::unique_ptr<CpuKernel>(std::make_unique<BatchNormKernel>(
      dtype, p, ctx.node().GetFloat("epsilon", 1e-5f), ctx.node().GetFloat("momentum", 0.9f), training, dims.size()));
}

// ---- InstanceNormalization: per (n, c) plane, y = scale[c] * (x - mean) / sqrt(var + eps) + B[c].
class InstanceNormKernel : public CpuKernel {
 public:
  InstanceNormKernel(ir::DType dtype, Planes p, double epsilon) : dtype_(dtype), p_(p), epsilon_(epsilon) {}

  absl::Status Run(const KernelContext& ctx) override {
    std::vector<double> scale = ChannelParam(ctx.inputs[1], p_.c), bias = ChannelParam(ctx.inputs[2], p_.c);
    DispatchFloat(dtype_, [&](auto tag) {
      using Tag = decltype(tag);
      using C = FloatCompute<Tag>;
      const auto* x = ctx.inputs[0].as<const Storage<Tag>>();
      auto* y = ctx.outputs[0].as<Storage<Tag>>();
      const int64_t grain = std::max<int64_t>(1, kReduceGrainElements / std::max<int64_t>(1, p_.s));
      ParallelForRange(ctx.threadpool, p_.n * p_.c, grain, [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
          double mean, var;
          PlaneMoments<Tag>(x + t * p_.s, p_.s, &mean, &var);
          const double a = scale[t % p_.c] / std::sqrt(var + epsilon_);
          AffinePlane<Tag>(x + t * p_.s, y + t * p_.s, p_.s, static_cast<C>(a),
                           static_cast<C>(bias[t % p_.c] - mean * a));
        }
      });
    });
    return absl::OkStatus();
  }

 private:
  ir::DType dtype_;
  Planes p_;
  double epsilon_;
};

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeInstanceNorm(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (!IsFloatDType(dtype)) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype), " is not supported"));
  }
  TANDEM_ASSIGN_OR_RETURN(Dims dims, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Planes p, PlanesOf(ctx, dims));
  TANDEM_RETURN_IF_ERROR(CheckChannelParams(ctx, 1, 2, p.c));
  TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, dims));
  return std::unique_ptr<CpuKernel>(
      std::make_unique<InstanceNormKernel>(dtype, p, ctx.node().GetFloat("epsilon", 1e-5f)));
}

// ---- LRN: y = x / (bias + alpha / size * Σ_window x²)^beta, the window spanning channels
// [c - floor((size-1)/2), c + ceil((size-1)/2)] clipped to [0, C).
class LrnKernel : public CpuKernel {
 public:
  LrnKernel(ir::DType dtype, Planes p, int64_t size, double alpha, double beta, double bias)
      : dtype_(dtype), p_(p), size_(size), alpha_(alpha), beta_(beta), bias_(bias) {}

  absl::Status Run(const KernelContext& ctx) override {
    DispatchFloat(dtype_, [&](auto tag) { RunTyped<decltype(tag)>(ctx); });
    return absl::OkStatus();
  }

 private:
  template <typename Tag>
  void RunTyped(const KernelContext& ctx) {
    using C = FloatCompute<Tag>;
    const auto* x = ctx.inputs[0].as<const Storage<Tag>>();
    auto* y = ctx.outputs[0].as<Storage<Tag>>();
    auto load = [&](int64_t i) -> C {
      if constexpr (kIsHalf<Tag>) return ToFloat(Tag{x[i]});
      else return x[i];
    };
    const int64_t before = (size_ - 1) / 2, after = size_ - 1 - before;
    const C scale = static_cast<C>(alpha_ / size_), bias = static_cast<C>(bias_);
    const C neg_beta = static_cast<C>(-beta_);
    const int64_t grain = std::max<int64_t>(1, kReduceGrainElements / std::max<int64_t>(1, p_.s * size_));
    ParallelForRange(ctx.threadpool, p_.n * p_.c, grain, [&](int64_t begin, int64_t end) {
      std::vector<C> sq(p_.s);
      for (int64_t t = begin; t < end; ++t) {
        const int64_t n = t / p_.c, c = t % p_.c;
        std::fill(sq.begin(), sq.end(), C{0});
        for (int64_t k = std::max<int64_t>(0, c - before); k <= std::min(p_.c - 1, c + after); ++k) {
          const int64_t base = (n * p_.c + k) * p_.s;
          for (int64_t i = 0; i < p_.s; ++i) {
            const C v = load(base + i);
            sq[i] += v * v;
          }
        }
        for (int64_t i = 0; i < p_.s; ++i) {
          y[t * p_.s + i] = Narrow<Tag>(load(t * p_.s + i) * std::pow(bias + scale * sq[i], neg_beta));
        }
      }
    });
  }

  ir::DType dtype_;
  Planes p_;
  int64_t size_;
  double alpha_, beta_, bias_;
};

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeLrn(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (!IsFloatDType(dtype)) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype), " is not supported"));
  }
  TANDEM_ASSIGN_OR_RETURN(Dims dims, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Planes p, PlanesOf(ctx, dims));
  TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, dims));
  const ir::Node& node = ctx.node();
  const int64_t size = node.GetInt("size", 0);
  if (size < 1) return ctx.Invalid("size must be >= 1");
  return std::unique_ptr<CpuKernel>(std::make_unique<LrnKernel>(
      dtype, p, size, node.GetFloat("alpha", 1e-4f), node.GetFloat("beta", 0.75f), node.GetFloat("bias", 1.0f)));
}

}  // namespace

void RegisterBatchNormKernels(KernelRegistry& r) {
  r.Register("BatchNormalization", MakeBatchNorm);
  r.Register("InstanceNormalization", MakeInstanceNorm);
  r.Register("LRN", MakeLrn);
}

}  // namespace tandem::kernels::cpu::reduction
