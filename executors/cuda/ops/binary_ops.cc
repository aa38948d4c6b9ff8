// Broadcasting binary ops (arithmetic, comparison, logic), Pow, PRelu and Where.
#include "absl/strings/str_cat.h"
#include "common/float16.h"
#include "executors/cuda/cuda_op.h"
#include "executors/cuda/cuda_types.h"
#include "executors/cuda/ops/layout_util.h"
#include "kernels/cuda/binary.cuh"
#include "kernels/cuda/unary.cuh"
#include "kernels/cuda/where.cuh"

namespace tandem::executors::cuda {
namespace {

using kernels::cuda::BinaryOp;
using kernels::cuda::ElementType;
using kernels::cuda::StridedLayout;

class BinaryKernelOp final : public CudaOp {
 public:
  BinaryKernelOp(BinaryOp op, ElementType type, StridedLayout<3> layout, int64_t n)
      : op_(op), type_(type), layout_(layout), n_(n) {}
  absl::Status Run(const CudaRunContext& ctx) override {
    return LaunchStatus(
        kernels::cuda::LaunchBinary(op_, type_, layout_, n_, ctx.inputs[0], ctx.inputs[1], ctx.outputs[0], ctx.stream),
        "binary kernel");
  }

 private:
  BinaryOp op_;
  ElementType type_;
  StridedLayout<3> layout_;
  int64_t n_;
};

absl::StatusOr<std::unique_ptr<CudaOp>> BuildBinary(const CudaBuildContext& ctx, BinaryOp op) {
  if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_output(0)) {
    return ctx.Unsupported("exactly two inputs are supported on the GPU");
  }
  ir::DType dtype = ctx.input_dtype(0);
  if (ctx.input_dtype(1) != dtype) {
    return ctx.Unsupported(
        absl::StrCat("mixed input types ", ir::DTypeName(dtype), " and ", ir::DTypeName(ctx.input_dtype(1))));
  }
  ElementType type = *ToElementType(dtype);
  if (!kernels::cuda::BinarySupports(op, type)) {
    return ctx.Unsupported(absl::StrCat("type ", ir::DTypeName(dtype), " is not supported on the GPU"));
  }
  ir::DType want = kernels::cuda::BinaryOutputsBool(op) ? ir::DType::kBool : dtype;
  if (ctx.output_dtype(0) != want) return ctx.Invalid("unexpected output type");
  std::vector<int64_t> out = ctx.output_dims(0);
  auto layout = BroadcastLayout<3>(ctx, out, {ctx.input_dims(0), ctx.input_dims(1)});
  if (!layout.ok()) return layout.status();
  int64_t n = ir::CheckedNumElements(out).value_or(0);
  return std::unique_ptr<CudaOp>(new BinaryKernelOp(op, type, *layout, n));
}

CudaOpFactory Binary(BinaryOp op) {
  return [op](const CudaBuildContext& ctx) { return BuildBinary(ctx, op); };
}

// x ** c for a scalar constant exponent c: the unary kernel, which special-cases 2 and 0.5.
class PowScalarOp final : public CudaOp {
 public:
  PowScalarOp(ElementType type, int64_t n, float exponent) : type_(type), n_(n) { params_.alpha = exponent; }
  absl::Status Run(const CudaRunContext& ctx) override {
    return LaunchStatus(kernels::cuda::LaunchUnary(kernels::cuda::UnaryOp::kPowScalar, type_, ctx.inputs[0],
                                                   ctx.outputs[0], n_, params_, ctx.stream),
                        "pow kernel");
  }
  bool ReadsInputAtRun(size_t input) const override { return input == 0; }

