#include "executors/cpu_device.h"

namespace tandem::executors {

CpuDevice::CpuDevice(CpuDeviceOptions options)
    : options_(std::move(options)), allocator_(HostMemory(), "cpu", options_.budget_bytes) {}

Support CpuDevice::Supports(const ir::Graph& graph, ir::NodeId node) const {
  std::string reason = CpuExecutor::UnsupportedReason(graph, graph.node(node));
  return Support{reason.empty(), reason};
}

absl::StatusOr<std::unique_ptr<CompiledSegment>> CpuDevice::Compile(
    const ir::Graph& segment_graph, const std::string& label,
    const std::vector<bool>& input_on_host) {
  HostSegmentConfig config;
  config.label = label;
  config.space = &HostMemory();
  config.allocator = &allocator_;
  config.weights = &weights_;
  config.copy_weights = false;
  config.input_on_host = input_on_host;
  config.executor = options_.executor;
  return CompileHostSegment(segment_graph, std::move(config));
}

}  // namespace tandem::executors
