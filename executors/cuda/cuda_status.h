// The one place where CUDA runtime, cuBLAS and cuDNN error codes become absl::Status.
//
// A failed allocation (cudaErrorMemoryAllocation, CUBLAS_STATUS_ALLOC_FAILED,
// CUDNN_STATUS_ALLOC_FAILED) is ResourceExhausted; an unsupported configuration
// (CUBLAS_STATUS_NOT_SUPPORTED, CUDNN_STATUS_NOT_SUPPORTED*) is Unimplemented; everything else is
// Internal. `what` names the call and, where known, the node: "Conv \"conv1\": cudnnConvolutionForward".
#ifndef TANDEM_EXECUTORS_CUDA_CUDA_STATUS_H_
#define TANDEM_EXECUTORS_CUDA_CUDA_STATUS_H_

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tandem::executors::cuda {

absl::Status CudaStatus(cudaError_t error, absl::string_view what);
absl::Status CublasStatus(cublasStatus_t status, absl::string_view what);
absl::Status CudnnStatus(cudnnStatus_t status, absl::string_view what);

}  // namespace tandem::executors::cuda

// Returns the mapped status from the current function when `expr` (a cudaError_t,
// cublasStatus_t or cudnnStatus_t) is not success. `what` is evaluated only on failure.
#define TANDEM_CUDA_RETURN_IF_ERROR(expr, what)                                      \
  do {                                                                               \
    auto tandem_cuda_code_ = (expr);                                                 \
    if (tandem_cuda_code_ != decltype(tandem_cuda_code_){}) {                        \
      return ::tandem::executors::cuda::internal::ToStatus(tandem_cuda_code_, what); \
    }                                                                                \
  } while (false)

namespace tandem::executors::cuda::internal {
inline absl::Status ToStatus(cudaError_t e, absl::string_view what) { return CudaStatus(e, what); }
inline absl::Status ToStatus(cublasStatus_t e, absl::string_view what) { return CublasStatus(e, what); }
inline absl::Status ToStatus(cudnnStatus_t e, absl::string_view what) { return CudnnStatus(e, what); }
}  // namespace tandem::executors::cuda::internal

#endif  // TANDEM_EXECUTORS_CUDA_CUDA_STATUS_H_
