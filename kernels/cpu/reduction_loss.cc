// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (reduction none/sum/mean, optional
// class weights, optional ignore_index), following the ONNX reference:
//   loss[n, d] = -w[t] * input[n, t, d]      with t = target[n, d], w = 1 without weights,
//   and loss = 0, w = 0 where t == ignore_index;
//   mean = Σ loss / Σ w (0/0 = NaN when every target is ignored), sum = Σ loss.
// SoftmaxCrossEntropyLoss first takes log_softmax over axis 1 (optionally an output), then the
// same loss. A target outside [0, C) that is not ignore_index is an InvalidArgument at run time.
// Sums accumulate in double, in a fixed order (single-threaded: losses are small).
#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/reduction_common.h"

namespace tandem::kernels::cpu::reduction {
namespace {

enum class Reduction { kNone, kSum, kMean };

struct LossShape {
  int64_t n, c, d;  // batch, classes, positions per sample (product of d1, d2, ...)
};

struct LossParams {
  LossShape shape;
  Reduction reduction;
  bool has_ignore;
  int64_t ignore_index;
};

// The loss from log-probabilities `logp` ([N, C, D] in double); writes `out` (dtype `out_dtype`).
absl::Status NllFromLogProb(const LossParams& p, const double* logp, const TensorView& target,
                            const TensorView* weight, const TensorView& out) {
  const LossShape& s = p.shape;
  std::vector<double> w;
  if (weight) {
    w.resize(s.c);
    LoadAsDouble(weight->dtype, weight->data, s.c, w.data());
  }
  double loss_sum = 0, weight_sum = 0;
  for (int64_t i = 0; i < s.n; ++i) {
    for (int64_t k = 0; k < s.d; ++k) {
      const int64_t pos = i * s.d + k;
      const int64_t t = target.dtype == ir::DType::kInt32 ? target.as<const int32_t>()[pos]
                                                         : target.as<const int64_t>()[pos];
      double loss = 0, wt = 0;
      if (!(p.has_ignore && t == p.ignore_index)) {
        if (t < 0 || t >= s.c) {
          return absl::InvalidArgumentError(
              absl::StrCat("target ", t, " at position ", pos, " is out of range [0, ", s.c, ")"));
        }
        wt = weight ? w[t] : 1.0;
        loss = -logp[(i * s.c + t) * s.d + k] * wt;
      }
      if (p.reduction == Reduction::kNone) StoreFromDouble(out.dtype, loss, out.data, pos);
      loss_sum += loss;
      weight_sum += wt;
    }
  }
  if (p.reduction == Reduction::kSum) StoreFromDouble(out.dtype, loss_sum, out.data, 0);
  if (p.reduction == Reduction::kMean) StoreFromDouble(out.dtype, loss_sum / weight_sum, out.data, 0);
  return absl::OkStatus();
}

// log_softmax over axis 1 of [N, C, D] (stable: subtracts the max of each (n, d) column).
std::vector<double> LogSoftmaxAxis1(const LossShape& s, const std::vector<double>& x) {
  std::vector<double> out(x.size()), max(s.d), sum(s.d);
  for (int64_t i = 0; i < s.n; ++i) {
    const double* xi = x.data() + i * s.c * s.d;
    double* oi = out.data() + i * s.c * s.d;
    std::fill(max.begin(), max.end(), -INFINITY);
    std::fill(sum.begin(), sum.end(), 0.0);
    for (int64_t c = 0; c < s.c; ++c) {
      for (int64_t k = 0; k < s.d; ++k) max[k] = std::max(max[k], xi[c * s.d + k]);
    }
    for (int64_t c = 0; c < s.c; ++c) {
      for (int64_t k = 0; k < s.d; ++k) sum[k] += std::exp(xi[c * s.d + k] - max[k]);
    }
    for (int64_t k = 0; k < s.d; ++k) sum[k] = max[k] + std::log(sum[k]);
    for (int64_t c = 0; c < s.c; ++c) {
      for (int64_t k = 0; k < s.d; ++k) oi[c * s.d + k] = xi[c * s.d + k] - sum[k];
    }
  }
  return out;
}

class LossKernel : public CpuKernel {
 public:
  LossKernel(LossParams p, bool softmax) : p_(p), softmax_(softmax) {}

