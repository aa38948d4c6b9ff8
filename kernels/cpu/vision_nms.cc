// NonMaxSuppression: per batch and class, greedily keeps the highest-scoring boxes whose IoU with
// every box kept before is at most iou_threshold, up to max_output_boxes_per_class, and lists
// them as int64 [batch, class, box] rows ([num_selected, 3], a data-dependent size).
//
// Details follow onnxruntime (and the ONNX reference): with a score_threshold input only boxes
// scoring strictly above it are candidates; candidates are visited by descending score, ties by
// ascending box index; boxes are [y1, x1, y2, x2] with either diagonal (center_point_box=0) or
// [x_center, y_center, width, height] (center_point_box=1); a pair whose intersection or either
// area is not positive never suppresses. Rows come out by batch, then class, then selection
// order. max_output_boxes_per_class absent or <= 0 selects nothing.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/string_vision_kernels.h"

namespace tandem::kernels::cpu::string_vision {
namespace {

struct Corners {
  float x_min, y_min, x_max, y_max;
};

Corners ToCorners(const float* b, bool center_point) {
  if (center_point) {
    const float hw = b[2] / 2, hh = b[3] / 2;
    return {b[0] - hw, b[1] - hh, b[0] + hw, b[1] + hh};
  }
  return {std::min(b[1], b[3]), std::min(b[0], b[2]), std::max(b[1], b[3]), std::max(b[0], b[2])};
}

bool Suppresses(const Corners& a, const Corners& b, float iou_threshold) {
  const float ix_min = std::max(a.x_min, b.x_min), ix_max = std::min(a.x_max, b.x_max);
  if (ix_max <= ix_min) return false;
  const float iy_min = std::max(a.y_min, b.y_min), iy_max = std::min(a.y_max, b.y_max);
  if (iy_max <= iy_min) return false;
  const float inter = (ix_max - ix_min) * (iy_max - iy_min);
  if (inter <= 0) return false;
  const float area_a = (a.x_max - a.x_min) * (a.y_max - a.y_min);
  const float area_b = (b.x_max - b.x_min) * (b.y_max - b.y_min);
  const float uni = area_a + area_b - inter;
  if (area_a <= 0 || area_b <= 0 || uni <= 0) return false;
  return inter / uni > iou_threshold;
}

struct NmsShape {
  int64_t batches, classes, boxes;
};

// The selected box indices of one (batch, class), in selection order.
std::vector<int64_t> SelectBoxes(const NmsShape& s, const float* boxes, const float* scores,
                                 int64_t batch, int64_t cls, bool center_point, int64_t max_out,
                                 float iou_threshold, const float* score_threshold) {
  const float* sc = scores + (batch * s.classes + cls) * s.boxes;
  const float* bx = boxes + batch * s.boxes * 4;
  std::vector<int64_t> candidates;
  for (int64_t i = 0; i < s.boxes; ++i) {
    if (score_threshold == nullptr || sc[i] > *score_threshold) candidates.push_back(i);
  }
  // NaN scores sort last (a NaN never passes a threshold), keeping the order strict-weak.
  auto key = [sc](int64_t i) {
    return std::isnan(sc[i]) ? -std::numeric_limits<float>::infinity() : sc[i];
  };
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&key](int64_t a, int64_t b) { return key(a) > key(b); });
  std::vector<int64_t> kept;
  std::vector<Corners> kept_corners;
  for (int64_t i : candidates) {
    if (static_cast<int64_t>(kept.size()) >= max_out) break;
    const Corners c = ToCorners(bx + i * 4, center_point);
    bool suppressed = false;
    for (const Corners& k : kept_corners) {
      if (Suppresses(c, k, iou_threshold)) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) {
      kept.push_back(i);
      kept_corners.push_back(c);
    }
  }
  return kept;
}

