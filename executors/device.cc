#include "executors/device.h"

namespace tandem::executors {

ir::TensorData AsTensorData(const Buffer& buffer) {
  return ir::TensorData::Borrowed(buffer.keep_alive(), static_cast<const uint8_t*>(buffer.data()),
                                  static_cast<size_t>(buffer.bytes()));
}

MemoryInfo Device::memory() {
  const int64_t budget = allocator().budget_bytes();
  const int64_t used = allocator().used_bytes();
  return MemoryInfo{budget < 0 ? -1 : budget - used, budget};
}

bool Device::InputOnHost(const ir::Graph&, const ir::Node&, int) const { return false; }

DataTransfer* Device::transfer() { return nullptr; }

}  // namespace tandem::executors
