#include "executors/cuda/pinned_transfer.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "executors/cuda/cuda_status.h"
#include "executors/cuda/device_guard.h"

namespace tandem::executors::cuda {

PinnedTransfer::PinnedTransfer(const MemorySpace& space, int ordinal, int64_t chunk_bytes)
    : space_(space), ordinal_(ordinal), chunk_bytes_(std::max<int64_t>(chunk_bytes, 4096)) {}

PinnedTransfer::~PinnedTransfer() {
  DeviceGuard guard(ordinal_);
  if (stream_) cudaStreamSynchronize(stream_.get());
  for (void* p : staging_) {
    if (p != nullptr) cudaFreeHost(p);
  }
}

absl::Status PinnedTransfer::Initialize() {
  DeviceGuard guard(ordinal_);
  TANDEM_RETURN_IF_ERROR(guard.status());
  cudaStream_t s = nullptr;
  TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "creating the copy stream");
  stream_.reset(s);
  for (EventPtr& e : chunk_done_) {
    cudaEvent_t event = nullptr;
    TANDEM_CUDA_RETURN_IF_ERROR(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreate");
    e.reset(event);
  }
  return absl::OkStatus();
}

bool PinnedTransfer::HaveStaging() {
  if (staging_[1] != nullptr) return true;
  if (staging_failed_) return false;
  for (void*& p : staging_) {
    if (cudaHostAlloc(&p, static_cast<size_t>(chunk_bytes_), cudaHostAllocDefault) != cudaSuccess) {
      cudaGetLastError();  // not sticky: pageable copies still work
      p = nullptr;
      staging_failed_ = true;
    }
  }
  if (staging_failed_) {
    for (void*& p : staging_) {
      if (p != nullptr) cudaFreeHost(p);
      p = nullptr;
    }
  }
  return !staging_failed_;
}

bool PinnedTransfer::CanCopy(const MemorySpace& src, const MemorySpace& dst) const {
  return (&src == &HostMemory() && &dst == &space_) || (&src == &space_ && &dst == &HostMemory());
}

absl::Status PinnedTransfer::Copy(const Buffer& src, const Buffer& dst) {
  if (src.space() == nullptr) return absl::InvalidArgumentError("GPU transfer: the source buffer has no memory space");
  return CopyBytes(src.data(), *src.space(), dst, src.bytes());
}

absl::Status PinnedTransfer::CopyBytes(const void* src, const MemorySpace& src_space, const Buffer& dst,
                                       int64_t bytes) {
  if (dst.space() == nullptr || !CanCopy(src_space, *dst.space())) {
    return absl::InvalidArgumentError(absl::StrCat("GPU transfer cannot copy from ", src_space.name(), " to ",
                                                   dst.space() ? dst.space()->name() : "no", " memory"));
  }
  if (bytes < 0 || bytes > dst.bytes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("GPU transfer: ", bytes, " bytes into a buffer of ", dst.bytes()));
  }
  const bool to_device = &src_space == &HostMemory();
  if (bytes > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    DeviceGuard guard(ordinal_);
    TANDEM_RETURN_IF_ERROR(guard.status());
    const auto* from = static_cast<const uint8_t*>(src);
    auto* to = static_cast<uint8_t*>(dst.data());
    TANDEM_RETURN_IF_ERROR(to_device ? ToDevice(from, to, bytes) : ToHost(from, to, bytes));
  }
  (to_device ? to_device_ : to_host_) += 1;
  bytes_ += bytes;
  return absl::OkStatus();
}

absl::Status PinnedTransfer::ToDevice(const uint8_t* src, uint8_t* dst, int64_t bytes) {
  cudaStream_t stream = stream_.get();
  if (!HaveStaging()) {
    TANDEM_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyHostToDevice, stream), "copying to the GPU");
    TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream), "copying to the GPU");
    return absl::OkStatus();
  }
  // Chunk k goes through buffer k % 2: before refilling a buffer, wait for the DMA of the chunk
  // two back, which read it; the host copy of one chunk overlaps the DMA of the previous one.
  for (int64_t offset = 0, k = 0; offset < bytes; offset += chunk_bytes_, ++k) {
    const int b = static_cast<int>(k % 2);
    const size_t n = static_cast<size_t>(std::min(chunk_bytes_, bytes - offset));
    if (k >= 2) TANDEM_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(chunk_done_[b].get()), "copying to the GPU");
    std::memcpy(staging_[b], src + offset, n);
    TANDEM_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(dst + offset, staging_[b], n, cudaMemcpyHostToDevice, stream),
                                "copying to the GPU");
    TANDEM_CUDA_RETURN_IF_ERROR(cudaEventRecord(chunk_done_[b].get(), stream), "cudaEventRecord");
  }
  TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream), "copying to the GPU");
  return absl::OkStatus();
}

absl::Status PinnedTransfer::ToHost(const uint8_t* src, uint8_t* dst, int64_t bytes) {
  cudaStream_t stream = stream_.get();
  if (!HaveStaging()) {
    TANDEM_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyDeviceToHost, stream), "copying from the GPU");
    TANDEM_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream), "copying from the GPU");
    return absl::OkStatus();
  }
  const int64_t chunks = (bytes + chunk_bytes_ - 1) / chunk_bytes_;
  auto issue = [&](int64_t k) -> absl::Status {
    const int b = static_cast<int>(k % 2);
    const int64_t offset = k * chunk_bytes_;
    const size_t n = static_cast<size_t>(std::min(chunk_bytes_, bytes - offset));
    TANDEM_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(staging_[b], src + offset, n, cudaMemcpyDeviceToHost, stream),
                                "copying from the GPU");
    TANDEM_CUDA_RETURN_IF_ERROR(cudaEventRecord(chunk_done_[b].get(), stream), "cudaEventRecord");
    return absl::OkStatus();
  };
  // The DMA of chunk k+1 runs while the host copies chunk k out of the other buffer.
  TANDEM_RETURN_IF_ERROR(issue(0));
  for (int64_t k = 0; k < chunks; ++k) {
    if (k + 1 < chunks) TANDEM_RETURN_IF_ERROR(issue(k + 1));
    const int b = static_cast<int>(k % 2);
    const int64_t offset = k * chunk_bytes_;
    TANDEM_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(chunk_done_[b].get()), "copying from the GPU");
    std::memcpy(dst + offset, staging_[b], static_cast<size_t>(std::min(chunk_bytes_, bytes - offset)));
  }
  return absl::OkStatus();
}

}  // namespace tandem::executors::cuda
