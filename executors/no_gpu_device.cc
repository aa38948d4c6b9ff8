// CreateGpuDevice in builds without the CUDA executor (CMake picks this file or
// cuda/cuda_device.cc).
#include "executors/gpu_device.h"

namespace tandem::executors {

absl::StatusOr<std::unique_ptr<Device>> CreateGpuDevice(const GpuDeviceOptions&) {
  return absl::FailedPreconditionError(
      "no GPU support: this build has no CUDA executor (TANDEM_CUDA=OFF or no toolkit)");
}

}  // namespace tandem::executors
