// One row-major matrix product on cuBLASLt, planned once (descriptors, algorithm by heuristic
// within a workspace limit) and run many times:
//
//   D[b] (M x N) = alpha * op(A[b]) (M x K) * op(B[b]) (K x N) + beta * C[b] + bias (N) [, relu]
//
// for b < batch, where op(A) = A, stored [M, K], or A^T, stored [K, M] (trans_a); likewise B,
// stored [K, N] or [N, K] (trans_b). All matrices are row-major and contiguous; per-batch strides
// are in elements, and a stride of 0 repeats one matrix for every batch (broadcasting).
//
// cuBLASLt is column-major; a row-major D is the column-major D^T = op(B)^T op(A)^T, so the plan
// swaps the operands and the bias becomes a per-row vector of D^T, which is cuBLASLt's BIAS
// epilogue.
#ifndef TANDEM_EXECUTORS_CUDA_CUBLASLT_MATMUL_H_
#define TANDEM_EXECUTORS_CUDA_CUBLASLT_MATMUL_H_

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "absl/status/status.h"
#include "executors/cuda/cuda_handles.h"

namespace tandem::executors::cuda {

struct MatmulShape {
  int64_t m = 1, n = 1, k = 1;
  bool trans_a = false, trans_b = false;
  int64_t batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_d = 0;  // elements between batches
  float alpha = 1, beta = 0;
  bool use_c = false;  // add beta * C, C laid out like D (C may be D itself)
  bool bias = false;   // add a vector of n elements of the data type to every row
  bool relu = false;   // max(0, .) after everything else
  // The smallest power-of-two alignment, in bytes, of any pointer the plan will be run with
  // (base pointers and the per-batch offsets); algorithms needing more are excluded.
  int alignment = 256;
};

class LtMatmul {
 public:
  // Plans for `type` (CUDA_R_32F or CUDA_R_16F; computed in float32, or TF32 when allowed for
  // float32). Unimplemented when no algorithm fits `workspace_limit`.
  absl::Status Prepare(cublasLtHandle_t handle, cudaDataType_t type, bool allow_tf32, const MatmulShape& shape,
                       int64_t workspace_limit);
  int64_t workspace_bytes() const { return workspace_bytes_; }
  // Enqueues the product. `c` is read when shape.use_c, `bias` when shape.bias.
  absl::Status Run(cublasLtHandle_t handle, const void* a, const void* b, const void* c, void* d, const void* bias,
                   void* workspace, cudaStream_t stream);

 private:
  MatmulShape shape_;
  CublasLtMatmulDesc desc_;
  CublasLtLayout lt_a_, lt_b_, lt_d_;  // cuBLASLt's A is our B, its B our A; C uses D's layout
  cublasLtMatmulAlgo_t algo_{};
  int64_t workspace_bytes_ = 0;
};

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_CUBLASLT_MATMUL_H_
