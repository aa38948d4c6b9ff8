// Conversions between ONNX TensorProto and ir::Tensor, and the .pb tensor files of ONNX test data.
//
// Public API: no protobuf types appear here, so tools and tests need no ONNX headers.
#ifndef TANDEM_IMPORTER_TENSOR_PROTO_H_
#define TANDEM_IMPORTER_TENSOR_PROTO_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/shape.h"
#include "ir/tensor.h"

namespace tandem::importer {

struct NamedTensor {
  std::string name;
  ir::Tensor tensor;
};

// Parses a serialized TensorProto (e.g. test_data_set_0/input_0.pb). Tensors with external data
// are refused. InvalidArgument naming `path` (or "<bytes>") on any malformed content.
absl::StatusOr<NamedTensor> ParseTensorFile(const std::string& path);
absl::StatusOr<NamedTensor> ParseTensorBytes(const std::string& bytes, const std::string& what);

// A value from ONNX test data: a tensor, a sequence of tensors, or an optional (maybe empty).
struct TestValue {
  std::string name;
  ir::ValueType type = ir::ValueType::kTensor;
  std::vector<ir::Tensor> tensors;  // tensor: 1; sequence: its elements; optional: 0 or 1 (or the
                                    // elements of an optional sequence)
  bool has_value = true;            // false for an empty optional
};

// Parses a .pb file holding a TensorProto, SequenceProto or OptionalProto, as `type` says.
absl::StatusOr<TestValue> ParseValueFile(const std::string& path, ir::ValueType type);

// Serializes `tensor` as a TensorProto named `name` (numbers in raw_data).
std::string SerializeTensor(const std::string& name, const ir::Tensor& tensor);

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_TENSOR_PROTO_H_
