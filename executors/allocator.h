// Memory spaces, budgeted allocators and buffers: how the runtime keeps every device inside the
// budget its plan was made for.
//
// A MemorySpace names memory that a device reads directly. The CPU device uses HostMemory(); a
// GPU has its own space, and so does the test double in executors/fake/. Every buffer and every
// device tensor carries its space, so a device handed memory it cannot read fails loudly instead
// of reading the wrong bytes.
//
// An Allocator owns the budget of one device (the plan's DeviceMemory::budget_bytes). It refuses,
// with ResourceExhausted saying what was asked for and what is free, any request that would take
// the device past its budget: a plan that claims to fit, and does not, fails instead of
// overcommitting. Memory held by someone else (an executor's arena, the outputs a kernel wrote)
// is counted with Reserve(), so the budget covers everything the device holds.
//
// Thread-safety: Allocator methods may be called concurrently. Buffers and Reservations are
// values; the memory they refer to is released when the last copy goes away, and they may
// outlive their Allocator.
#ifndef TANDEM_EXECUTORS_ALLOCATOR_H_
#define TANDEM_EXECUTORS_ALLOCATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tandem::executors {

// Identity by address: two spaces are the same memory only when they are the same object.
class MemorySpace {
 public:
  explicit MemorySpace(std::string name) : name_(std::move(name)) {}
  MemorySpace(const MemorySpace&) = delete;
  MemorySpace& operator=(const MemorySpace&) = delete;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// Ordinary process memory: the caller's tensors, the CPU device, initializers mapped from a file.
const MemorySpace& HostMemory();

// Bytes counted against one allocator's budget until the last copy of the Reservation is gone.
class Reservation {
 public:
  ~Reservation();
  int64_t bytes() const { return bytes_; }

 private:
  friend class Allocator;
  struct Ledger;
  Reservation(std::shared_ptr<Ledger> ledger, int64_t bytes)
      : ledger_(std::move(ledger)), bytes_(bytes) {}
  std::shared_ptr<Ledger> ledger_;
  int64_t bytes_ = 0;
};

// Memory from an allocator. Cheap to copy (shared); the memory is freed, and its reservation
// returned, when the last copy is destroyed.
class Buffer {
 public:
  Buffer() = default;
  void* data() const { return data_; }
  int64_t bytes() const { return bytes_; }
  const MemorySpace* space() const { return space_; }
  // Keeps the memory alive (for TensorData::Borrowed).
  std::shared_ptr<const void> keep_alive() const { return memory_; }

 private:
  friend class Allocator;
  std::shared_ptr<void> memory_;
  void* data_ = nullptr;
  int64_t bytes_ = 0;
  const MemorySpace* space_ = nullptr;
};

class Allocator {
 public:
  // `budget_bytes` < 0: unlimited. Requests are rounded up to `alignment` (bytes charged = bytes
  // allocated), and each buffer gets `padding` extra bytes that kernels may read past the end
  // (XNNPACK reads up to 16). Both match the device's arena layout in the partitioner.
  Allocator(const MemorySpace& space, std::string device_name, int64_t budget_bytes,
            int64_t alignment = 64, int64_t padding = 16);
  virtual ~Allocator() = default;
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  // `what` names the request in errors ("weight 'fc.w'", "transfer 'x@gpu'").
  absl::StatusOr<Buffer> Allocate(int64_t bytes, absl::string_view what);
  // Counts `bytes` held elsewhere against the budget.
  absl::StatusOr<std::shared_ptr<Reservation>> Reserve(int64_t bytes, absl::string_view what);

  const MemorySpace& space() const { return space_; }
  int64_t budget_bytes() const;
  int64_t used_bytes() const;
  int64_t peak_bytes() const;  // highest used_bytes() since construction or ResetPeak()
  void ResetPeak();

 protected:
  // (optional) Raw memory of this space; defaults to 64-byte aligned host memory. Must return
  // null on failure. The deleter frees what AllocateRaw returned.
  virtual void* AllocateRaw(int64_t bytes);
  virtual std::function<void(void*)> RawDeleter() const;

 private:
  int64_t Charged(int64_t bytes) const;
  const MemorySpace& space_;
  std::string device_name_;
  int64_t alignment_;
  int64_t padding_;
  std::shared_ptr<Reservation::Ledger> ledger_;
};

// "1.50 MiB (1572864 bytes)".
std::string DescribeBytes(int64_t bytes);

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_ALLOCATOR_H_
