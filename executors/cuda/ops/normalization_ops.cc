// BatchNormalization (inference, folded at load into one per-channel scale and shift),
// LayerNormalization, Softmax and LogSoftmax.
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/float16.h"
#include "common/status_macros.h"
#include "executors/cuda/cuda_op.h"
#include "executors/cuda/cuda_types.h"
#include "executors/cuda/ops/layout_util.h"
#include "kernels/cuda/channel_affine.cuh"
#include "kernels/cuda/layer_norm.cuh"
#include "kernels/cuda/softmax.cuh"

namespace tandem::executors::cuda {
namespace {

using kernels::cuda::ElementType;

// Element i of a float constant (f16, f32 or f64) as double.
double FloatAt(const ir::Tensor& t, int64_t i) {
  return t.dtype == ir::DType::kFloat16 ? HalfBitsToFloat(t.values<uint16_t>()[i]) : t.DoubleAt(i);
}

class BatchNormOp final : public CudaOp {
 public:
  BatchNormOp(ElementType type, int64_t outer, int64_t channels, int64_t inner, const std::vector<float>& scale,
              const std::vector<float>& shift, std::optional<FusedClamp> clamp)
      : type_(type), outer_(outer), channels_(channels), inner_(inner), clamp_(clamp) {
    scale_ = AddConstantValues(scale);
    shift_ = AddConstantValues(shift);
  }
  absl::Status Run(const CudaRunContext& ctx) override {
    float lo = clamp_ ? clamp_->min : -std::numeric_limits<float>::infinity();
    float hi = clamp_ ? clamp_->max : std::numeric_limits<float>::infinity();
    return LaunchStatus(kernels::cuda::LaunchChannelAffine(type_, ctx.inputs[0], ctx.outputs[0],
                                                           static_cast<const float*>(ctx.constants[scale_]),
                                                           static_cast<const float*>(ctx.constants[shift_]), outer_,
                                                           channels_, inner_, lo, hi, ctx.stream),
                        "batch norm kernel");
  }
  bool ReadsInputAtRun(size_t input) const override { return input == 0; }
  bool fused_clamp() const override { return clamp_.has_value(); }

 private:
  ElementType type_;
  int64_t outer_, channels_, inner_;
  std::optional<FusedClamp> clamp_;
  int scale_ = -1, shift_ = -1;
};

absl::StatusOr<std::unique_ptr<CudaOp>> MakeBatchNorm(const CudaBuildContext& ctx) {
  if (ctx.node().GetInt("training_mode", 0) != 0) return ctx.Unsupported("training_mode=1 is not supported");
  for (size_t i = 1; i < ctx.num_outputs(); ++i) {
    if (ctx.has_output(i)) return ctx.Unsupported("running statistics outputs are not supported (inference only)");
  }
  ir::DType dtype = ctx.input_dtype(0);
  if (dtype != ir::DType::kFloat32 && dtype != ir::DType::kFloat16) {
    return ctx.Unsupported(absl::StrCat("type ", ir::DTypeName(dtype), " is not supported (f32, f16)"));
  }
  std::vector<int64_t> x = ctx.input_dims(0);
  if (x.size() < 2) return ctx.Invalid("X must have rank >= 2");
  const int64_t c = x[1];
  const ir::Tensor* params[4];
  for (size_t i = 0; i < 4; ++i) {
    params[i] = ctx.constant_input(i + 1);
    if (params[i] == nullptr) return ctx.Unsupported("scale, B, mean and var must be constants on the GPU");
    if (params[i]->num_elements() != c) return ctx.Invalid("scale, B, mean and var must have C elements");
    if (!ir::IsFloatingPoint(params[i]->dtype) || params[i]->dtype == ir::DType::kBFloat16) {
      return ctx.Unsupported("statistics must be float16, float32 or float64");
    }
  }
  const double epsilon = ctx.node().GetFloat("epsilon", 1e-5f);
  std::vector<float> scale(c), shift(c);
  for (int64_t i = 0; i < c; ++i) {
    double s = FloatAt(*params[0], i) / std::sqrt(FloatAt(*params[3], i) + epsilon);
    scale[i] = static_cast<float>(s);
    shift[i] = static_cast<float>(FloatAt(*params[1], i) - FloatAt(*params[2], i) * s);
  }
  return std::unique_ptr<CudaOp>(
      new BatchNormOp(*ToElementType(dtype), x[0], c, Product(x, 2, x.size()), scale, shift, ctx.requested_clamp()));
}

class LayerNormOp final : public CudaOp {
 public:
  LayerNormOp(ElementType type, int64_t rows, int64_t cols, float epsilon)
      : type_(type), rows_(rows), cols_(cols), epsilon_(epsilon) {}
  absl::Status Run(const CudaRunContext& ctx) override {
    float* mean = ctx.outputs.size() > 1 ? static_cast<float*>(ctx.outputs[1]) : nullptr;
    float* inv_std = ctx.outputs.size() > 2 ? static_cast<float*>(ctx.outputs[2]) : nullptr;
    const void* bias = ctx.inputs.size() > 2 ? ctx.inputs[2] : nullptr;
    return LaunchStatus(kernels::cuda::LaunchLayerNorm(type_, ctx.inputs[0], ctx.inputs[1], bias, ctx.outputs[0], mean,
                                                       inv_std, rows_, cols_, epsilon_, ctx.stream),
                        "layer norm kernel");
  }

