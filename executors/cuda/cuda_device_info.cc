#include "executors/cuda/cuda_device_info.h"

#include <cuda_runtime_api.h>

#include "absl/strings/str_cat.h"

namespace tandem::executors::cuda {

std::vector<GpuInfo> ListGpus(std::string* why_none) {
  std::vector<GpuInfo> gpus;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    // Without libcuda this is cudaErrorInsufficientDriver (35), not cudaErrorNoDevice.
    if (why_none) {
      *why_none = absl::StrCat("no usable GPU: ", cudaGetErrorName(err), " (",
                               cudaGetErrorString(err), ")");
    }
    cudaGetLastError();  // clear the sticky error state
    return gpus;
  }
  if (count == 0 && why_none) *why_none = "no usable GPU: the CUDA runtime reports 0 devices";
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    GpuInfo g;
    g.ordinal = i;
    g.name = prop.name;
    g.compute_capability = prop.major * 10 + prop.minor;
    g.total_bytes = static_cast<int64_t>(prop.totalGlobalMem);
    size_t free_b = 0, total_b = 0;
    if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) {
      g.free_bytes = static_cast<int64_t>(free_b);
    }
    gpus.push_back(std::move(g));
  }
  return gpus;
}

absl::StatusOr<std::string> UsableGpuName(int ordinal) {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    cudaGetLastError();
    return absl::FailedPreconditionError(
        err != cudaSuccess ? absl::StrCat("no usable GPU: ", cudaGetErrorName(err), " (", cudaGetErrorString(err), ")")
                           : std::string("no usable GPU: the CUDA runtime reports 0 devices"));
  }
  if (ordinal < 0 || ordinal >= count) {
    return absl::FailedPreconditionError(
        absl::StrCat("GPU ", ordinal, " does not exist (this machine has ", count, ")"));
  }
  cudaDeviceProp prop;
  err = cudaGetDeviceProperties(&prop, ordinal);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return absl::InternalError(absl::StrCat("cudaGetDeviceProperties(", ordinal, "): ", cudaGetErrorString(err)));
  }
  return std::string(prop.name);
}

}  // namespace tandem::executors::cuda
