#include "importer/external_data.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace tandem::importer {
namespace {

absl::Status Unsafe(const std::string& tensor, const std::string& location, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("tensor '", tensor, "': external data location '",
                                                 location, "' ", why));
}

std::optional<std::string> RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

}  // namespace

absl::StatusOr<std::shared_ptr<const MappedFile>> ExternalDataResolver::OpenInsideModelDir(
    const std::string& tensor_name, const std::string& location) {
  if (model_dir_.empty()) {
    return Unsafe(tensor_name, location, "cannot be read: the model was loaded from memory");
  }
  if (location.empty()) return Unsafe(tensor_name, location, "is empty");
  if (location.find('\0') != std::string::npos) {
    return Unsafe(tensor_name, location, "contains a NUL byte");
  }
  if (location[0] == '/' || location[0] == '\\') {
    return Unsafe(tensor_name, location, "is absolute; it must be relative to the model's folder");
  }
  for (absl::string_view part : absl::StrSplit(location, absl::ByAnyChar("/\\"))) {
    if (part == "..") return Unsafe(tensor_name, location, "leaves the model's folder ('..')");
  }
  auto cached = files_.find(location);
  if (cached != files_.end()) return cached->second;

  if (real_model_dir_.empty()) {
    auto dir = RealPath(model_dir_);
    if (!dir) return absl::NotFoundError(absl::StrCat("model folder '", model_dir_, "' not found"));
    real_model_dir_ = *dir;
  }
  std::string path = absl::StrCat(model_dir_, "/", location);
  auto real = RealPath(path);
  if (!real) {
    return absl::NotFoundError(absl::StrCat("tensor '", tensor_name, "': external data file '",
                                            path, "' not found"));
  }
  if (!absl::StartsWith(*real, absl::StrCat(real_model_dir_, "/"))) {
    return Unsafe(tensor_name, location,
                  absl::StrCat("resolves to '", *real, "', outside the model's folder"));
  }
  // Open the resolved path without following links again, so a link swapped in after the check
  // cannot redirect the read. O_NONBLOCK: opening a FIFO would otherwise wait for a writer
  // forever; MappedFile then refuses anything but a regular file.
  int fd = ::open(real->c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("tensor '", tensor_name, "': cannot open external data '",
                                            path, "': ", std::strerror(errno)));
  }
  // A hard link is the same file under another name, and nothing in its path shows where the
  // other names are: one may lie outside the model's folder (a link to a secret the model's
  // author could not otherwise name). So a regular file with more than one name is refused.
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1) {
    ::close(fd);
    return Unsafe(tensor_name, location,
                  absl::StrCat("is a hard link (the file has ", st.st_nlink,
                               " names), which may lead outside the model's folder; store a copy "
                               "of the file instead"));
  }
  auto file = MappedFile::FromDescriptor(fd, path);
  ::close(fd);
  if (!file.ok()) {
    return absl::Status(file.status().code(),
                        absl::StrCat("tensor '", tensor_name, "': ", file.status().message()));
  }
  files_.emplace(location, *file);
  return *file;
}

absl::StatusOr<ir::TensorData> ExternalDataResolver::Resolve(const std::string& tensor_name,
                                                             const ExternalDataRef& ref,
                                                             int64_t expected_bytes) {
  TANDEM_ASSIGN_OR_RETURN(auto file, OpenInsideModelDir(tensor_name, ref.location));
  const int64_t file_size = static_cast<int64_t>(file->size());
  if (ref.offset < 0 || ref.offset > file_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", tensor_name, "': external data offset ", ref.offset, " is outside '",
        ref.location, "' (", file_size, " bytes)"));
  }
  int64_t length = ref.length < 0 ? file_size - ref.offset : ref.length;
  if (ref.length < -1 || length > file_size - ref.offset) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", tensor_name, "': external data [offset ", ref.offset, ", length ", ref.length,
        "] runs past the end of '", ref.location, "' (", file_size, " bytes)"));
  }
  if (length != expected_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", tensor_name, "': external data has ", length, " bytes but its dtype and shape need ",
        expected_bytes));
  }
  return ir::TensorData::Borrowed(file, file->data() + ref.offset, static_cast<size_t>(length));
}

}  // namespace tandem::importer
