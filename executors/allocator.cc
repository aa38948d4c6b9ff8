#include "executors/allocator.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_format.h"

namespace tandem::executors {

struct Reservation::Ledger {
  std::mutex mutex;
  int64_t budget = -1;
  int64_t used = 0;
  int64_t peak = 0;
};

const MemorySpace& HostMemory() {
  static const MemorySpace* host = new MemorySpace("host");
  return *host;
}

Reservation::~Reservation() {
  std::lock_guard<std::mutex> lock(ledger_->mutex);
  ledger_->used -= bytes_;
}

std::string DescribeBytes(int64_t bytes) {
  return absl::StrFormat("%.2f MiB (%d bytes)", bytes / 1048576.0, bytes);
}

Allocator::Allocator(const MemorySpace& space, std::string device_name, int64_t budget_bytes,
                     int64_t alignment, int64_t padding)
    : space_(space),
      device_name_(std::move(device_name)),
      alignment_(std::max<int64_t>(1, alignment)),
      padding_(std::max<int64_t>(0, padding)),
      ledger_(std::make_shared<Reservation::Ledger>()) {
  ledger_->budget = budget_bytes;
}

int64_t Allocator::budget_bytes() const {
  std::lock_guard<std::mutex> lock(ledger_->mutex);
  return ledger_->budget;
}
int64_t Allocator::used_bytes() const {
  std::lock_guard<std::mutex> lock(ledger_->mutex);
  return ledger_->used;
}
int64_t Allocator::peak_bytes() const {
  std::lock_guard<std::mutex> lock(ledger_->mutex);
  return ledger_->peak;
}
void Allocator::ResetPeak() {
  std::lock_guard<std::mutex> lock(ledger_->mutex);
  ledger_->peak = ledger_->used;
}

int64_t Allocator::Charged(int64_t bytes) const {
  return (bytes + alignment_ - 1) / alignment_ * alignment_;
}

absl::StatusOr<std::shared_ptr<Reservation>> Allocator::Reserve(int64_t bytes,
                                                               absl::string_view what) {
  if (bytes < 0) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: negative size %d", what, bytes));
  }
  const int64_t charged = Charged(bytes);
  std::lock_guard<std::mutex> lock(ledger_->mutex);
  Reservation::Ledger& l = *ledger_;
  if (l.budget >= 0 && charged > l.budget - l.used) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s memory budget exceeded: %s needs %s, but only %s of the %s budget is free", device_name_,
        what, DescribeBytes(charged), DescribeBytes(std::max<int64_t>(0, l.budget - l.used)),
        DescribeBytes(l.budget)));
  }
  l.used += charged;
  l.peak = std::max(l.peak, l.used);
  return std::shared_ptr<Reservation>(new Reservation(ledger_, charged));
}

absl::StatusOr<Buffer> Allocator::Allocate(int64_t bytes, absl::string_view what) {
  auto reservation = Reserve(bytes + padding_, what);
  if (!reservation.ok()) return reservation.status();
  void* raw = AllocateRaw(Charged(bytes + padding_));
  if (raw == nullptr) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s: out of memory allocating %s for %s", device_name_, DescribeBytes(bytes), what));
  }
  // The memory and its reservation go together: freeing one returns the other.
  std::function<void(void*)> deleter = RawDeleter();
  std::shared_ptr<Reservation> held = *std::move(reservation);
  Buffer b;
  b.memory_ = std::shared_ptr<void>(raw, [deleter, held](void* p) { deleter(p); });
  b.data_ = raw;
  b.bytes_ = bytes;
  b.space_ = &space_;
  return b;
}

void* Allocator::AllocateRaw(int64_t bytes) {
  void* p = nullptr;
  if (posix_memalign(&p, 64, static_cast<size_t>(std::max<int64_t>(bytes, 64))) != 0) return nullptr;
  return p;
}

std::function<void(void*)> Allocator::RawDeleter() const { return [](void* p) { std::free(p); }; }

}  // namespace tandem::executors
