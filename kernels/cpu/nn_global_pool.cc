// GlobalAveragePool and GlobalMaxPool: a reduction over each contiguous (batch, channel) plane.
// In ONNX's NCHW layout this beats XNNPACK's NWC global pooling, which would need a transpose of
// the whole input first.
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_scalar.h"
#include "kernels/cpu/nn_window.h"

namespace tandem::kernels::cpu::nn {
namespace {

template <typename T, bool kMax>
class GlobalPoolKernel final : public CpuKernel {
 public:
  GlobalPoolKernel(int64_t batch, int64_t channels, int64_t plane_size)
      : batch_(batch), channels_(channels), planes_(batch * channels), plane_size_(plane_size) {}

  // The output (N, C, 1, ...) reads the same in either layout; a channels-last input is reduced
  // row by row.
  ChannelsLast channels_last_support() const override { return ChannelsLast::kInput0; }
  void SetChannelsLast(bool input0, bool /*output0*/) override { channels_last_ = input0; }

  absl::Status Run(const KernelContext& ctx) override {
    const T* x = ctx.inputs[0].as<const T>();
    T* y = ctx.outputs[0].as<T>();
    if (channels_last_) {
      ParallelFor(ctx.threadpool, batch_, [&](int64_t n) {
        ReduceChannelsLast(x + n * channels_ * plane_size_, y + n * channels_);
      });
      return absl::OkStatus();
    }
    // Aim for ~16K input elements per task.
    const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, plane_size_));
    ParallelForRange(ctx.threadpool, planes_, grain, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) y[p] = Store<T>(static_cast<Compute<T>>(Reduce(x + p * plane_size_)));
    });
    return absl::OkStatus();
  }

 private:
  // Sums in double: a float accumulator loses digits on large planes.
  double Reduce(const T* in) const {
    if constexpr (kMax) {
      double best = -std::numeric_limits<double>::infinity();
      for (int64_t i = 0; i < plane_size_; ++i) {
        const double v = static_cast<double>(Load(in[i]));
        if (v > best || std::isnan(v)) best = v;
        if (std::isnan(best)) break;
      }
      return best;
    } else {
      double sum = 0;
      for (int64_t i = 0; i < plane_size_; ++i) sum += static_cast<double>(Load(in[i]));
      return plane_size_ > 0 ? sum / static_cast<double>(plane_size_) : 0.0;
    }
  }

  // in: [plane_size][channels] of one image; out: [channels].
  void ReduceChannelsLast(const T* in, T* out) const {
    std::vector<double> acc(static_cast<size_t>(channels_),
                            kMax ? -std::numeric_limits<double>::infinity() : 0.0);
    for (int64_t i = 0; i < plane_size_; ++i) {
      const T* row = in + i * channels_;
      for (int64_t c = 0; c < channels_; ++c) {
        const double v = static_cast<double>(Load(row[c]));
        if constexpr (kMax) {
          if (v > acc[c] || std::isnan(v)) acc[c] = std::isnan(acc[c]) ? acc[c] : v;
        } else {
          acc[c] += v;
        }
      }
    }
    for (int64_t c = 0; c < channels_; ++c) {
      double r = acc[c];
      if constexpr (!kMax) r = plane_size_ > 0 ? r / static_cast<double>(plane_size_) : 0.0;
      out[c] = Store<T>(static_cast<Compute<T>>(r));
    }
  }

  int64_t batch_, channels_, planes_, plane_size_;
  bool channels_last_ = false;
};

template <bool kMax>
KernelOr MakeGlobalPool(const KernelBuildContext& ctx) {
  if (!ctx.has_input(0)) return ctx.Invalid("X is required");
  auto x = StaticShape(ctx, 0, /*output=*/false);
  if (!x.ok()) return x.status();
  if (x->size() < 3) return ctx.Invalid(absl::StrCat("X must have rank >= 3, got rank ", x->size()));
  std::vector<int64_t> out = {(*x)[0], (*x)[1]};
  out.resize(x->size(), 1);
  absl::Status s = ExpectOutputShape(ctx, 0, out);
  if (!s.ok()) return s;
  const int64_t plane_size = Window::Product(std::vector<int64_t>(x->begin() + 2, x->end()));
  const ir::DType dtype = ctx.input_info(0).dtype;
  KernelOr kernel = ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  Dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (kIsFloatLike<T>) kernel = std::make_unique<GlobalPoolKernel<T, kMax>>((*x)[0], (*x)[1], plane_size);
  });
  return kernel;
}

}  // namespace

KernelOr MakeGlobalAveragePool(const KernelBuildContext& ctx) { return MakeGlobalPool<false>(ctx); }
KernelOr MakeGlobalMaxPool(const KernelBuildContext& ctx) { return MakeGlobalPool<true>(ctx); }

}  // namespace tandem::kernels::cpu::nn
