#include "executors/device_registry.h"

#include <unistd.h>

#include <fstream>

#if TANDEM_HAVE_CUDA
#include "executors/cuda/cuda_device_info.h"
#endif

namespace tandem::executors {
namespace {

DeviceInfo HostCpu() {
  DeviceInfo cpu;
  cpu.kind = "cpu";
  std::ifstream info("/proc/cpuinfo");
  std::string line;
  while (std::getline(info, line)) {
    if (line.rfind("model name", 0) == 0) {
      cpu.name = line.substr(line.find(':') + 2);
      break;
    }
  }
  if (cpu.name.empty()) cpu.name = "host CPU";
  long pages = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  cpu.total_bytes = static_cast<int64_t>(pages) * page;
  cpu.free_bytes = static_cast<int64_t>(avail) * page;
  return cpu;
}

}  // namespace

bool CudaExecutorBuilt() {
#if TANDEM_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

std::vector<DeviceInfo> ListDevices(std::vector<std::string>* notes) {
  std::vector<DeviceInfo> devices = {HostCpu()};
#if TANDEM_HAVE_CUDA
  std::string why;
  for (const cuda::GpuInfo& gpu : cuda::ListGpus(&why)) {
    devices.push_back(DeviceInfo{"cuda", gpu.ordinal, gpu.name, gpu.total_bytes, gpu.free_bytes});
  }
  if (!why.empty() && notes) notes->push_back(why);
#else
  if (notes) notes->push_back("no GPU support: this build has no CUDA executor (TANDEM_CUDA=OFF or no toolkit)");
#endif
  return devices;
}

}  // namespace tandem::executors
