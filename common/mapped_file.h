// A read-only memory mapping of a whole file.
//
// Weights point into a MappedFile instead of being copied, so a model's resident memory is only
// the pages that are actually touched. Holders keep the mapping alive through shared_ptr.
#ifndef TANDEM_COMMON_MAPPED_FILE_H_
#define TANDEM_COMMON_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace tandem {

class MappedFile {
 public:
  // Maps `path` read-only. NotFound if it does not exist, InvalidArgument if it is not a regular
  // file. An empty file maps to size() == 0 with a non-null data().
  static absl::StatusOr<std::shared_ptr<const MappedFile>> Open(const std::string& path);

  // Maps an already-open descriptor (not closed by this call); `path` is used in messages only.
  static absl::StatusOr<std::shared_ptr<const MappedFile>> FromDescriptor(int fd,
                                                                         const std::string& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Drops this process's resident pages of the mapping (they stay in the page cache); a later
  // access faults them back in. Used after scanning headers so that only the weights actually
  // computed on count towards resident memory.
  void ReleaseResidentPages() const;

  // Drops the resident pages that lie wholly inside [data, data + size) when that range is part
  // of a live MappedFile (false, doing nothing, for any other memory: madvise would zero an
  // anonymous page). The CPU executor calls it on weights it has repacked and never reads again.
  static bool ReleasePagesOf(const void* data, size_t size);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(const uint8_t* data, size_t size, bool mapped, std::string path)
      : data_(data), size_(size), mapped_(mapped), path_(std::move(path)) {}

  const uint8_t* data_;
  size_t size_;
  bool mapped_;  // false for the empty-file case, which has nothing to unmap
  std::string path_;
};

}  // namespace tandem

#endif  // TANDEM_COMMON_MAPPED_FILE_H_
