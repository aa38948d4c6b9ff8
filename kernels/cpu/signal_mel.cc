// MelWeightMatrix (opset 17): a [dft_length/2 + 1, num_mel_bins] matrix of triangular filters
// that maps a onesided magnitude spectrum to mel bins, computed as the ONNX reference does:
//   1. num_mel_bins + 2 points equally spaced on the mel scale, mel = 2595·log10(1 + hz/700),
//      from lower_edge_hertz in steps of (mel(upper) - mel(lower)) / (num_mel_bins + 2);
//   2. each point back to hertz and to a spectrogram row floor((dft_length + 1)·hz / sample_rate);
//   3. filter i rises linearly from row p[i] to p[i+1] and falls from p[i+1] to p[i+2].
// Rows that land outside the matrix (edges beyond the Nyquist frequency, negative edges) are
// skipped rather than written out of bounds. Every input may be a run-time scalar; the output's
// static shape must match them.
#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/lambda_kernel.h"
#include "kernels/cpu/signal_kernels.h"

namespace tandem::kernels::cpu::signal {
namespace {

double HzToMel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double MelToHz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

absl::StatusOr<double> ScalarFloat(const TensorView& v, const char* what) {
  if (v.data == nullptr || v.num_elements() != 1 || !IsFloatingDType(v.dtype)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must be a floating-point scalar"));
  }
  return LoadDouble(v.dtype, v.data, 0);
}

// Fills y (rows × bins, zeroed here) with the filters.
absl::Status FillMelMatrix(const KernelContext& k, ir::DType out_type, int64_t rows, int64_t bins) {
  TANDEM_ASSIGN_OR_RETURN(int64_t num_mel_bins, ScalarInt(k.inputs[0], "num_mel_bins"));
  TANDEM_ASSIGN_OR_RETURN(int64_t dft_length, ScalarInt(k.inputs[1], "dft_length"));
  TANDEM_ASSIGN_OR_RETURN(int64_t sample_rate, ScalarInt(k.inputs[2], "sample_rate"));
  TANDEM_ASSIGN_OR_RETURN(double lower, ScalarFloat(k.inputs[3], "lower_edge_hertz"));
  TANDEM_ASSIGN_OR_RETURN(double upper, ScalarFloat(k.inputs[4], "upper_edge_hertz"));
  if (num_mel_bins <= 0 || dft_length <= 0 || sample_rate <= 0) {
    return absl::InvalidArgumentError("num_mel_bins, dft_length and sample_rate must be positive");
  }
  if (num_mel_bins != bins || dft_length / 2 + 1 != rows) {
    return absl::InvalidArgumentError(absl::StrCat(
        "num_mel_bins = ", num_mel_bins, " and dft_length = ", dft_length,
        " disagree with the output shape [", rows, ",", bins, "]"));
  }
  if (!std::isfinite(lower) || !std::isfinite(upper)) {
    return absl::InvalidArgumentError("the edge frequencies must be finite");
  }
  const double low_mel = HzToMel(lower), high_mel = HzToMel(upper);
  const double step = (high_mel - low_mel) / static_cast<double>(num_mel_bins + 2);
  std::vector<int64_t> points(static_cast<size_t>(num_mel_bins + 2));
  for (size_t i = 0; i < points.size(); ++i) {
    const double hz = MelToHz(low_mel + step * static_cast<double>(i));
    points[i] = static_cast<int64_t>(
        std::floor(static_cast<double>(dft_length + 1) * hz / static_cast<double>(sample_rate)));
  }
  std::vector<double> y(static_cast<size_t>(rows * bins), 0.0);
  auto set = [&](int64_t row, int64_t col, double v) {
    if (row >= 0 && row < rows) y[row * bins + col] = v;
  };
  for (int64_t i = 0; i < num_mel_bins; ++i) {
    const int64_t left = points[i], center = points[i + 1], right = points[i + 2];
    if (center == left) {
      set(center, i, 1.0);
    } else {
      for (int64_t j = std::max<int64_t>(left, -1); j <= std::min(center, rows); ++j) {
        set(j, i, static_cast<double>(j - left) / static_cast<double>(center - left));
      }
    }
    for (int64_t j = std::max<int64_t>(center, -1); j < std::min(right, rows); ++j) {
      set(j, i, static_cast<double>(right - j) / static_cast<double>(right - center));
    }
  }
  for (int64_t i = 0; i < rows * bins; ++i) StoreDouble(out_type, k.outputs[0].data, i, y[i]);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeMel(const KernelBuildContext& ctx) {
  if (ctx.num_inputs() != 5 || ctx.num_outputs() != 1) return ctx.Invalid("needs 5 inputs and 1 output");
  for (size_t i = 0; i < 5; ++i) {
    if (!ctx.has_input(i)) return ctx.Invalid(absl::StrCat("input ", i, " is missing"));
  }
  const ir::DType out_type = ctx.output_info(0).dtype;
  if (out_type == ir::DType::kBool || !Dispatch(out_type, [](auto) {})) {
    return ctx.Unsupported(absl::StrCat("output dtype ", ir::DTypeName(out_type)));
  }
  for (size_t i = 3; i < 5; ++i) {
    if (!IsFloatingDType(ctx.input_info(i).dtype)) return ctx.Invalid("the edge frequencies must be floating point");
  }
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticDimsOf(ctx, ctx.output_info(0), "output"));
  if (out.size() != 2) return ctx.Invalid("the output must be 2-D");
  const int64_t rows = out[0], bins = out[1];
  return MakeLambdaKernel([=](const KernelContext& k) -> absl::Status {
    return FillMelMatrix(k, out_type, rows, bins);
  });
}

}  // namespace

void RegisterMelKernels(KernelRegistry& r) { r.Register("MelWeightMatrix", MakeMel); }

}  // namespace tandem::kernels::cpu::signal
