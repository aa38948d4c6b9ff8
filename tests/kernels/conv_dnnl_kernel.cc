// Conv on oneDNN's convolution primitive (float32, 1-D and 2-D, constant weights), NHWC
// activations like the XNNPACK kernel. Written to decide whether the CPU executor should use
// oneDNN; it should not (docs/cpu_executor.md, "Why not oneDNN"), so only
// tandem-conv-backend-bench builds this file.
//
// Build time: the primitive descriptor is created once (weights in the layout oneDNN picks,
// format_tag::any, bias and a fused Relu/Clip as a post-op), which is also the support check: a
// configuration oneDNN has no implementation for declines with Unimplemented (in a registry,
// XNNPACK would come next). Run: NCHW input → NHWC scratch (unless the executor already keeps it
// channels-last), execute, NHWC → NCHW.
//
// Threads. Debian's libdnnl is built with DNNL_CPU_RUNTIME=OMP, so it cannot run on tandem's
// WorkPool (the threadpool_iface hook exists only in THREADPOOL builds). A jit convolution fixes
// its thread count when its descriptor is created (omp_get_max_threads() then), so the kernel
// makes its primitive at the first Run, for the pool's thread count, and sets the calling
// thread's OpenMP thread count to the pool's around each call: 1 thread never starts an OpenMP
// thread; with N threads, libgomp's team of N - 1 runs while tandem's own workers are idle (they
// sleep after 100 µs). libgomp's workers spin after each call unless OMP_WAIT_POLICY=passive,
// which only the process environment can set: docs/cpu_executor.md shows what that costs.
#include <omp.h>

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/nn_conv_params.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_layout.h"
#include "oneapi/dnnl/dnnl.hpp"
#include "tests/kernels/conv_dnnl_kernel.h"

namespace tandem::kernels::cpu::conv_bench {
namespace {

using nn::ConvParams;
using nn::KernelOr;
using nn::NchwToNhwc;
using nn::NhwcToNchw;
using nn::ReadConvParams;
using nn::ToWindow3;
using nn::Window3;

using dnnl::memory;
using Tag = memory::format_tag;

constexpr float kInf = std::numeric_limits<float>::infinity();

const dnnl::engine& CpuEngine() {
  static const dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

// Sets the calling thread's OpenMP thread count for one scope (oneDNN reads it at primitive
// creation and at execution).
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int threads) : previous_(omp_get_max_threads()) { omp_set_num_threads(threads); }
  ~ScopedOmpThreads() { omp_set_num_threads(previous_); }
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  int previous_;
};

// The geometry and constants a primitive is made from. The weights stay borrowed from the model
// (the kernel keeps the ir::Tensor alive) because a new thread count needs a new primitive,
// whose weight layout may differ.
struct DnnlConvSpec {
  memory::dims src, weights, bias, dst, strides, dilates, pad_l, pad_r;
  bool grouped = false;
  std::optional<FusedClamp> clamp;
  ir::Tensor weight_tensor, bias_tensor;
  bool has_bias = false;
};

dnnl::convolution_forward::primitive_desc MakePrimitiveDesc(const DnnlConvSpec& s) {
  const auto f32 = memory::data_type::f32;
  memory::desc src(s.src, f32, Tag::nhwc), dst(s.dst, f32, Tag::nhwc);
  memory::desc weights(s.weights, f32, Tag::any);
  memory::desc bias = s.has_bias ? memory::desc(s.bias, f32, Tag::x) : memory::desc();
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                       src, weights, bias, dst, s.strides, s.dilates, s.pad_l, s.pad_r);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (s.clamp) {
    dnnl::post_ops ops;
    if (s.clamp->min == 0.f && s.clamp->max == kInf) {
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    } else {
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, s.clamp->min, s.clamp->max);
    }
    attr.set_post_ops(ops);
  }
  return dnnl::convolution_forward::primitive_desc(desc, attr, CpuEngine());
}

// One primitive with its reordered weights and bias and its scratchpad, for one thread count.
struct PreparedConv {
  int threads = 0;
  dnnl::convolution_forward primitive;
  memory weights, bias, src, dst, scratchpad;
};

