// Depthwise 2-D convolution (groups = input channels = output channels), float32, channels-last,
// on the widest vectors the CPU has (vector_f32.h). Every window size runs here, not in XNNPACK.
//
// Why our own: Debian's XNNPACK (2022) has depthwise micro-kernels up to 25 taps (5x5) only; a
// larger window falls back to its grouped GEMM with one output channel per group, which fills one
// lane of a 16-wide tile (convnext_tiny's 7x7 convolutions ran at ~1 GFLOP/s there). Its 3x3 and
// 5x5 micro-kernels compute one pixel at a time and reload every weight for every multiply-add;
// in whole models (tandem-run's cpu_ms, 1 thread) this kernel took 5% off efficientnet_b0 and
// mobilenet_v2 and 14% off mobilenet_v3_small (docs/cpu_executor.md).
// Here the vector row loop (VectorF32Kernels::depthwise_row, vector_f32_depthwise_impl.h) keeps a
// block of output columns times a block of channels in registers; this file packs the weights
// channel-contiguous, finds the input rows of each output row (rows in the padding are skipped)
// and splits the work.
//
// Same layout contract as the XNNPACK convolution: input 0 and output 0 may each be NCHW or
// channels-last (the executor's layout pass decides), the rest is converted in scratch.
#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "kernels/cpu/nn_conv_params.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_layout.h"
#include "kernels/cpu/vector_f32.h"

namespace tandem::kernels::cpu::nn {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
// Channels per task, a multiple of every ISA's channel block (48, 16 and 8 floats in
// vector_f32_depthwise_impl.h), so that only the last chunk of a row can end in a partial block.
constexpr int64_t kChannelChunk = 96;

class DepthwiseConvKernel final : public CpuKernel {
 public:
  DepthwiseConvKernel(const ConvParams& p, CacheLineVector<float> weights, CacheLineVector<float> bias, FusedClamp clamp)
      : p_(p), w_(ToWindow3(p.window)), weights_(std::move(weights)), bias_(std::move(bias)), clamp_(clamp) {
    in_.resize(static_cast<size_t>(p.batch * p.in_channels * p.window.in_size()));
    out_.resize(static_cast<size_t>(p.batch * p.out_channels * p.window.out_size()));
  }

  bool ReadsInputAtRun(size_t input) const override { return input == 0; }  // W, B are repacked
  ChannelsLast channels_last_support() const override { return ChannelsLast::kInput0; }
  void SetChannelsLast(bool input0, bool output0) override {
    in_nhwc_ = input0;
    out_nhwc_ = output0;
    if (in_nhwc_) CacheLineVector<float>().swap(in_);
    if (out_nhwc_) CacheLineVector<float>().swap(out_);
  }
  bool fused_clamp() const override { return fused_clamp_; }
  void MarkClampFused() { fused_clamp_ = true; }
  int64_t ScratchBytes() const override { return VectorBytes(in_, out_); }

  absl::Status Run(const KernelContext& ctx) override {
    if (ctx.outputs[0].num_elements() == 0) return absl::OkStatus();
    const int64_t channels = p_.in_channels;
    const float* x = ctx.inputs[0].as<const float>();
    if (!in_nhwc_) {
      NchwToNhwc(x, in_.data(), p_.batch, channels, p_.window.in_size(), ctx.threadpool);
      x = in_.data();
    }
    float* y = out_nhwc_ ? ctx.outputs[0].as<float>() : out_.data();
    const int64_t in_h = w_.in[1], in_w = w_.in[2], out_h = w_.out[1], out_w = w_.out[2];
    const int64_t k_h = w_.kernel[1];
    const auto row_kernel = VectorF32().depthwise_row;
    const int64_t chunks = (channels + kChannelChunk - 1) / kChannelChunk;
    // One task per (output row of one image, chunk of channels): a 7x7 map has only 7 rows.
    ParallelForRange(ctx.threadpool, p_.batch * out_h * chunks, 1, [&](int64_t begin, int64_t end) {
      std::vector<const float*> input_rows(static_cast<size_t>(k_h));
      DepthwiseRow r{input_rows.data(), weights_.data(), bias_.empty() ? nullptr : bias_.data(), nullptr,
                     channels, 0, 0, in_w, out_w, k_h, w_.kernel[2], w_.stride[2], w_.dilation[2], w_.pad[2],
                     clamp_.min, clamp_.max};
      for (int64_t task = begin; task < end; ++task) {
        const int64_t row = task / chunks, chunk = task % chunks;
        const int64_t n = row / out_h, oh = row % out_h;
        const float* image = x + n * in_h * in_w * channels;
        for (int64_t kh = 0; kh < k_h; ++kh) {
          const int64_t ih = oh * w_.stride[1] - w_.pad[1] + kh * w_.dilation[1];
          input_rows[kh] = ih >= 0 && ih < in_h ? image + ih * in_w * channels : nullptr;
        }
        r.out = y + row * out_w * channels;
        r.channel_begin = chunk * kChannelChunk;
        r.channel_end = std::min(channels, r.channel_begin + kChannelChunk);
        row_kernel(r);
      }
    });
    if (!out_nhwc_) {
      NhwcToNchw(out_.data(), ctx.outputs[0].as<float>(), p_.batch, channels, p_.window.out_size(), ctx.threadpool);
    }
    return absl::OkStatus();
  }

 private:
  ConvParams p_;
  Window3 w_;                  // the 2-D window lives in dims 1 (height) and 2 (width)
  CacheLineVector<float> weights_;  // [kernel_h * kernel_w][channels]
  CacheLineVector<float> bias_;     // [channels], or empty
  FusedClamp clamp_;
  bool in_nhwc_ = false, out_nhwc_ = false;
  bool fused_clamp_ = false;
  CacheLineVector<float> in_, out_;  // NHWC scratch for an NCHW input or output
};

}  // namespace

KernelOr MakeDepthwiseConv(const KernelBuildContext& ctx) {
  auto p = ReadConvParams(ctx);
  if (!p.ok()) return p.status();
  if (p->dtype != ir::DType::kFloat32) return ctx.Unsupported("depthwise path is float32 only");
  if (p->window.rank() != 2) return ctx.Unsupported("depthwise path is 2-D only");
  if (p->groups != p->in_channels || p->out_channels != p->in_channels) {
    return ctx.Unsupported("not a depthwise convolution with one output per channel");
  }
  const Window3 g = ToWindow3(p->window);
  const int64_t taps = g.kernel[1] * g.kernel[2];
  const ir::Tensor* w = ctx.constant_input(1);
  const ir::Tensor* b = p->has_bias ? ctx.constant_input(2) : nullptr;
  if (w == nullptr || (p->has_bias && b == nullptr)) return ctx.Unsupported("needs constant weights and bias");
  const int64_t channels = p->in_channels;
  // W [C, 1, kH, kW] -> [kH * kW][C].
  CacheLineVector<float> weights(static_cast<size_t>(taps * channels));
  const float* src = w->values<float>().data();
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t t = 0; t < taps; ++t) weights[t * channels + c] = src[c * taps + t];
  }
  CacheLineVector<float> bias;
  if (b != nullptr) bias.assign(b->values<float>().begin(), b->values<float>().end());
  const FusedClamp clamp = ctx.requested_clamp().value_or(FusedClamp{-kInf, kInf});
  auto kernel = std::make_unique<DepthwiseConvKernel>(*p, std::move(weights), std::move(bias), clamp);
  if (ctx.requested_clamp()) kernel->MarkClampFused();
  return kernel;
}

}  // namespace tandem::kernels::cpu::nn
