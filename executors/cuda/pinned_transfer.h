// Copies between host memory and one GPU through two pinned staging buffers on a copy stream of
// its own (the runtime's DataTransfer for the GPU device).
//
// Why staging: a cudaMemcpyAsync from pageable memory is synchronous and goes through the
// driver's own small bounce buffer. Here the host side of chunk k+1 (a memcpy into pinned memory)
// overlaps the DMA of chunk k, and compute on the device's other streams goes on meanwhile.
//
// Each copy returns when its bytes have arrived (the runtime's DataTransfer contract). Copies are
// serialised (one pair of staging buffers); the pinned buffers are allocated on first use, and if
// pinned memory cannot be had, copies fall back to plain pageable cudaMemcpyAsync.
#ifndef TANDEM_EXECUTORS_CUDA_PINNED_TRANSFER_H_
#define TANDEM_EXECUTORS_CUDA_PINNED_TRANSFER_H_

#include <atomic>
#include <cstdint>
#include <mutex>

#include "executors/cuda/cuda_handles.h"
#include "executors/device.h"

namespace tandem::executors::cuda {

class PinnedTransfer final : public DataTransfer {
 public:
  // `space` is the GPU's memory space; `chunk_bytes` the size of each staging buffer.
  PinnedTransfer(const MemorySpace& space, int ordinal, int64_t chunk_bytes);
  ~PinnedTransfer() override;

  // Creates the copy stream. Internal on a CUDA failure.
  absl::Status Initialize();

  bool CanCopy(const MemorySpace& src, const MemorySpace& dst) const override;
  absl::Status Copy(const Buffer& src, const Buffer& dst) override;
  absl::Status CopyBytes(const void* src, const MemorySpace& src_space, const Buffer& dst,
                         int64_t bytes) override;

  int64_t copies_to_device() const { return to_device_; }
  int64_t copies_to_host() const { return to_host_; }
  int64_t bytes_copied() const { return bytes_; }

 private:
  absl::Status ToDevice(const uint8_t* src, uint8_t* dst, int64_t bytes);
  absl::Status ToHost(const uint8_t* src, uint8_t* dst, int64_t bytes);
  bool HaveStaging();  // allocates the pinned buffers on first use

  const MemorySpace& space_;
  const int ordinal_;
  const int64_t chunk_bytes_;
  std::mutex mutex_;  // one copy at a time: the staging buffers are shared
  StreamPtr stream_;
  EventPtr chunk_done_[2];
  void* staging_[2] = {nullptr, nullptr};
  bool staging_failed_ = false;
  std::atomic<int64_t> to_device_{0}, to_host_{0}, bytes_{0};
};

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_PINNED_TRANSFER_H_
