// Process-memory and page-cache probes for benchmarks (Linux only; benchmarks are not library
// code, so /proc and getrusage are used directly).
//
// Resident memory is split the way the kernel accounts it: anonymous pages (heap copies, what an
// importer should avoid) and file pages (a mapped weight that was touched). A mapped weight that
// was never touched is in neither.
// Thread-safety: every function reads or writes process-wide state; call from one thread.
#ifndef TANDEM_TOOLS_BENCH_MEMORY_PROBE_H_
#define TANDEM_TOOLS_BENCH_MEMORY_PROBE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace tandem::bench {

// Bytes; -1 when the kernel did not report the field.
struct MemorySample {
  int64_t vm_rss = -1;    // /proc/self/status VmRSS: resident now
  int64_t vm_hwm = -1;    // VmHWM: peak resident since start or since ResetPeakRss()
  int64_t rss_anon = -1;  // RssAnon: heap, stacks, private copies
  int64_t rss_file = -1;  // RssFile: touched pages of mapped files (weights, shared libraries)
  // getrusage(RUSAGE_SELF).ru_maxrss. Linux reads it from the same high-water mark as VmHWM, so
  // ResetPeakRss() resets it too (observed on Linux 6.18).
  int64_t ru_maxrss = -1;
};

MemorySample SampleMemory();

// Lowers VmHWM (and so ru_maxrss) to the current VmRSS by writing "5" to /proc/self/clear_refs
// (Linux >= 4.0), so the next sample's peak is the peak of the phase in between.
// Returns false when the kernel refused.
bool ResetPeakRss();

// Resident bytes of this process's mappings of `paths` (from /proc/self/smaps; paths are
// compared after realpath). This isolates touched weight pages from shared-library code, which
// RssFile also counts. -1 when smaps cannot be read.
int64_t MappedRss(const std::vector<std::string>& paths);

// How many bytes of `path` are in the page cache now (mmap + mincore); -1 on error.
int64_t PageCacheBytes(const std::string& path);

// Asks the kernel to drop `path` from the page cache (posix_fadvise DONTNEED); clean pages
// not mapped by anyone are dropped. Returns false on error.
bool EvictFromPageCache(const std::string& path);

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_MEMORY_PROBE_H_
