// libFuzzer target: the TensorProto reader that tandem-run and the conformance runner use for
// input_<i>.pb / output_<i>.pb files.
//
// Properties: ParseTensorBytes returns a tensor or a Status for every input; and a tensor it
// accepts survives SerializeTensor → ParseTensorBytes unchanged (dtype, shape and bytes).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "importer/tensor_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto parsed = tandem::importer::ParseTensorBytes(bytes, "fuzz.pb");
  if (!parsed.ok()) return 0;
  const tandem::ir::Tensor& tensor = parsed->tensor;
  auto again = tandem::importer::ParseTensorBytes(tandem::importer::SerializeTensor(parsed->name, tensor), "again");
  if (!again.ok()) __builtin_trap();
  const tandem::ir::Tensor& copy = again->tensor;
  if (copy.dtype != tensor.dtype || copy.dims != tensor.dims || copy.strings != tensor.strings) __builtin_trap();
  if (copy.byte_size() != tensor.byte_size()) __builtin_trap();
  if (tensor.byte_size() != 0 && std::memcmp(copy.data.data(), tensor.data.data(), tensor.byte_size()) != 0) {
    __builtin_trap();
  }
  return 0;
}
