#include "tools/bench/memory_probe.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

namespace tandem::bench {
namespace {

// "VmRSS:\t  123456 kB" → 123456 * 1024.
bool ParseKiB(const std::string& line, const std::string& key, int64_t* out) {
  if (line.compare(0, key.size(), key) != 0 || line.size() <= key.size() ||
      line[key.size()] != ':') {
    return false;
  }
  std::istringstream in(line.substr(key.size() + 1));
  int64_t kib = 0;
  if (!(in >> kib)) return false;
  *out = kib * 1024;
  return true;
}

// Runs `fn(fd, size)` on `path` opened read-only; returns false if it cannot be opened.
template <typename Fn>
bool WithFile(const std::string& path, Fn fn) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0 && fn(fd, static_cast<size_t>(st.st_size));
  ::close(fd);
  return ok;
}

}  // namespace

MemorySample SampleMemory() {
  MemorySample s;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    ParseKiB(line, "VmRSS", &s.vm_rss) || ParseKiB(line, "VmHWM", &s.vm_hwm) ||
        ParseKiB(line, "RssAnon", &s.rss_anon) || ParseKiB(line, "RssFile", &s.rss_file);
  }
  struct rusage ru;
  if (::getrusage(RUSAGE_SELF, &ru) == 0) s.ru_maxrss = static_cast<int64_t>(ru.ru_maxrss) * 1024;
  return s;
}

bool ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

int64_t MappedRss(const std::vector<std::string>& paths) {
  std::set<std::string> wanted;
  for (const std::string& p : paths) {
    char buf[PATH_MAX];
    if (::realpath(p.c_str(), buf) != nullptr) wanted.insert(buf);
  }
  std::ifstream smaps("/proc/self/smaps");
  if (!smaps) return -1;
  int64_t total = 0;
  bool in_wanted = false;
  std::string line;
  while (std::getline(smaps, line)) {
    // A mapping header is "start-end perms offset dev inode [path]"; field lines are "Key: value".
    std::istringstream in(line);
    std::string range, perms, offset, dev, inode, path;
    if (line.find(':') > line.find(' ') && (in >> range >> perms >> offset >> dev >> inode) &&
        range.find('-') != std::string::npos) {
      std::getline(in >> std::ws, path);
      in_wanted = wanted.count(path) > 0;
      continue;
    }
    int64_t rss = 0;
    if (in_wanted && ParseKiB(line, "Rss", &rss)) total += rss;
  }
  return total;
}

int64_t PageCacheBytes(const std::string& path) {
  int64_t resident = -1;
  WithFile(path, [&](int fd, size_t size) {
    if (size == 0) {
      resident = 0;
      return true;
    }
    void* addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED) return false;
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> in_core((size + page - 1) / page);
    if (::mincore(addr, size, in_core.data()) == 0) {
      resident = 0;
      for (unsigned char c : in_core) resident += (c & 1) ? static_cast<int64_t>(page) : 0;
      resident = std::min(resident, static_cast<int64_t>(size));  // the last page is partial
    }
    ::munmap(addr, size);
    return resident >= 0;
  });
  return resident;
}

bool EvictFromPageCache(const std::string& path) {
  return WithFile(
      path, [](int fd, size_t) { return ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0; });
}

}  // namespace tandem::bench
