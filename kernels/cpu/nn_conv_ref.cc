// Reference Conv and ConvTranspose for every float dtype and 1-D to 3-D windows: direct loops,
// one (batch, output channel) plane per task. They run what the XNNPACK kernels decline:
// float64/float16, 3-D, weights computed at run time.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/nn_conv_params.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_scalar.h"

namespace tandem::kernels::cpu::nn {
namespace {

template <typename T>
class RefConvKernel final : public CpuKernel {
 public:
  explicit RefConvKernel(const ConvParams& p) : p_(p), w_(ToWindow3(p.window)) {}

  absl::Status Run(const KernelContext& ctx) override {
    const T* x = ctx.inputs[0].as<const T>();
    const T* w = ctx.inputs[1].as<const T>();
    const T* b = p_.has_bias ? ctx.inputs[2].as<const T>() : nullptr;
    T* y = ctx.outputs[0].as<T>();
    ParallelFor(ctx.threadpool, p_.batch * p_.out_channels,
                [&](int64_t plane) { Plane(x, w, b, y, plane); });
    return absl::OkStatus();
  }

 private:
  using A = Compute<T>;

  void Plane(const T* x, const T* w, const T* b, T* y, int64_t plane) const {
    const int64_t n = plane / p_.out_channels, m = plane % p_.out_channels;
    const int64_t cg = p_.group_in(), g = m / p_.group_out();
    const int64_t in_plane = w_.in[0] * w_.in[1] * w_.in[2];
    const int64_t taps = w_.kernel[0] * w_.kernel[1] * w_.kernel[2];
    const T* xg = x + (n * p_.in_channels + g * cg) * in_plane;
    const T* wm = w + m * cg * taps;
    T* yp = y + plane * w_.out[0] * w_.out[1] * w_.out[2];
    const A bias = b ? Load(b[m]) : A(0);
    for (int64_t o0 = 0; o0 < w_.out[0]; ++o0) {
      const int64_t s0 = o0 * w_.stride[0] - w_.pad[0];
      const int64_t b0 = TapBegin(s0, w_.dilation[0]), e0 = TapEnd(s0, w_.dilation[0], w_.kernel[0], w_.in[0]);
      for (int64_t o1 = 0; o1 < w_.out[1]; ++o1) {
        const int64_t s1 = o1 * w_.stride[1] - w_.pad[1];
        const int64_t b1 = TapBegin(s1, w_.dilation[1]), e1 = TapEnd(s1, w_.dilation[1], w_.kernel[1], w_.in[1]);
        for (int64_t o2 = 0; o2 < w_.out[2]; ++o2) {
          const int64_t s2 = o2 * w_.stride[2] - w_.pad[2];
          const int64_t b2 = TapBegin(s2, w_.dilation[2]), e2 = TapEnd(s2, w_.dilation[2], w_.kernel[2], w_.in[2]);
          A acc = bias;
          for (int64_t ci = 0; ci < cg; ++ci) {
            const T* xc = xg + ci * in_plane;
            const T* wc = wm + ci * taps;
            for (int64_t k0 = b0; k0 < e0; ++k0) {
              const int64_t i0 = s0 + k0 * w_.dilation[0];
              for (int64_t k1 = b1; k1 < e1; ++k1) {
                const int64_t i1 = s1 + k1 * w_.dilation[1];
                const T* xrow = xc + (i0 * w_.in[1] + i1) * w_.in[2];
                const T* wrow = wc + (k0 * w_.kernel[1] + k1) * w_.kernel[2];
                for (int64_t k2 = b2; k2 < e2; ++k2) {
                  acc += Load(xrow[s2 + k2 * w_.dilation[2]]) * Load(wrow[k2]);
                }
              }
            }
          }
          yp[(o0 * w_.out[1] + o1) * w_.out[2] + o2] = Store<T>(acc);
        }
      }
    }
  }

  ConvParams p_;
  Window3 w_;
};

// ConvTranspose as a scatter: input position i adds x*w into output i*stride - pad + k*dilation.
// Each task owns one (batch, output channel) plane, so the scatter needs no synchronisation.
template <typename T>
class RefConvTransposeKernel final : public CpuKernel {
 public:
  explicit RefConvTransposeKernel(const ConvParams& p) : p_(p), w_(ToWindow3(p.window)) {}