// Copies `from` (a constant of the model) into a new memory of layout `to`.
memory ReorderConstant(const memory::desc& from, const ir::Tensor& data, const memory::desc& to,
                       dnnl::stream& stream) {
  memory user(from, CpuEngine(), const_cast<uint8_t*>(data.data.data()));
  memory owned(to, CpuEngine());
  dnnl::reorder(user, owned).execute(stream, user, owned);
  return owned;
}

std::unique_ptr<PreparedConv> Prepare(const DnnlConvSpec& s, int threads) {
  ScopedOmpThreads scoped(threads);
  auto pd = MakePrimitiveDesc(s);
  auto c = std::make_unique<PreparedConv>();
  c->threads = threads;
  c->primitive = dnnl::convolution_forward(pd);
  dnnl::stream stream(CpuEngine());
  const auto f32 = memory::data_type::f32;
  c->weights = ReorderConstant({s.weights, f32, s.grouped ? Tag::goihw : Tag::oihw}, s.weight_tensor,
                               pd.weights_desc(), stream);
  if (s.has_bias) c->bias = ReorderConstant({s.bias, f32, Tag::x}, s.bias_tensor, pd.bias_desc(), stream);
  stream.wait();
  c->src = memory(pd.src_desc(), CpuEngine(), DNNL_MEMORY_NONE);
  c->dst = memory(pd.dst_desc(), CpuEngine(), DNNL_MEMORY_NONE);
  c->scratchpad = memory(pd.scratchpad_desc(), CpuEngine());
  return c;
}

class DnnlConvKernel final : public CpuKernel {
 public:
  DnnlConvKernel(std::string name, const ConvParams& p, DnnlConvSpec spec, int64_t primitive_bytes)
      : name_(std::move(name)), p_(p), spec_(std::move(spec)), primitive_bytes_(primitive_bytes) {
    in_.resize(static_cast<size_t>(p.batch * p.in_channels * p.window.in_size()));
    direct_out_ = p.out_channels == 1 || p.window.out_size() == 1;  // NHWC and NCHW agree
    if (!direct_out_) out_.resize(static_cast<size_t>(p.batch * p.out_channels * p.window.out_size()));
  }

  bool ReadsInputAtRun(size_t input) const override { return input == 0; }  // W, B are reordered
  ChannelsLast channels_last_support() const override { return ChannelsLast::kInput0; }
  void SetChannelsLast(bool input0, bool output0) override {
    in_nhwc_ = input0;
    out_nhwc_ = output0;
    if (in_nhwc_) std::vector<float>().swap(in_);
    if (out_nhwc_) std::vector<float>().swap(out_);
  }
  bool fused_clamp() const override { return spec_.clamp.has_value(); }

  absl::Status Run(const KernelContext& ctx) override {
    if (ctx.outputs[0].num_elements() == 0) return absl::OkStatus();
    pthreadpool_t pool = ctx.threadpool;
    const int threads = pool == nullptr ? 1 : static_cast<int>(pthreadpool_get_threads_count(pool));
    const float* x = ctx.inputs[0].as<const float>();
    if (!in_nhwc_) {
      NchwToNhwc(x, in_.data(), p_.batch, p_.in_channels, p_.window.in_size(), pool);
      x = in_.data();
    }
    float* y = ctx.outputs[0].as<float>();
    const bool to_nchw = !out_nhwc_ && !direct_out_;
    absl::Status s = Execute(threads, x, to_nchw ? out_.data() : y);
    if (!s.ok()) return s;
    if (to_nchw) NhwcToNchw(out_.data(), y, p_.batch, p_.out_channels, p_.window.out_size(), pool);
    return absl::OkStatus();
  }

  // The primitive's reordered weights and scratchpad, as sized by the factory's check.
  int64_t ScratchBytes() const override { return VectorBytes(in_, out_) + primitive_bytes_; }

 private:
  // Makes the primitive for `threads` unless it exists. A kernel normally meets one pool, so
  // a new thread count replaces the old primitive rather than keeping a second weight copy.
  absl::Status PrepareFor(int threads) {
    if (prepared_ != nullptr && prepared_->threads == threads) return absl::OkStatus();
    try {
      prepared_.reset();
      prepared_ = Prepare(spec_, threads);
      return absl::OkStatus();
    } catch (const dnnl::error& e) {
      return absl::InternalError(absl::StrCat(name_, ": oneDNN convolution creation failed: ", e.what()));
    }
  }

