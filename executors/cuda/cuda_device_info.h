// GPU discovery through the CUDA runtime API only (never the driver API, so binaries start on
// machines without libcuda).
#ifndef TANDEM_EXECUTORS_CUDA_CUDA_DEVICE_INFO_H_
#define TANDEM_EXECUTORS_CUDA_CUDA_DEVICE_INFO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tandem::executors::cuda {

struct GpuInfo {
  int ordinal = 0;
  std::string name;
  int compute_capability = 0;  // e.g. 90 for sm_90
  int64_t total_bytes = 0;
  int64_t free_bytes = 0;
};

// The GPUs visible to the CUDA runtime. When there are none, `why_none` says why (no driver,
// no device, or the runtime's error string); any error counts as "no GPU", never as a failure.
std::vector<GpuInfo> ListGpus(std::string* why_none);

// The name of GPU `ordinal`, touching only that device. FailedPrecondition when there is no
// usable GPU (no driver, no device) or the ordinal is out of range; Internal on a CUDA error.
absl::StatusOr<std::string> UsableGpuName(int ordinal);

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_CUDA_DEVICE_INFO_H_