 private:
  ElementType type_;
  int64_t n_;
  kernels::cuda::UnaryParams params_;
};

absl::StatusOr<std::unique_ptr<CudaOp>> MakePow(const CudaBuildContext& ctx) {
  const ir::Tensor* exponent = ctx.constant_input(1);
  bool float_base = ir::IsFloatingPoint(ctx.input_dtype(0));
  if (float_base && exponent && exponent->num_elements() == 1 && ctx.output_dims(0) == ctx.input_dims(0)) {
    float e = exponent->dtype == ir::DType::kFloat16 ? HalfBitsToFloat(exponent->values<uint16_t>()[0])
                                                     : static_cast<float>(exponent->DoubleAt(0));
    int64_t n = ir::CheckedNumElements(ctx.input_dims(0)).value_or(0);
    return std::unique_ptr<CudaOp>(new PowScalarOp(*ToElementType(ctx.input_dtype(0)), n, e));
  }
  return BuildBinary(ctx, BinaryOp::kPow);
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeMod(const CudaBuildContext& ctx) {
  bool fmod = ctx.node().GetInt("fmod", 0) != 0;
  if (!fmod && ir::IsFloatingPoint(ctx.input_dtype(0))) return ctx.Invalid("floating-point Mod requires fmod=1");
  return BuildBinary(ctx, fmod ? BinaryOp::kFmod : BinaryOp::kMod);
}

// Max/Min/Sum over any number of inputs: one input is a copy (an alias); more fold left to right
// into the output, out = op(out, in_k), each input broadcast to the output's shape.
class VariadicOp final : public CudaOp {
 public:
  VariadicOp(BinaryOp op, ElementType type, std::vector<StridedLayout<3>> layouts, int64_t n)
      : op_(op), type_(type), layouts_(std::move(layouts)), n_(n) {}
  absl::Status Run(const CudaRunContext& ctx) override {
    for (size_t k = 0; k < layouts_.size(); ++k) {
      const void* a = k == 0 ? ctx.inputs[0] : ctx.outputs[0];  // elementwise: in place is safe
      absl::Status s = LaunchStatus(
          kernels::cuda::LaunchBinary(op_, type_, layouts_[k], n_, a, ctx.inputs[k + 1], ctx.outputs[0], ctx.stream),
          "variadic kernel");
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  BinaryOp op_;
  ElementType type_;
  std::vector<StridedLayout<3>> layouts_;
  int64_t n_;
};

CudaOpFactory Variadic(BinaryOp op) {
  return [op](const CudaBuildContext& ctx) -> absl::StatusOr<std::unique_ptr<CudaOp>> {
    if (ctx.num_inputs() == 1 && ctx.has_input(0) && ctx.output_dims(0) == ctx.input_dims(0)) {
      return std::unique_ptr<CudaOp>(new AliasOp);
    }
    if (ctx.num_inputs() == 2) return BuildBinary(ctx, op);
    if (ctx.num_inputs() == 0 || !ctx.has_output(0)) return ctx.Invalid("needs inputs and an output");
    ir::DType dtype = ctx.output_dtype(0);
    ElementType type = *ToElementType(dtype);
    if (!kernels::cuda::BinarySupports(op, type)) {
      return ctx.Unsupported(absl::StrCat("type ", ir::DTypeName(dtype), " is not supported on the GPU"));
    }
    std::vector<int64_t> out = ctx.output_dims(0);
    std::vector<StridedLayout<3>> layouts;
    for (size_t k = 1; k < ctx.num_inputs(); ++k) {
      if (!ctx.has_input(k) || ctx.input_dtype(k) != dtype) return ctx.Invalid("inputs must share the output's type");
      // The accumulator is input 0 broadcast for the first step, the output itself afterwards.
      std::vector<int64_t> acc = k == 1 ? ctx.input_dims(0) : out;
      auto layout = BroadcastLayout<3>(ctx, out, {acc, ctx.input_dims(k)});
      if (!layout.ok()) return layout.status();
      layouts.push_back(*layout);
    }
    int64_t n = ir::CheckedNumElements(out).value_or(0);
    return std::unique_ptr<CudaOp>(new VariadicOp(op, type, std::move(layouts), n));
  };
}

class WhereKernelOp final : public CudaOp {
 public:
  WhereKernelOp(StridedLayout<4> layout, int64_t n, int element_size)
      : layout_(layout), n_(n), element_size_(element_size) {}
  absl::Status Run(const CudaRunContext& ctx) override {
    return LaunchStatus(
        kernels::cuda::LaunchWhere(layout_, n_, element_size_, static_cast<const uint8_t*>(ctx.inputs[0]),
                                   ctx.inputs[1], ctx.inputs[2], ctx.outputs[0], ctx.stream),
        "where kernel");
  }

 private:
  StridedLayout<4> layout_;
  int64_t n_;
  int element_size_;
};

absl::StatusOr<std::unique_ptr<CudaOp>> MakeWhere(const CudaBuildContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_input(2) || !ctx.has_output(0)) {
    return ctx.Invalid("needs three inputs");
  }
  if (ctx.input_dtype(0) != ir::DType::kBool) return ctx.Invalid("condition must be bool");
  if (ctx.input_dtype(1) != ctx.input_dtype(2) || ctx.output_dtype(0) != ctx.input_dtype(1)) {
    return ctx.Invalid("X, Y and the output must have one type");
  }
  std::vector<int64_t> out = ctx.output_dims(0);
  auto layout = BroadcastLayout<4>(ctx, out, {ctx.input_dims(0), ctx.input_dims(1), ctx.input_dims(2)});
  if (!layout.ok()) return layout.status();
  int64_t n = ir::CheckedNumElements(out).value_or(0);
  return std::unique_ptr<CudaOp>(new WhereKernelOp(*layout, n, ir::DTypeSize(ctx.output_dtype(0))));
}

}  // namespace

void RegisterBinaryOps(CudaOpRegistry& r) {
  const std::pair<const char*, BinaryOp> simple[] = {
      {"Add", BinaryOp::kAdd},         {"Sub", BinaryOp::kSub},
      {"Mul", BinaryOp::kMul},         {"Div", BinaryOp::kDiv},
      {"PRelu", BinaryOp::kPRelu},     {"Equal", BinaryOp::kEqual},
      {"Less", BinaryOp::kLess},       {"LessOrEqual", BinaryOp::kLessOrEqual},
      {"Greater", BinaryOp::kGreater}, {"GreaterOrEqual", BinaryOp::kGreaterOrEqual},
      {"And", BinaryOp::kAnd},         {"Or", BinaryOp::kOr},
      {"Xor", BinaryOp::kXor},
  };
  for (const auto& [name, op] : simple) r.Register(name, Binary(op));
  r.Register("Max", Variadic(BinaryOp::kMax));
  r.Register("Min", Variadic(BinaryOp::kMin));
  r.Register("Sum", Variadic(BinaryOp::kAdd));
  r.Register("Pow", MakePow);
  r.Register("Mod", MakeMod);
  r.Register("Where", MakeWhere);
}

}  // namespace tandem::executors::cuda