  absl::Status Run(const KernelContext& ctx) override {
    const T* x = ctx.inputs[0].as<const T>();
    const T* w = ctx.inputs[1].as<const T>();
    const T* b = p_.has_bias ? ctx.inputs[2].as<const T>() : nullptr;
    T* y = ctx.outputs[0].as<T>();
    ParallelFor(ctx.threadpool, p_.batch * p_.out_channels,
                [&](int64_t plane) { Plane(x, w, b, y, plane); });
    return absl::OkStatus();
  }

 private:
  using A = Compute<T>;

  void Plane(const T* x, const T* w, const T* b, T* y, int64_t plane) const {
    const int64_t n = plane / p_.out_channels, m = plane % p_.out_channels;
    const int64_t cg = p_.group_in(), mg = p_.group_out(), g = m / mg;
    const int64_t in_plane = w_.in[0] * w_.in[1] * w_.in[2];
    const int64_t out_plane = w_.out[0] * w_.out[1] * w_.out[2];
    const int64_t taps = w_.kernel[0] * w_.kernel[1] * w_.kernel[2];
    std::vector<A> acc(static_cast<size_t>(out_plane), b ? Load(b[m]) : A(0));
    for (int64_t ci = 0; ci < cg; ++ci) {
      const int64_t c = g * cg + ci;
      const T* xc = x + (n * p_.in_channels + c) * in_plane;
      const T* wc = w + (c * mg + (m % mg)) * taps;
      for (int64_t i = 0; i < in_plane; ++i) {
        const A v = Load(xc[i]);
        const int64_t i0 = i / (w_.in[1] * w_.in[2]), i1 = (i / w_.in[2]) % w_.in[1], i2 = i % w_.in[2];
        for (int64_t k = 0; k < taps; ++k) {
          const int64_t k0 = k / (w_.kernel[1] * w_.kernel[2]), k1 = (k / w_.kernel[2]) % w_.kernel[1];
          const int64_t k2 = k % w_.kernel[2];
          const int64_t o0 = i0 * w_.stride[0] - w_.pad[0] + k0 * w_.dilation[0];
          const int64_t o1 = i1 * w_.stride[1] - w_.pad[1] + k1 * w_.dilation[1];
          const int64_t o2 = i2 * w_.stride[2] - w_.pad[2] + k2 * w_.dilation[2];
          if (o0 < 0 || o0 >= w_.out[0] || o1 < 0 || o1 >= w_.out[1] || o2 < 0 || o2 >= w_.out[2]) continue;
          acc[(o0 * w_.out[1] + o1) * w_.out[2] + o2] += v * Load(wc[k]);
        }
      }
    }
    T* yp = y + plane * out_plane;
    for (int64_t o = 0; o < out_plane; ++o) yp[o] = Store<T>(acc[o]);
  }

  ConvParams p_;
  Window3 w_;
};

template <template <typename> class K>
KernelOr MakeRef(const KernelBuildContext& ctx, const ConvParams& p) {
  if (p.window.rank() > 3) {
    return ctx.Unsupported(absl::StrCat(p.window.rank(), "-D windows (only 1-D to 3-D)"));
  }
  KernelOr kernel = ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(p.dtype)));
  Dispatch(p.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (kIsFloatLike<T>) kernel = std::make_unique<K<T>>(p);
  });
  return kernel;
}

}  // namespace

KernelOr MakeRefConv(const KernelBuildContext& ctx) {
  auto p = ReadConvParams(ctx);
  if (!p.ok()) return p.status();
  return MakeRef<RefConvKernel>(ctx, *p);
}

KernelOr MakeRefConvTranspose(const KernelBuildContext& ctx) {
  auto p = ReadConvTransposeParams(ctx);
  if (!p.ok()) return p.status();
  return MakeRef<RefConvTransposeKernel>(ctx, *p);
}

}  // namespace tandem::kernels::cpu::nn
