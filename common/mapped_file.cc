#include "common/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace tandem {
namespace {

const uint8_t kEmpty[1] = {0};

// Live mappings by start address, for ReleasePagesOf.
std::mutex& LiveMutex() {
  static std::mutex m;
  return m;
}
std::map<uintptr_t, size_t>& LiveMappings() {
  static auto* live = new std::map<uintptr_t, size_t>();
  return *live;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const MappedFile>> MappedFile::Open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not hang; fstat then refuses it as not a regular file.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    std::string msg = absl::StrCat("cannot open '", path, "': ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(msg) : absl::InvalidArgumentError(msg);
  }
  auto result = FromDescriptor(fd, path);
  ::close(fd);
  return result;
}

absl::StatusOr<std::shared_ptr<const MappedFile>> MappedFile::FromDescriptor(
    int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("cannot stat '", path, "': ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("'", path, "' is not a regular file"));
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    return std::shared_ptr<const MappedFile>(new MappedFile(kEmpty, 0, false, path));
  }
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot map '", path, "' (", size, " bytes): ", std::strerror(errno)));
  }
  {
    std::lock_guard<std::mutex> lock(LiveMutex());
    LiveMappings()[reinterpret_cast<uintptr_t>(addr)] = size;
  }
  return std::shared_ptr<const MappedFile>(
      new MappedFile(static_cast<const uint8_t*>(addr), size, true, path));
}

bool MappedFile::ReleasePagesOf(const void* data, size_t size) {
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data), end = begin + size;
  std::lock_guard<std::mutex> lock(LiveMutex());
  auto& live = LiveMappings();
  auto it = live.upper_bound(begin);
  if (it == live.begin()) return false;
  --it;
  if (end > it->first + it->second) return false;  // not inside one mapping
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
  return true;
}

void MappedFile::ReleaseResidentPages() const {
  // Read-only and never written, so discarding the pages loses nothing.
  if (mapped_) ::madvise(const_cast<uint8_t*>(data_), size_, MADV_DONTNEED);
}

MappedFile::~MappedFile() {
  if (!mapped_) return;
  {
    std::lock_guard<std::mutex> lock(LiveMutex());
    LiveMappings().erase(reinterpret_cast<uintptr_t>(data_));
  }
  ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace tandem
