// Conv and ConvTranspose on XNNPACK's NHWC operators (float32, 1-D and 2-D, constant weights).
//
// Build time: the weights are repacked once from ONNX's channels-first layout to XNNPACK's
// [output channels, taps, input channels], the operator is created with the static shapes, and
// the NHWC scratch buffers are allocated. Run: NCHW input → NHWC scratch, setup + run, NHWC
// scratch → NCHW output. A 1-D window is a 2-D one with height 1.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/nn_conv_params.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_layout.h"
#include "kernels/cpu/xnn_status.h"

namespace tandem::kernels::cpu::nn {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr size_t kXnnPadFloats = XNN_EXTRA_BYTES / sizeof(float);

// ONNX Conv weights [M, C/g, taps] → XNNPACK [M, taps, C/g].
std::vector<float> PackConvWeights(const float* w, const ConvParams& p) {
  const int64_t taps = p.window.kernel_size(), cg = p.group_in();
  std::vector<float> packed(static_cast<size_t>(p.out_channels * taps * cg));
  for (int64_t o = 0; o < p.out_channels; ++o)
    for (int64_t i = 0; i < cg; ++i)
      for (int64_t k = 0; k < taps; ++k) packed[(o * taps + k) * cg + i] = w[(o * cg + i) * taps + k];
  return packed;
}

// ONNX ConvTranspose weights [g*Cg, Mg, taps] → XNNPACK [g*Mg, taps, Cg].
std::vector<float> PackDeconvWeights(const float* w, const ConvParams& p) {
  const int64_t taps = p.window.kernel_size(), cg = p.group_in(), mg = p.group_out();
  std::vector<float> packed(static_cast<size_t>(p.out_channels * taps * cg));
  for (int64_t g = 0; g < p.groups; ++g)
    for (int64_t i = 0; i < cg; ++i)
      for (int64_t m = 0; m < mg; ++m)
        for (int64_t k = 0; k < taps; ++k) {
          packed[((g * mg + m) * taps + k) * cg + i] = w[((g * cg + i) * mg + m) * taps + k];
        }
  return packed;
}

class XnnConvKernel final : public CpuKernel {
 public:
  XnnConvKernel(std::string name, const ConvParams& p, XnnOperatorPtr op, bool deconv, uint32_t adj_h,
                uint32_t adj_w)
      : name_(std::move(name)), p_(p), w_(ToWindow3(p.window)), op_(std::move(op)), deconv_(deconv),
        adj_h_(adj_h), adj_w_(adj_w) {
    in_.resize(static_cast<size_t>(p.batch * p.in_channels * p.window.in_size()) + kXnnPadFloats);
    // NHWC and NCHW agree when there is one output channel or one output pixel.
    direct_out_ = p.out_channels == 1 || p.window.out_size() == 1;
    if (!direct_out_) out_.resize(static_cast<size_t>(p.batch * p.out_channels * p.window.out_size()));
  }

  bool ReadsInputAtRun(size_t input) const override { return input == 0; }  // W, B are packed

  ChannelsLast channels_last_support() const override { return ChannelsLast::kInput0; }
  void SetChannelsLast(bool input0, bool output0) override {
    in_nhwc_ = input0;
    out_nhwc_ = output0;
    if (in_nhwc_) std::vector<float>().swap(in_);  // arena buffers carry XNNPACK's read-past-end slack
    if (out_nhwc_) std::vector<float>().swap(out_);
  }
  bool fused_clamp() const override { return fused_clamp_; }
  void MarkClampFused() { fused_clamp_ = true; }

  absl::Status Run(const KernelContext& ctx) override {
    if (ctx.outputs[0].num_elements() == 0) return absl::OkStatus();
    pthreadpool_t pool = ctx.threadpool;
    const float* x = ctx.inputs[0].as<const float>();
    if (!in_nhwc_) {
      NchwToNhwc(x, in_.data(), p_.batch, p_.in_channels, p_.window.in_size(), pool);
      x = in_.data();
    }
    float* y = ctx.outputs[0].as<float>();
    const bool to_nchw = !out_nhwc_ && !direct_out_;
    float* out = to_nchw ? out_.data() : y;
    const size_t n = static_cast<size_t>(p_.batch), h = static_cast<size_t>(w_.in[1]);
    const size_t w = static_cast<size_t>(w_.in[2]);
    xnn_status s = deconv_ ? xnn_setup_deconvolution2d_nhwc_f32(op_.get(), n, h, w, adj_h_, adj_w_, x, out, pool)
                           : xnn_setup_convolution2d_nhwc_f32(op_.get(), n, h, w, x, out, pool);
    absl::Status status = XnnRunStatus(s, name_, deconv_ ? "deconvolution setup" : "convolution setup");
    if (!status.ok()) return status;
    status = XnnRunStatus(xnn_run_operator(op_.get(), pool), name_, "operator run");
    if (!status.ok()) return status;
    if (to_nchw) NhwcToNchw(out_.data(), y, p_.batch, p_.out_channels, p_.window.out_size(), pool);
    return absl::OkStatus();
  }

  int64_t ScratchBytes() const override { return VectorBytes(in_, out_); }

