// Validated shapes of a MatMul-like node (numpy matmul semantics), shared by MatMul and the
// integer/quantized matmuls.
#ifndef TANDEM_KERNELS_CPU_NN_MATMUL_PARAMS_H_
#define TANDEM_KERNELS_CPU_NN_MATMUL_PARAMS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/dtype.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::nn {

struct MatMulParams {
  ir::DType dtype = ir::DType::kUndefined;  // A's
  int64_t m = 0, n = 0, k = 0;
  bool b_has_batch = false;
  // Per output batch item: element offsets of its A and B matrices.
  std::vector<int64_t> a_offsets, b_offsets;
};

// A [..., M, K] (1-D: [K] as [1, K]) times B [..., K, N] (1-D: [K] as [K, 1]) with broadcast
// batch dims; checks the static output shape. A and B are inputs `a_input` and `b_input`; with
// `same_dtype` they must share a dtype. InvalidArgument naming the node on mismatches.
absl::StatusOr<MatMulParams> ReadMatMulParams(const KernelBuildContext& ctx, size_t a_input = 0,
                                              size_t b_input = 1, bool same_dtype = true);

}  // namespace tandem::kernels::cpu::nn

#endif  // TANDEM_KERNELS_CPU_NN_MATMUL_PARAMS_H_
