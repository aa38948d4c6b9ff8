// Which devices this build of tandem can use on this machine.
//
// device_registry.cc is the only file in tandem with `#if TANDEM_HAVE_CUDA` (the style guide's
// registry rule); everything else asks here.
#ifndef TANDEM_EXECUTORS_DEVICE_REGISTRY_H_
#define TANDEM_EXECUTORS_DEVICE_REGISTRY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace tandem::executors {

struct DeviceInfo {
  std::string kind;      // "cpu" or "cuda"
  int ordinal = 0;       // index among devices of the same kind
  std::string name;      // e.g. "NVIDIA H100 80GB HBM3", or the CPU model
  int64_t total_bytes = 0;
  int64_t free_bytes = 0;
};

// True when this binary contains the CUDA executor (TANDEM_CUDA found the toolkit at build time).
bool CudaExecutorBuilt();

// The devices present: always the CPU, then each CUDA GPU when the CUDA executor is built and a
// driver and GPU are present. Why a kind is missing (not built; no driver; no device) is appended
// to `notes` when it is non-null. Never fails: a machine without a GPU simply lists the CPU.
std::vector<DeviceInfo> ListDevices(std::vector<std::string>* notes = nullptr);

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_DEVICE_REGISTRY_H_
