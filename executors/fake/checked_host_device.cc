#include "executors/fake/checked_host_device.h"

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "partitioner/capability.h"

namespace tandem::executors {
namespace {

// Freed memory is overwritten before it is returned, so a read after the runtime released a
// buffer produces garbage that the bit-exact comparisons in the tests catch.
class PoisoningAllocator final : public Allocator {
 public:
  using Allocator::Allocator;

 protected:
  void* AllocateRaw(int64_t bytes) override {
    void* p = nullptr;
    if (posix_memalign(&p, 64, static_cast<size_t>(bytes) + kHeader) != 0) return nullptr;
    std::memcpy(p, &bytes, sizeof(bytes));
    return static_cast<uint8_t*>(p) + kHeader;
  }
  std::function<void(void*)> RawDeleter() const override {
    return [](void* data) {
      uint8_t* p = static_cast<uint8_t*>(data) - kHeader;
      int64_t bytes = 0;
      std::memcpy(&bytes, p, sizeof(bytes));
      std::memset(data, 0xCD, static_cast<size_t>(bytes));
      std::free(p);
    };
  }

 private:
  static constexpr int64_t kHeader = 64;
};

}  // namespace

CheckedHostDevice::CheckedHostDevice(CheckedHostDeviceOptions options)
    : options_(std::move(options)),
      allocator_(std::make_unique<PoisoningAllocator>(space_, "checked-host (test double)",
                                                      options_.budget_bytes)) {}

Support CheckedHostDevice::Supports(const ir::Graph& graph, ir::NodeId node) const {
  std::string reason = CpuExecutor::UnsupportedReason(graph, graph.node(node));
  return Support{reason.empty(), reason};
}

bool CheckedHostDevice::InputOnHost(const ir::Graph&, const ir::Node& node, int index) const {
  return partitioner::IsShapeInput(node, index);
}

absl::StatusOr<std::unique_ptr<CompiledSegment>> CheckedHostDevice::Compile(
    const ir::Graph& segment_graph, const std::string& label,
    const std::vector<bool>& input_on_host) {
  HostSegmentConfig config;
  config.label = label;
  config.space = &space_;
  config.allocator = allocator_.get();
  config.weights = &weights_;
  config.copy_weights = true;
  config.arena_per_run = true;  // as a GPU executor taking its arena from the budget per run
  config.check_streamed_bytes = true;
  config.input_on_host = input_on_host;
  config.executor = options_.executor;
  return CompileHostSegment(segment_graph, std::move(config));
}

bool CheckedHostDevice::Transfer::CanCopy(const MemorySpace& src, const MemorySpace& dst) const {
  return (&src == &HostMemory() && &dst == &space_) || (&src == &space_ && &dst == &HostMemory());
}

absl::Status CheckedHostDevice::Transfer::Copy(const Buffer& src, const Buffer& dst) {
  return CopyBytes(src.data(), *src.space(), dst, src.bytes());
}

absl::Status CheckedHostDevice::Transfer::CopyBytes(const void* src, const MemorySpace& src_space,
                                                    const Buffer& dst, int64_t n) {
  if (dst.space() == nullptr || !CanCopy(src_space, *dst.space())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checked-host transfer cannot copy from ", src_space.name(), " to ",
        dst.space() ? dst.space()->name() : "no", " memory"));
  }
  if (n > dst.bytes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checked-host transfer: ", n, " bytes into a buffer of ", dst.bytes()));
  }
  if (n > 0) std::memcpy(dst.data(), src, static_cast<size_t>(n));
  (&src_space == &HostMemory() ? to_device : to_host) += 1;
  bytes += n;
  return absl::OkStatus();
}

}  // namespace tandem::executors
