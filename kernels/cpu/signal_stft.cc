// STFT (opset 17): inputs (signal [batch, length, 1 or 2], frame_step, window? [frame_length],
// frame_length?), attribute onesided (default 1). Frame f of batch b is
//   signal[b, f·frame_step + j] · window[j],   j < frame_length
// (a rectangular window when none is given), and its DFT of length frame_length fills
// output[b, f] ([batch, frames, bins, 2], bins = frame_length/2 + 1 when onesided, else
// frame_length); frames = (length - frame_length) / frame_step + 1. frame_length comes from the
// frame_length input or, without it, the window's length; both must agree when both are given.
// Scalars may be run-time inputs; everything is checked against the output's static shape.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/lambda_kernel.h"
#include "kernels/cpu/signal_fft.h"
#include "kernels/cpu/signal_kernels.h"

namespace tandem::kernels::cpu::signal {
namespace {

struct StftShape {
  int64_t batch, length, channels;  // signal
  int64_t frames, bins;             // output
  bool onesided;
};

// frame_length from the inputs, checked against the window, the signal and the output.
absl::StatusOr<int64_t> ResolveFrames(const StftShape& s, const KernelContext& k, int64_t* step) {
  TANDEM_ASSIGN_OR_RETURN(*step, ScalarInt(k.inputs[1], "frame_step"));
  if (*step < 1) return absl::InvalidArgumentError(absl::StrCat("frame_step ", *step, " must be positive"));
  const bool has_window = k.inputs.size() > 2 && k.inputs[2].data != nullptr;
  const bool has_length = k.inputs.size() > 3 && k.inputs[3].data != nullptr;
  int64_t frame_length = 0;
  if (has_length) {
    TANDEM_ASSIGN_OR_RETURN(frame_length, ScalarInt(k.inputs[3], "frame_length"));
  }
  if (has_window) {
    const TensorView& w = k.inputs[2];
    if (w.dims.size() != 1) return absl::InvalidArgumentError("the window must be 1-D");
    if (has_length && w.dims[0] != frame_length) {
      return absl::InvalidArgumentError(absl::StrCat("the window's length ", w.dims[0],
                                                     " disagrees with frame_length ", frame_length));
    }
    frame_length = w.dims[0];
  }
  if (!has_window && !has_length) {
    return absl::InvalidArgumentError("needs a window or a frame_length input");
  }
  if (frame_length < 1 || frame_length > s.length) {
    return absl::InvalidArgumentError(absl::StrCat("frame_length ", frame_length,
                                                   " must be in [1, ", s.length, "]"));
  }
  const int64_t frames = (s.length - frame_length) / *step + 1;
  const int64_t bins = s.onesided ? frame_length / 2 + 1 : frame_length;
  if (frames != s.frames || bins != s.bins) {
    return absl::InvalidArgumentError(absl::StrCat(
        "frame_length ", frame_length, " and frame_step ", *step, " give ", frames, " frames of ",
        bins, " bins, but the output holds ", s.frames, " of ", s.bins));
  }
  return frame_length;
}

template <typename T>
void RunFrames(const StftShape& s, int64_t step, int64_t frame_length, const T* x,
               const TensorView* window, T* y, pthreadpool_t pool) {
  std::vector<double> w(static_cast<size_t>(frame_length), 1.0);
  if (window) {
    for (int64_t j = 0; j < frame_length; ++j) w[j] = LoadDouble(window->dtype, window->data, j);
  }
  const FftPlan fft(frame_length, /*inverse=*/false);
  ParallelForRange(pool, s.batch * s.frames, std::max<int64_t>(1, 16384 / frame_length),
                   [&](int64_t b, int64_t e) {
                     std::vector<Complex> buf(static_cast<size_t>(frame_length));
                     FftScratch scratch;
                     for (int64_t t = b; t < e; ++t) {
                       const int64_t batch = t / s.frames, f = t % s.frames;
                       const T* p = x + (batch * s.length + f * step) * s.channels;
                       for (int64_t j = 0; j < frame_length; ++j) {
                         const double im = s.channels == 2 ? Widen(p[j * 2 + 1]) : 0.0;
                         buf[j] = Complex(Widen(p[j * s.channels]), im) * w[j];
                       }
                       fft.Transform(buf.data(), scratch);
                       T* q = y + t * s.bins * 2;
                       for (int64_t k = 0; k < s.bins; ++k) {
                         q[2 * k] = Narrow<T>(buf[k].real());
                         q[2 * k + 1] = Narrow<T>(buf[k].imag());
                       }
                     }
                   });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeStft(const KernelBuildContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1) || ctx.num_outputs() != 1) {
    return ctx.Invalid("needs signal and frame_step inputs and one output");
  }
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (!IsFloatingDType(dtype)) return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  if (ctx.output_info(0).dtype != dtype) return ctx.Invalid("the output dtype must match the signal's");
  if (ctx.has_input(2) && !IsFloatingDType(ctx.input_info(2).dtype)) {
    return ctx.Invalid("the window must be floating point");
  }
  if (!ctx.has_input(2) && !ctx.has_input(3)) return ctx.Invalid("needs a window or a frame_length input");
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticDimsOf(ctx, ctx.input_info(0), "signal"));
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticDimsOf(ctx, ctx.output_info(0), "output"));
  if (in.size() != 3 || (in[2] != 1 && in[2] != 2)) {
    return ctx.Invalid("the signal must be [batch, length, 1 or 2]");
  }
  if (out.size() != 4 || out[0] != in[0] || out[3] != 2) {
    return ctx.Invalid("the output must be [batch, frames, bins, 2]");
  }
  const StftShape s{in[0], in[1], in[2], out[1], out[2], ctx.node().GetInt("onesided", 1) != 0};
  if (s.onesided && s.channels == 2) return ctx.Invalid("onesided needs a real signal");
  return MakeLambdaKernel([s, dtype](const KernelContext& k) -> absl::Status {
    int64_t step = 0;
    TANDEM_ASSIGN_OR_RETURN(int64_t frame_length, ResolveFrames(s, k, &step));
    if (s.batch * s.frames == 0) return absl::OkStatus();
    const TensorView* window = k.inputs.size() > 2 && k.inputs[2].data ? &k.inputs[2] : nullptr;
    DispatchFloating(dtype, [&](auto tag) {
      using T = decltype(tag);
      RunFrames(s, step, frame_length, k.inputs[0].as<const T>(), window, k.outputs[0].as<T>(),
                k.threadpool);
    });
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterStftKernels(KernelRegistry& r) { r.Register("STFT", MakeStft); }

}  // namespace tandem::kernels::cpu::signal
