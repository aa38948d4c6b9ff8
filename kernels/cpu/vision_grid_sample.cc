// GridSample (2-D): Y[n, c, oy, ox] samples X[n, c] at grid[n, oy, ox] = (x, y) in [-1, 1].
//
// Follows the ONNX reference implementation step by step:
//  1. denormalise: align_corners ? (g + 1) / 2 * (L - 1) : ((g + 1) * L - 1) / 2;
//  2. nearest mode rounds half to even;
//  3. a coordinate outside [lo, hi] ([0, L-1] with align_corners, else [-0.5, L-0.5]) is
//     clamped to [0, L-1] (border) or reflected into [lo, hi] (reflection); zeros leaves it;
//  4. interpolation: nearest takes one pixel; bilinear the 2x2 around the point; bicubic the 4x4
//     with Keys' kernel (alpha = -0.75);
//  5. each tap outside the image reads 0 (zeros), the clamped pixel (border) or the reflected one
//     (reflection).
// Modes are named bilinear/nearest/bicubic (opset 16) or linear/nearest/cubic (opset 20). X and
// grid are float32 or float64; coordinates are computed in the grid's type. Volumes (5-D X,
// opset 20) are declined.
#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/string_vision_kernels.h"

namespace tandem::kernels::cpu::string_vision {
namespace {

enum class Mode { kLinear, kNearest, kCubic };
enum class Padding { kZeros, kBorder, kReflection };

struct GridSampleShape {
  int64_t n, c, h, w, out_h, out_w;
};

template <typename C>
struct Axis {
  int64_t size;
  C lo, hi;  // the in-bound range of a coordinate
  bool align;

