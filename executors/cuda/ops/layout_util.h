// Helpers the op factories share to describe tensors to the strided kernels.
#ifndef TANDEM_EXECUTORS_CUDA_OPS_LAYOUT_UTIL_H_
#define TANDEM_EXECUTORS_CUDA_OPS_LAYOUT_UTIL_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "executors/cuda/cuda_op.h"
#include "ir/shape.h"
#include "kernels/cuda/strided_layout.h"

namespace tandem::executors::cuda {

// Operand 0 writes `out_dims` contiguously; operand k (k >= 1) reads `in_dims[k - 1]` broadcast
// to `out_dims`. InvalidArgument when an input does not broadcast; Unimplemented when the
// collapsed rank exceeds kernels::cuda::kMaxRank.
template <int kOperands>
absl::StatusOr<kernels::cuda::StridedLayout<kOperands>> BroadcastLayout(
    const CudaBuildContext& ctx, const std::vector<int64_t>& out_dims,
    const std::vector<std::vector<int64_t>>& in_dims) {
  std::vector<std::vector<int64_t>> strides = {kernels::cuda::ContiguousStrides(out_dims)};
  for (const auto& dims : in_dims) {
    if (!kernels::cuda::BroadcastsTo(dims, out_dims)) {
      return ctx.Invalid(absl::StrCat("input ", ir::Shape::Static(dims).ToString(), " does not broadcast to ",
                                      ir::Shape::Static(out_dims).ToString()));
    }
    strides.push_back(kernels::cuda::BroadcastStrides(dims, out_dims));
  }
  kernels::cuda::StridedLayout<kOperands> layout;
  if (!kernels::cuda::CollapseLayout(out_dims, strides, &layout)) {
    return ctx.Unsupported(absl::StrCat("more than ", kernels::cuda::kMaxRank, " strided dims"));
  }
  return layout;
}

// ONNX axis in [-rank, rank) to [0, rank), or InvalidArgument naming `what`.
inline absl::StatusOr<int> NormalizeAxis(const CudaBuildContext& ctx, int64_t axis, int rank, const char* what) {
  if (axis < -rank || axis >= rank) {
    return ctx.Invalid(absl::StrCat(what, " ", axis, " is out of range for rank ", rank));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

inline int64_t Product(const std::vector<int64_t>& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < dims.size(); ++i) p *= dims[i];
  return p;
}

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_OPS_LAYOUT_UTIL_H_
