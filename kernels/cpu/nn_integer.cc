// Integer and quantized linear algebra on 8-bit operands: ConvInteger, MatMulInteger,
// QLinearConv and QLinearMatMul (reference kernels).
//
// Each run first subtracts the zero points into int32 copies (per tensor, per output channel
// for W, per row of A / column of B), so one int32 kernel serves every int8/uint8 mix. Sums are
// formed in 64 bits and wrap to int32 like ONNX Runtime's. The QLinear ops then requantize:
// y = saturate(round_half_even(acc · x_scale·w_scale / y_scale) + y_zero_point).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/nn_conv_params.h"
#include "kernels/cpu/nn_gemm.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_matmul_params.h"

namespace tandem::kernels::cpu::nn {
namespace {

bool IsInt8(ir::DType t) { return t == ir::DType::kUInt8 || t == ir::DType::kInt8; }

int32_t IntAt(const TensorView& v, int64_t i) {
  switch (v.dtype) {
    case ir::DType::kUInt8: return v.as<const uint8_t>()[i];
    case ir::DType::kInt8: return v.as<const int8_t>()[i];
    case ir::DType::kInt32: return v.as<const int32_t>()[i];
    default: return 0;
  }
}

// out[i] = v[i] - zero_point[(i / inner) % count] (count = zero point elements; none: 0).
void Center(const TensorView& v, const TensorView* zp, int64_t inner, int32_t* out) {
  const int64_t n = v.num_elements();
  const int64_t count = zp && zp->data ? zp->num_elements() : 0;
  for (int64_t i = 0; i < n; ++i) out[i] = IntAt(v, i) - (count ? IntAt(*zp, (i / inner) % count) : 0);
}

const TensorView* Optional(const KernelContext& ctx, size_t i) {
  return i < ctx.inputs.size() && ctx.inputs[i].data ? &ctx.inputs[i] : nullptr;
}

float ScaleAt(const TensorView& v, int64_t i) { return v.as<const float>()[v.num_elements() == 1 ? 0 : i]; }

// y[i] = saturate(nearbyint(acc[i] · scale(channel)) + zero_point) for an 8-bit y.
void Requantize(const int32_t* acc, int64_t n, int64_t inner, int64_t channels, const std::vector<float>& scales,
                const TensorView& y_zp, TensorView& y) {
  const int32_t zp = IntAt(y_zp, 0);
  const bool is_unsigned = y.dtype == ir::DType::kUInt8;
  const int32_t lo = is_unsigned ? 0 : -128, hi = is_unsigned ? 255 : 127;
  for (int64_t i = 0; i < n; ++i) {
    const float scale = scales[scales.size() == 1 ? 0 : (i / inner) % channels];
    const float r = std::nearbyint(static_cast<float>(acc[i]) * scale) + static_cast<float>(zp);
    const int32_t q = static_cast<int32_t>(std::min<float>(std::max<float>(r, lo), hi));
    if (is_unsigned) {
      y.as<uint8_t>()[i] = static_cast<uint8_t>(q);
    } else {
      y.as<int8_t>()[i] = static_cast<int8_t>(q);
    }
  }
}

// Direct int32 convolution over centered inputs, one (batch, output channel) plane per task.
void ConvInt32(const ConvParams& p, const int32_t* x, const int32_t* w, const int32_t* bias, int32_t* y,
               pthreadpool_t pool) {
  const Window3 g = ToWindow3(p.window);
  const int64_t in_plane = g.in[0] * g.in[1] * g.in[2], out_plane = g.out[0] * g.out[1] * g.out[2];
  const int64_t taps = g.kernel[0] * g.kernel[1] * g.kernel[2], cg = p.group_in();
  ParallelFor(pool, p.batch * p.out_channels, [&](int64_t plane) {
    const int64_t n = plane / p.out_channels, m = plane % p.out_channels, grp = m / p.group_out();
    int64_t o = 0;
    for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
        for (int64_t o2 = 0; o2 < g.out[2]; ++o2, ++o) {
          const int64_t s[3] = {o0 * g.stride[0] - g.pad[0], o1 * g.stride[1] - g.pad[1], o2 * g.stride[2] - g.pad[2]};
          int64_t acc = bias ? bias[m] : 0;
          for (int64_t ci = 0; ci < cg; ++ci) {
            const int32_t* xc = x + (n * p.in_channels + grp * cg + ci) * in_plane;
            const int32_t* wc = w + (m * cg + ci) * taps;
            for (int64_t k0 = TapBegin(s[0], g.dilation[0]); k0 < TapEnd(s[0], g.dilation[0], g.kernel[0], g.in[0]); ++k0)
              for (int64_t k1 = TapBegin(s[1], g.dilation[1]); k1 < TapEnd(s[1], g.dilation[1], g.kernel[1], g.in[1]); ++k1)
                for (int64_t k2 = TapBegin(s[2], g.dilation[2]); k2 < TapEnd(s[2], g.dilation[2], g.kernel[2], g.in[2]); ++k2) {
                  const int64_t i = ((s[0] + k0 * g.dilation[0]) * g.in[1] + s[1] + k1 * g.dilation[1]) * g.in[2] +
                                    s[2] + k2 * g.dilation[2];
                  acc += static_cast<int64_t>(xc[i]) * wc[(k0 * g.kernel[1] + k1) * g.kernel[2] + k2];
                }
          }
          y[plane * out_plane + o] = static_cast<int32_t>(static_cast<uint32_t>(acc));
        }
  });
}

// ConvInteger (quantized = false: inputs x, w, x_zp, w_zp; int32 out) and QLinearConv (inputs
// x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B; 8-bit out).
class IntegerConvKernel final : public CpuKernel {
 public:
  IntegerConvKernel(const ConvParams& p, bool quantized) : p_(p), quantized_(quantized) {
    x_.resize(static_cast<size_t>(p.batch * p.in_channels * p.window.in_size()));
    w_.resize(static_cast<size_t>(p.out_channels * p.group_in() * p.window.kernel_size()));
    if (quantized) acc_.resize(static_cast<size_t>(p.batch * p.out_channels * p.window.out_size()));
  }

