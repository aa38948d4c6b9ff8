#include "kernels/cpu/data_movement_resize_plan.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace tandem::kernels::cpu::data_movement {
namespace {

template <typename E>
struct Named {
  const char* name;
  E value;
};

template <typename E, size_t N>
absl::StatusOr<E> Lookup(const KernelBuildContext& ctx, const char* attr, const char* dflt,
                         const Named<E> (&table)[N]) {
  const std::string s = ctx.node().GetString(attr, dflt);
  for (const auto& row : table) {
    if (s == row.name) return row.value;
  }
  return ctx.Unsupported(absl::StrCat(attr, " '", s, "'"));
}

constexpr Named<ResizeMode> kModes[] = {{"nearest", ResizeMode::kNearest},
                                        {"linear", ResizeMode::kLinear},
                                        {"cubic", ResizeMode::kCubic}};
constexpr Named<CoordMode> kCoords[] = {{"half_pixel", CoordMode::kHalfPixel},
                                        {"half_pixel_symmetric", CoordMode::kHalfPixelSymmetric},
                                        {"pytorch_half_pixel", CoordMode::kPytorchHalfPixel},
                                        {"align_corners", CoordMode::kAlignCorners},
                                        {"asymmetric", CoordMode::kAsymmetric},
                                        {"tf_half_pixel_for_nn", CoordMode::kTfHalfPixelForNn},
                                        {"tf_crop_and_resize", CoordMode::kTfCropAndResize}};
constexpr Named<NearestMode> kNearest[] = {{"round_prefer_floor", NearestMode::kRoundPreferFloor},
                                           {"round_prefer_ceil", NearestMode::kRoundPreferCeil},
                                           {"floor", NearestMode::kFloor},
                                           {"ceil", NearestMode::kCeil}};
constexpr Named<int> kAspect[] = {{"stretch", 0}, {"not_larger", 1}, {"not_smaller", 2}};

// Step 1 of the overview: output coordinate -> source coordinate. `length` is scale * in.
double SourceCoordinate(CoordMode mode, double x, double scale, double length, int64_t in,
                        int64_t out, double roi_start, double roi_end) {
  switch (mode) {
    case CoordMode::kHalfPixel:
      return (x + 0.5) / scale - 0.5;
    case CoordMode::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(out) / length;
      const double center = static_cast<double>(in) / 2;
      return center * (1 - adjustment) + (x + 0.5) / scale - 0.5;
    }
    case CoordMode::kPytorchHalfPixel:
      return length > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case CoordMode::kAlignCorners:
      return length == 1 ? 0.0 : x * static_cast<double>(in - 1) / (length - 1);
    case CoordMode::kAsymmetric:
      return x / scale;
    case CoordMode::kTfHalfPixelForNn:
      return (x + 0.5) / scale;
    case CoordMode::kTfCropAndResize: {
      const double span = (roi_end - roi_start) * static_cast<double>(in - 1);
      const double base = roi_start * static_cast<double>(in - 1);
      return length == 1 ? base + span / 2 : base + x * span / (length - 1);
    }
  }
  return x;
}

int64_t NearestIndex(NearestMode mode, double x) {
  const double f = std::floor(x);
  const double r = x - f;
  if (r == 0) return static_cast<int64_t>(f);
  bool up = false;
  switch (mode) {
    case NearestMode::kRoundPreferFloor:
      up = r > 0.5;
      break;
    case NearestMode::kRoundPreferCeil:
      up = r >= 0.5;
      break;
    case NearestMode::kFloor:
      up = false;
      break;
    case NearestMode::kCeil:
      up = true;
      break;
  }
  return static_cast<int64_t>(f) + (up ? 1 : 0);
}

// Keys' cubic convolution weights for taps floor-1 .. floor+2 at fraction r in [0, 1).
void CubicWeights(double r, double a, double w[4]) {
  auto far = [a](double t) { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a; };  // 1 <= t < 2
  auto near = [a](double t) { return ((a + 2) * t - (a + 3)) * t * t + 1; };       // 0 <= t < 1
  w[0] = far(r + 1);
  w[1] = near(r);
  w[2] = near(1 - r);
  w[3] = far(2 - r);
}

}  // namespace

absl::StatusOr<ResizeAttrs> ParseResizeAttrs(const KernelBuildContext& ctx, int64_t rank) {
  ResizeAttrs a;
  TANDEM_ASSIGN_OR_RETURN(a.mode, Lookup(ctx, "mode", "nearest", kModes));
  TANDEM_ASSIGN_OR_RETURN(a.coord,
                          Lookup(ctx, "coordinate_transformation_mode", "half_pixel", kCoords));
  TANDEM_ASSIGN_OR_RETURN(a.nearest, Lookup(ctx, "nearest_mode", "round_prefer_floor", kNearest));
  TANDEM_ASSIGN_OR_RETURN(a.keep_aspect,
                          Lookup(ctx, "keep_aspect_ratio_policy", "stretch", kAspect));
  a.cubic_a = ctx.node().GetFloat("cubic_coeff_a", -0.75f);
  a.exclude_outside = ctx.node().GetInt("exclude_outside", 0) != 0;
  a.extrapolation = ctx.node().GetFloat("extrapolation_value", 0.0f);
  if (ctx.node().GetInt("antialias", 0) != 0) return ctx.Unsupported("antialias");
  std::vector<bool> seen(rank, false);
  for (int64_t axis : ctx.node().GetInts("axes")) {
    if (axis < -rank || axis >= rank)
      return ctx.Invalid(absl::StrCat("axis ", axis, " out of range"));
    if (axis < 0) axis += rank;
    if (seen[axis]) return ctx.Invalid(absl::StrCat("axis ", axis, " repeats"));
    seen[axis] = true;
    a.axes.push_back(axis);
  }
  return a;
}

