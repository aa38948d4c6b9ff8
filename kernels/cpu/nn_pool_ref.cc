// Reference MaxPool (with the optional Indices output) and AveragePool for 1-D to 3-D windows
// and every dtype ONNX allows: one (batch, channel) plane per task.
#include <limits>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_pool_params.h"
#include "kernels/cpu/nn_scalar.h"

namespace tandem::kernels::cpu::nn {
namespace {

// The valid taps of one output position in each of the three (padded) spatial dims.
struct Taps {
  int64_t start[3], begin[3], end[3];
};

inline Taps TapsAt(const Window3& w, const int64_t o[3]) {
  Taps t;
  for (int i = 0; i < 3; ++i) {
    t.start[i] = o[i] * w.stride[i] - w.pad[i];
    t.begin[i] = TapBegin(t.start[i], w.dilation[i]);
    t.end[i] = TapEnd(t.start[i], w.dilation[i], w.kernel[i], w.in[i]);
  }
  return t;
}

// Calls fn(out_index, taps) for every output position of a plane.
template <typename Fn>
void ForEachOutput(const Window3& w, Fn&& fn) {
  int64_t o[3];
  int64_t index = 0;
  for (o[0] = 0; o[0] < w.out[0]; ++o[0])
    for (o[1] = 0; o[1] < w.out[1]; ++o[1])
      for (o[2] = 0; o[2] < w.out[2]; ++o[2]) fn(index++, TapsAt(w, o));
}

template <typename T>
class RefMaxPoolKernel final : public CpuKernel {
 public:
  explicit RefMaxPoolKernel(const PoolParams& p) : p_(p), w_(ToWindow3(p.window)) {}

  absl::Status Run(const KernelContext& ctx) override {
    const T* x = ctx.inputs[0].as<const T>();
    T* y = ctx.outputs[0].as<T>();
    int64_t* indices = p_.has_indices ? ctx.outputs[1].as<int64_t>() : nullptr;
    ParallelFor(ctx.threadpool, p_.batch * p_.channels, [&](int64_t plane) { Plane(x, y, indices, plane); });
    return absl::OkStatus();
  }

 private:
  using A = Compute<T>;

  void Plane(const T* x, T* y, int64_t* indices, int64_t plane) const {
    const int64_t in_plane = w_.in[0] * w_.in[1] * w_.in[2];
    const int64_t out_plane = w_.out[0] * w_.out[1] * w_.out[2];
    const T* xp = x + plane * in_plane;
    ForEachOutput(w_, [&](int64_t o, const Taps& t) {
      A best = std::numeric_limits<A>::lowest();
      int64_t best_at[3] = {0, 0, 0};
      bool found = false;
      for (int64_t k0 = t.begin[0]; k0 < t.end[0]; ++k0) {
        const int64_t i0 = t.start[0] + k0 * w_.dilation[0];
        for (int64_t k1 = t.begin[1]; k1 < t.end[1]; ++k1) {
          const int64_t i1 = t.start[1] + k1 * w_.dilation[1];
          for (int64_t k2 = t.begin[2]; k2 < t.end[2]; ++k2) {
            const int64_t i2 = t.start[2] + k2 * w_.dilation[2];
            const A v = Load(xp[(i0 * w_.in[1] + i1) * w_.in[2] + i2]);
            // NaN propagates as in ONNX Runtime: the first NaN wins.
            if (!found || v > best || (v != v && best == best)) {
              best = v, found = true;
              best_at[0] = i0, best_at[1] = i1, best_at[2] = i2;
            }
          }
        }
      }
      y[plane * out_plane + o] = Store<T>(best);
      if (indices != nullptr) {
        const int64_t* in = w_.in;
        const int64_t spatial = p_.column_major_indices
                                    ? (best_at[2] * in[1] + best_at[1]) * in[0] + best_at[0]
                                    : (best_at[0] * in[1] + best_at[1]) * in[2] + best_at[2];
        indices[plane * out_plane + o] = plane * in_plane + spatial;
      }
    });
  }

