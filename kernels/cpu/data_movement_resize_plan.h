// Resize, step 1: per-dim interpolation taps.
//
// ONNX Resize is separable: the value at an output coordinate is a tensor product over dims of
// 1-D interpolations. For every dim we therefore precompute, per output coordinate, the source
// indices and weights ("taps") it reads, following the ONNX reference implementation
// (onnx/reference/ops/op_resize.py):
//   1. map the output coordinate x to a source coordinate x_ori by the
//      coordinate_transformation_mode, using length_resized = scale * length_original (a float,
//      as the reference does, which matters for align_corners with fractional scales);
//   2. tf_crop_and_resize: x_ori outside [0, in - 1] marks the coordinate "outside"; any output
//      element with an outside coordinate takes extrapolation_value;
//   3. nearest: one tap chosen by nearest_mode; linear: floor(x_ori) and the next, weights
//      1 - r and r; cubic: floor - 1 .. floor + 2 with Keys' weights for coefficient A;
//   4. exclude_outside: taps outside [0, in) get weight 0 and the rest are renormalised;
//   5. indices are clamped to [0, in - 1] (the reference pads the input with its edge values)
//      and zero-weight taps are dropped.
#ifndef TANDEM_KERNELS_CPU_DATA_MOVEMENT_RESIZE_PLAN_H_
#define TANDEM_KERNELS_CPU_DATA_MOVEMENT_RESIZE_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::data_movement {

enum class ResizeMode { kNearest, kLinear, kCubic };
enum class CoordMode {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize,
};
enum class NearestMode { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

// The node's attributes, parsed once at build time.
struct ResizeAttrs {
  ResizeMode mode = ResizeMode::kNearest;
  CoordMode coord = CoordMode::kHalfPixel;
  NearestMode nearest = NearestMode::kRoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  float extrapolation = 0.0f;
  std::vector<int64_t> axes;  // normalised; empty = every dim
  int keep_aspect = 0;        // 0 stretch, 1 not_larger, 2 not_smaller
};

// Taps of one dim: output coordinate x reads idx[begin[x] .. begin[x+1]) with weights w.
struct DimTaps {
  std::vector<int64_t> begin;  // out_len + 1 entries
  std::vector<int64_t> idx;
  std::vector<double> w;
  std::vector<bool> outside;  // out_len entries (tf_crop_and_resize)
  bool any_outside = false;
};

// Parses mode, coordinate_transformation_mode, nearest_mode, cubic_coeff_a, exclude_outside,
// extrapolation_value, axes and keep_aspect_ratio_policy; Unsupported for antialias.
absl::StatusOr<ResizeAttrs> ParseResizeAttrs(const KernelBuildContext& ctx, int64_t rank);

// Per-dim scales and roi (full rank) from the optional roi, scales and sizes values (empty
// optionals and empty tensors count as absent; without scales or sizes, scale = out / in).
struct ResizeScales {
  std::vector<double> scale;
  std::vector<double> roi_start, roi_end;
};
absl::StatusOr<ResizeScales> ResolveResizeScales(const ResizeAttrs& attrs, const Dims& in,
                                                 const Dims& out,
                                                 const std::optional<std::vector<double>>& roi,
                                                 const std::optional<std::vector<double>>& scales,
                                                 const std::optional<std::vector<int64_t>>& sizes);

// The taps of every dim.
std::vector<DimTaps> BuildResizeTaps(const ResizeAttrs& attrs, const ResizeScales& s,
                                     const Dims& in, const Dims& out);

}  // namespace tandem::kernels::cpu::data_movement

#endif  // TANDEM_KERNELS_CPU_DATA_MOVEMENT_RESIZE_PLAN_H_
