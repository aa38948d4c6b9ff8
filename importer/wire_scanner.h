// Finds the raw weight bytes of a serialized ModelProto so they can be borrowed, not copied.
//
// protobuf copies every `bytes` field into a std::string while parsing, which would double the
// memory of a model whose weights are stored inline (raw_data). Before parsing, this scanner walks
// the wire format along ModelProto.graph(7) → GraphProto.initializer(5) → TensorProto.raw_data(9),
// records where each large raw_data lies in the file, and emits a copy of the message with those
// payloads cut out. The importer parses the small copy and points the initializers at the file.
#ifndef TANDEM_IMPORTER_WIRE_SCANNER_H_
#define TANDEM_IMPORTER_WIRE_SCANNER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/types/span.h"

namespace tandem::importer {

struct ByteRange {
  size_t offset = 0;
  size_t size = 0;
};

struct StrippedModel {
  std::string bytes;  // the ModelProto with large raw_data payloads replaced by one byte
  // One entry per initializer of the main graph, in wire order (the order protobuf keeps):
  // where its raw_data lies in the input, or nullopt when it was left in `bytes`.
  std::vector<std::optional<ByteRange>> raw_data;
};

// raw_data payloads of at least `min_size` bytes are cut. Small ones stay, because shape
// inference reads small constants (e.g. a Reshape's shape). Returns nullopt when the input is not
// well-formed wire data; the caller then lets protobuf parse the original and report the error.
std::optional<StrippedModel> StripInitializerPayloads(absl::Span<const uint8_t> model,
                                                      size_t min_size);

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_WIRE_SCANNER_H_
