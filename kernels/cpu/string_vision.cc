// Registration and shared helpers of the string, vision and data-dependent-shape kernels.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/cpu/string_vision_kernels.h"

namespace tandem::kernels::cpu {
namespace string_vision {

absl::StatusOr<AxisSplit> SplitAtOptionalAxis(const KernelBuildContext& ctx, const Dims& dims) {
  AxisSplit split;
  const int64_t rank = static_cast<int64_t>(dims.size());
  const ir::Attribute* a = ctx.node().attr("axis");
  if (a == nullptr) {
    for (int64_t d : dims) split.len *= d;
    return split;
  }
  if (a->kind() != ir::AttrKind::kInt) return ctx.Invalid("axis must be an int");
  split.axis = a->i();
  if (split.axis < -rank || split.axis >= rank) {
    return ctx.Invalid(absl::StrCat("axis ", split.axis, " is out of range for rank ", rank));
  }
  if (split.axis < 0) split.axis += rank;
  for (int64_t d = 0; d < split.axis; ++d) split.outer *= dims[d];
  for (int64_t d = split.axis + 1; d < rank; ++d) split.inner *= dims[d];
  split.len = dims[split.axis];
  return split;
}

absl::StatusOr<Dims> InputDims(const KernelBuildContext& ctx, size_t i) {
  auto sizes = ctx.input_info(i).shape.static_sizes();
  if (!ctx.has_input(i) || !sizes) {
    return ctx.Unsupported(absl::StrCat("input ", i, " has no static shape"));
  }
  return Dims(sizes->begin(), sizes->end());
}

absl::Status CheckOutputDims(const KernelBuildContext& ctx, size_t i, const Dims& want) {
  auto sizes = ctx.output_info(i).shape.static_sizes();
  if (!sizes || Dims(sizes->begin(), sizes->end()) == want) return absl::OkStatus();
  return ctx.Invalid(absl::StrCat("output ", i, " is declared [", absl::StrJoin(*sizes, ","),
                                  "] but the inputs give [", absl::StrJoin(want, ","), "]"));
}

}  // namespace string_vision

void RegisterStringVisionKernels(KernelRegistry& r) {
  namespace sv = string_vision;
  sv::RegisterStringNormalizerKernel(r);
  sv::RegisterTfIdfKernel(r);
  sv::RegisterNmsKernel(r);
  sv::RegisterGridSampleKernel(r);
  sv::RegisterRoiAlignKernel(r);
  sv::RegisterNonZeroKernels(r);
  sv::RegisterUniqueKernel(r);
}

}  // namespace tandem::kernels::cpu
