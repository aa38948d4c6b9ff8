#include "kernels/cpu/nn_conv_params.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::kernels::cpu::nn {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

std::string DimsText(const std::vector<int64_t>& d) { return absl::StrCat("[", absl::StrJoin(d, ","), "]"); }

// Shapes, dtype and channel counts common to Conv and ConvTranspose. Returns the input spatial
// sizes and the kernel sizes through `in` and `kernel`.
absl::Status ReadCommon(const KernelBuildContext& ctx, const ConvInputs& inputs, bool transpose, ConvParams& p,
                        std::vector<int64_t>& in, std::vector<int64_t>& kernel) {
  if (!ctx.has_input(inputs.x) || !ctx.has_input(inputs.w)) return ctx.Invalid("X and W are required");
  auto x = StaticShape(ctx, inputs.x, false);
  if (!x.ok()) return x.status();
  auto w = StaticShape(ctx, inputs.w, false);
  if (!w.ok()) return w.status();
  if (x->size() < 3) return ctx.Invalid(absl::StrCat("X must have rank >= 3, got ", DimsText(*x)));
  if (w->size() != x->size()) {
    return ctx.Invalid(absl::StrCat("W ", DimsText(*w), " and X ", DimsText(*x), " differ in rank"));
  }
  p.dtype = ctx.input_info(inputs.x).dtype;
  if (inputs.same_dtype && ctx.input_info(inputs.w).dtype != p.dtype) {
    return ctx.Invalid("X and W have different dtypes");
  }
  p.groups = ctx.node().GetInt("group", 1);
  if (p.groups <= 0) return ctx.Invalid(absl::StrCat("group must be positive, got ", p.groups));
  p.batch = (*x)[0];
  p.in_channels = (*x)[1];
  if (!transpose) {
    p.out_channels = (*w)[0];
    if ((*w)[1] * p.groups != p.in_channels || p.out_channels % p.groups != 0) {
      return ctx.Invalid(absl::StrCat("W ", DimsText(*w), " does not fit X ", DimsText(*x), " with group ", p.groups));
    }
  } else {
    p.out_channels = (*w)[1] * p.groups;
    if ((*w)[0] != p.in_channels || p.in_channels % p.groups != 0) {
      return ctx.Invalid(absl::StrCat("W ", DimsText(*w), " does not fit X ", DimsText(*x), " with group ", p.groups));
    }
  }
  in.assign(x->begin() + 2, x->end());
  kernel.assign(w->begin() + 2, w->end());
  std::vector<int64_t> attr_kernel = ctx.node().GetInts("kernel_shape", kernel);
  if (attr_kernel != kernel) {
    return ctx.Invalid(absl::StrCat("kernel_shape ", DimsText(attr_kernel), " differs from W ", DimsText(*w)));
  }
  p.has_bias = inputs.bias >= 0 && ctx.has_input(static_cast<size_t>(inputs.bias));
  if (p.has_bias) {
    auto b = StaticShape(ctx, inputs.bias, false);
    if (!b.ok()) return b.status();
    const ir::DType bias_dtype = inputs.same_dtype ? p.dtype : ir::DType::kInt32;
    if (*b != std::vector<int64_t>{p.out_channels} || ctx.input_info(inputs.bias).dtype != bias_dtype) {
      return ctx.Invalid(absl::StrCat("B must be ", ir::DTypeName(bias_dtype), "[", p.out_channels, "], got ",
                                      DimsText(*b)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOutput(const KernelBuildContext& ctx, const ConvParams& p) {
  std::vector<int64_t> expected = {p.batch, p.out_channels};
  expected.insert(expected.end(), p.window.out.begin(), p.window.out.end());
  return ExpectOutputShape(ctx, 0, expected);
}

}  // namespace

absl::StatusOr<ConvParams> ReadConvParams(const KernelBuildContext& ctx, const ConvInputs& inputs) {
  ConvParams p;
  std::vector<int64_t> in, kernel;
  absl::Status s = ReadCommon(ctx, inputs, /*transpose=*/false, p, in, kernel);
  if (!s.ok()) return s;
  auto window = ReadWindow(ctx, std::move(in), std::move(kernel), /*ceil_mode=*/false);
  if (!window.ok()) return window.status();
  p.window = *std::move(window);
  s = CheckOutput(ctx, p);
  if (!s.ok()) return s;
  return p;
}

// ConvTranspose output size per spatial dim i (ONNX):
//   out = stride*(in-1) + output_padding + eff_kernel - pad_begin - pad_end.
// With output_shape (or auto_pad SAME, where output_shape = in*stride) the total padding follows
// from the requested size and is split floor-wise: SAME_UPPER puts the larger half at the end,
// otherwise at the beginning. A negative total (a larger output than the kernel reaches) leaves
// zero-filled positions at the end.
absl::StatusOr<ConvParams> ReadConvTransposeParams(const KernelBuildContext& ctx) {
  ConvParams p;
  std::vector<int64_t> in, kernel;
  absl::Status s = ReadCommon(ctx, ConvInputs{}, /*transpose=*/true, p, in, kernel);
  if (!s.ok()) return s;
  const size_t rank = in.size();
  Window& w = p.window;
  w.in = in;
  w.kernel = kernel;
  auto strides = ReadPositiveInts(ctx, "strides", rank);
  if (!strides.ok()) return strides.status();
  auto dilations = ReadPositiveInts(ctx, "dilations", rank);
  if (!dilations.ok()) return dilations.status();
  w.strides = *strides;
  w.dilations = *dilations;
  std::vector<int64_t> out_pad = ctx.node().GetInts("output_padding", std::vector<int64_t>(rank, 0));
  std::vector<int64_t> out_shape = ctx.node().GetInts("output_shape");
  if (out_shape.size() == rank + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  const std::string auto_pad = ctx.node().GetString("auto_pad", "NOTSET");
  std::vector<int64_t> pads = ctx.node().GetInts("pads", std::vector<int64_t>(2 * rank, 0));
  if (out_pad.size() != rank || (!out_shape.empty() && out_shape.size() != rank) || pads.size() != 2 * rank) {
    return ctx.Invalid("output_padding, output_shape or pads has the wrong length");
  }
  const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  if (!same && auto_pad != "NOTSET" && auto_pad != "VALID") {
    return ctx.Invalid(absl::StrCat("unknown auto_pad '", auto_pad, "'"));
  }
  w.pad_begin.assign(rank, 0);
  w.pad_end.assign(rank, 0);
  w.out.assign(rank, 0);
  for (size_t i = 0; i < rank; ++i) {
    if (out_pad[i] < 0) return ctx.Invalid("output_padding must be non-negative");
    const int64_t full = w.strides[i] * (w.in[i] - 1) + out_pad[i] + w.effective_kernel(static_cast<int>(i));
    if (!out_shape.empty() || same) {
      const int64_t target = !out_shape.empty() ? out_shape[i] : w.in[i] * w.strides[i];
      const int64_t total = full - target;
      const int64_t half = FloorDiv(total, 2);
      w.pad_begin[i] = auto_pad == "SAME_UPPER" ? half : total - half;
      w.pad_end[i] = total - w.pad_begin[i];
    } else if (auto_pad == "NOTSET") {
      w.pad_begin[i] = pads[i];
      w.pad_end[i] = pads[i + rank];
      if (pads[i] < 0 || pads[i + rank] < 0) return ctx.Invalid("pads must be non-negative");
    }
    w.out[i] = full - w.pad_begin[i] - w.pad_end[i];
    if (w.out[i] < 0) return ctx.Invalid(absl::StrCat("negative output size in spatial dim ", i));
  }
  s = CheckOutput(ctx, p);
  if (!s.ok()) return s;
  return p;
}

}  // namespace tandem::kernels::cpu::nn
