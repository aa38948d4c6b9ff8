// Safe access to tensors stored outside the model file (ONNX "external data").
//
// A hostile model may name any path. A location is accepted only when it is relative, has no
// ".." component, and — after symlinks are resolved — still lies inside the model's folder, and
// when the file has no other name (a hard link count of 1: another name could lie anywhere); the
// offset and length must lie within the file. Each file is mapped once and shared by the tensors
// that point into it, so weights are never copied.
#ifndef TANDEM_IMPORTER_EXTERNAL_DATA_H_
#define TANDEM_IMPORTER_EXTERNAL_DATA_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/mapped_file.h"
#include "ir/tensor.h"

namespace tandem::importer {

struct ExternalDataRef {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;  // -1: to the end of the file
};

class ExternalDataResolver {
 public:
  // `model_dir` is the folder of the model file; empty means the model came from memory, in which
  // case every external reference is refused.
  explicit ExternalDataResolver(std::string model_dir) : model_dir_(std::move(model_dir)) {}

  // The bytes of tensor `tensor_name`; `expected_bytes` is dtype size × element count.
  // InvalidArgument for an unsafe location or a range outside the file (message names the tensor
  // and the location); NotFound when the file does not exist.
  absl::StatusOr<ir::TensorData> Resolve(const std::string& tensor_name, const ExternalDataRef& ref,
                                         int64_t expected_bytes);

  // Checks (and maps) the file at `location` alone, with the same errors as Resolve.
  absl::Status CheckLocation(const std::string& tensor_name, const std::string& location) {
    return OpenInsideModelDir(tensor_name, location).status();
  }

 private:
  absl::StatusOr<std::shared_ptr<const MappedFile>> OpenInsideModelDir(
      const std::string& tensor_name, const std::string& location);

  std::string model_dir_;
  std::string real_model_dir_;  // resolved on first use
  std::map<std::string, std::shared_ptr<const MappedFile>> files_;
};

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_EXTERNAL_DATA_H_
