// Resize, step 2: applying the per-dim taps (data_movement_resize_plan.h) to the input.
//
// The output is walked row by row (a row = the last dim). For each row the taps of the outer
// dims are multiplied out once into (source row, weight) pairs; the row is then the weighted
// sum of those source rows interpolated along the last dim (cached, since neighbouring output
// rows share source rows). Nearest mode has one tap per dim, so it is a plain gather that
// copies elements exactly (every dtype, no float round trip) and repeats identical rows.
// Interpolating modes compute in float (double for float64 inputs); integer outputs are rounded
// to nearest and saturated.
//
// The output shape is static. roi/scales/sizes usually come from initializers and the taps are
// then built once; when they are run-time inputs the taps are rebuilt on every Run.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/data_movement_resize_plan.h"
#include "kernels/cpu/data_movement_util.h"
#include "kernels/cpu/dtype_dispatch.h"

namespace tandem::kernels::cpu::data_movement {
namespace {

template <typename T>
using AccOf = std::conditional_t<std::is_same_v<T, double>, double, float>;

template <typename T>
AccOf<T> ToAcc(T v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
    return ToFloat(v);
  else
    return static_cast<AccOf<T>>(v);
}

template <typename T>
T FromAcc(AccOf<T> v) {
  if constexpr (std::is_same_v<T, Float16>) {
    return FromFloat16(v);
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    return FromBFloat16(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else {
    if (std::isnan(v)) return T{0};
    const double r = std::round(static_cast<double>(v));
    const double lo = static_cast<double>(std::numeric_limits<T>::min());
    const double hi = static_cast<double>(std::numeric_limits<T>::max());
    if (r <= lo) return std::numeric_limits<T>::min();
    if (r >= hi) return std::numeric_limits<T>::max();
    return static_cast<T>(r);
  }
}

struct Geometry {
  Dims in, out, in_strides;
};

// Calls fn(begin_row, end_row) in parallel over the output rows.
template <typename Fn>
void ForRows(const Geometry& g, pthreadpool_t pool, const Fn& fn) {
  const int64_t width = g.out.back();
  const int64_t rows = Product(g.out, 0, g.out.size() - 1);
  ParallelForRange(pool, rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(width, 1)), fn);
}

// Source offset of the row's outer coordinates for single-tap (nearest) taps; -1 when one of
// them is outside (tf_crop_and_resize).
int64_t NearestRowOffset(const Geometry& g, const std::vector<DimTaps>& taps, int64_t row) {
  int64_t off = 0;
  for (int k = static_cast<int>(g.out.size()) - 2; k >= 0; --k) {
    const int64_t c = row % g.out[k];
    row /= g.out[k];
    if (taps[k].outside[c]) return -1;
    off += taps[k].idx[taps[k].begin[c]] * g.in_strides[k];
  }
  return off;
}

template <typename T>
void RunNearest(const Geometry& g, const std::vector<DimTaps>& taps, float extrapolation,
                const T* src, T* dst, pthreadpool_t pool) {
  const size_t last = g.out.size() - 1;
  const int64_t width = g.out[last];
  const DimTaps& lt = taps[last];
  std::vector<int64_t> col(width);  // source column per output column, -1 = extrapolate
  for (int64_t x = 0; x < width; ++x) col[x] = lt.outside[x] ? -1 : lt.idx[lt.begin[x]];
  const T ext = FromAcc<T>(static_cast<AccOf<T>>(extrapolation));
  ForRows(g, pool, [&](int64_t b, int64_t e) {
    int64_t prev = -2;
    for (int64_t r = b; r < e; ++r) {
      T* d = dst + r * width;
      const int64_t off = NearestRowOffset(g, taps, r);
      if (off == prev) {  // upsampling repeats source rows: copy the row just written
        std::copy(d - width, d, d);
        continue;
      }
      prev = off;
      if (off < 0) {
        std::fill(d, d + width, ext);
      } else if (!lt.any_outside) {
        const T* s = src + off;
        for (int64_t x = 0; x < width; ++x) d[x] = s[col[x]];
      } else {
        for (int64_t x = 0; x < width; ++x) d[x] = col[x] < 0 ? ext : src[off + col[x]];
      }
    }
  });
}

// Interpolates one source row along the last dim into `h` (the "horizontal" pass).
template <typename T, typename Acc>
void HorizontalPass(const DimTaps& lt, const std::vector<Acc>& lw, const T* s, int64_t width,
                    Acc* h) {
  for (int64_t x = 0; x < width; ++x) {
    Acc v = 0;
    for (int64_t t = lt.begin[x]; t < lt.begin[x + 1]; ++t) v += lw[t] * ToAcc(s[lt.idx[t]]);
    h[x] = v;
  }
}

// Each output row is a weighted sum of horizontally interpolated source rows. Neighbouring
// output rows share source rows, so the horizontal pass is cached per task (round-robin).
template <typename T>
void RunInterpolate(const Geometry& g, const std::vector<DimTaps>& taps, float extrapolation,
                    const T* src, T* dst, pthreadpool_t pool) {
  using Acc = AccOf<T>;
  const size_t last = g.out.size() - 1;
  const int64_t width = g.out[last];
  const DimTaps& lt = taps[last];
  const std::vector<Acc> lw(lt.w.begin(), lt.w.end());
  const T ext = FromAcc<T>(static_cast<Acc>(extrapolation));
  int64_t max_combos = 1;
  for (size_t k = 0; k < last; ++k) {
    int64_t m = 1;
    for (size_t c = 0; c + 1 < taps[k].begin.size(); ++c)
      m = std::max(m, taps[k].begin[c + 1] - taps[k].begin[c]);
    max_combos = std::min<int64_t>(max_combos * m, 64);
  }
  const size_t slots = static_cast<size_t>(2 * max_combos);
  ForRows(g, pool, [&](int64_t b, int64_t e) {
    std::vector<std::pair<int64_t, Acc>> combos, next;
    std::vector<int64_t> cached(slots, -1);
    std::vector<Acc> cache(slots * width), acc(width);
    size_t victim = 0;
    for (int64_t r = b; r < e; ++r) {
      T* d = dst + r * width;
      // Outer dims' taps multiplied out, innermost outer dim first.
      combos.assign(1, {0, Acc{1}});
      bool outside = false;
      int64_t rest = r;
      for (int k = static_cast<int>(last) - 1; k >= 0 && !outside; --k) {
        const int64_t c = rest % g.out[k];
        rest /= g.out[k];
        outside = taps[k].outside[c];
        next.clear();
        for (const auto& [off, w] : combos) {
          for (int64_t t = taps[k].begin[c]; t < taps[k].begin[c + 1]; ++t) {
            next.push_back(
                {off + taps[k].idx[t] * g.in_strides[k], w * static_cast<Acc>(taps[k].w[t])});
          }
        }
        combos.swap(next);
      }
      if (outside) {
        std::fill(d, d + width, ext);
        continue;
      }
      std::fill(acc.begin(), acc.end(), Acc{0});
      for (const auto& [off, w] : combos) {
        size_t slot = std::find(cached.begin(), cached.end(), off) - cached.begin();
        if (slot == slots) {
          slot = victim;
          victim = (victim + 1) % slots;
          cached[slot] = off;
          HorizontalPass(lt, lw, src + off, width, &cache[slot * width]);
        }
        const Acc* h = &cache[slot * width];
        for (int64_t x = 0; x < width; ++x) acc[x] += w * h[x];
      }
      for (int64_t x = 0; x < width; ++x) d[x] = lt.outside[x] ? ext : FromAcc<T>(acc[x]);
    }
  });
}

// Which of roi (1), scales (2), sizes (3) are given: present and not an empty tensor.
bool Given(const KernelBuildContext& ctx, size_t i) {
  if (!ctx.has_input(i)) return false;
  auto n = ctx.input_info(i).shape.num_elements();
  return !n || *n > 0;
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeResize(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (!Dispatch(dtype, [](auto) {}))
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  if (ctx.output_info(0).dtype != dtype)
    return ctx.Invalid("output dtype differs from the input's");
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  if (in.empty() || out.size() != in.size())
    return ctx.Invalid("input and output need the same rank >= 1");
  TANDEM_ASSIGN_OR_RETURN(ResizeAttrs attrs,
                          ParseResizeAttrs(ctx, static_cast<int64_t>(in.size())));
  if (attrs.mode != ResizeMode::kNearest && dtype == ir::DType::kBool) {
    return ctx.Unsupported("linear/cubic resize of bool");
  }
  const bool use_roi = attrs.coord == CoordMode::kTfCropAndResize && Given(ctx, 1);
  const bool use_scales = Given(ctx, 2), use_sizes = !use_scales && Given(ctx, 3);
  const bool constant = (!use_roi || ctx.constant_input(1)) &&
                        (!use_scales || ctx.constant_input(2)) &&
                        (!use_sizes || ctx.constant_input(3));
  Geometry g{in, out, ContiguousStrides(in)};
  std::optional<std::vector<DimTaps>> taps;
  if (constant) {
    std::optional<std::vector<double>> roi, scales;
    std::optional<std::vector<int64_t>> sizes;
    if (use_roi) {
      TANDEM_ASSIGN_OR_RETURN(roi, ConstantDoubles(ctx, 1));
    }
    if (use_scales) {
      TANDEM_ASSIGN_OR_RETURN(scales, ConstantDoubles(ctx, 2));
    }
    if (use_sizes) {
      TANDEM_ASSIGN_OR_RETURN(sizes, ConstantInts(ctx, 3));
    }
    auto s = ResolveResizeScales(attrs, in, out, roi, scales, sizes);
    if (!s.ok()) return ctx.Invalid(std::string(s.status().message()));
    taps = BuildResizeTaps(attrs, *s, in, out);
  }
  return MakeKernel([=](const KernelContext& c) -> absl::Status {
    std::vector<DimTaps> local;
    const std::vector<DimTaps>* t = taps ? &*taps : &local;
    if (!taps) {
      std::optional<std::vector<double>> roi, scales;
      std::optional<std::vector<int64_t>> sizes;
      if (use_roi) {
        TANDEM_ASSIGN_OR_RETURN(roi, ReadDoubles(c.inputs[1]));
      }
      if (use_scales) {
        TANDEM_ASSIGN_OR_RETURN(scales, ReadDoubles(c.inputs[2]));
      }
      if (use_sizes) {
        TANDEM_ASSIGN_OR_RETURN(sizes, ReadInts(c.inputs[3]));
      }
      TANDEM_ASSIGN_OR_RETURN(ResizeScales s,
                              ResolveResizeScales(attrs, in, out, roi, scales, sizes));
      local = BuildResizeTaps(attrs, s, in, out);
    }
    if (c.outputs[0].num_elements() == 0) return absl::OkStatus();
    if (c.inputs[0].num_elements() == 0)
      return absl::InvalidArgumentError("cannot resize an empty input");
    Dispatch(dtype, [&](auto tag) {
      using T = decltype(tag);
      const T* src = c.inputs[0].as<const T>();
      T* dst = c.outputs[0].as<T>();
      if (attrs.mode == ResizeMode::kNearest) {
        RunNearest(g, *t, attrs.extrapolation, src, dst, c.threadpool);
      } else if constexpr (!std::is_same_v<T, bool>) {
        RunInterpolate(g, *t, attrs.extrapolation, src, dst, c.threadpool);
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterResizeKernels(KernelRegistry& r) { r.Register("Resize", MakeResize); }

}  // namespace tandem::kernels::cpu::data_movement
