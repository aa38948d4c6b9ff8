// MaxPool and AveragePool on XNNPACK's NHWC operators (float32, 1-D/2-D windows). NCHW input is
// transposed into an NHWC scratch buffer and the result back, as for Conv.
//
// ceil_mode becomes extra end padding. That is exact for MaxPool (XNNPACK repeats edge pixels
// into the padding, which never changes a maximum) and for AveragePool with
// count_include_pad = 0 (XNNPACK divides by the number of real pixels once there is any
// padding). AveragePool counting padding, and MaxPool's Indices output, run on the reference
// kernels.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_layout.h"
#include "kernels/cpu/nn_pool_params.h"
#include "kernels/cpu/xnn_status.h"

namespace tandem::kernels::cpu::nn {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr size_t kXnnPadFloats = XNN_EXTRA_BYTES / sizeof(float);

using SetupFn = xnn_status (*)(xnn_operator_t, size_t, size_t, size_t, const float*, float*, pthreadpool_t);

class XnnPoolKernel final : public CpuKernel {
 public:
  XnnPoolKernel(std::string name, const PoolParams& p, XnnOperatorPtr op, SetupFn setup)
      : name_(std::move(name)), p_(p), w_(ToWindow3(p.window)), op_(std::move(op)), setup_(setup) {
    in_.resize(static_cast<size_t>(p.batch * p.channels * p.window.in_size()) + kXnnPadFloats);
    direct_out_ = p.channels == 1 || p.window.out_size() == 1;
    if (!direct_out_) out_.resize(static_cast<size_t>(p.batch * p.channels * p.window.out_size()));
  }

  ChannelsLast channels_last_support() const override { return ChannelsLast::kInput0; }
  void SetChannelsLast(bool input0, bool output0) override {
    in_nhwc_ = input0;
    out_nhwc_ = output0;
    if (in_nhwc_) std::vector<float>().swap(in_);  // arena buffers carry XNNPACK's read-past-end slack
    if (out_nhwc_) std::vector<float>().swap(out_);
  }

  absl::Status Run(const KernelContext& ctx) override {
    if (ctx.outputs[0].num_elements() == 0) return absl::OkStatus();
    pthreadpool_t pool = ctx.threadpool;
    const float* x = ctx.inputs[0].as<const float>();
    if (!in_nhwc_) {
      NchwToNhwc(x, in_.data(), p_.batch, p_.channels, p_.window.in_size(), pool);
      x = in_.data();
    }
    float* y = ctx.outputs[0].as<float>();
    const bool to_nchw = !out_nhwc_ && !direct_out_;
    float* out = to_nchw ? out_.data() : y;
    absl::Status s = XnnRunStatus(setup_(op_.get(), static_cast<size_t>(p_.batch), static_cast<size_t>(w_.in[1]),
                                         static_cast<size_t>(w_.in[2]), x, out, pool),
                                  name_, "pooling setup");
    if (!s.ok()) return s;
    s = XnnRunStatus(xnn_run_operator(op_.get(), pool), name_, "pooling run");
    if (!s.ok()) return s;
    if (to_nchw) NhwcToNchw(out_.data(), y, p_.batch, p_.channels, p_.window.out_size(), pool);
    return absl::OkStatus();
  }

  int64_t ScratchBytes() const override { return VectorBytes(in_, out_); }

 private:
  std::string name_;
  PoolParams p_;
  Window3 w_;
  XnnOperatorPtr op_;
  SetupFn setup_;
  bool direct_out_ = false;
  bool in_nhwc_ = false, out_nhwc_ = false;  // SetChannelsLast
  std::vector<float> in_, out_;
};

// Checks what both pooling operators need and returns the window with ceil_mode's overhang
// folded into pad_end, so that XNNPACK's floor rounding yields the ONNX output size.
absl::StatusOr<Window3> XnnPoolWindow(const KernelBuildContext& ctx, const PoolParams& p) {
  if (p.dtype != ir::DType::kFloat32) return ctx.Unsupported("XNNPACK path is float32 only");
  if (p.window.rank() > 2) return ctx.Unsupported("XNNPACK path is 1-D/2-D only");
  Window3 w = ToWindow3(p.window);
  for (int i = 1; i < 3; ++i) {
    const int64_t eff = (w.kernel[i] - 1) * w.dilation[i] + 1;
    // A window lying wholly in the padding has no ONNX value XNNPACK could reproduce.
    if ((w.out[i] - 1) * w.stride[i] >= w.in[i] + w.pad[i]) return ctx.Unsupported("window wholly in padding");
    w.pad_end[i] = std::max(w.pad_end[i], (w.out[i] - 1) * w.stride[i] + eff - w.in[i] - w.pad[i]);
    if (std::max({w.in[i], w.kernel[i], w.stride[i], w.dilation[i], w.pad[i], w.pad_end[i]}) >
        std::numeric_limits<int32_t>::max()) {
      return ctx.Unsupported("window too large for XNNPACK");
    }
  }
  absl::Status s = XnnInitialize(ctx.node().Describe());
  if (!s.ok()) return s;
  return w;
}

}  // namespace

KernelOr MakeXnnMaxPool(const KernelBuildContext& ctx) {
  auto p = ReadPoolParams(ctx, /*max_pool=*/true);
  if (!p.ok()) return p.status();
  if (p->has_indices) return ctx.Unsupported("XNNPACK path has no Indices output");
  auto w = XnnPoolWindow(ctx, *p);
  if (!w.ok()) return w.status();
  xnn_operator_t op = nullptr;
  absl::Status s = XnnCreateStatus(
      xnn_create_max_pooling2d_nhwc_f32(w->pad[1], w->pad_end[2], w->pad_end[1], w->pad[2], w->kernel[1],
                                        w->kernel[2], w->stride[1], w->stride[2], w->dilation[1], w->dilation[2],
                                        p->channels, p->channels, p->channels, -kInf, kInf, 0, &op),
      ctx.node().Describe(), "max pooling creation");
  XnnOperatorPtr owned(op);
  if (!s.ok()) return s;
  return std::make_unique<XnnPoolKernel>(ctx.node().Describe(), *p, std::move(owned),
                                         &xnn_setup_max_pooling2d_nhwc_f32);
}

KernelOr MakeXnnAveragePool(const KernelBuildContext& ctx) {
  auto p = ReadPoolParams(ctx, /*max_pool=*/false);
  if (!p.ok()) return p.status();
  for (int64_t d : p->window.dilations) {
    if (d != 1) return ctx.Unsupported("XNNPACK average pooling has no dilation");
  }
  auto w = XnnPoolWindow(ctx, *p);
  if (!w.ok()) return w.status();
  const bool padded = w->pad[1] || w->pad[2] || w->pad_end[1] || w->pad_end[2];
  if (p->count_include_pad && padded) return ctx.Unsupported("XNNPACK excludes padding from the average");
  xnn_operator_t op = nullptr;
  absl::Status s = XnnCreateStatus(
      xnn_create_average_pooling2d_nhwc_f32(w->pad[1], w->pad_end[2], w->pad_end[1], w->pad[2], w->kernel[1],
                                            w->kernel[2], w->stride[1], w->stride[2], p->channels, p->channels,
                                            p->channels, -kInf, kInf, 0, &op),
      ctx.node().Describe(), "average pooling creation");
  XnnOperatorPtr owned(op);
  if (!s.ok()) return s;
  return std::make_unique<XnnPoolKernel>(ctx.node().Describe(), *p, std::move(owned),
                                         &xnn_setup_average_pooling2d_nhwc_f32);
}

}  // namespace tandem::kernels::cpu::nn
