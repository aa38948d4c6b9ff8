// SharedCudaHandles (cuda_handles.h).
#include "common/status_macros.h"
#include "executors/cuda/cublaslt_loader.h"
#include "executors/cuda/cuda_handles.h"
#include "executors/cuda/cuda_status.h"
#include "executors/cuda/device_guard.h"

namespace tandem::executors::cuda {

absl::StatusOr<cudnnHandle_t> SharedCudaHandles::Cudnn() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!cudnn_) {
    DeviceGuard guard(device_);
    TANDEM_RETURN_IF_ERROR(guard.status());
    cudnnHandle_t h = nullptr;
    TANDEM_CUDA_RETURN_IF_ERROR(cudnnCreate(&h), "cudnnCreate");
    cudnn_.reset(h);
  }
  return cudnn_.get();
}

absl::StatusOr<cublasLtHandle_t> SharedCudaHandles::CublasLt() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!cublas_lt_) {
    if (const std::string& why = LoadCublasLt(); !why.empty()) return absl::FailedPreconditionError(why);
    DeviceGuard guard(device_);
    TANDEM_RETURN_IF_ERROR(guard.status());
    cublasLtHandle_t h = nullptr;
    TANDEM_CUDA_RETURN_IF_ERROR(cublasLtCreate(&h), "cublasLtCreate");
    cublas_lt_.reset(h);
  }
  return cublas_lt_.get();
}

}  // namespace tandem::executors::cuda