 private:
  ElementType type_;
  int64_t rows_, cols_;
  float epsilon_;
};

absl::StatusOr<std::unique_ptr<CudaOp>> MakeLayerNorm(const CudaBuildContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_output(0)) return ctx.Invalid("needs X, Scale and Y");
  ir::DType dtype = ctx.input_dtype(0);
  if (!ir::IsFloatingPoint(dtype) || !ToElementType(dtype)) {
    return ctx.Unsupported(absl::StrCat("type ", ir::DTypeName(dtype), " is not supported (float types)"));
  }
  std::vector<int64_t> x = ctx.input_dims(0);
  const int rank = static_cast<int>(x.size());
  auto axis = NormalizeAxis(ctx, ctx.node().GetInt("axis", -1), rank, "axis");
  if (!axis.ok()) return axis.status();
  const int64_t rows = Product(x, 0, *axis), cols = Product(x, *axis, x.size());
  for (size_t i = 1; i <= 2; ++i) {
    if (!ctx.has_input(i)) continue;
    if (ctx.input_dtype(i) != dtype) return ctx.Unsupported("Scale and B must have X's type on the GPU");
    if (ir::CheckedNumElements(ctx.input_dims(i)) != cols) {
      return ctx.Unsupported("Scale and B must have the normalized shape (no broadcasting) on the GPU");
    }
  }
  for (size_t i = 1; i <= 2; ++i) {
    if (ctx.has_output(i) && ctx.output_dtype(i) != ir::DType::kFloat32) {
      return ctx.Unsupported("Mean and InvStdDev must be float32 (stash_type=1)");
    }
  }
  if (ctx.output_dims(0) != x || ctx.output_dtype(0) != dtype) return ctx.Invalid("Y must have X's type and shape");
  return std::unique_ptr<CudaOp>(
      new LayerNormOp(*ToElementType(dtype), rows, cols, ctx.node().GetFloat("epsilon", 1e-5f)));
}

class SoftmaxOp final : public CudaOp {
 public:
  SoftmaxOp(ElementType type, int64_t outer, int64_t axis_dim, int64_t inner, bool log)
      : type_(type), outer_(outer), axis_dim_(axis_dim), inner_(inner), log_(log) {}
  absl::Status Run(const CudaRunContext& ctx) override {
    return LaunchStatus(
        kernels::cuda::LaunchSoftmax(type_, ctx.inputs[0], ctx.outputs[0], outer_, axis_dim_, inner_, log_, ctx.stream),
        "softmax kernel");
  }

 private:
  ElementType type_;
  int64_t outer_, axis_dim_, inner_;
  bool log_;
};

absl::StatusOr<std::unique_ptr<CudaOp>> MakeSoftmax(const CudaBuildContext& ctx, bool log) {
  if (!ctx.has_input(0) || !ctx.has_output(0)) return ctx.Invalid("needs input and output");
  ir::DType dtype = ctx.input_dtype(0);
  if (!ir::IsFloatingPoint(dtype) || !ToElementType(dtype)) {
    return ctx.Unsupported(absl::StrCat("type ", ir::DTypeName(dtype), " is not supported (float types)"));
  }
  std::vector<int64_t> x = ctx.input_dims(0);
  if (x.empty()) return ctx.Invalid("input must have rank >= 1");
  if (ctx.graph().opset("") < 13 && ctx.graph().opset("ai.onnx") < 13 && ctx.node().GetInt("axis", -1) != -1 &&
      ctx.node().GetInt("axis", -1) != static_cast<int64_t>(x.size()) - 1) {
    // The importer rewrites opset < 13's flattening form; anything else left is not ours.
    return ctx.Unsupported("opset < 13 Softmax over several axes");
  }
  const int rank = static_cast<int>(x.size());
  auto axis = NormalizeAxis(ctx, ctx.node().GetInt("axis", -1), rank, "axis");
  if (!axis.ok()) return axis.status();
  return std::unique_ptr<CudaOp>(
      new SoftmaxOp(*ToElementType(dtype), Product(x, 0, *axis), x[*axis], Product(x, *axis + 1, x.size()), log));
}

}  // namespace

void RegisterNormalizationOps(CudaOpRegistry& r) {
  r.Register("BatchNormalization", MakeBatchNorm);
  r.Register("LayerNormalization", MakeLayerNorm);
  r.Register("Softmax", [](const CudaBuildContext& ctx) { return MakeSoftmax(ctx, false); });
  r.Register("LogSoftmax", [](const CudaBuildContext& ctx) { return MakeSoftmax(ctx, true); });
}

}  // namespace tandem::executors::cuda
