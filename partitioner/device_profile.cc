#include "partitioner/device_profile.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace tandem::partitioner {
namespace {

constexpr int64_t kKiB = int64_t{1} << 10;
constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;
constexpr double kGB = 1e9;  // bandwidths are decimal, as vendors quote them
constexpr double kT = 1e12;
constexpr double kUs = 1e-6;

// Every number below is explained, with its source, in docs/partitioner.md ("Built-in profiles").
DeviceProfile HostCpu(std::string name, int64_t memory, int64_t budget, double flops_f32,
                      double flops_f16, double bandwidth) {
  DeviceProfile p;
  p.name = std::move(name);
  p.kind = DeviceKind::kCpu;
  p.memory_bytes = memory;
  p.budget_bytes = budget;
  p.peak_flops_f32 = flops_f32;
  p.peak_flops_f16 = flops_f16;
  p.memory_bandwidth = bandwidth;
  // The CPU executor's cost per node beyond the kernel's work, measured with --calibrate
  // (docs/partitioner.md, "Calibration"): 0.1-0.4 us for metadata-only nodes.
  p.launch_overhead_s = 0.5 * kUs;
  // The CPU executor's arena: 64-byte alignment, 16 bytes of read-past-end slack per buffer.
  p.alignment_bytes = 64;
  p.buffer_padding_bytes = 16;
  return p;
}

DeviceProfile Gpu(std::string name, int64_t memory, int64_t budget, double flops_f32,
                  double flops_f16, double bandwidth) {
  DeviceProfile p;
  p.name = std::move(name);
  p.kind = DeviceKind::kGpu;
  p.memory_bytes = memory;
  p.budget_bytes = budget;
  p.peak_flops_f32 = flops_f32;
  p.peak_flops_f16 = flops_f16;
  p.memory_bandwidth = bandwidth;
  p.launch_overhead_s = 5 * kUs;
  p.alignment_bytes = 256;  // cudaMalloc's alignment
  p.buffer_padding_bytes = 0;
  p.workspace_bytes = 4 * kMiB;  // cuBLAS's recommended workspace before Hopper
  return p;
}

MachineProfile Laptop6Gb() {
  MachineProfile m;
  m.name = "laptop-6gb";
  m.description = "RTX 3060 Laptop GPU 6 GB + Ryzen 7 5800H, 16 GB DDR4-3200, PCIe 4.0 x8";
  m.cpu = HostCpu("AMD Ryzen 7 5800H", 16 * kGiB, 12 * kGiB, 8 * 3.2e9 * 32, 8 * 3.2e9 * 32,
                  51.2 * kGB);
  m.gpu = Gpu("NVIDIA GeForce RTX 3060 Laptop GPU", 6 * kGiB, 6 * kGiB - 512 * kMiB,
              13.08 * kT, 26.15 * kT, 336 * kGB);
  m.link = {"PCIe 4.0 x8", 12 * kGB, 6 * kGB, 10 * kUs};
  return m;
}

MachineProfile Desktop24Gb() {
  MachineProfile m;
  m.name = "desktop-24gb";
  m.description = "RTX 4090 24 GB + Ryzen 9 7950X, 64 GB DDR5-5200, PCIe 4.0 x16";
  m.cpu = HostCpu("AMD Ryzen 9 7950X", 64 * kGiB, 56 * kGiB, 16 * 4.5e9 * 32, 16 * 4.5e9 * 32,
                  83.2 * kGB);
  m.gpu = Gpu("NVIDIA GeForce RTX 4090", 24 * kGiB, 23 * kGiB, 82.6 * kT, 165.2 * kT,
              1008 * kGB);
  m.gpu->launch_overhead_s = 4 * kUs;
  m.link = {"PCIe 4.0 x16", 25 * kGB, 12 * kGB, 8 * kUs};
  return m;
}

MachineProfile H100() {
  MachineProfile m;
  m.name = "h100";
  m.description = "H100 SXM5 80 GB + 2x Xeon Platinum 8480C, 2 TB DDR5-4800 (DGX H100), PCIe 5.0 x16";
  m.cpu = HostCpu("2x Intel Xeon Platinum 8480C", 2048 * kGiB, 1920 * kGiB, 112 * 2.0e9 * 64,
                  112 * 2.0e9 * 128, 614.4 * kGB);
  m.gpu = Gpu("NVIDIA H100 SXM5 80GB", 81559 * kMiB, 81559 * kMiB - kGiB, 67 * kT, 989.4 * kT,
              3350 * kGB);
  m.gpu->launch_overhead_s = 4 * kUs;
  m.gpu->workspace_bytes = 32 * kMiB;  // cuBLAS's recommended workspace on Hopper
  m.link = {"PCIe 5.0 x16", 50 * kGB, 20 * kGB, 8 * kUs};
  return m;
}

MachineProfile CpuOnly() {
  MachineProfile m;
  m.name = "cpu-only";
  m.description = "Ryzen 7 5800X, 32 GB DDR4-3200, no GPU";
  m.cpu = HostCpu("AMD Ryzen 7 5800X", 32 * kGiB, 28 * kGiB, 8 * 3.8e9 * 32, 8 * 3.8e9 * 32,
                  51.2 * kGB);
  return m;
}

// ---- JSON

using Json = nlohmann::json;

absl::Status Bad(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("profile field '", field, "': ", why));
}