  absl::Status Execute(int threads, const float* x, float* y) {
    absl::Status s = PrepareFor(threads);
    if (!s.ok()) return s;
    PreparedConv& c = *prepared_;
    try {
      ScopedOmpThreads scoped(threads);
      c.src.set_data_handle(const_cast<float*>(x));
      c.dst.set_data_handle(y);
      dnnl::stream stream(CpuEngine());
      std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, c.src},
                                              {DNNL_ARG_WEIGHTS, c.weights},
                                              {DNNL_ARG_DST, c.dst},
                                              {DNNL_ARG_SCRATCHPAD, c.scratchpad}};
      if (spec_.has_bias) args[DNNL_ARG_BIAS] = c.bias;
      c.primitive.execute(stream, args);
      stream.wait();
      return absl::OkStatus();
    } catch (const dnnl::error& e) {
      return absl::InternalError(absl::StrCat(name_, ": oneDNN convolution failed: ", e.what()));
    }
  }

  std::string name_;
  ConvParams p_;
  DnnlConvSpec spec_;
  int64_t primitive_bytes_;
  std::unique_ptr<PreparedConv> prepared_;  // made at the first Run, for the pool's thread count
  bool direct_out_ = false;
  bool in_nhwc_ = false, out_nhwc_ = false;  // SetChannelsLast
  std::vector<float> in_, out_;              // NHWC scratch
};

DnnlConvSpec MakeSpec(const ConvParams& p, const Window3& g, const ir::Tensor& w, const ir::Tensor* b,
                      std::optional<FusedClamp> clamp) {
  DnnlConvSpec s;
  const memory::dim kh = g.kernel[1], kw = g.kernel[2];
  s.src = {p.batch, p.in_channels, g.in[1], g.in[2]};
  s.dst = {p.batch, p.out_channels, g.out[1], g.out[2]};
  s.grouped = p.groups > 1;
  s.weights = s.grouped ? memory::dims{p.groups, p.group_out(), p.group_in(), kh, kw}
                        : memory::dims{p.out_channels, p.in_channels, kh, kw};
  s.bias = {p.out_channels};
  s.strides = {g.stride[1], g.stride[2]};
  s.dilates = {g.dilation[1] - 1, g.dilation[2] - 1};  // oneDNN counts the gaps
  s.pad_l = {g.pad[1], g.pad[2]};
  s.pad_r = {g.pad_end[1], g.pad_end[2]};
  s.clamp = clamp;
  s.weight_tensor = w;
  s.has_bias = b != nullptr;
  if (b != nullptr) s.bias_tensor = *b;
  return s;
}

}  // namespace

KernelOr MakeDnnlConv(const KernelBuildContext& ctx) {
  auto p = ReadConvParams(ctx);
  if (!p.ok()) return p.status();
  if (p->dtype != ir::DType::kFloat32) return ctx.Unsupported("oneDNN path is float32 only");
  if (p->window.rank() > 2) return ctx.Unsupported("oneDNN path is 1-D/2-D only");
  const ir::Tensor* w = ctx.constant_input(1);
  const ir::Tensor* b = p->has_bias ? ctx.constant_input(2) : nullptr;
  if (w == nullptr || (p->has_bias && b == nullptr)) {
    return ctx.Unsupported("oneDNN path needs constant weights and bias");
  }
  DnnlConvSpec spec = MakeSpec(*p, ToWindow3(p->window), *w, b, ctx.requested_clamp());
  // The descriptor doubles as the support check: oneDNN's refusal (no implementation, or a
  // geometry it rejects) lets the registry try the next kernel. The primitive itself waits for
  // the first Run, which knows the pool's thread count.
  int64_t primitive_bytes = 0;
  try {
    ScopedOmpThreads scoped(1);
    auto pd = MakePrimitiveDesc(spec);
    primitive_bytes = static_cast<int64_t>(pd.weights_desc().get_size() + pd.scratchpad_desc().get_size());
  } catch (const dnnl::error& e) {
    return ctx.Unsupported(absl::StrCat("oneDNN has no convolution for it: ", e.what()));
  }
  return std::make_unique<DnnlConvKernel>(ctx.node().Describe(), *p, std::move(spec), primitive_bytes);
}

}  // namespace tandem::kernels::cpu::conv_bench