// The one element of optional input i (int64 or float32, as the factory checked), or nullopt
// when the input is omitted.
template <typename T>
absl::StatusOr<std::optional<T>> ScalarInput(const KernelContext& c, size_t i, const char* what) {
  if (i >= c.inputs.size() || c.inputs[i].data == nullptr) return std::nullopt;
  const TensorView& v = c.inputs[i];
  if (v.num_elements() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must hold one element, got ", v.num_elements()));
  }
  return v.as<const T>()[0];
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeNms(const KernelBuildContext& ctx) {
  if (ctx.num_inputs() < 2 || ctx.num_inputs() > 5 || !ctx.has_input(0) || !ctx.has_input(1) ||
      !HasOutput(ctx, 0)) {
    return ctx.Invalid("expects boxes, scores and up to three optional inputs, and one output");
  }
  if (ctx.input_info(0).dtype != ir::DType::kFloat32 ||
      ctx.input_info(1).dtype != ir::DType::kFloat32) {
    return ctx.Unsupported("boxes and scores must be float32");
  }
  if (ctx.output_info(0).dtype != ir::DType::kInt64) return ctx.Invalid("the output must be int64");
  const ir::DType want[] = {ir::DType::kInt64, ir::DType::kFloat32, ir::DType::kFloat32};
  const char* names[] = {"max_output_boxes_per_class", "iou_threshold", "score_threshold"};
  for (size_t i = 2; i < ctx.num_inputs(); ++i) {
    if (ctx.has_input(i) && ctx.input_info(i).dtype != want[i - 2]) {
      return ctx.Invalid(absl::StrCat(names[i - 2], " must be ", ir::DTypeName(want[i - 2])));
    }
  }
  TANDEM_ASSIGN_OR_RETURN(Dims boxes, InputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims scores, InputDims(ctx, 1));
  if (boxes.size() != 3 || boxes[2] != 4 || scores.size() != 3 || scores[0] != boxes[0] ||
      scores[2] != boxes[1]) {
    return ctx.Invalid(absl::StrCat("boxes must be [B, N, 4] and scores [B, C, N]; got rank ",
                                    boxes.size(), " and rank ", scores.size(),
                                    " shapes that disagree"));
  }
  const int64_t center = ctx.node().GetInt("center_point_box", 0);
  if (center != 0 && center != 1) return ctx.Invalid("center_point_box must be 0 or 1");
  const NmsShape s{boxes[0], scores[1], boxes[1]};
  const bool center_point = center == 1;
  return MakeFnKernel([s, center_point](const KernelContext& c) -> absl::Status {
    TANDEM_ASSIGN_OR_RETURN(auto max_out_in,
                            ScalarInput<int64_t>(c, 2, "max_output_boxes_per_class"));
    TANDEM_ASSIGN_OR_RETURN(auto iou_in, ScalarInput<float>(c, 3, "iou_threshold"));
    TANDEM_ASSIGN_OR_RETURN(auto score_in, ScalarInput<float>(c, 4, "score_threshold"));
    const int64_t max_out = max_out_in.value_or(0);
    const float iou = iou_in.value_or(0.0f);
    if (!(iou >= 0 && iou <= 1)) {
      return absl::InvalidArgumentError(absl::StrCat("iou_threshold ", iou, " is not in [0, 1]"));
    }
    const float* boxes = c.inputs[0].as<const float>();
    const float* scores = c.inputs[1].as<const float>();
    const int64_t pairs = s.batches * s.classes;
    std::vector<std::vector<int64_t>> selected(pairs);
    if (max_out > 0) {
      ParallelFor(c.threadpool, pairs, [&](int64_t p) {
        selected[p] = SelectBoxes(s, boxes, scores, p / s.classes, p % s.classes, center_point,
                                  max_out, iou, score_in ? &*score_in : nullptr);
      });
    }
    int64_t total = 0;
    for (const auto& v : selected) total += static_cast<int64_t>(v.size());
    TANDEM_ASSIGN_OR_RETURN(void* data, c.AllocateOutput(0, Dims{total, 3}));
    int64_t* y = static_cast<int64_t*>(data);
    for (int64_t p = 0; p < pairs; ++p) {
      for (int64_t box : selected[p]) {
        *y++ = p / s.classes;
        *y++ = p % s.classes;
        *y++ = box;
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterNmsKernel(KernelRegistry& r) { r.Register("NonMaxSuppression", MakeNms); }

}  // namespace tandem::kernels::cpu::string_vision
