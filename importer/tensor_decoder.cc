#include "importer/tensor_decoder.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/checked_math.h"
#include "common/mapped_file.h"
#include "common/status_macros.h"
#include "importer/tensor_proto.h"
#include "onnx/onnx-data_pb.h"
#include "ir/shape.h"

namespace tandem::importer {
namespace {

using ir::DType;

absl::Status Bad(const std::string& what, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", why));
}

// Copies `count` elements of a repeated field into little-endian bytes of type Out.
template <typename Out, typename Field>
std::vector<uint8_t> Narrow(const Field& field, int64_t count) {
  std::vector<uint8_t> bytes(count * sizeof(Out));
  for (int64_t i = 0; i < count; ++i) {
    Out v = static_cast<Out>(field.Get(static_cast<int>(i)));
    std::memcpy(bytes.data() + i * sizeof(Out), &v, sizeof(Out));
  }
  return bytes;
}

absl::StatusOr<std::vector<uint8_t>> TypedFieldBytes(const onnx::TensorProto& p, DType dtype,
                                                     int64_t n, const std::string& what) {
  auto expect = [&](int64_t have, int64_t want, const char* field) -> absl::Status {
    if (have == want) return absl::OkStatus();
    return Bad(what, absl::StrCat(field, " holds ", have, " values but dtype ", ir::DTypeName(dtype),
                                  " and its shape need ", want));
  };
  switch (dtype) {
    case DType::kFloat32:
      TANDEM_RETURN_IF_ERROR(expect(p.float_data_size(), n, "float_data"));
      return Narrow<float>(p.float_data(), n);
    case DType::kComplex64:
      TANDEM_RETURN_IF_ERROR(expect(p.float_data_size(), 2 * n, "float_data"));
      return Narrow<float>(p.float_data(), 2 * n);
    case DType::kFloat64:
      TANDEM_RETURN_IF_ERROR(expect(p.double_data_size(), n, "double_data"));
      return Narrow<double>(p.double_data(), n);
    case DType::kComplex128:
      TANDEM_RETURN_IF_ERROR(expect(p.double_data_size(), 2 * n, "double_data"));
      return Narrow<double>(p.double_data(), 2 * n);
    case DType::kInt64:
      TANDEM_RETURN_IF_ERROR(expect(p.int64_data_size(), n, "int64_data"));
      return Narrow<int64_t>(p.int64_data(), n);
    case DType::kUInt32:
      TANDEM_RETURN_IF_ERROR(expect(p.uint64_data_size(), n, "uint64_data"));
      return Narrow<uint32_t>(p.uint64_data(), n);
    case DType::kUInt64:
      TANDEM_RETURN_IF_ERROR(expect(p.uint64_data_size(), n, "uint64_data"));
      return Narrow<uint64_t>(p.uint64_data(), n);
    case DType::kInt32:
      TANDEM_RETURN_IF_ERROR(expect(p.int32_data_size(), n, "int32_data"));
      return Narrow<int32_t>(p.int32_data(), n);
    case DType::kInt16:
      TANDEM_RETURN_IF_ERROR(expect(p.int32_data_size(), n, "int32_data"));
      return Narrow<int16_t>(p.int32_data(), n);
    case DType::kUInt16: case DType::kFloat16: case DType::kBFloat16:
      // 16-bit floats are stored as their bit patterns in int32_data.
      TANDEM_RETURN_IF_ERROR(expect(p.int32_data_size(), n, "int32_data"));
      return Narrow<uint16_t>(p.int32_data(), n);
    case DType::kInt8:
      TANDEM_RETURN_IF_ERROR(expect(p.int32_data_size(), n, "int32_data"));
      return Narrow<int8_t>(p.int32_data(), n);
    case DType::kUInt8: case DType::kBool:
      TANDEM_RETURN_IF_ERROR(expect(p.int32_data_size(), n, "int32_data"));
      return Narrow<uint8_t>(p.int32_data(), n);
    default:
      return Bad(what, absl::StrCat("dtype ", ir::DTypeName(dtype), " cannot hold typed data"));
  }
}

bool HasTypedData(const onnx::TensorProto& p) {
  return p.float_data_size() || p.int32_data_size() || p.int64_data_size() ||
         p.double_data_size() || p.uint64_data_size() || p.string_data_size();
}

absl::StatusOr<ExternalDataRef> ParseExternalRef(const onnx::TensorProto& p, const std::string& what) {
  ExternalDataRef ref;
  bool has_location = false;
  for (const auto& entry : p.external_data()) {
    auto to_int = [&](int64_t* out) -> absl::Status {
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(entry.value().c_str(), &end, 10);
      if (entry.value().empty() || *end != '\0' || errno == ERANGE || v < 0) {
        return Bad(what, absl::StrCat("external data ", entry.key(), " '", entry.value(),
                                      "' is not a valid non-negative integer"));
      }
      *out = v;
      return absl::OkStatus();
    };
    if (entry.key() == "location") {
      ref.location = entry.value();
      has_location = true;
    } else if (entry.key() == "offset") {
      TANDEM_RETURN_IF_ERROR(to_int(&ref.offset));
    } else if (entry.key() == "length") {
      TANDEM_RETURN_IF_ERROR(to_int(&ref.length));
    }
  }
  if (!has_location) return Bad(what, "external data has no 'location'");
  return ref;
}

}  // namespace

absl::StatusOr<DType> DecodeDType(int32_t data_type, const std::string& what) {
  auto dtype = ir::DTypeFromInt(data_type);
  if (!dtype || *dtype == DType::kUndefined) {
    return Bad(what, absl::StrCat("unknown or undefined data_type ", data_type));
  }
  return *dtype;
}

absl::StatusOr<ir::Tensor> DecodeTensor(const onnx::TensorProto& p, const std::string& what,
                                        ExternalDataResolver* resolver,
                                        const RawDataOverride* raw) {
  ir::Tensor t;
  TANDEM_ASSIGN_OR_RETURN(t.dtype, DecodeDType(p.data_type(), what));
  t.dims.assign(p.dims().begin(), p.dims().end());
  for (int64_t d : t.dims) {
    if (d < 0) return Bad(what, absl::StrCat("negative dimension ", d));
  }
  auto count = ir::CheckedNumElements(t.dims);
  if (!count) return Bad(what, "element count overflows int64");
  const int64_t n = *count;
  if (p.has_segment()) return absl::UnimplementedError(absl::StrCat(what, ": segmented tensors"));

  if (t.dtype == DType::kString) {
    if (p.data_location() == onnx::TensorProto::EXTERNAL || p.has_raw_data()) {
      return Bad(what, "string tensors must use string_data");
    }
    if (p.string_data_size() != n) {
      return Bad(what, absl::StrCat("string_data holds ", p.string_data_size(),
                                    " values but the shape needs ", n));
    }
    t.strings.assign(p.string_data().begin(), p.string_data().end());
    return t;
  }
  const int64_t elem_size = ir::DTypeSize(t.dtype);
  auto want = CheckedMul(n, elem_size);
  if (!want) return Bad(what, "byte size overflows int64");
  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    if (resolver == nullptr) return Bad(what, "external data is not allowed here");
    TANDEM_ASSIGN_OR_RETURN(ExternalDataRef ref, ParseExternalRef(p, what));
    auto data = resolver->Resolve(p.name(), ref, *want);
    if (!data.ok() && p.name().empty()) {  // an attribute's tensor: `what` names its node
      return absl::Status(data.status().code(),
                          absl::StrCat(what, ": ", data.status().message()));
    }
    TANDEM_ASSIGN_OR_RETURN(t.data, std::move(data));
    return t;
  }
  if (raw != nullptr) {
    if (static_cast<int64_t>(raw->range.size) != *want) {
      return Bad(what, absl::StrCat("raw_data has ", raw->range.size, " bytes but dtype ",
                                    ir::DTypeName(t.dtype), " × shape need ", *want));
    }
    t.data = ir::TensorData::Borrowed(raw->keep_alive, raw->base + raw->range.offset,
                                      raw->range.size);
    return t;
  }
  if (p.has_raw_data()) {
    if (static_cast<int64_t>(p.raw_data().size()) != *want) {
      return Bad(what, absl::StrCat("raw_data has ", p.raw_data().size(), " bytes but dtype ",
                                    ir::DTypeName(t.dtype), " × shape need ", *want));
    }
    const auto* b = reinterpret_cast<const uint8_t*>(p.raw_data().data());
    t.data = ir::TensorData::Owned(std::vector<uint8_t>(b, b + p.raw_data().size()));
    return t;
  }
  if (n > 0 && !HasTypedData(p)) return Bad(what, absl::StrCat("has no data for ", n, " elements"));
  TANDEM_ASSIGN_OR_RETURN(auto bytes, TypedFieldBytes(p, t.dtype, n, what));
  t.data = ir::TensorData::Owned(std::move(bytes));
  return t;
}