  absl::Status Run(const KernelContext& ctx) override {
    const size_t xi = 0, wi = quantized_ ? 3 : 1, xz = 2, wz = quantized_ ? 5 : 3;
    Center(ctx.inputs[xi], Optional(ctx, xz), 1, x_.data());
    Center(ctx.inputs[wi], Optional(ctx, wz), p_.group_in() * p_.window.kernel_size(), w_.data());
    if (!quantized_) {
      ConvInt32(p_, x_.data(), w_.data(), nullptr, ctx.outputs[0].as<int32_t>(), ctx.threadpool);
      return absl::OkStatus();
    }
    const TensorView* bias = Optional(ctx, 8);
    ConvInt32(p_, x_.data(), w_.data(), bias ? bias->as<const int32_t>() : nullptr, acc_.data(), ctx.threadpool);
    std::vector<float> scales;
    const TensorView &x_scale = ctx.inputs[1], &w_scale = ctx.inputs[4], &y_scale = ctx.inputs[6];
    for (int64_t m = 0; m < w_scale.num_elements(); ++m) {
      scales.push_back(ScaleAt(x_scale, 0) * ScaleAt(w_scale, m) / ScaleAt(y_scale, 0));
    }
    Requantize(acc_.data(), static_cast<int64_t>(acc_.size()), p_.window.out_size(), p_.out_channels, scales,
               ctx.inputs[7], ctx.outputs[0]);
    return absl::OkStatus();
  }

  int64_t ScratchBytes() const override { return VectorBytes(x_, w_, acc_); }

 private:
  ConvParams p_;
  bool quantized_;
  std::vector<int32_t> x_, w_, acc_;
};

// MatMulInteger (inputs a, b, a_zp, b_zp; int32 out) and QLinearMatMul (a, a_scale, a_zp, b,
// b_scale, b_zp, y_scale, y_zp; 8-bit out). Zero points per tensor, per row of A or column of B.
class IntegerMatMulKernel final : public CpuKernel {
 public:
  IntegerMatMulKernel(MatMulParams p, bool quantized, int64_t a_elements, int64_t b_elements)
      : p_(std::move(p)), quantized_(quantized) {
    a_.resize(static_cast<size_t>(a_elements));
    b_.resize(static_cast<size_t>(b_elements));
    acc_.resize(p_.a_offsets.size() * static_cast<size_t>(p_.m * p_.n));
  }

