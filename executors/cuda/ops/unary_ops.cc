// Elementwise unary ops (activations, math, Clip, Not, IsNaN/IsInf) on kernels/cuda/unary.cuh.
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/float16.h"
#include "executors/cuda/cuda_op.h"
#include "executors/cuda/cuda_types.h"
#include "kernels/cuda/cast.cuh"
#include "kernels/cuda/unary.cuh"

namespace tandem::executors::cuda {
namespace {

using kernels::cuda::ElementType;
using kernels::cuda::UnaryOp;
using kernels::cuda::UnaryParams;

class UnaryKernelOp final : public CudaOp {
 public:
  UnaryKernelOp(UnaryOp op, ElementType type, int64_t n, UnaryParams params)
      : op_(op), type_(type), n_(n), params_(params) {}
  absl::Status Run(const CudaRunContext& ctx) override {
    return LaunchStatus(kernels::cuda::LaunchUnary(op_, type_, ctx.inputs[0], ctx.outputs[0], n_, params_, ctx.stream),
                        "unary kernel");
  }
  bool ReadsInputAtRun(size_t input) const override { return input == 0; }

 private:
  UnaryOp op_;
  ElementType type_;
  int64_t n_;
  UnaryParams params_;
};

absl::StatusOr<std::unique_ptr<CudaOp>> Build(const CudaBuildContext& ctx, UnaryOp op, UnaryParams params) {
  if (!ctx.has_input(0) || !ctx.has_output(0)) return ctx.Invalid("needs input 0 and output 0");
  ElementType type = *ToElementType(ctx.input_dtype(0));
  if (!kernels::cuda::UnarySupports(op, type)) {
    return ctx.Unsupported(absl::StrCat("type ", ir::DTypeName(ctx.input_dtype(0)), " is not supported on the GPU"));
  }
  bool bool_out = op == UnaryOp::kIsNaN || op == UnaryOp::kIsInf;
  ir::DType want = bool_out ? ir::DType::kBool : ctx.input_dtype(0);
  if (ctx.output_dtype(0) != want || ctx.output_dims(0) != ctx.input_dims(0)) {
    return ctx.Invalid("output type or shape differs from the input's");
  }
  int64_t n = ir::CheckedNumElements(ctx.input_dims(0)).value_or(0);
  return std::unique_ptr<CudaOp>(new UnaryKernelOp(op, type, n, params));
}

// A factory for an op with no attributes beyond the defaults below.
CudaOpFactory Simple(UnaryOp op) {
  return [op](const CudaBuildContext& ctx) { return Build(ctx, op, {}); };
}

// The scalar bound of Clip's input i (min or max), or `fallback` when it is absent.
absl::StatusOr<float> ClipBound(const CudaBuildContext& ctx, size_t i, float fallback) {
  if (!ctx.has_input(i)) return fallback;
  const ir::Tensor* t = ctx.constant_input(i);
  if (t == nullptr)
    return ctx.Unsupported(absl::StrCat("Clip ", i == 1 ? "min" : "max", " must be a constant on the GPU"));
  if (t->num_elements() != 1) return ctx.Invalid("Clip bounds must be scalars");
  if (t->dtype == ir::DType::kFloat16) return HalfBitsToFloat(t->values<uint16_t>()[0]);
  return static_cast<float>(t->DoubleAt(0));
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeClip(const CudaBuildContext& ctx) {
  if (!ir::IsFloatingPoint(ctx.input_dtype(0))) return ctx.Unsupported("integer Clip is not supported on the GPU");
  UnaryParams p;
  auto lo = ClipBound(ctx, 1, -std::numeric_limits<float>::infinity());
  if (!lo.ok()) return lo.status();
  auto hi = ClipBound(ctx, 2, std::numeric_limits<float>::infinity());
  if (!hi.ok()) return hi.status();
  p.alpha = *lo;
  p.beta = *hi;
  return Build(ctx, UnaryOp::kClip, p);
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeGelu(const CudaBuildContext& ctx) {
  std::string approximate = ctx.node().GetString("approximate", "none");
  if (approximate == "none") return Build(ctx, UnaryOp::kGelu, {});
  if (approximate == "tanh") return Build(ctx, UnaryOp::kGeluTanh, {});
  return ctx.Invalid(absl::StrCat("unknown approximate '", approximate, "'"));
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeIsInf(const CudaBuildContext& ctx) {
  if (ctx.node().GetInt("detect_negative", 1) != 1 || ctx.node().GetInt("detect_positive", 1) != 1) {
    return ctx.Unsupported("IsInf detecting one sign only is not supported on the GPU");
  }
  return Build(ctx, UnaryOp::kIsInf, {});
}

// A factory reading float attributes into alpha/beta/gamma with their ONNX defaults.
CudaOpFactory WithAttrs(UnaryOp op, const char* a, float a_default, const char* b = nullptr, float b_default = 0,
                        const char* g = nullptr, float g_default = 0) {
  return [=](const CudaBuildContext& ctx) {
    UnaryParams p;
    p.alpha = ctx.node().GetFloat(a, a_default);
    if (b) p.beta = ctx.node().GetFloat(b, b_default);
    if (g) p.gamma = ctx.node().GetFloat(g, g_default);
    return Build(ctx, op, p);
  };
}

class CastKernelOp final : public CudaOp {
 public:
  CastKernelOp(ElementType from, ElementType to, int64_t n) : from_(from), to_(to), n_(n) {}
  absl::Status Run(const CudaRunContext& ctx) override {
    return LaunchStatus(kernels::cuda::LaunchCast(from_, to_, ctx.inputs[0], ctx.outputs[0], n_, ctx.stream),
                        "cast kernel");
  }
  bool ReadsInputAtRun(size_t input) const override { return input == 0; }  // CastLike's target

 private:
  ElementType from_, to_;
  int64_t n_;
};

absl::StatusOr<std::unique_ptr<CudaOp>> MakeCast(const CudaBuildContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_output(0)) return ctx.Invalid("needs input 0 and output 0");
  if (ctx.output_dims(0) != ctx.input_dims(0)) return ctx.Invalid("output shape differs from the input's");
  if (ctx.node().GetInt("saturate", 1) != 1) return ctx.Unsupported("saturate=0 (float8) is not supported");
  int64_t n = ir::CheckedNumElements(ctx.input_dims(0)).value_or(0);
  return std::unique_ptr<CudaOp>(
      new CastKernelOp(*ToElementType(ctx.input_dtype(0)), *ToElementType(ctx.output_dtype(0)), n));
}

}  // namespace

void RegisterUnaryOps(CudaOpRegistry& r) {
  const std::pair<const char*, UnaryOp> simple[] = {
      {"Relu", UnaryOp::kRelu},         {"Sigmoid", UnaryOp::kSigmoid}, {"HardSwish", UnaryOp::kHardSwish},
      {"Tanh", UnaryOp::kTanh},         {"Erf", UnaryOp::kErf},         {"Softplus", UnaryOp::kSoftplus},
      {"Softsign", UnaryOp::kSoftsign}, {"Mish", UnaryOp::kMish},       {"Exp", UnaryOp::kExp},
      {"Log", UnaryOp::kLog},           {"Sqrt", UnaryOp::kSqrt},       {"Reciprocal", UnaryOp::kReciprocal},
      {"Floor", UnaryOp::kFloor},       {"Ceil", UnaryOp::kCeil},       {"Round", UnaryOp::kRound},
      {"Sin", UnaryOp::kSin},           {"Cos", UnaryOp::kCos},         {"Tan", UnaryOp::kTan},
      {"Asin", UnaryOp::kAsin},         {"Acos", UnaryOp::kAcos},       {"Atan", UnaryOp::kAtan},
      {"Sinh", UnaryOp::kSinh},         {"Cosh", UnaryOp::kCosh},       {"Asinh", UnaryOp::kAsinh},
      {"Acosh", UnaryOp::kAcosh},       {"Atanh", UnaryOp::kAtanh},     {"Abs", UnaryOp::kAbs},
      {"Neg", UnaryOp::kNeg},           {"Sign", UnaryOp::kSign},       {"Not", UnaryOp::kNot},
      {"IsNaN", UnaryOp::kIsNaN},
  };
  for (const auto& [name, op] : simple) r.Register(name, Simple(op));
  r.Register("LeakyRelu", WithAttrs(UnaryOp::kLeakyRelu, "alpha", 0.01f));
  r.Register("ThresholdedRelu", WithAttrs(UnaryOp::kThresholdedRelu, "alpha", 1.0f));
  r.Register("Elu", WithAttrs(UnaryOp::kElu, "alpha", 1.0f));
  r.Register("Celu", WithAttrs(UnaryOp::kCelu, "alpha", 1.0f));
  r.Register("Selu", WithAttrs(UnaryOp::kSelu, "alpha", 1.67326319217681884765625f, nullptr, 0, "gamma",
                               1.05070102214813232421875f));
  r.Register("HardSigmoid", WithAttrs(UnaryOp::kHardSigmoid, "alpha", 0.2f, "beta", 0.5f));
  r.Register("Clip", MakeClip);
  r.Register("Gelu", MakeGelu);
  r.Register("IsInf", MakeIsInf);
  r.Register("Cast", MakeCast);
  r.Register("CastLike", MakeCast);  // the target type is input 1's, already the output's type
}

}  // namespace tandem::executors::cuda
