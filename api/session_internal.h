// Internal: how a Session is made, with the GPU device supplied by the caller. Tests use it to
// put the CheckedHostDevice test double in the GPU's place; Session::Create passes the real
// discovery. Not installed.
#ifndef TANDEM_API_SESSION_INTERNAL_H_
#define TANDEM_API_SESSION_INTERNAL_H_

#include <functional>
#include <memory>
#include <string>

#include "executors/device.h"
#include "executors/gpu_device.h"
#include "ir/graph.h"
#include "tandem/session.h"

namespace tandem {

// A GPU device as `request` asks (budget, workspace limit), or null with `why_not` saying why
// there is none.
using GpuDeviceFactory = std::function<std::unique_ptr<executors::Device>(
    const executors::GpuDeviceOptions& request, std::string* why_not)>;

// The first GPU this build and machine offer to the runtime.
std::unique_ptr<executors::Device> DiscoverGpuDevice(const executors::GpuDeviceOptions& request,
                                                     std::string* why_not);

struct SessionFactory {
  static StatusOr<std::unique_ptr<Session>> Create(ir::Model model, const SessionOptions& options,
                                                   const GpuDeviceFactory& gpu);
};

}  // namespace tandem

#endif  // TANDEM_API_SESSION_INTERNAL_H_