  C Denormalize(C g) const {
    return align ? (g + 1) / 2 * static_cast<C>(size - 1)
                 : ((g + 1) * static_cast<C>(size) - 1) / 2;
  }
  // Reflects x off the nearer border until it lies in [lo, hi] (fmod keeps huge and infinite
  // inputs defined: they come out NaN, which samples nothing).
  C Reflect(C x) const {
    const C range = hi - lo;
    if (!(range > 0)) return lo;
    if (x < lo) {
      const C m = std::fmod(lo - x, 2 * range);
      return m <= range ? lo + m : hi - (m - range);
    }
    if (x > hi) {
      const C m = std::fmod(x - hi, 2 * range);
      return m <= range ? hi - m : lo + (m - range);
    }
    return x;
  }
  // Step 3.
  C Adjust(C x, Padding pad) const {
    if (x >= lo && x <= hi) return x;
    if (pad == Padding::kBorder) return std::fmin(std::fmax(x, C(0)), static_cast<C>(size - 1));
    if (pad == Padding::kReflection) return Reflect(x);
    return x;
  }
  // Step 5: the pixel a tap at integer position i reads, or -1 for a zero.
  int64_t Tap(int64_t i, Padding pad) const {
    if (i >= 0 && i < size) return i;
    switch (pad) {
      case Padding::kZeros:
        return -1;
      case Padding::kBorder:
        return i < 0 ? 0 : size - 1;
      case Padding::kReflection: {
        const int64_t r = static_cast<int64_t>(Reflect(static_cast<C>(i)));
        return r < 0 ? 0 : (r >= size ? size - 1 : r);
      }
    }
    return -1;
  }
};

template <typename C>
void CubicCoeffs(C t, C out[4]) {
  constexpr C a = C(-0.75);
  const C x0 = t + 1, x2 = 1 - t, x3 = 2 - t;
  out[0] = ((a * x0 - 5 * a) * x0 + 8 * a) * x0 - 4 * a;
  out[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  out[2] = ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1;
  out[3] = ((a * x3 - 5 * a) * x3 + 8 * a) * x3 - 4 * a;
}

// Up to 16 (pixel offset, weight) taps of one output position; offset -1 reads zero.
template <typename C>
struct Taps {
  int64_t offset[16];
  C weight[16];
  int count = 0;
  void Add(int64_t x, int64_t y, int64_t w, C wt) {
    offset[count] = (x < 0 || y < 0) ? -1 : y * w + x;
    weight[count++] = wt;
  }
};

template <typename C>
Taps<C> ComputeTaps(C gx, C gy, const Axis<C>& ax, const Axis<C>& ay, Mode mode, Padding pad) {
  C x = ax.Denormalize(gx), y = ay.Denormalize(gy);
  if (mode == Mode::kNearest) {
    x = std::nearbyint(x);
    y = std::nearbyint(y);
  }
  x = ax.Adjust(x, pad);
  y = ay.Adjust(y, pad);
  Taps<C> t;
  if (std::isnan(x) || std::isnan(y)) {  // a NaN grid point samples nothing
    t.Add(-1, -1, ax.size, C(0));
    return t;
  }
  // Far outside (zeros padding), every tap reads zero; clamping keeps the casts below defined.
  x = std::fmin(std::fmax(x, C(-4)), static_cast<C>(ax.size + 4));
  y = std::fmin(std::fmax(y, C(-4)), static_cast<C>(ay.size + 4));
  if (mode == Mode::kNearest) {
    t.Add(ax.Tap(static_cast<int64_t>(x), pad), ay.Tap(static_cast<int64_t>(y), pad), ax.size,
          C(1));
    return t;
  }
  const C fx = std::floor(x), fy = std::floor(y);
  const int64_t x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
  if (mode == Mode::kLinear) {
    const C wx1 = x - fx, wy1 = y - fy, wx0 = 1 - wx1, wy0 = 1 - wy1;
    for (int j = 0; j < 2; ++j) {
      for (int i = 0; i < 2; ++i) {
        t.Add(ax.Tap(x0 + i, pad), ay.Tap(y0 + j, pad), ax.size, (j ? wy1 : wy0) * (i ? wx1 : wx0));
      }
    }
    return t;
  }
  C cx[4], cy[4];
  CubicCoeffs(x - fx, cx);
  CubicCoeffs(y - fy, cy);
  for (int j = 0; j < 4; ++j) {
    for (int i = 0; i < 4; ++i) {
      t.Add(ax.Tap(x0 - 1 + i, pad), ay.Tap(y0 - 1 + j, pad), ax.size, cy[j] * cx[i]);
    }
  }
  return t;
}

template <typename T, typename G>
void RunGridSample(const GridSampleShape& s, Mode mode, Padding pad, bool align, const T* x,
                   const G* grid, T* y, pthreadpool_t pool) {
  using C = G;
  const Axis<C> ax{s.w, align ? C(0) : C(-0.5),
                   align ? static_cast<C>(s.w - 1) : static_cast<C>(s.w) - C(0.5), align};
  const Axis<C> ay{s.h, align ? C(0) : C(-0.5),
                   align ? static_cast<C>(s.h - 1) : static_cast<C>(s.h) - C(0.5), align};
  const int64_t plane = s.h * s.w, out_plane = s.out_h * s.out_w;
  ParallelForRange(pool, s.n * s.out_h,
                   std::max<int64_t>(1, 2048 / std::max<int64_t>(1, s.out_w * s.c)),
                   [&](int64_t b, int64_t e) {
                     for (int64_t row = b; row < e; ++row) {
                       const int64_t n = row / s.out_h, oy = row % s.out_h;
                       for (int64_t ox = 0; ox < s.out_w; ++ox) {
                         const G* g = grid + ((n * s.out_h + oy) * s.out_w + ox) * 2;
                         const Taps<C> t = ComputeTaps<C>(g[0], g[1], ax, ay, mode, pad);
                         for (int64_t c = 0; c < s.c; ++c) {
                           const T* src = x + (n * s.c + c) * plane;
                           C acc = 0;
                           for (int k = 0; k < t.count; ++k) {
                             if (t.offset[k] >= 0)
                               acc += t.weight[k] * static_cast<C>(src[t.offset[k]]);
                           }
                           y[(n * s.c + c) * out_plane + oy * s.out_w + ox] = static_cast<T>(acc);
                         }
                       }
                     }
                   });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeGridSample(const KernelBuildContext& ctx) {
  if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1) || !HasOutput(ctx, 0)) {
    return ctx.Invalid("expects X and grid, and one output");
  }
  const ir::DType xt = ctx.input_info(0).dtype, gt = ctx.input_info(1).dtype;
  auto is_float = [](ir::DType t) { return t == ir::DType::kFloat32 || t == ir::DType::kFloat64; };
  if (!is_float(xt) || !is_float(gt)) {
    return ctx.Unsupported(absl::StrCat("X ", ir::DTypeName(xt), " and grid ", ir::DTypeName(gt),
                                        ": only float32 and float64 are supported"));
  }
  if (ctx.output_info(0).dtype != xt) return ctx.Invalid("the output dtype must be X's");
  TANDEM_ASSIGN_OR_RETURN(Dims xd, InputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims gd, InputDims(ctx, 1));
  if (xd.size() != 4)
    return ctx.Unsupported(
        absl::StrCat("only 2-D sampling (4-D X) is supported, X has rank ", xd.size()));
  if (gd.size() != 4 || gd[0] != xd[0] || gd[3] != 2) {
    return ctx.Invalid("grid must be [N, H_out, W_out, 2] with X's N");
  }
  const std::string m = ctx.node().GetString("mode", "bilinear");
  Mode mode;
  if (m == "bilinear" || m == "linear") {
    mode = Mode::kLinear;
  } else if (m == "nearest") {
    mode = Mode::kNearest;
  } else if (m == "bicubic" || m == "cubic") {
    mode = Mode::kCubic;
  } else {
    return ctx.Invalid(
        absl::StrCat("mode '", m, "' is not bilinear/linear, nearest or bicubic/cubic"));
  }
  const std::string p = ctx.node().GetString("padding_mode", "zeros");
  Padding pad;
  if (p == "zeros") {
    pad = Padding::kZeros;
  } else if (p == "border") {
    pad = Padding::kBorder;
  } else if (p == "reflection") {
    pad = Padding::kReflection;
  } else {
    return ctx.Invalid(absl::StrCat("padding_mode '", p, "' is not zeros, border or reflection"));
  }
  const bool align = ctx.node().GetInt("align_corners", 0) != 0;
  const GridSampleShape s{xd[0], xd[1], xd[2], xd[3], gd[1], gd[2]};
  const Dims out{s.n, s.c, s.out_h, s.out_w};
  TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, out));
  return MakeFnKernel([=](const KernelContext& c) -> absl::Status {
    TANDEM_ASSIGN_OR_RETURN(void* y, c.AllocateOutput(0, out));
    if (s.h == 0 || s.w == 0) {  // nothing to sample: every tap is padding
      if (pad != Padding::kZeros && s.n * s.c * s.out_h * s.out_w > 0) {
        return absl::InvalidArgumentError("cannot pad an empty image by border or reflection");
      }
    }
    auto run = [&](auto t_tag, auto g_tag) {
      using T = decltype(t_tag);
      using G = decltype(g_tag);
      if (s.h == 0 || s.w == 0) {
        std::fill_n(static_cast<T*>(y), s.n * s.c * s.out_h * s.out_w, T(0));
        return;
      }
      RunGridSample<T, G>(s, mode, pad, align, c.inputs[0].as<const T>(), c.inputs[1].as<const G>(),
                          static_cast<T*>(y), c.threadpool);
    };
    if (xt == ir::DType::kFloat32) {
      gt == ir::DType::kFloat32 ? run(float{}, float{}) : run(float{}, double{});
    } else {
      gt == ir::DType::kFloat32 ? run(double{}, float{}) : run(double{}, double{});
    }
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterGridSampleKernel(KernelRegistry& r) { r.Register("GridSample", MakeGridSample); }

}  // namespace tandem::kernels::cpu::string_vision
