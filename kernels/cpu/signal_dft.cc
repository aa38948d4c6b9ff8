// DFT, in both ONNX forms:
//   opset 17: inputs (input, dft_length?), attributes axis (default 1), inverse, onesided;
//   opset 20: inputs (input, dft_length?, axis?) with axis a scalar input (default -2).
// The form is the graph's default-domain opset (>= 20: the new form); a node with a third input
// is always the new form. The input is [..., n_in, ..., c] with c = 1 (real) or 2 (complex);
// axis counts every dimension, including the trailing c, and may be negative; it must name a
// signal dimension (not c). The transform length n is dft_length when given (the signal is
// truncated or zero-padded along the axis) and n_in otherwise. The output has the input's dims
// with n (onesided: n/2 + 1 leading bins) along the axis and c = 2. inverse computes
// numpy.fft.ifft; with onesided it keeps the first n/2 + 1 values of that full transform, as the
// ONNX reference does.
//
// Each (outer, inner) line is transformed independently by one FftPlan (signal_fft.h), lines in
// parallel. When dft_length and axis are run-time inputs the plan is made on each run.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/lambda_kernel.h"
#include "kernels/cpu/signal_fft.h"
#include "kernels/cpu/signal_kernels.h"

namespace tandem::kernels::cpu::signal {
namespace {

struct DftShape {
  int64_t outer = 1, n_in = 0, inner = 1, in_c = 1;
  int64_t n = 0, n_out = 0;
};

std::string DimsText(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) absl::StrAppend(&s, i ? "," : "", d[i]);
  return s + "]";
}

// Checks the shapes and resolves the axis and length. Errors are InvalidArgument without the
// node's name (callers at build time add it).
absl::StatusOr<DftShape> PlanDft(const Dims& in, const Dims& out, int64_t axis,
                                 std::optional<int64_t> dft_length, bool onesided) {
  const int64_t rank = static_cast<int64_t>(in.size());
  if (rank < 2 || (in.back() != 1 && in.back() != 2)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the input must be [..., 1 or 2] with rank >= 2, got ", DimsText(in)));
  }
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a > rank - 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("axis ", axis, " does not name a signal dimension of ", DimsText(in)));
  }
  DftShape s;
  for (int64_t d = 0; d < a; ++d) s.outer *= in[d];
  for (int64_t d = a + 1; d < rank - 1; ++d) s.inner *= in[d];
  s.n_in = in[a];
  s.in_c = in.back();
  s.n = dft_length.value_or(s.n_in);
  if (s.n < 1) return absl::InvalidArgumentError(absl::StrCat("dft_length ", s.n, " must be positive"));
  s.n_out = onesided ? s.n / 2 + 1 : s.n;
  Dims expected = in;
  expected[a] = s.n_out;
  expected.back() = 2;
  if (expected != out) {
    return absl::InvalidArgumentError(absl::StrCat("the output shape ", DimsText(out),
                                                   " should be ", DimsText(expected)));
  }
  return s;
}

template <typename T>
void RunLines(const DftShape& s, const FftPlan& fft, const T* x, T* y, pthreadpool_t pool) {
  const int64_t lines = s.outer * s.inner;
  const int64_t copy = std::min(s.n, s.n_in);
  ParallelForRange(pool, lines, std::max<int64_t>(1, 16384 / s.n), [&](int64_t b, int64_t e) {
    std::vector<Complex> buf(static_cast<size_t>(s.n));
    FftScratch scratch;
    for (int64_t line = b; line < e; ++line) {
      const int64_t o = line / s.inner, i = line % s.inner;
      std::fill(buf.begin(), buf.end(), Complex(0, 0));
      for (int64_t j = 0; j < copy; ++j) {
        const T* p = x + ((o * s.n_in + j) * s.inner + i) * s.in_c;
        buf[j] = Complex(Widen(p[0]), s.in_c == 2 ? Widen(p[1]) : 0.0);
      }
      fft.Transform(buf.data(), scratch);
      for (int64_t k = 0; k < s.n_out; ++k) {
        T* q = y + ((o * s.n_out + k) * s.inner + i) * 2;
        q[0] = Narrow<T>(buf[k].real());
        q[1] = Narrow<T>(buf[k].imag());
      }
    }
  });
}

