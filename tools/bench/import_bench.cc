// tandem-import-bench MODEL.onnx [--repeat N] [--evict] [--touch]
//
// Times importer::ImportModel and measures what it leaves resident, against the model's weight
// bytes. Plain std::chrono, no benchmark framework: an import is long (milliseconds to seconds)
// and its first run differs from the rest, which is exactly what we want to see.
//   1. The page-cache residency of the files in the model's folder is reported (with --evict they
//      are dropped from the page cache first), so "cold" says whether the disk was read.
//   2. Cold: the first import in the process, which also pays one-time costs (ONNX's schema
//      registry, first faults on the mapped file). The peak RSS during it is VmHWM after a reset.
//   3. With the model still alive: RSS split into anonymous pages (copies on the heap) and file
//      pages (mapped weights that were touched). Borrowed weights nobody read are in neither.
//   4. --touch reads every initializer byte once, as running the model would, and samples again.
//   5. Warm: --repeat more imports, each model destroyed before the next; min and median.
// Prints a report, then one JSON line (the last line, starting with '{') for scripts.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "importer/onnx_importer.h"
#include "nlohmann/json.hpp"
#include "tools/bench/memory_probe.h"
#include "tools/partition_tool/model_summary.h"

ABSL_FLAG(int, repeat, 5, "warm imports after the cold one (min and median are reported)");
ABSL_FLAG(bool, evict, false,
          "drop the model folder's files from the page cache before the cold run");
ABSL_FLAG(bool, touch, false, "after the cold import, read every initializer byte and sample RSS");

