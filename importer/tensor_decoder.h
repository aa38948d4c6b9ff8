// Decodes an onnx::TensorProto into an ir::Tensor with every size checked (internal to importer/).
#ifndef TANDEM_IMPORTER_TENSOR_DECODER_H_
#define TANDEM_IMPORTER_TENSOR_DECODER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "importer/external_data.h"
#include "importer/wire_scanner.h"
#include "ir/tensor.h"
#include "onnx/onnx_pb.h"

namespace tandem::importer {

// Where the raw bytes of a tensor really are when the wire scanner cut them out of the proto.
struct RawDataOverride {
  std::shared_ptr<const void> keep_alive;  // owns `base`
  const uint8_t* base = nullptr;
  ByteRange range;
};

// Decodes `proto`. `what` names the tensor in messages ("initializer 'conv1.weight'").
// `resolver` may be null (external data then refused); `raw` may be null.
// Errors: InvalidArgument for unknown dtypes, negative dims, element counts that overflow, data
// whose size does not match dtype × shape, missing data; Unimplemented for segmented tensors.
absl::StatusOr<ir::Tensor> DecodeTensor(const onnx::TensorProto& proto, const std::string& what,
                                        ExternalDataResolver* resolver,
                                        const RawDataOverride* raw);

// Decodes dims and dtype only (for value infos and sparse tensors), with the same checks.
absl::StatusOr<ir::DType> DecodeDType(int32_t data_type, const std::string& what);

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_TENSOR_DECODER_H_
