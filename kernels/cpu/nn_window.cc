#include "kernels/cpu/nn_window.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::kernels::cpu::nn {

absl::StatusOr<std::vector<int64_t>> ReadPositiveInts(const KernelBuildContext& ctx, const char* name,
                                                      size_t rank) {
  std::vector<int64_t> v = ctx.node().GetInts(name, std::vector<int64_t>(rank, 1));
  if (v.size() != rank) {
    return ctx.Invalid(absl::StrCat(name, " has ", v.size(), " values, expected ", rank));
  }
  for (int64_t x : v) {
    if (x <= 0) return ctx.Invalid(absl::StrCat(name, " must be positive, got ", x));
  }
  return v;
}

namespace {

// Resolves auto_pad SAME_UPPER/SAME_LOWER: the output is ceil(in / stride) and the total padding
// is split with the odd element at the end (UPPER) or the beginning (LOWER).
void SamePads(Window& w, bool upper) {
  for (int i = 0; i < w.rank(); ++i) {
    int64_t out = (w.in[i] + w.strides[i] - 1) / w.strides[i];
    int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[i] + w.effective_kernel(i) - w.in[i]);
    w.pad_begin[i] = upper ? total / 2 : total - total / 2;
    w.pad_end[i] = total - w.pad_begin[i];
  }
}

}  // namespace

absl::StatusOr<Window> ReadWindow(const KernelBuildContext& ctx, std::vector<int64_t> in,
                                  std::vector<int64_t> kernel, bool ceil_mode) {
  const size_t rank = in.size();
  Window w;
  w.in = std::move(in);
  w.kernel = std::move(kernel);
  if (w.kernel.size() != rank) {
    return ctx.Invalid(absl::StrCat("kernel has ", w.kernel.size(), " spatial dims, input has ", rank));
  }
  for (int64_t k : w.kernel) {
    if (k <= 0) return ctx.Invalid(absl::StrCat("kernel sizes must be positive, got ", k));
  }
  auto strides = ReadPositiveInts(ctx, "strides", rank);
  if (!strides.ok()) return strides.status();
  auto dilations = ReadPositiveInts(ctx, "dilations", rank);
  if (!dilations.ok()) return dilations.status();
  w.strides = *std::move(strides);
  w.dilations = *std::move(dilations);
  w.pad_begin.assign(rank, 0);
  w.pad_end.assign(rank, 0);

  const std::string auto_pad = ctx.node().GetString("auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    SamePads(w, auto_pad == "SAME_UPPER");
  } else if (auto_pad == "NOTSET") {
    std::vector<int64_t> pads = ctx.node().GetInts("pads", std::vector<int64_t>(2 * rank, 0));
    if (pads.size() != 2 * rank) {
      return ctx.Invalid(absl::StrCat("pads has ", pads.size(), " values, expected ", 2 * rank));
    }
    for (size_t i = 0; i < rank; ++i) {
      w.pad_begin[i] = pads[i];
      w.pad_end[i] = pads[i + rank];
      if (pads[i] < 0 || pads[i + rank] < 0) {
        return ctx.Invalid(absl::StrCat("pads must be non-negative: [", absl::StrJoin(pads, ","), "]"));
      }
    }
  } else if (auto_pad != "VALID") {
    return ctx.Invalid(absl::StrCat("unknown auto_pad '", auto_pad, "'"));
  }

  w.out.resize(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t span = w.in[i] + w.pad_begin[i] + w.pad_end[i] - w.effective_kernel(i);
    if (span < 0) {
      return ctx.Invalid(absl::StrCat("window of ", w.effective_kernel(i), " does not fit padded input of ",
                                      w.in[i] + w.pad_begin[i] + w.pad_end[i], " in spatial dim ", i));
    }
    int64_t out = (ceil_mode ? (span + w.strides[i] - 1) / w.strides[i] : span / w.strides[i]) + 1;
    // PyTorch/ONNX ceil mode: a window may not start in the end padding.
    if (ceil_mode && (out - 1) * w.strides[i] >= w.in[i] + w.pad_begin[i]) --out;
    w.out[i] = out;
  }
  return w;
}

absl::StatusOr<std::vector<int64_t>> StaticShape(const KernelBuildContext& ctx, size_t i, bool output) {
  const ir::TensorInfo& info = output ? ctx.output_info(i) : ctx.input_info(i);
  auto sizes = info.shape.static_sizes();
  if (!sizes) {
    return ctx.Unsupported(absl::StrCat(output ? "output " : "input ", i, " has no static shape (",
                                        info.ToString(), ")"));
  }
  return *std::move(sizes);
}

absl::Status ExpectOutputShape(const KernelBuildContext& ctx, size_t i, const std::vector<int64_t>& expected) {
  auto actual = StaticShape(ctx, i, /*output=*/true);
  if (!actual.ok()) return actual.status();
  if (*actual != expected) {
    return ctx.Invalid(absl::StrCat("output ", i, " is [", absl::StrJoin(*actual, ","), "], expected [",
                                    absl::StrJoin(expected, ","), "]"));
  }
  return absl::OkStatus();
}

Window3 ToWindow3(const Window& w) {
  Window3 r;
  const int lead = 3 - w.rank();
  for (int i = 0; i < 3; ++i) {
    const int j = i - lead;
    const bool real = j >= 0;
    r.in[i] = real ? w.in[j] : 1;
    r.out[i] = real ? w.out[j] : 1;
    r.kernel[i] = real ? w.kernel[j] : 1;
    r.stride[i] = real ? w.strides[j] : 1;
    r.dilation[i] = real ? w.dilations[j] : 1;
    r.pad[i] = real ? w.pad_begin[j] : 0;
    r.pad_end[i] = real ? w.pad_end[j] : 0;
  }
  return r;
}

}  // namespace tandem::kernels::cpu::nn