  absl::Status Run(const KernelContext& ctx) override {
    const size_t ai = 0, bi = quantized_ ? 3 : 1, az = 2, bz = quantized_ ? 5 : 3;
    Center(ctx.inputs[ai], Optional(ctx, az), p_.k, a_.data());
    Center(ctx.inputs[bi], Optional(ctx, bz), 1, b_.data());
    int32_t* out = quantized_ ? acc_.data() : ctx.outputs[0].as<int32_t>();
    ParallelFor(ctx.threadpool, static_cast<int64_t>(p_.a_offsets.size()), [&](int64_t i) {
      GemmNaive<int32_t>(p_.m, p_.n, p_.k, 1, a_.data() + p_.a_offsets[i], p_.k, false, b_.data() + p_.b_offsets[i],
                         p_.n, false, 0, out + i * p_.m * p_.n, p_.n);
    });
    if (!quantized_) return absl::OkStatus();
    const float scale = ScaleAt(ctx.inputs[1], 0) * ScaleAt(ctx.inputs[4], 0) / ScaleAt(ctx.inputs[6], 0);
    Requantize(acc_.data(), static_cast<int64_t>(acc_.size()), 1, 1, {scale}, ctx.inputs[7], ctx.outputs[0]);
    return absl::OkStatus();
  }

  int64_t ScratchBytes() const override { return VectorBytes(a_, b_, acc_); }

 private:
  MatMulParams p_;
  bool quantized_;
  std::vector<int32_t> a_, b_, acc_;
};

// Scales must be float32 with one element (or, for QLinearConv's w_scale, one per channel).
absl::Status CheckScales(const KernelBuildContext& ctx, std::initializer_list<size_t> scales, int64_t channels) {
  for (size_t i : scales) {
    auto n = ctx.input_info(i).shape.num_elements();
    const bool per_channel_ok = i == 4 && channels > 0 && n == channels;
    if (ctx.input_info(i).dtype != ir::DType::kFloat32 || !n || (*n != 1 && !per_channel_ok)) {
      return ctx.Unsupported(absl::StrCat("input ", i, " must be a float32 scale per tensor"));
    }
  }
  return absl::OkStatus();
}

KernelOr MakeIntegerConv(const KernelBuildContext& ctx, bool quantized) {
  ConvInputs inputs{0, quantized ? 3u : 1u, quantized ? 8 : -1, /*same_dtype=*/false};
  auto p = ReadConvParams(ctx, inputs);
  if (!p.ok()) return p.status();
  if (!IsInt8(p->dtype) || !IsInt8(ctx.input_info(inputs.w).dtype)) return ctx.Unsupported("X and W must be int8/uint8");
  if (p->window.rank() > 3) return ctx.Unsupported("only 1-D to 3-D windows");
  if (quantized) {
    absl::Status s = CheckScales(ctx, {1, 4, 6}, p->out_channels);
    if (!s.ok()) return s;
    if (!IsInt8(ctx.output_info(0).dtype) || !ctx.has_input(7)) return ctx.Unsupported("y must be int8/uint8");
  }
  return std::make_unique<IntegerConvKernel>(*p, quantized);
}

KernelOr MakeIntegerMatMul(const KernelBuildContext& ctx, bool quantized) {
  const size_t b_input = quantized ? 3 : 1;
  auto p = ReadMatMulParams(ctx, 0, b_input, /*same_dtype=*/false);
  if (!p.ok()) return p.status();
  if (!IsInt8(p->dtype) || !IsInt8(ctx.input_info(b_input).dtype)) return ctx.Unsupported("A and B must be int8/uint8");
  if (quantized) {
    absl::Status s = CheckScales(ctx, {1, 4, 6}, 0);
    if (!s.ok()) return s;
    if (!IsInt8(ctx.output_info(0).dtype) || !ctx.has_input(7)) return ctx.Unsupported("y must be int8/uint8");
  }
  const int64_t a_elements = *ctx.input_info(0).shape.num_elements();
  const int64_t b_elements = *ctx.input_info(b_input).shape.num_elements();
  return std::make_unique<IntegerMatMulKernel>(*std::move(p), quantized, a_elements, b_elements);
}

}  // namespace

KernelOr MakeConvInteger(const KernelBuildContext& ctx) { return MakeIntegerConv(ctx, false); }
KernelOr MakeQLinearConv(const KernelBuildContext& ctx) { return MakeIntegerConv(ctx, true); }
KernelOr MakeMatMulInteger(const KernelBuildContext& ctx) { return MakeIntegerMatMul(ctx, false); }
KernelOr MakeQLinearMatMul(const KernelBuildContext& ctx) { return MakeIntegerMatMul(ctx, true); }

}  // namespace tandem::kernels::cpu::nn
