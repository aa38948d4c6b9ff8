// DynamicQuantizeLinear (opset 11): float32 x to uint8 with a scale and zero point computed from
// x's range, in float32 arithmetic as the ONNX reference does:
//   lo = min(0, min(x)), hi = max(0, max(x)), scale = (hi - lo) / 255,
//   zero_point = saturate(round_half_to_even(0 - lo / scale)),
//   y = saturate(round_half_to_even(x / scale) + zero_point).
// NaN elements are left out of the range and quantize to the zero point. When the range is
// empty (x all zeros, or no elements) the scale is 1 rather than 0, as in ONNX Runtime, so y is
// all zero instead of NaN-derived.
#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/lambda_kernel.h"
#include "kernels/cpu/quantize_common.h"

namespace tandem::kernels::cpu {
namespace quantize {
namespace {

struct Range {
  float lo = 0, hi = 0;
};

Range FindRange(const float* x, int64_t n, pthreadpool_t pool) {
  constexpr int64_t kGrain = 65536;
  const int64_t chunks = (n + kGrain - 1) / kGrain;
  std::vector<Range> partial(static_cast<size_t>(std::max<int64_t>(chunks, 1)));
  ParallelForRange(pool, n, kGrain, [&](int64_t b, int64_t e) {
    Range r;
    for (int64_t i = b; i < e; ++i) {
      if (x[i] < r.lo) r.lo = x[i];  // NaN compares false: skipped
      if (x[i] > r.hi) r.hi = x[i];
    }
    partial[b / kGrain] = r;
  });
  Range total;
  for (const Range& r : partial) {
    total.lo = std::min(total.lo, r.lo);
    total.hi = std::max(total.hi, r.hi);
  }
  return total;
}

absl::Status RunDynamic(const KernelContext& k) {
  const int64_t n = k.inputs[0].num_elements();
  const float* x = k.inputs[0].as<const float>();
  const Range range = FindRange(x, n, k.threadpool);
  float scale = (range.hi - range.lo) / 255.0f;
  if (!(scale > 0) || !std::isfinite(scale)) {
    if (std::isinf(range.hi) || std::isinf(range.lo)) {
      return absl::InvalidArgumentError("cannot quantize an input that holds an infinity");
    }
    scale = 1.0f;
  }
  const uint8_t zp = SaturateRound<uint8_t>(0.0f - range.lo / scale);
  uint8_t* y = k.outputs[0].as<uint8_t>();
  ParallelForRange(k.threadpool, n, 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float v = x[i] / scale;
      y[i] = std::isnan(v) ? zp : SaturateRound<uint8_t>(std::nearbyint(v) + static_cast<float>(zp));
    }
  });
  *k.outputs[1].as<float>() = scale;
  *k.outputs[2].as<uint8_t>() = zp;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeDynamic(const KernelBuildContext& ctx) {
  if (!ctx.has_input(0) || ctx.num_outputs() != 3) return ctx.Invalid("needs one input and three outputs");
  if (ctx.input_info(0).dtype != ir::DType::kFloat32) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(ctx.input_info(0).dtype)));
  }
  if (ctx.output_info(0).dtype != ir::DType::kUInt8 || ctx.output_info(1).dtype != ir::DType::kFloat32 ||
      ctx.output_info(2).dtype != ir::DType::kUInt8) {
    return ctx.Invalid("outputs must be uint8 y, float scale and uint8 zero point");
  }
  TANDEM_ASSIGN_OR_RETURN(Dims x, StaticDimsOf(ctx, ctx.input_info(0), "x"));
  TANDEM_ASSIGN_OR_RETURN(Dims y, StaticDimsOf(ctx, ctx.output_info(0), "y"));
  TANDEM_ASSIGN_OR_RETURN(Dims s, StaticDimsOf(ctx, ctx.output_info(1), "y_scale"));
  TANDEM_ASSIGN_OR_RETURN(Dims z, StaticDimsOf(ctx, ctx.output_info(2), "y_zero_point"));
  auto count = [](const Dims& d) {
    int64_t n = 1;
    for (int64_t v : d) n *= v;
    return n;
  };
  if (y != x || count(s) != 1 || count(z) != 1) {
    return ctx.Invalid("y must match x and the scale and zero point must be scalars");
  }
  return MakeLambdaKernel(RunDynamic);
}

}  // namespace
}  // namespace quantize

void RegisterDynamicQuantizeKernels(KernelRegistry& r) {
  r.Register("DynamicQuantizeLinear", quantize::MakeDynamic);
}

}  // namespace tandem::kernels::cpu
