// RoiAlign: for each region of interest rois[r] = (x1, y1, x2, y2) of image batch_indices[r],
// Y[r, c] is an output_height x output_width grid of bins, each the average (mode=avg) or the
// maximum (mode=max) of bilinear samples on a regular sampling grid inside the bin.
//
// Follows onnxruntime's kernel, which the ONNX reference mirrors:
//  - coordinates are scaled by spatial_scale and shifted by -0.5 under half_pixel; under
//    output_half_pixel they are not shifted and the ROI is at least 1x1;
//  - sampling_ratio > 0 gives that many samples per bin side, else ceil(roi_size / output_size);
//  - a sample more than one pixel outside the image contributes 0; otherwise it is clamped in;
//  - max mode takes, per sample, the largest of the four weighted corner values (w_i * v_i), not
//    the interpolated value: that is what onnxruntime computes and the tests expect.
// coordinate_transformation_mode defaults to half_pixel from opset 16, and is output_half_pixel
// (the only behaviour) before. X and rois are float32 or float64.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/string_vision_kernels.h"

namespace tandem::kernels::cpu::string_vision {
namespace {

struct RoiAlignParams {
  int64_t n, c, h, w, rois, out_h, out_w, sampling_ratio;
  double spatial_scale;
  bool half_pixel, max_mode;
};

template <typename T>
struct Sample {
  int64_t pos[4];
  T w[4];
};

// Where one ROI's bins and samples are.
template <typename T>
struct RoiGeometry {
  T start_h, start_w, bin_h, bin_w;
  int64_t grid_h, grid_w;
};

// More samples per bin than this is a malformed ROI, not an image (4096 x 4096 in one bin).
constexpr int64_t kMaxSamplesPerBin = int64_t{1} << 24;

template <typename T>
RoiGeometry<T> Geometry(const RoiAlignParams& p, const T* roi) {
  const T offset = p.half_pixel ? T(0.5) : T(0);
  const T scale = static_cast<T>(p.spatial_scale);
  RoiGeometry<T> g;
  g.start_w = roi[0] * scale - offset;
  g.start_h = roi[1] * scale - offset;
  T roi_w = roi[2] * scale - offset - g.start_w, roi_h = roi[3] * scale - offset - g.start_h;
  if (!p.half_pixel) {
    roi_w = std::max(roi_w, T(1));
    roi_h = std::max(roi_h, T(1));
  }
  g.bin_h = roi_h / static_cast<T>(p.out_h);
  g.bin_w = roi_w / static_cast<T>(p.out_w);
  auto grid = [&](T bin) -> int64_t {
    if (p.sampling_ratio > 0) return p.sampling_ratio;
    const T n = std::ceil(bin);
    // NaN, negative or absurd sizes: no samples, or a count the caller rejects.
    if (!(n > 0)) return 0;
    return n > T(kMaxSamplesPerBin) ? kMaxSamplesPerBin + 1 : static_cast<int64_t>(n);
  };
  g.grid_h = grid(g.bin_h);
  g.grid_w = grid(g.bin_w);
  return g;
}

// The bilinear samples of bin (ph, pw) of one ROI.
template <typename T>
void BinSamples(const RoiAlignParams& p, const RoiGeometry<T>& g, int64_t ph, int64_t pw,
                std::vector<Sample<T>>& out) {
  out.clear();
  const T height = static_cast<T>(p.h), width = static_cast<T>(p.w);
  for (int64_t iy = 0; iy < g.grid_h; ++iy) {
    const T yy = g.start_h + static_cast<T>(ph) * g.bin_h +
                 (static_cast<T>(iy) + T(0.5)) * g.bin_h / static_cast<T>(g.grid_h);
    for (int64_t ix = 0; ix < g.grid_w; ++ix) {
      const T xx = g.start_w + static_cast<T>(pw) * g.bin_w +
                   (static_cast<T>(ix) + T(0.5)) * g.bin_w / static_cast<T>(g.grid_w);
      Sample<T> s{{0, 0, 0, 0}, {0, 0, 0, 0}};
      if (yy >= T(-1) && yy <= height && xx >= T(-1) && xx <= width) {  // NaN: a zero sample
        T y = std::max(yy, T(0)), x = std::max(xx, T(0));
        int64_t y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x), y_high, x_high;
        if (y_low >= p.h - 1) {
          y_high = y_low = p.h - 1;
          y = static_cast<T>(y_low);
        } else {
          y_high = y_low + 1;
        }
        if (x_low >= p.w - 1) {
          x_high = x_low = p.w - 1;
          x = static_cast<T>(x_low);
        } else {
          x_high = x_low + 1;
        }
        const T ly = y - static_cast<T>(y_low), lx = x - static_cast<T>(x_low);
        const T hy = 1 - ly, hx = 1 - lx;
        s = {{y_low * p.w + x_low, y_low * p.w + x_high, y_high * p.w + x_low,
              y_high * p.w + x_high},
             {hy * hx, hy * lx, ly * hx, ly * lx}};
      }
      out.push_back(s);
    }
  }
}

template <typename T>
T Pool(bool max_mode, const std::vector<Sample<T>>& samples, const T* src) {
  T acc = 0;
  for (size_t k = 0; k < samples.size(); ++k) {
    const Sample<T>& q = samples[k];
    if (max_mode) {
      const T v = std::max(std::max(q.w[0] * src[q.pos[0]], q.w[1] * src[q.pos[1]]),
                           std::max(q.w[2] * src[q.pos[2]], q.w[3] * src[q.pos[3]]));
      acc = k == 0 ? v : std::max(acc, v);
    } else {
      acc += q.w[0] * src[q.pos[0]] + q.w[1] * src[q.pos[1]] + q.w[2] * src[q.pos[2]] +
             q.w[3] * src[q.pos[3]];
    }
  }
  if (max_mode) return acc;
  return acc / static_cast<T>(std::max<size_t>(samples.size(), 1));
}

template <typename T>
absl::Status RunRoiAlign(const RoiAlignParams& p, const T* x, const T* rois, const int64_t* batch,
                         T* y, pthreadpool_t pool) {
  std::vector<RoiGeometry<T>> geometry(p.rois);
  for (int64_t r = 0; r < p.rois; ++r) {
    if (batch[r] < 0 || batch[r] >= p.n) {
      return absl::InvalidArgumentError(
          absl::StrCat("batch_indices[", r, "] = ", batch[r], " is outside [0, ", p.n, ")"));
    }
    geometry[r] = Geometry(p, rois + r * 4);
    const RoiGeometry<T>& g = geometry[r];
    if (g.grid_h > kMaxSamplesPerBin || g.grid_w > kMaxSamplesPerBin ||
        g.grid_h * g.grid_w > kMaxSamplesPerBin) {
      return absl::InvalidArgumentError(
          absl::StrCat("ROI ", r, " needs more than ", kMaxSamplesPerBin, " samples per bin"));
    }
  }
  const int64_t plane = p.h * p.w, bins = p.out_h * p.out_w;
  ParallelFor(pool, p.rois * bins, [&](int64_t task) {
    const int64_t r = task / bins, b = task % bins;
    std::vector<Sample<T>> samples;
    BinSamples(p, geometry[r], b / p.out_w, b % p.out_w, samples);
    for (int64_t c = 0; c < p.c; ++c) {
      y[(r * p.c + c) * bins + b] = Pool(p.max_mode, samples, x + (batch[r] * p.c + c) * plane);
    }
  });
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeRoiAlign(const KernelBuildContext& ctx) {
  if (ctx.num_inputs() != 3 || !ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_input(2) ||
      !HasOutput(ctx, 0)) {
    return ctx.Invalid("expects X, rois and batch_indices, and one output");
  }
  const ir::DType dt = ctx.input_info(0).dtype;
  if (dt != ir::DType::kFloat32 && dt != ir::DType::kFloat64) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dt), ": only float32 and float64"));
  }
  if (ctx.input_info(1).dtype != dt || ctx.output_info(0).dtype != dt) {
    return ctx.Invalid("rois and the output must have X's dtype");
  }
  if (ctx.input_info(2).dtype != ir::DType::kInt64)
    return ctx.Invalid("batch_indices must be int64");
  TANDEM_ASSIGN_OR_RETURN(Dims xd, InputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims rd, InputDims(ctx, 1));
  TANDEM_ASSIGN_OR_RETURN(Dims bd, InputDims(ctx, 2));
  if (xd.size() != 4)
    return ctx.Invalid(absl::StrCat("X must be [N, C, H, W], got rank ", xd.size()));
  if (rd.size() != 2 || rd[1] != 4 || bd.size() != 1 || bd[0] != rd[0]) {
    return ctx.Invalid("rois must be [num_rois, 4] and batch_indices [num_rois]");
  }
  const ir::Node& node = ctx.node();
  RoiAlignParams p{xd[0],
                   xd[1],
                   xd[2],
                   xd[3],
                   rd[0],
                   node.GetInt("output_height", 1),
                   node.GetInt("output_width", 1),
                   node.GetInt("sampling_ratio", 0),
                   node.GetFloat("spatial_scale", 1.0f),
                   true,
                   false};
  if (p.out_h < 1 || p.out_w < 1 || p.sampling_ratio < 0) {
    return ctx.Invalid("output_height and output_width must be >= 1 and sampling_ratio >= 0");
  }
  const std::string mode = node.GetString("mode", "avg");
  if (mode != "avg" && mode != "max")
    return ctx.Invalid(absl::StrCat("mode '", mode, "' is not avg or max"));
  p.max_mode = mode == "max";
  const int64_t opset = ctx.graph().opset("");
  const std::string ctm =
      node.GetString("coordinate_transformation_mode",
                     opset > 0 && opset < 16 ? "output_half_pixel" : "half_pixel");
  if (ctm != "half_pixel" && ctm != "output_half_pixel") {
    return ctx.Invalid(absl::StrCat("coordinate_transformation_mode '", ctm,
                                    "' is not half_pixel or output_half_pixel"));
  }
  p.half_pixel = ctm == "half_pixel";
  const Dims out{p.rois, p.c, p.out_h, p.out_w};
  TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, out));
  if (p.rois > 0 && p.c > 0 && (p.h == 0 || p.w == 0)) return ctx.Invalid("X has an empty image");
  return MakeFnKernel([p, dt, out](const KernelContext& c) -> absl::Status {
    TANDEM_ASSIGN_OR_RETURN(void* y, c.AllocateOutput(0, out));
    const int64_t* batch = c.inputs[2].as<const int64_t>();
    if (dt == ir::DType::kFloat32) {
      return RunRoiAlign<float>(p, c.inputs[0].as<const float>(), c.inputs[1].as<const float>(),
                                batch, static_cast<float*>(y), c.threadpool);
    }
    return RunRoiAlign<double>(p, c.inputs[0].as<const double>(), c.inputs[1].as<const double>(),
                               batch, static_cast<double*>(y), c.threadpool);
  });
}

}  // namespace

void RegisterRoiAlignKernel(KernelRegistry& r) { r.Register("RoiAlign", MakeRoiAlign); }

}  // namespace tandem::kernels::cpu::string_vision