absl::StatusOr<ResizeScales> ResolveResizeScales(const ResizeAttrs& attrs, const Dims& in,
                                                 const Dims& out,
                                                 const std::optional<std::vector<double>>& roi,
                                                 const std::optional<std::vector<double>>& scales,
                                                 const std::optional<std::vector<int64_t>>& sizes) {
  const size_t rank = in.size();
  std::vector<int64_t> axes = attrs.axes;
  if (axes.empty()) {
    for (size_t d = 0; d < rank; ++d) axes.push_back(static_cast<int64_t>(d));
  }
  const size_t n = axes.size();
  ResizeScales s{std::vector<double>(rank, 1.0), std::vector<double>(rank, 0.0),
                 std::vector<double>(rank, 1.0)};
  if (roi && !roi->empty()) {
    if (roi->size() != 2 * n) return absl::InvalidArgumentError("roi must have 2 entries per axis");
    for (size_t i = 0; i < n; ++i) {
      s.roi_start[axes[i]] = (*roi)[i];
      s.roi_end[axes[i]] = (*roi)[i + n];
    }
  }
  if (scales && !scales->empty()) {
    if (scales->size() != n)
      return absl::InvalidArgumentError("scales must have one entry per axis");
    for (size_t i = 0; i < n; ++i) {
      if (!((*scales)[i] > 0)) return absl::InvalidArgumentError("scales must be positive");
      s.scale[axes[i]] = (*scales)[i];
    }
    return s;
  }
  std::vector<double> ratio(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t a = axes[i];
    int64_t size = out[a];
    if (sizes && !sizes->empty()) {
      if (sizes->size() != n)
        return absl::InvalidArgumentError("sizes must have one entry per axis");
      size = (*sizes)[i];
      if (attrs.keep_aspect == 0 && size != out[a]) {
        return absl::InvalidArgumentError("sizes disagree with the output shape");
      }
    }
    if (in[a] == 0) return absl::InvalidArgumentError("cannot resize an empty dim");
    ratio[i] = static_cast<double>(size) / static_cast<double>(in[a]);
  }
  if (attrs.keep_aspect != 0 && n > 0) {
    const double r = attrs.keep_aspect == 1 ? *std::min_element(ratio.begin(), ratio.end())
                                            : *std::max_element(ratio.begin(), ratio.end());
    std::fill(ratio.begin(), ratio.end(), r);
  }
  for (size_t i = 0; i < n; ++i) s.scale[axes[i]] = ratio[i];
  return s;
}

std::vector<DimTaps> BuildResizeTaps(const ResizeAttrs& attrs, const ResizeScales& s,
                                     const Dims& in, const Dims& out) {
  std::vector<DimTaps> all;
  for (size_t d = 0; d < in.size(); ++d) {
    const int64_t n_in = in[d], n_out = out[d];
    const double length = s.scale[d] * static_cast<double>(n_in);
    DimTaps t;
    t.begin.push_back(0);
    for (int64_t x = 0; x < n_out; ++x) {
      const double xo = SourceCoordinate(attrs.coord, static_cast<double>(x), s.scale[d], length,
                                         n_in, n_out, s.roi_start[d], s.roi_end[d]);
      const bool outside = attrs.coord == CoordMode::kTfCropAndResize &&
                           (xo < 0 || xo > static_cast<double>(n_in - 1));
      t.outside.push_back(outside);
      t.any_outside |= outside;
      int64_t idx[4];
      double w[4];
      int taps = 1;
      if (outside || n_in == 0) {
        taps = 0;
      } else if (attrs.mode == ResizeMode::kNearest) {
        idx[0] = NearestIndex(attrs.nearest, xo);
        w[0] = 1;
      } else {
        const double f = std::floor(xo);
        const double r = xo - f;
        const int64_t base = static_cast<int64_t>(f);
        if (attrs.mode == ResizeMode::kLinear) {
          taps = 2;
          idx[0] = base, idx[1] = base + 1;
          w[0] = 1 - r, w[1] = r;
        } else {
          taps = 4;
          for (int k = 0; k < 4; ++k) idx[k] = base - 1 + k;
          CubicWeights(r, attrs.cubic_a, w);
        }
      }
      if (attrs.exclude_outside && taps > 1) {
        double sum = 0;
        for (int k = 0; k < taps; ++k) {
          if (idx[k] < 0 || idx[k] >= n_in) w[k] = 0;
          sum += w[k];
        }
        if (sum != 0) {
          for (int k = 0; k < taps; ++k) w[k] /= sum;
        }
      }
      for (int k = 0; k < taps; ++k) {
        if (w[k] == 0 && taps > 1) continue;
        t.idx.push_back(std::clamp<int64_t>(idx[k], 0, n_in - 1));
        t.w.push_back(w[k]);
      }
      t.begin.push_back(static_cast<int64_t>(t.idx.size()));
    }
    all.push_back(std::move(t));
  }
  return all;
}

}  // namespace tandem::kernels::cpu::data_movement