absl::StatusOr<int64_t> SizeField(const Json& j, const std::string& field) {
  if (j.is_number_integer() || j.is_number_unsigned()) {
    int64_t v = j.get<int64_t>();
    if (v < 0) return Bad(field, "must not be negative");
    return v;
  }
  if (j.is_string()) {
    auto v = ParseSize(j.get<std::string>(), 0);
    if (!v.ok()) return Bad(field, std::string(v.status().message()));
    return *v;
  }
  return Bad(field, "must be a byte count or a size string such as \"6GiB\"");
}

absl::StatusOr<double> NumberField(const Json& obj, const std::string& prefix,
                                   const std::string& key, bool required, double fallback) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) return Bad(prefix + key, "missing");
    return fallback;
  }
  if (!it->is_number() || it->get<double>() < 0) return Bad(prefix + key, "must be a number >= 0");
  return it->get<double>();
}

absl::StatusOr<DeviceProfile> DeviceFromJson(const Json& j, DeviceKind kind,
                                             const std::string& prefix) {
  if (!j.is_object()) return Bad(prefix, "must be an object");
  DeviceProfile p = kind == DeviceKind::kCpu ? HostCpu("", 0, 0, 0, 0, 0) : Gpu("", 0, 0, 0, 0, 0);
  p.name = j.value("name", prefix);
  for (const char* key : {"memory", "budget"}) {
    if (!j.contains(key)) return Bad(prefix + "." + key, "missing");
    auto v = SizeField(j[key], prefix + "." + key);
    if (!v.ok()) return v.status();
    (std::string(key) == "memory" ? p.memory_bytes : p.budget_bytes) = *v;
  }
  if (p.budget_bytes > p.memory_bytes) return Bad(prefix + ".budget", "exceeds memory");
  const std::string dot = prefix + ".";
  auto f32 = NumberField(j, dot, "peak_flops_f32", true, 0);
  if (!f32.ok()) return f32.status();
  auto f16 = NumberField(j, dot, "peak_flops_f16", false, *f32);
  auto bw = NumberField(j, dot, "memory_bandwidth", true, 0);
  auto launch = NumberField(j, dot, "launch_overhead_us", false, p.launch_overhead_s / kUs);
  auto align = NumberField(j, dot, "alignment", false, static_cast<double>(p.alignment_bytes));
  auto pad = NumberField(j, dot, "buffer_padding", false, static_cast<double>(p.buffer_padding_bytes));
  for (const auto* s : {&f16, &bw, &launch, &align, &pad}) {
    if (!s->ok()) return s->status();
  }
  if (*f32 <= 0) return Bad(dot + "peak_flops_f32", "must be > 0");
  if (*bw <= 0) return Bad(dot + "memory_bandwidth", "must be > 0");
  if (*align < 1) return Bad(dot + "alignment", "must be >= 1");
  p.peak_flops_f32 = *f32;
  p.peak_flops_f16 = *f16 > 0 ? *f16 : *f32;
  p.memory_bandwidth = *bw;
  p.launch_overhead_s = *launch * kUs;
  p.alignment_bytes = static_cast<int64_t>(*align);
  p.buffer_padding_bytes = static_cast<int64_t>(*pad);
  if (kind == DeviceKind::kGpu && j.contains("workspace")) {
    auto workspace = SizeField(j["workspace"], dot + "workspace");
    if (!workspace.ok()) return workspace.status();
    p.workspace_bytes = *workspace;
  }
  return p;
}

absl::StatusOr<LinkProfile> LinkFromJson(const Json& j) {
  if (!j.is_object()) return Bad("link", "must be an object");
  LinkProfile l;
  l.name = j.value("name", "link");
  auto pinned = NumberField(j, "link.", "pinned_bandwidth", true, 0);
  if (!pinned.ok()) return pinned.status();
  auto pageable = NumberField(j, "link.", "pageable_bandwidth", false, *pinned / 2);
  auto latency = NumberField(j, "link.", "latency_us", false, 10);
  if (!pageable.ok()) return pageable.status();
  if (!latency.ok()) return latency.status();
  if (*pinned <= 0 || *pageable <= 0) return Bad("link", "bandwidths must be > 0");
  l.pinned_bandwidth = *pinned;
  l.pageable_bandwidth = *pageable;
  l.latency_s = *latency * kUs;
  return l;
}

}  // namespace

