// Internal to the string, vision and data-dependent-shape kernels (kernels/cpu/string_*.cc,
// vision_*.cc, data_movement_nonzero.cc, data_movement_unique.cc): per-file registration, called
// by RegisterStringVisionKernels (string_vision.cc), and a kernel whose Run is a lambda.
//
// Several of these ops have outputs whose size depends on the input values (NonZero, Unique,
// Compress, NonMaxSuppression, StringNormalizer). They size them with
// KernelContext::AllocateOutput, so their factories never require a static output shape: under
// the executor's static plan a size that differs from the planned one is FailedPrecondition
// ("needs dynamic shapes"), and under its interpreter the output is allocated to fit.
#ifndef TANDEM_KERNELS_CPU_STRING_VISION_KERNELS_H_
#define TANDEM_KERNELS_CPU_STRING_VISION_KERNELS_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::string_vision {

void RegisterStringNormalizerKernel(KernelRegistry& r);  // string_normalizer.cc
void RegisterTfIdfKernel(KernelRegistry& r);             // string_tfidf.cc
void RegisterNmsKernel(KernelRegistry& r);               // vision_nms.cc
void RegisterGridSampleKernel(KernelRegistry& r);        // vision_grid_sample.cc
void RegisterRoiAlignKernel(KernelRegistry& r);          // vision_roi_align.cc
void RegisterNonZeroKernels(KernelRegistry& r);  // data_movement_nonzero.cc: NonZero, Compress
void RegisterUniqueKernel(KernelRegistry& r);    // data_movement_unique.cc

// `s` (UTF-8) lower- or upper-cased as StringNormalizer does (string_normalizer.cc).
std::string ChangeCase(const std::string& s, bool upper);

class FnKernel final : public CpuKernel {
 public:
  using Fn = std::function<absl::Status(const KernelContext&)>;
  explicit FnKernel(Fn fn) : fn_(std::move(fn)) {}
  absl::Status Run(const KernelContext& ctx) override { return fn_(ctx); }

 private:
  Fn fn_;
};

template <typename F>
absl::StatusOr<std::unique_ptr<CpuKernel>> MakeFnKernel(F fn) {
  return std::unique_ptr<CpuKernel>(new FnKernel(FnKernel::Fn(std::move(fn))));
}

// The static dims of input i; Unsupported when they are not static (the executor gives kernels
// static input shapes in both of its modes, so this fails only for hand-built graphs).
absl::StatusOr<Dims> InputDims(const KernelBuildContext& ctx, size_t i);
// Whether output i exists (an omitted optional output does not).
inline bool HasOutput(const KernelBuildContext& ctx, size_t i) {
  return i < ctx.num_outputs() && ctx.node().outputs[i].valid();
}
// InvalidArgument unless output i, when its shape is static, has dims `want`.
absl::Status CheckOutputDims(const KernelBuildContext& ctx, size_t i, const Dims& want);

// `dims` seen as outer × len × inner around the node's optional `axis` attribute; without it the
// whole tensor flattened (axis -1, len = every element). Compress and Unique read it this way.
struct AxisSplit {
  int64_t axis = -1;
  int64_t outer = 1, len = 1, inner = 1;
};
absl::StatusOr<AxisSplit> SplitAtOptionalAxis(const KernelBuildContext& ctx, const Dims& dims);

}  // namespace tandem::kernels::cpu::string_vision

#endif  // TANDEM_KERNELS_CPU_STRING_VISION_KERNELS_H_