  PoolParams p_;
  Window3 w_;
};

template <typename T>
class RefAveragePoolKernel final : public CpuKernel {
 public:
  explicit RefAveragePoolKernel(const PoolParams& p) : p_(p), w_(ToWindow3(p.window)) {}

  absl::Status Run(const KernelContext& ctx) override {
    const T* x = ctx.inputs[0].as<const T>();
    T* y = ctx.outputs[0].as<T>();
    ParallelFor(ctx.threadpool, p_.batch * p_.channels, [&](int64_t plane) { Plane(x, y, plane); });
    return absl::OkStatus();
  }

 private:
  using A = Compute<T>;

  // count_include_pad counts the taps inside the padded input [-pad_begin, in + pad_end), but not
  // the overhang a ceil_mode window may have past it.
  int64_t PaddedCount(const Taps& t) const {
    int64_t count = 1;
    for (int i = 0; i < 3; ++i) {
      const int64_t start = t.start[i] + w_.pad[i], in = w_.in[i] + w_.pad[i] + w_.pad_end[i];
      count *= TapEnd(start, w_.dilation[i], w_.kernel[i], in) - TapBegin(start, w_.dilation[i]);
    }
    return count;
  }

  void Plane(const T* x, T* y, int64_t plane) const {
    const int64_t in_plane = w_.in[0] * w_.in[1] * w_.in[2];
    const int64_t out_plane = w_.out[0] * w_.out[1] * w_.out[2];
    const T* xp = x + plane * in_plane;
    ForEachOutput(w_, [&](int64_t o, const Taps& t) {
      A sum = 0;
      for (int64_t k0 = t.begin[0]; k0 < t.end[0]; ++k0) {
        const int64_t i0 = t.start[0] + k0 * w_.dilation[0];
        for (int64_t k1 = t.begin[1]; k1 < t.end[1]; ++k1) {
          const int64_t i1 = t.start[1] + k1 * w_.dilation[1];
          const T* row = xp + (i0 * w_.in[1] + i1) * w_.in[2];
          for (int64_t k2 = t.begin[2]; k2 < t.end[2]; ++k2) sum += Load(row[t.start[2] + k2 * w_.dilation[2]]);
        }
      }
      const int64_t count = p_.count_include_pad ? PaddedCount(t)
                                                 : (t.end[0] - t.begin[0]) * (t.end[1] - t.begin[1]) *
                                                       (t.end[2] - t.begin[2]);
      y[plane * out_plane + o] = Store<T>(count > 0 ? sum / static_cast<A>(count) : A(0));
    });
  }

  PoolParams p_;
  Window3 w_;
};

template <template <typename> class K, typename Allowed>
KernelOr MakeRefPool(const KernelBuildContext& ctx, bool max_pool, Allowed allowed) {
  auto p = ReadPoolParams(ctx, max_pool);
  if (!p.ok()) return p.status();
  if (p->window.rank() > 3) return ctx.Unsupported(absl::StrCat(p->window.rank(), "-D pooling (only 1-D to 3-D)"));
  KernelOr kernel = ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(p->dtype)));
  Dispatch(p->dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (decltype(allowed(tag))::value) kernel = std::make_unique<K<T>>(*p);
  });
  return kernel;
}

}  // namespace

KernelOr MakeRefMaxPool(const KernelBuildContext& ctx) {
  // float types, int8 and uint8 (opset 12).
  return MakeRefPool<RefMaxPoolKernel>(ctx, true, [](auto tag) {
    using T = decltype(tag);
    return std::bool_constant<kIsFloatLike<T> || std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>>{};
  });
}

KernelOr MakeRefAveragePool(const KernelBuildContext& ctx) {
  return MakeRefPool<RefAveragePoolKernel>(ctx, false, [](auto tag) {
    return std::bool_constant<kIsFloatLike<decltype(tag)>>{};
  });
}

}  // namespace tandem::kernels::cpu::nn