absl::string_view DeviceKindName(DeviceKind kind) {
  return kind == DeviceKind::kCpu ? "cpu" : "gpu";
}

std::optional<DeviceKind> ParseDeviceKind(absl::string_view name) {
  if (name == "cpu") return DeviceKind::kCpu;
  if (name == "gpu") return DeviceKind::kGpu;
  return std::nullopt;
}

std::vector<std::string> BuiltinProfileNames() {
  return {"laptop-6gb", "desktop-24gb", "h100", "cpu-only"};
}

absl::StatusOr<MachineProfile> BuiltinProfile(absl::string_view name) {
  if (name == "laptop-6gb") return Laptop6Gb();
  if (name == "desktop-24gb") return Desktop24Gb();
  if (name == "h100") return H100();
  if (name == "cpu-only") return CpuOnly();
  return absl::NotFoundError(absl::StrCat("no built-in profile '", name, "' (built in: ",
                                          absl::StrJoin(BuiltinProfileNames(), ", "), ")"));
}

absl::StatusOr<MachineProfile> ParseProfileJson(absl::string_view json_text) {
  Json j = Json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("profile: not valid JSON");
  if (!j.is_object()) return absl::InvalidArgumentError("profile: must be a JSON object");
  MachineProfile m;
  m.name = j.value("name", "custom");
  m.description = j.value("description", "");
  if (!j.contains("cpu")) return Bad("cpu", "missing");
  auto cpu = DeviceFromJson(j["cpu"], DeviceKind::kCpu, "cpu");
  if (!cpu.ok()) return cpu.status();
  m.cpu = *cpu;
  if (j.contains("gpu") && !j["gpu"].is_null()) {
    auto gpu = DeviceFromJson(j["gpu"], DeviceKind::kGpu, "gpu");
    if (!gpu.ok()) return gpu.status();
    m.gpu = *gpu;
    if (!j.contains("link")) return Bad("link", "missing (required with a gpu)");
    auto link = LinkFromJson(j["link"]);
    if (!link.ok()) return link.status();
    m.link = *link;
  }
  return m;
}

absl::StatusOr<MachineProfile> LoadProfile(const std::string& name_or_path) {
  auto builtin = BuiltinProfile(name_or_path);
  if (builtin.ok()) return builtin;
  std::ifstream in(name_or_path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("profile '", name_or_path,
                                            "' is neither a built-in profile (",
                                            absl::StrJoin(BuiltinProfileNames(), ", "),
                                            ") nor a readable JSON file"));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto profile = ParseProfileJson(text.str());
  if (!profile.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name_or_path, ": ", profile.status().message()));
  }
  return profile;
}

absl::StatusOr<int64_t> ParseSize(absl::string_view text, int64_t percent_of) {
  absl::string_view s = absl::StripAsciiWhitespace(text);
  size_t n = 0;
  while (n < s.size() && (absl::ascii_isdigit(s[n]) || s[n] == '.')) ++n;
  double number = 0;
  if (n == 0 || !absl::SimpleAtod(s.substr(0, n), &number) || !std::isfinite(number)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "size '", text, "': expected a number with an optional unit (B, KiB, MiB, GiB, TiB, "
        "KB, MB, GB, TB) or a percentage such as 25%"));
  }
  std::string unit = absl::AsciiStrToLower(absl::StripAsciiWhitespace(s.substr(n)));
  long double bytes = 0;
  if (unit == "%") {
    bytes = static_cast<long double>(number) / 100 * static_cast<long double>(percent_of);
  } else {
    static const std::pair<const char*, long double> kUnits[] = {
        {"", 1},          {"b", 1},          {"kib", kKiB},     {"mib", kMiB},
        {"gib", kGiB},    {"tib", 1024.0L * kGiB}, {"kb", 1e3L}, {"mb", 1e6L},
        {"gb", 1e9L},     {"tb", 1e12L},     {"k", kKiB},       {"m", kMiB},
        {"g", kGiB},      {"t", 1024.0L * kGiB}};
    bool found = false;
    for (const auto& [name, scale] : kUnits) {
      if (unit == name) {
        bytes = static_cast<long double>(number) * scale;
        found = true;
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(
          "size '", text, "': unknown unit '", unit,
          "' (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB, or % of the model's weights)"));
    }
  }
  if (bytes >= 9.2e18L) return absl::InvalidArgumentError(absl::StrCat("size '", text, "' is too large"));
  // A hair of slack so that "33.3%" of 1000 is 333, not 332.99999...
  return static_cast<int64_t>(std::floor(bytes * (1 + 1e-12L) + 1e-9L));
}

std::string FormatMiB(int64_t bytes) {
  // Small sizes would all read "0.00 MiB": give them in bytes.
  if (bytes > 0 && bytes < 10 * kKiB) return absl::StrCat(bytes, " B");
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.2f MiB", static_cast<double>(bytes) / kMiB);
  return buf;
}

}  // namespace tandem::partitioner