  absl::Status Run(const KernelContext& ctx) override {
    const TensorView& in = ctx.inputs[0];
    const int64_t count = p_.shape.n * p_.shape.c * p_.shape.d;
    std::vector<double> x(count);
    LoadAsDouble(in.dtype, in.data, count, x.data());
    if (softmax_) {
      x = LogSoftmaxAxis1(p_.shape, x);
      if (ctx.outputs.size() > 1 && ctx.outputs[1].data != nullptr) {
        for (int64_t i = 0; i < count; ++i) StoreFromDouble(ctx.outputs[1].dtype, x[i], ctx.outputs[1].data, i);
      }
    }
    const TensorView* weight =
        ctx.inputs.size() > 2 && ctx.inputs[2].data != nullptr ? &ctx.inputs[2] : nullptr;
    return NllFromLogProb(p_, x.data(), ctx.inputs[1], weight, ctx.outputs[0]);
  }

 private:
  LossParams p_;
  bool softmax_;
};

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeLoss(bool softmax, const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (!IsFloatDType(dtype)) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype), " is not supported"));
  }
  if (ctx.output_info(0).dtype != dtype) return ctx.Invalid("loss dtype must be the input's");
  const ir::DType tdtype = ctx.input_info(1).dtype;
  if (tdtype != ir::DType::kInt32 && tdtype != ir::DType::kInt64) return ctx.Invalid("target must be int32 or int64");
  TANDEM_ASSIGN_OR_RETURN(Dims dims, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims tdims, StaticInputDims(ctx, 1));
  if (dims.size() < 2) return ctx.Invalid("input must be [N, C, ...]");
  Dims want_t = dims;
  want_t.erase(want_t.begin() + 1);
  if (tdims != want_t) return ctx.Invalid("target shape must be the input shape without axis 1");
  LossParams p{{dims[0], dims[1], 1}, Reduction::kMean, false, 0};
  for (size_t i = 2; i < dims.size(); ++i) p.shape.d *= dims[i];
  if (ctx.has_input(2)) {
    TANDEM_ASSIGN_OR_RETURN(Dims wdims, StaticInputDims(ctx, 2));
    if (wdims != Dims{dims[1]} || !IsFloatDType(ctx.input_info(2).dtype)) {
      return ctx.Invalid("weight must be a float vector of C elements");
    }
  }
  const std::string reduction = ctx.node().GetString("reduction", "mean");
  if (reduction == "none") p.reduction = Reduction::kNone;
  else if (reduction == "sum") p.reduction = Reduction::kSum;
  else if (reduction != "mean") return ctx.Invalid(absl::StrCat("unknown reduction '", reduction, "'"));
  if (ctx.node().attr("ignore_index") != nullptr) {
    p.has_ignore = true;
    p.ignore_index = ctx.node().GetInt("ignore_index", 0);
  }
  TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, p.reduction == Reduction::kNone ? tdims : Dims{}));
  if (softmax && ctx.num_outputs() > 1 && ctx.node().outputs[1].valid()) {
    TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 1, dims));
  }
  return std::unique_ptr<CpuKernel>(std::make_unique<LossKernel>(p, softmax));
}

}  // namespace

void RegisterLossKernels(KernelRegistry& r) {
  r.Register("NegativeLogLikelihoodLoss",
             [](const KernelBuildContext& ctx) { return MakeLoss(false, ctx); });
  r.Register("SoftmaxCrossEntropyLoss", [](const KernelBuildContext& ctx) { return MakeLoss(true, ctx); });
}

}  // namespace tandem::kernels::cpu::reduction
