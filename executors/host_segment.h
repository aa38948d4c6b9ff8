// A segment that runs on the CPU executor: the compiled form shared by CpuDevice and the
// CheckedHostDevice test double, which differ only in the memory space they claim and in whether
// weights are copied into the device's own memory.
//
// Internal to executors/. Thread-safety: Run() may be called from several threads; the CPU
// executor serialises calls.
#ifndef TANDEM_EXECUTORS_HOST_SEGMENT_H_
#define TANDEM_EXECUTORS_HOST_SEGMENT_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/device.h"

namespace tandem::executors {

// Weights resident on one device, shared by all its segments: each initializer's bytes are
// counted (and, for a device with its own memory, copied) once, and released when the last
// segment reading them is gone.
class ResidentWeights {
 public:
  // A tensor with `t`'s bytes resident on the device: `t` itself (counted against `allocator`)
  // when `copy` is false, else a copy in `allocator`'s memory. The returned holder keeps the
  // residency alive.
  absl::StatusOr<std::pair<ir::Tensor, std::shared_ptr<const void>>> Hold(
      const ir::Tensor& t, const std::string& name, Allocator& allocator, bool copy);

 private:
  struct Resident {
    ir::TensorData data;                       // the bytes the device reads
    std::shared_ptr<Reservation> reservation;  // when not a copy: the bytes counted in place
  };
  std::mutex mutex_;
  // Keyed by the source bytes; entries whose segments are all gone expire.
  std::map<std::pair<const uint8_t*, size_t>, std::weak_ptr<Resident>> held_;
};

struct HostSegmentConfig {
  std::string label;                 // "segment 2 (gpu)"
  const MemorySpace* space = nullptr;  // where its outputs live and its inputs must be
  Allocator* allocator = nullptr;    // its device's; must outlive the segment
  ResidentWeights* weights = nullptr;  // its device's; must outlive the segment
  bool copy_weights = false;         // true for a device with memory of its own
  // Count the arena against the budget only while the segment runs (a device that takes its
  // arena from the budget per run), instead of for the segment's whole life.
  bool arena_per_run = false;
  std::vector<bool> input_on_host;   // by input: read from host memory instead of `space`
  // Streamed weights (inputs with a default) are compiled in as constants, since the CPU
  // executor's fast kernels need constant weights; the copy a run brings in is still required
  // (its space is checked), and with this flag its bytes are compared with the weight's.
  bool check_streamed_bytes = false;
  CpuExecutorOptions executor;
};

absl::StatusOr<std::unique_ptr<CompiledSegment>> CompileHostSegment(const ir::Graph& segment_graph,
                                                                    HostSegmentConfig config);

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_HOST_SEGMENT_H_
