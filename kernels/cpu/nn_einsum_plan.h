// Einsum equations resolved against static input shapes: every label (letters and the dims an
// ellipsis stands for) gets a dense id, a size, and per input an element stride, so kernels
// only walk index spaces.
#ifndef TANDEM_KERNELS_CPU_NN_EINSUM_PLAN_H_
#define TANDEM_KERNELS_CPU_NN_EINSUM_PLAN_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::nn {

struct EinsumPlan {
  std::vector<int64_t> label_sizes;               // by label id
  std::vector<std::vector<int>> input_labels;     // [input][axis] → label id
  // [input][label] → element stride; a label used twice in one input (a diagonal) sums its
  // strides; 0 where the input lacks the label or broadcasts it (an ellipsis dim of size 1).
  std::vector<std::vector<int64_t>> strides;
  std::vector<int> out_labels;  // output axes, in order
  std::vector<int> sum_labels;  // labels summed over
  std::vector<int64_t> out_dims;
};

// Parses ctx.node()'s `equation` (spaces ignored; "->" optional: without it the output is the
// broadcast ellipsis dims, then the letters used exactly once, in ASCII order) and checks it
// against the static input and output shapes. InvalidArgument naming the node when malformed.
absl::StatusOr<EinsumPlan> PlanEinsum(const KernelBuildContext& ctx);

}  // namespace tandem::kernels::cpu::nn

#endif  // TANDEM_KERNELS_CPU_NN_EINSUM_PLAN_H_
