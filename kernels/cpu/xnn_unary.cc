// Sigmoid, HardSwish, Elu and LeakyRelu in float32 on XNNPACK's unary operators, which pick
// vectorised microkernels (SSE to AVX-512) at run time. Our own elementwise kernels compile for
// baseline x86-64 and ran Sigmoid scalar: on EfficientNet-B0 (SiLU = x * Sigmoid(x)) they took
// 47% of a run. The whole tensor is one row of `n` channels, so XNNPACK splits it into blocks
// across the thread pool. Other dtypes, and anything XNNPACK refuses, fall through to the
// elementwise kernels registered after these.
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/kernel.h"
#include "kernels/cpu/xnn_status.h"

namespace tandem::kernels::cpu {
namespace {

using SetupFn = xnn_status (*)(xnn_operator_t, size_t, const float*, float*, pthreadpool_t);
using CreateFn = std::function<xnn_status(size_t channels, xnn_operator_t* op)>;

class XnnUnaryKernel final : public CpuKernel {
 public:
  XnnUnaryKernel(std::string node, XnnOperatorPtr op, SetupFn setup)
      : node_(std::move(node)), op_(std::move(op)), setup_(setup) {}

  absl::Status Run(const KernelContext& ctx) override {
    absl::Status s = XnnRunStatus(setup_(op_.get(), /*batch_size=*/1, ctx.inputs[0].as<const float>(),
                                         ctx.outputs[0].as<float>(), ctx.threadpool),
                                  node_, "unary setup");
    if (!s.ok()) return s;
    return XnnRunStatus(xnn_run_operator(op_.get(), ctx.threadpool), node_, "unary run");
  }

 private:
  std::string node_;
  XnnOperatorPtr op_;
  SetupFn setup_;
};

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeXnnUnary(const KernelBuildContext& ctx, const CreateFn& create,
                                                        SetupFn setup) {
  if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1 || !ctx.has_input(0)) {
    return ctx.Unsupported("XNNPACK path takes one input and one output");
  }
  const ir::TensorInfo& in = ctx.input_info(0);
  if (in.dtype != ir::DType::kFloat32 || ctx.output_info(0).dtype != ir::DType::kFloat32) {
    return ctx.Unsupported("XNNPACK path is float32 only");
  }
  auto sizes = in.shape.static_sizes();
  if (!sizes || ctx.output_info(0).shape.static_sizes() != sizes) {
    return ctx.Unsupported("XNNPACK path needs a static shape");
  }
  int64_t n = 1;
  for (int64_t d : *sizes) n *= d;
  if (n == 0) return ctx.Unsupported("empty tensor");
  if (absl::Status s = XnnInitialize(ctx.node().Describe()); !s.ok()) return s;
  xnn_operator_t op = nullptr;
  absl::Status s = XnnCreateStatus(create(static_cast<size_t>(n), &op), ctx.node().Describe(),
                                   absl::StrCat(ctx.node().op_type, " creation"));
  XnnOperatorPtr owned(op);
  if (!s.ok()) return s;
  return std::make_unique<XnnUnaryKernel>(ctx.node().Describe(), std::move(owned), setup);
}

}  // namespace

void RegisterXnnUnaryKernels(KernelRegistry& r) {
  r.Register("Sigmoid", [](const KernelBuildContext& ctx) {
    return MakeXnnUnary(
        ctx, [](size_t c, xnn_operator_t* op) { return xnn_create_sigmoid_nc_f32(c, c, c, 0, op); },
        xnn_setup_sigmoid_nc_f32);
  });
  r.Register("HardSwish", [](const KernelBuildContext& ctx) {
    return MakeXnnUnary(
        ctx, [](size_t c, xnn_operator_t* op) { return xnn_create_hardswish_nc_f32(c, c, c, 0, op); },
        xnn_setup_hardswish_nc_f32);
  });
  r.Register("Elu", [](const KernelBuildContext& ctx) {
    const float alpha = ctx.node().GetFloat("alpha", 1.0f);
    return MakeXnnUnary(
        ctx, [alpha](size_t c, xnn_operator_t* op) { return xnn_create_elu_nc_f32(c, c, c, alpha, 0, op); },
        xnn_setup_elu_nc_f32);
  });
  r.Register("LeakyRelu", [](const KernelBuildContext& ctx) {
    const float alpha = ctx.node().GetFloat("alpha", 0.01f);
    return MakeXnnUnary(
        ctx,
        [alpha](size_t c, xnn_operator_t* op) { return xnn_create_leaky_relu_nc_f32(c, c, c, alpha, 0, op); },
        xnn_setup_leaky_relu_nc_f32);
  });
}

}  // namespace tandem::kernels::cpu