namespace {

namespace bench = tandem::bench;
using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr double kMiB = 1 << 20;

struct FileInfo {
  std::string path;
  int64_t size = 0;
  int64_t cached = -1;  // bytes in the page cache before the cold import
};

// The model file and every other regular file beside it (external data lives there).
std::vector<FileInfo> ModelFolderFiles(const std::string& model_path) {
  namespace fs = std::filesystem;
  std::vector<FileInfo> files;
  fs::path dir = fs::path(model_path).parent_path();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir.empty() ? "." : dir, ec)) {
    if (entry.is_regular_file(ec)) {
      files.push_back({entry.path().string(), static_cast<int64_t>(entry.file_size(ec))});
    }
  }
  std::sort(files.begin(), files.end(),
            [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return files;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Sums every initializer byte (of every graph) so that the compiler cannot skip the reads.
uint64_t TouchWeights(const tandem::ir::Graph& g) {
  uint64_t sum = 0;
  for (const auto& v : g.values()) {
    if (!v.initializer) continue;
    const uint8_t* p = v.initializer->data.data();
    for (size_t i = 0; i < v.initializer->byte_size(); i += 64) sum += p[i];
  }
  for (const auto& node : g.nodes()) {
    for (const auto& [name, attr] : node.attributes) {
      for (const auto* body : attr.subgraphs()) sum += TouchWeights(*body);
    }
  }
  return sum;
}

// A memory sample plus the resident bytes of the model's own file mappings.
struct Phase {
  bench::MemorySample mem;
  int64_t model_maps = -1;
};

Phase Sample(const std::vector<FileInfo>& files) {
  std::vector<std::string> paths;
  for (const FileInfo& f : files) paths.push_back(f.path);
  return {bench::SampleMemory(), bench::MappedRss(paths)};
}

Json PhaseJson(const Phase& p) {
  return {{"vm_rss", p.mem.vm_rss},       {"vm_hwm", p.mem.vm_hwm},
          {"rss_anon", p.mem.rss_anon},   {"rss_file", p.mem.rss_file},
          {"ru_maxrss", p.mem.ru_maxrss}, {"model_maps_rss", p.model_maps}};
}

std::string MemRow(const std::string& label, const Phase& p) {
  auto mib = [](int64_t b) {
    return b < 0 ? std::string("n/a") : absl::StrFormat("%.1f", b / kMiB);
  };
  return absl::StrFormat("  %-22s %9s %9s %9s %11s %9s\n", label, mib(p.mem.vm_rss),
                         mib(p.mem.rss_anon), mib(p.mem.rss_file), mib(p.model_maps),
                         mib(p.mem.vm_hwm));
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("tandem-import-bench MODEL.onnx [--repeat N] [--evict] [--touch]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) {
    std::cerr << "usage: tandem-import-bench MODEL.onnx [--repeat N] [--evict] [--touch]\n";
    return 2;
  }
  const std::string path = args[1];
  const int repeat = std::max(0, absl::GetFlag(FLAGS_repeat));
  const bool evict = absl::GetFlag(FLAGS_evict);

  std::vector<FileInfo> files = ModelFolderFiles(path);
  bool evicted = evict;
  for (FileInfo& f : files) {
    if (evict) evicted = bench::EvictFromPageCache(f.path) && evicted;
    f.cached = bench::PageCacheBytes(f.path);
  }

  // ---- cold import, model kept alive
  Phase before = Sample(files);
  bool hwm_reset = bench::ResetPeakRss();
  tandem::importer::ImportStats stats;
  Clock::time_point t0 = Clock::now();
  auto model = tandem::importer::ImportModel(path, {}, &stats);
  double cold_ms = Ms(Clock::now() - t0);
  if (!model.ok()) {
    std::cerr << "tandem-import-bench: " << model.status().message() << "\n";
    return 1;
  }
  Phase after_cold = Sample(files);
  tandem::tools::ModelSummary summary = tandem::tools::Summarize(*model);

  Phase after_touch;
  double touch_ms = -1;
  if (absl::GetFlag(FLAGS_touch)) {
    Clock::time_point t1 = Clock::now();
    volatile uint64_t sink = TouchWeights(*model->graph);
    (void)sink;
    touch_ms = Ms(Clock::now() - t1);
    after_touch = Sample(files);
  }
  *model = tandem::ir::Model{};  // releases the graph and the mappings
  Phase after_release = Sample(files);

  // ---- warm imports
  bench::ResetPeakRss();
  std::vector<double> warm_ms;
  for (int i = 0; i < repeat; ++i) {
    Clock::time_point t = Clock::now();
    auto again = tandem::importer::ImportModel(path);
    warm_ms.push_back(Ms(Clock::now() - t));
    if (!again.ok()) {
      std::cerr << "tandem-import-bench: warm run " << i << ": " << again.status().message()
                << "\n";
      return 1;
    }
  }
  Phase after_warm = Sample(files);
  double warm_min = warm_ms.empty() ? 0 : *std::min_element(warm_ms.begin(), warm_ms.end());
  double warm_median = Median(warm_ms);

  // ---- report
  const int64_t weights = summary.param_bytes;
  const int64_t cold_peak_growth = after_cold.mem.vm_hwm - before.mem.vm_rss;
  std::cout << "model        " << path << "\n";
  for (const FileInfo& f : files) {
    std::cout << absl::StrFormat("file         %-40s %10.2f MiB, %5.1f%% in page cache%s\n",
                                 std::filesystem::path(f.path).filename().string(), f.size / kMiB,
                                 f.size > 0 ? 100.0 * f.cached / f.size : 100.0,
                                 evict ? " after --evict" : "");
  }
  std::cout << "weights      " << summary.param_tensors << " tensors, "
            << tandem::tools::FormatBytes(weights) << "\n"
            << "             borrowed " << tandem::tools::FormatBytes(summary.borrowed_bytes)
            << ", owned " << tandem::tools::FormatBytes(summary.owned_bytes) << "\n";
  std::cout << "ImportStats  onnx_nodes " << stats.onnx_nodes << " → " << summary.main_nodes
            << " nodes; folded values " << stats.fold.folded_values << ", removed nodes "
            << stats.fold.removed_nodes << "; borrowed " << stats.borrowed_bytes << " B, owned "
            << stats.owned_bytes << " B\n";
  std::cout << absl::StrFormat(
      "time         cold %.1f ms; warm min %.1f ms, median %.1f ms (%d runs)\n", cold_ms, warm_min,
      warm_median, repeat);
  if (touch_ms >= 0)
    std::cout << absl::StrFormat("touch        %.1f ms to read every weight\n", touch_ms);
  std::cout << absl::StrFormat("memory MiB %-24s %9s %9s %9s %11s %9s\n", "", "VmRSS", "RssAnon",
                               "RssFile", "model maps", "VmHWM");
  std::cout << MemRow("before import", before) << MemRow("after cold (alive)", after_cold);
  if (touch_ms >= 0) std::cout << MemRow("after --touch", after_touch);
  std::cout << MemRow("after release", after_release) << MemRow("after warm runs", after_warm);
  std::cout << absl::StrFormat(
      "peak         cold import raised peak RSS by %.1f MiB (%.3f × weights); ru_maxrss %.1f "
      "MiB%s\n",
      cold_peak_growth / kMiB, weights > 0 ? static_cast<double>(cold_peak_growth) / weights : 0.0,
      after_cold.mem.ru_maxrss / kMiB,
      hwm_reset ? "" : " [VmHWM reset refused: peaks are the process lifetime's]");
  std::cout
      << "             (VmHWM on a row is the peak since the previous reset: before the cold\n"
         "             import and before the warm runs; \"model maps\" is the resident part\n"
         "             of the model folder's own mappings, i.e. weight pages touched)\n";

  Json files_json = Json::array();
  for (const FileInfo& f : files) {
    files_json.push_back({{"path", f.path}, {"bytes", f.size}, {"page_cache_bytes", f.cached}});
  }
  Json j;
  j["model"] = path;
  j["files"] = std::move(files_json);
  j["evicted"] = evicted;
  j["weights"] = {{"tensors", summary.param_tensors},
                  {"bytes", weights},
                  {"borrowed_bytes", summary.borrowed_bytes},
                  {"owned_bytes", summary.owned_bytes}};
  j["import_stats"] = {{"onnx_nodes", stats.onnx_nodes},
                       {"folded_values", stats.fold.folded_values},
                       {"removed_nodes", stats.fold.removed_nodes},
                       {"borrowed_bytes", stats.borrowed_bytes},
                       {"owned_bytes", stats.owned_bytes}};
  j["nodes"] = summary.main_nodes;
  j["cold_ms"] = cold_ms;
  j["warm_ms"] = warm_ms;
  j["warm_min_ms"] = warm_min;
  j["warm_median_ms"] = warm_median;
  if (touch_ms >= 0) j["touch_ms"] = touch_ms;
  j["hwm_reset"] = hwm_reset;
  j["memory"] = {{"before", PhaseJson(before)},
                 {"after_cold", PhaseJson(after_cold)},
                 {"after_touch", touch_ms >= 0 ? PhaseJson(after_touch) : Json(nullptr)},
                 {"after_release", PhaseJson(after_release)},
                 {"after_warm", PhaseJson(after_warm)}};
  j["cold_peak_growth_bytes"] = cold_peak_growth;
  std::cout << j.dump() << "\n";
  return 0;
}
