// What the partitioner knows about a machine: one host CPU, at most one GPU, and the link between
// them. Profiles are plain values: built in (BuiltinProfile), loaded from JSON
// (ParseProfileJson / LoadProfile), or filled in by a test.
//
// Numbers are peak figures from vendor spec sheets; docs/partitioner.md lists each one with its
// source. The roofline cost model (roofline_cost_model.h) turns them into per-node times, and
// calibration (partition-tool --calibrate, cost_table.h) replaces them with measured times.
// Thread-safety: plain values and pure functions.
#ifndef TANDEM_PARTITIONER_DEVICE_PROFILE_H_
#define TANDEM_PARTITIONER_DEVICE_PROFILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tandem::partitioner {

enum class DeviceKind : uint8_t { kCpu = 0, kGpu = 1 };
inline constexpr int kNumDeviceKinds = 2;
absl::string_view DeviceKindName(DeviceKind kind);  // "cpu" | "gpu"
std::optional<DeviceKind> ParseDeviceKind(absl::string_view name);

struct DeviceProfile {
  std::string name;                 // "NVIDIA GeForce RTX 3060 Laptop GPU"
  DeviceKind kind = DeviceKind::kCpu;
  int64_t memory_bytes = 0;         // physical capacity
  int64_t budget_bytes = 0;         // usable by tandem (capacity less OS/driver/context reserve)
  double peak_flops_f32 = 0;        // FLOP/s
  double peak_flops_f16 = 0;        // FLOP/s (tensor cores on a GPU, where used)
  double memory_bandwidth = 0;      // bytes/s
  double launch_overhead_s = 0;     // fixed cost per node (kernel launch / dispatch), seconds
  // Arena layout rules of this device's executor, so memory sums match its planner exactly:
  // every buffer is padded by `buffer_padding_bytes` and aligned to `alignment_bytes`.
  int64_t alignment_bytes = 64;
  int64_t buffer_padding_bytes = 0;
  // GPU only: an *estimate* of the library workspace the GPU executor holds whenever any node
  // runs on the GPU (cuBLAS's recommended workspace; docs/partitioner.md). The CPU's workspace is
  // not estimated: it is the CPU kernels' own scratch, measured by building them.
  int64_t workspace_bytes = 0;
};

// Host↔GPU link. Pageable copies go through the driver's own bounce buffer; pinned copies are
// DMA from page-locked memory.
struct LinkProfile {
  std::string name;                 // "PCIe 4.0 x8"
  double pinned_bandwidth = 0;      // bytes/s, per direction
  double pageable_bandwidth = 0;    // bytes/s, per direction
  double latency_s = 0;             // per copy
};

struct MachineProfile {
  std::string name;                 // "laptop-6gb"
  std::string description;
  DeviceProfile cpu;
  std::optional<DeviceProfile> gpu;  // absent on a CPU-only machine
  LinkProfile link;                  // meaningless without a GPU
};

// "laptop-6gb", "desktop-24gb", "h100", "cpu-only".
std::vector<std::string> BuiltinProfileNames();
// NotFound listing the names when `name` is not built in.
absl::StatusOr<MachineProfile> BuiltinProfile(absl::string_view name);

// A profile from JSON text (schema in docs/partitioner.md). Sizes may be numbers of bytes or
// strings such as "6GiB". InvalidArgument naming the field on any error.
absl::StatusOr<MachineProfile> ParseProfileJson(absl::string_view json_text);
// `name_or_path`: a built-in name, or else a JSON file (NotFound when neither).
absl::StatusOr<MachineProfile> LoadProfile(const std::string& name_or_path);

// Sizes: "6GiB", "512MiB", "1.5GB", "4096", "100KB" (binary units KiB/MiB/GiB/TiB are powers of
// 1024, decimal KB/MB/GB/TB powers of 1000; "B" or no unit is bytes; case-insensitive units),
// or "25%": that share of `percent_of` (the model's weight bytes). Results round down to whole
// bytes. InvalidArgument for anything else, negative values, or overflow.
absl::StatusOr<int64_t> ParseSize(absl::string_view text, int64_t percent_of);

// "44.57 MiB": bytes in MiB with two decimals; below 10 KiB, "1024 B".
std::string FormatMiB(int64_t bytes);

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_DEVICE_PROFILE_H_
