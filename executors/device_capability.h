// A Device seen as a partitioner::Capability, so a plan is made with the device's own answers
// (Supports, InputOnHost) and cannot put a node where the device will refuse it.
// Ownership: the device must outlive the capability. Thread-safety: as Device's const methods.
#ifndef TANDEM_EXECUTORS_DEVICE_CAPABILITY_H_
#define TANDEM_EXECUTORS_DEVICE_CAPABILITY_H_

#include <string>

#include "executors/device.h"
#include "partitioner/capability.h"

namespace tandem::executors {

class DeviceCapability final : public partitioner::Capability {
 public:
  explicit DeviceCapability(const Device& device) : device_(device) {}
  std::string UnsupportedReason(const ir::Graph& graph, const ir::Node& node) const override {
    const ir::NodeId id(static_cast<int32_t>(&node - graph.nodes().data()));
    Support s = device_.Supports(graph, id);
    return s.ok ? "" : (s.reason.empty() ? device_.name() + " cannot run it" : s.reason);
  }
  bool InputOnHost(const ir::Graph& graph, const ir::Node& node, int index) const override {
    return device_.InputOnHost(graph, node, index);
  }

 private:
  const Device& device_;
};

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_DEVICE_CAPABILITY_H_