 private:
  std::string name_;
  ConvParams p_;
  Window3 w_;  // the 2-D window lives in dims 1 (height) and 2 (width)
  XnnOperatorPtr op_;
  bool deconv_;
  uint32_t adj_h_, adj_w_;
  bool direct_out_ = false;
  bool in_nhwc_ = false, out_nhwc_ = false;  // SetChannelsLast
  bool fused_clamp_ = false;
  std::vector<float> in_, out_;  // NHWC scratch; in_ has XNNPACK's read-past-end slack
};

// The checks both XNNPACK kernels share; on success `weights` and `bias` point at the constants.
absl::Status CheckXnnConv(const KernelBuildContext& ctx, const ConvParams& p, const float** weights,
                          const float** bias) {
  if (p.dtype != ir::DType::kFloat32) return ctx.Unsupported("XNNPACK path is float32 only");
  if (p.window.rank() > 2) return ctx.Unsupported("XNNPACK path is 1-D/2-D only");
  const ir::Tensor* w = ctx.constant_input(1);
  const ir::Tensor* b = p.has_bias ? ctx.constant_input(2) : nullptr;
  if (w == nullptr || (p.has_bias && b == nullptr)) {
    return ctx.Unsupported("XNNPACK path needs constant weights and bias");
  }
  const Window3 w3 = ToWindow3(p.window);
  for (int i = 1; i < 3; ++i) {
    for (int64_t v : {w3.in[i], w3.out[i], w3.kernel[i], w3.stride[i], w3.dilation[i]}) {
      if (v > std::numeric_limits<int32_t>::max()) return ctx.Unsupported("window too large for XNNPACK");
    }
  }
  *weights = w->values<float>().data();
  *bias = b ? b->values<float>().data() : nullptr;
  return XnnInitialize(ctx.node().Describe());
}

}  // namespace

KernelOr MakeXnnConv(const KernelBuildContext& ctx) {
  auto p = ReadConvParams(ctx);
  if (!p.ok()) return p.status();
  const float *w = nullptr, *b = nullptr;
  absl::Status s = CheckXnnConv(ctx, *p, &w, &b);
  if (!s.ok()) return s;
  const Window3 g = ToWindow3(p->window);
  std::vector<float> packed = PackConvWeights(w, *p);
  // A Relu or Clip after the convolution becomes XNNPACK's output clamp.
  const FusedClamp clamp = ctx.requested_clamp().value_or(FusedClamp{-kInf, kInf});
  xnn_operator_t op = nullptr;
  s = XnnCreateStatus(
      xnn_create_convolution2d_nhwc_f32(
          g.pad[1], g.pad_end[2], g.pad_end[1], g.pad[2], g.kernel[1], g.kernel[2], g.stride[1], g.stride[2],
          g.dilation[1], g.dilation[2], p->groups, p->group_in(), p->group_out(), p->in_channels,
          p->out_channels, packed.data(), b, clamp.min, clamp.max, /*flags=*/0, &op),
      ctx.node().Describe(), "convolution creation");
  XnnOperatorPtr owned(op);
  if (!s.ok()) return s;
  auto kernel = std::make_unique<XnnConvKernel>(ctx.node().Describe(), *p, std::move(owned), false, 0, 0);
  if (ctx.requested_clamp()) kernel->MarkClampFused();
  return kernel;
}

KernelOr MakeXnnConvTranspose(const KernelBuildContext& ctx) {
  auto p = ReadConvTransposeParams(ctx);
  if (!p.ok()) return p.status();
  const float *w = nullptr, *b = nullptr;
  absl::Status s = CheckXnnConv(ctx, *p, &w, &b);
  if (!s.ok()) return s;
  Window3 g = ToWindow3(p->window);
  // XNNPACK computes out = full + adjustment - pad_top - pad_bottom (full: the kernel's reach
  // without output_padding) with non-negative pads and 0 <= adjustment < stride. output_padding
  // and a negative end pad (output_shape beyond the kernel's reach) both become the adjustment.
  int64_t adj[3] = {0, 0, 0};
  for (int i = 1; i < 3; ++i) {
    if (g.pad[i] < 0) return ctx.Unsupported("negative begin padding");
    g.pad_end[i] = std::max<int64_t>(g.pad_end[i], 0);
    const int64_t full = g.stride[i] * (g.in[i] - 1) + (g.kernel[i] - 1) * g.dilation[i] + 1;
    adj[i] = g.out[i] - (full - g.pad[i] - g.pad_end[i]);
    if (adj[i] < 0 || adj[i] >= g.stride[i]) return ctx.Unsupported("output adjustment not below the stride");
  }
  std::vector<float> packed = PackDeconvWeights(w, *p);
  xnn_operator_t op = nullptr;
  s = XnnCreateStatus(
      xnn_create_deconvolution2d_nhwc_f32(
          g.pad[1], g.pad_end[2], g.pad_end[1], g.pad[2], g.kernel[1], g.kernel[2], g.stride[1], g.stride[2],
          g.dilation[1], g.dilation[2], p->groups, p->group_in(), p->group_out(), p->in_channels,
          p->out_channels, packed.data(), b, -kInf, kInf, /*flags=*/0, &op),
      ctx.node().Describe(), "deconvolution creation");
  XnnOperatorPtr owned(op);
  if (!s.ok()) return s;
  return std::make_unique<XnnConvKernel>(ctx.node().Describe(), *p, std::move(owned), true,
                                         static_cast<uint32_t>(adj[1]), static_cast<uint32_t>(adj[2]));
}

}  // namespace tandem::kernels::cpu::nn
