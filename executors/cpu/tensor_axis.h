// Byte-level tensor surgery along one axis, for the interpreter's control-flow and sequence ops
// (Scan slices and stacks, SplitToSequence, ConcatFromSequence, Loop scan outputs). Any fixed-size
// dtype; string tensors are refused.
#ifndef TANDEM_EXECUTORS_CPU_TENSOR_AXIS_H_
#define TANDEM_EXECUTORS_CPU_TENSOR_AXIS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/tensor.h"

namespace tandem::executors {

// A zero-filled tensor that owns its bytes, with 16 bytes of readable slack past the end (XNNPACK
// may read that far). For kString: `count` empty strings.
ir::Tensor NewTensor(ir::DType dtype, std::vector<int64_t> dims);
// Mutable bytes of a tensor made by NewTensor (the interpreter's own outputs only).
inline uint8_t* MutableBytes(ir::Tensor& t) { return const_cast<uint8_t*>(t.data.data()); }

// `axis` in [-rank, rank) (or [-rank-1, rank] when `inclusive`) → [0, rank]; OutOfRange otherwise.
absl::StatusOr<int> NormalizeAxis(int64_t axis, int rank, bool inclusive = false);

// Elements [start, start + length) of `t` along `axis`.
absl::StatusOr<ir::Tensor> SliceAxis(const ir::Tensor& t, int axis, int64_t start, int64_t length);
// Concatenation along `axis`; every other dim must agree.
absl::StatusOr<ir::Tensor> ConcatAxis(absl::Span<const ir::Tensor> parts, int axis);
// Inserts a dim of size 1 at `axis` / removes the size-1 dim at `axis` (no copy).
ir::Tensor WithAxisInserted(ir::Tensor t, int axis);
ir::Tensor WithAxisRemoved(ir::Tensor t, int axis);
// Stacks equally-shaped tensors along a new axis.
absl::StatusOr<ir::Tensor> StackAxis(absl::Span<const ir::Tensor> parts, int axis);

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_CPU_TENSOR_AXIS_H_