struct DftConfig {
  ir::DType dtype;
  Dims in, out;
  bool inverse, onesided;
  int64_t axis;                 // when the axis is not a run-time input
  bool axis_input = false;      // opset 20 with a non-constant axis input
  bool length_input = false;    // a non-constant dft_length input
  std::optional<int64_t> dft_length;  // a constant dft_length
};

absl::Status RunDft(const DftConfig& c, const std::optional<DftShape>& planned,
                    const std::shared_ptr<const FftPlan>& planned_fft, const KernelContext& k) {
  DftShape s;
  std::shared_ptr<const FftPlan> fft = planned_fft;
  if (planned) {
    s = *planned;
  } else {
    int64_t axis = c.axis;
    std::optional<int64_t> length = c.dft_length;
    if (c.axis_input) {
      TANDEM_ASSIGN_OR_RETURN(axis, ScalarInt(k.inputs[2], "axis"));
    }
    if (c.length_input) {
      TANDEM_ASSIGN_OR_RETURN(length, ScalarInt(k.inputs[1], "dft_length"));
    }
    TANDEM_ASSIGN_OR_RETURN(s, PlanDft(c.in, c.out, axis, length, c.onesided));
    fft = std::make_shared<FftPlan>(s.n, c.inverse);
  }
  if (s.outer * s.inner * s.n_out == 0) return absl::OkStatus();
  DispatchFloating(c.dtype, [&](auto tag) {
    using T = decltype(tag);
    RunLines(s, *fft, k.inputs[0].as<const T>(), k.outputs[0].as<T>(), k.threadpool);
  });
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeDft(const KernelBuildContext& ctx) {
  if (!ctx.has_input(0) || ctx.num_outputs() != 1) return ctx.Invalid("needs an input and one output");
  DftConfig c;
  c.dtype = ctx.input_info(0).dtype;
  if (!IsFloatingDType(c.dtype)) return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(c.dtype)));
  if (ctx.output_info(0).dtype != c.dtype) return ctx.Invalid("the output dtype must match the input's");
  TANDEM_ASSIGN_OR_RETURN(c.in, StaticDimsOf(ctx, ctx.input_info(0), "input"));
  TANDEM_ASSIGN_OR_RETURN(c.out, StaticDimsOf(ctx, ctx.output_info(0), "output"));
  c.inverse = ctx.node().GetInt("inverse", 0) != 0;
  c.onesided = ctx.node().GetInt("onesided", 0) != 0;
  const bool opset20 = ctx.graph().opset("") >= 20 || ctx.num_inputs() >= 3;
  c.axis = opset20 ? -2 : ctx.node().GetInt("axis", 1);
  if (opset20 && ctx.has_input(2)) {
    if (const ir::Tensor* t = ctx.constant_input(2)) {
      auto axis = ScalarInt(ViewOf(*t), "axis");
      if (!axis.ok()) return ctx.Invalid(std::string(axis.status().message()));
      c.axis = *axis;
    } else {
      c.axis_input = true;
    }
  }
  if (ctx.has_input(1)) {
    if (const ir::Tensor* t = ctx.constant_input(1)) {
      auto length = ScalarInt(ViewOf(*t), "dft_length");
      if (!length.ok()) return ctx.Invalid(std::string(length.status().message()));
      c.dft_length = *length;
    } else {
      c.length_input = true;
    }
  }
  std::optional<DftShape> planned;
  std::shared_ptr<const FftPlan> fft;
  if (!c.axis_input && !c.length_input) {
    auto s = PlanDft(c.in, c.out, c.axis, c.dft_length, c.onesided);
    if (!s.ok()) return ctx.Invalid(std::string(s.status().message()));
    planned = *s;
    fft = std::make_shared<FftPlan>(s->n, c.inverse);
  }
  return MakeLambdaKernel([c, planned, fft](const KernelContext& k) { return RunDft(c, planned, fft, k); });
}

}  // namespace

void RegisterDftKernels(KernelRegistry& r) { r.Register("DFT", MakeDft); }

}  // namespace tandem::kernels::cpu::signal
