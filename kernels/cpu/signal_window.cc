// HannWindow, HammingWindow and BlackmanWindow (opset 17): generalized cosine windows
//   w[n] = a0 - a1·cos(2πn/N) + a2·cos(4πn/N),   n in [0, size)
// with N = size when periodic (the default) and N = size - 1 when symmetric. The coefficients
// are Hann (0.5, 0.5, 0), Hamming (25/46, 21/46, 0) and Blackman (0.42, 0.5, 0.08), as in the
// ONNX reference. A symmetric window of size 1 (N = 0) is [1], as numpy.hanning(1) gives.
//
// The size input may be a run-time scalar; it must match the output's static length. Values are
// computed in double and cast to `output_datatype` (the output's dtype).
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/lambda_kernel.h"
#include "kernels/cpu/signal_kernels.h"

namespace tandem::kernels::cpu::signal {
namespace {

struct CosineWindow {
  double a0, a1, a2;
};

absl::Status CheckSize(int64_t size, int64_t length) {
  if (size != length) {
    return absl::InvalidArgumentError(
        absl::StrCat("size ", size, " disagrees with the output length ", length));
  }
  return absl::OkStatus();
}

KernelFactory WindowFactory(CosineWindow c) {
  return [c](const KernelBuildContext& ctx) -> absl::StatusOr<std::unique_ptr<CpuKernel>> {
    if (!ctx.has_input(0) || ctx.num_outputs() != 1) return ctx.Invalid("needs one size input and one output");
    const ir::DType in_type = ctx.input_info(0).dtype;
    if (in_type != ir::DType::kInt32 && in_type != ir::DType::kInt64) {
      return ctx.Invalid(absl::StrCat("size must be int32 or int64, got ", ir::DTypeName(in_type)));
    }
    const ir::DType out_type = ctx.output_info(0).dtype;
    if (out_type == ir::DType::kBool || !Dispatch(out_type, [](auto) {})) {
      return ctx.Unsupported(absl::StrCat("output dtype ", ir::DTypeName(out_type)));
    }
    TANDEM_ASSIGN_OR_RETURN(Dims out, StaticDimsOf(ctx, ctx.output_info(0), "output"));
    if (out.size() != 1) return ctx.Invalid("the output must be 1-D");
    const int64_t length = out[0];
    if (const ir::Tensor* size = ctx.constant_input(0)) {
      TANDEM_ASSIGN_OR_RETURN(int64_t n, ScalarInt(ViewOf(*size), "size"));
      absl::Status s = CheckSize(n, length);
      if (!s.ok()) return ctx.Invalid(std::string(s.message()));
    }
    const bool periodic = ctx.node().GetInt("periodic", 1) != 0;
    return MakeLambdaKernel([=](const KernelContext& k) -> absl::Status {
      TANDEM_ASSIGN_OR_RETURN(int64_t n, ScalarInt(k.inputs[0], "size"));
      TANDEM_RETURN_IF_ERROR(CheckSize(n, length));
      const int64_t denom = periodic ? length : length - 1;
      void* y = k.outputs[0].data;
      for (int64_t i = 0; i < length; ++i) {
        double w = 1.0;
        if (denom > 0) {
          const double t = 2.0 * M_PI * static_cast<double>(i) / static_cast<double>(denom);
          w = c.a0 - c.a1 * std::cos(t) + c.a2 * std::cos(2.0 * t);
        }
        StoreDouble(out_type, y, i, w);
      }
      return absl::OkStatus();
    });
  };
}

}  // namespace

void RegisterWindowKernels(KernelRegistry& r) {
  r.Register("HannWindow", WindowFactory({0.5, 0.5, 0.0}));
  r.Register("HammingWindow", WindowFactory({25.0 / 46.0, 21.0 / 46.0, 0.0}));
  r.Register("BlackmanWindow", WindowFactory({0.42, 0.5, 0.08}));
}

}  // namespace tandem::kernels::cpu::signal