absl::StatusOr<NamedTensor> ParseTensorBytes(const std::string& bytes, const std::string& what) {
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": not a valid TensorProto"));
  }
  NamedTensor out;
  out.name = proto.name();
  TANDEM_ASSIGN_OR_RETURN(out.tensor,
                          DecodeTensor(proto, absl::StrCat(what, " tensor '", proto.name(), "'"),
                                       nullptr, nullptr));
  return out;
}

absl::StatusOr<NamedTensor> ParseTensorFile(const std::string& path) {
  TANDEM_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  return ParseTensorBytes(std::string(reinterpret_cast<const char*>(file->data()), file->size()),
                          path);
}

namespace {

absl::Status AppendSequence(const onnx::SequenceProto& seq, const std::string& what,
                            TestValue* out) {
  if (seq.elem_type() != onnx::SequenceProto::TENSOR) {
    return absl::UnimplementedError(absl::StrCat(what, ": only sequences of tensors are supported"));
  }
  for (const auto& t : seq.tensor_values()) {
    TANDEM_ASSIGN_OR_RETURN(ir::Tensor x, DecodeTensor(t, what, nullptr, nullptr));
    out->tensors.push_back(std::move(x));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TestValue> ParseValueFile(const std::string& path, ir::ValueType type) {
  TestValue out;
  out.type = type;
  if (type == ir::ValueType::kTensor) {
    TANDEM_ASSIGN_OR_RETURN(NamedTensor t, ParseTensorFile(path));
    out.name = t.name;
    out.tensors.push_back(std::move(t.tensor));
    return out;
  }
  TANDEM_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  auto* data = reinterpret_cast<const char*>(file->data());
  int size = static_cast<int>(file->size());
  if (type == ir::ValueType::kSequence) {
    onnx::SequenceProto seq;
    if (!seq.ParseFromArray(data, size)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not a valid SequenceProto"));
    }
    out.name = seq.name();
    TANDEM_RETURN_IF_ERROR(AppendSequence(seq, path, &out));
    return out;
  }
  if (type == ir::ValueType::kOptional || type == ir::ValueType::kOptionalSequence) {
    onnx::OptionalProto opt;
    if (!opt.ParseFromArray(data, size)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not a valid OptionalProto"));
    }
    out.name = opt.name();
    out.has_value = opt.has_tensor_value() || opt.has_sequence_value();
    if (opt.has_tensor_value()) {
      TANDEM_ASSIGN_OR_RETURN(ir::Tensor x, DecodeTensor(opt.tensor_value(), path, nullptr, nullptr));
      out.tensors.push_back(std::move(x));
    } else if (opt.has_sequence_value()) {
      TANDEM_RETURN_IF_ERROR(AppendSequence(opt.sequence_value(), path, &out));
    }
    return out;
  }
  return absl::UnimplementedError(absl::StrCat(path, ": maps and other non-tensor values"));
}

std::string SerializeTensor(const std::string& name, const ir::Tensor& tensor) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(static_cast<int32_t>(tensor.dtype));
  for (int64_t d : tensor.dims) proto.add_dims(d);
  if (tensor.dtype == DType::kString) {
    for (const auto& s : tensor.strings) proto.add_string_data(s);
  } else {
    proto.set_raw_data(tensor.data.data(), tensor.data.size());
  }
  return proto.SerializeAsString();
}

}  // namespace tandem::importer
