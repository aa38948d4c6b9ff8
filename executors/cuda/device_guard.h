// Makes a GPU current for a scope and restores the previous one: the calling thread may be an
// application's, working with another GPU.
#ifndef TANDEM_EXECUTORS_CUDA_DEVICE_GUARD_H_
#define TANDEM_EXECUTORS_CUDA_DEVICE_GUARD_H_

#include <cuda_runtime_api.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "executors/cuda/cuda_status.h"

namespace tandem::executors::cuda {

class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    if (cudaGetDevice(&previous_) != cudaSuccess) previous_ = -1;
    status_ = CudaStatus(previous_ == device ? cudaSuccess : cudaSetDevice(device),
                         absl::StrCat("cudaSetDevice(", device, ")"));
  }
  ~DeviceGuard() {
    if (previous_ >= 0 && status_.ok()) cudaSetDevice(previous_);
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;
  const absl::Status& status() const { return status_; }

 private:
  int previous_ = -1;
  absl::Status status_;
};

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_DEVICE_GUARD_H_
