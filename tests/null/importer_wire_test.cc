// The importer's wire scanner (which finds raw initializer bytes in the file, so that weights are
// borrowed rather than copied) against protobuf's own reading, and byte-level corruption of a
// model: never a crash, always a clear error (section 17 of the hostile-model list).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "importer/onnx_importer.h"
#include "onnx/onnx_pb.h"
#include "tests/null/importer_hostile_util.h"
#include "tests/null/onnx_test_models_util.h"
#include "tests/null/test_util.h"

namespace tandem::importer {
namespace {

using namespace ::tandem::importer::hostile;  // NOLINT: the shared helpers of these tests

// protobuf reads a 5-byte tag and keeps its low 32 bits, so field number 2^29 + 7 is `graph`, and
// it merges every occurrence of `graph`. Here one occurrence with such a tag holds initializer A
// ahead of the ordinary one holding W: the wire scanner must see both, or the range it records
// for W's payload would be given to A.
void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

TEST(ImporterHostile, WireScannerReadsTagsAsProtobufDoes) {
  onnx::GraphProto extra;
  onnx::TensorProto* a = extra.add_initializer();
  a->set_name("A");
  a->set_data_type(onnx::TensorProto::FLOAT);
  a->add_dims(2);
  a->add_dims(512);
  a->set_raw_data(std::string(4096, '\x41'));
  std::string bytes;
  PutVarint(((uint64_t{1} << 29) + 7) << 3 | 2, &bytes);  // 5 bytes; low 32 bits: field 7
  PutVarint(extra.ByteSizeLong(), &bytes);
  bytes += extra.SerializeAsString();
  bytes += Serialize(ReluAddModel(512));
  ImportStats stats;
  ASSERT_OK_AND_ASSIGN(ir::Model model, ImportModelFromBytes(bytes, kName, {}, &stats));
  const ir::Tensor& w = *model.graph->value(*model.graph->FindValue("W")).initializer;
  EXPECT_TRUE(w.data.is_borrowed());
  EXPECT_EQ(w.DoubleAt(1023), 1023.0);

  // A tag or length of more than 5 bytes is refused by protobuf, and so by the importer.
  std::string overlong = Serialize(ReluAddModel(512));
  ASSERT_EQ(overlong[0], '\x08');  // ir_version's tag, then ...
  std::string six_byte_tag = std::string("\x88\x80\x80\x80\x80\x00", 6) + overlong.substr(1);
  EXPECT_TRUE(IsError(ImportModelFromBytes(six_byte_tag, kName).status(), Code::kInvalidArgument,
                      {"not a valid ONNX model"}));
}

// ---- 17. byte-level fuzzing of the wire scanner and everything behind it

TEST(ImporterHostile, SurvivesCorruptedAndTruncatedBytes) {
  // A small inline initializer first, then one of 4 KiB that the wire scanner cuts out.
  onnx::ModelProto m = ReluAddModel(512);
  onnx::TensorProto* small = m.mutable_graph()->add_initializer();
  small->set_name("S");
  small->set_data_type(onnx::TensorProto::FLOAT);
  small->add_dims(4);
  std::vector<float> four = Iota(4);
  small->set_raw_data(four.data(), four.size() * sizeof(float));
  m.mutable_graph()->mutable_initializer()->SwapElements(0, 1);
  const std::string good = Serialize(m);
  ASSERT_OK(ImportModelFromBytes(good, kName).status());

  // Every byte of the wire structure (keys, lengths, names, dims: all but W's payload), and every
  // 31st byte of the payload, whose contents the scanner never interprets.
  const std::string& payload = FindInitializer(m, "W")->raw_data();
  const size_t payload_begin = good.find(payload);
  ASSERT_NE(payload_begin, std::string::npos);
  const size_t payload_end = payload_begin + payload.size();
  std::vector<size_t> positions;
  for (size_t i = 0; i < good.size(); ++i) {
    bool structure = i < payload_begin + 8 || i + 8 >= payload_end;
    if (structure || i % 31 == 0) positions.push_back(i);
  }
  // Differential: the same bytes with no payload cut out (protobuf parses everything), with the
  // default threshold (W cut), and with every payload cut (W and S) must give the same answer and,
  // when they import, the same W. A disagreement means the scanner and protobuf disagree about
  // which bytes belong to which initializer.
  ImportOptions cut_none, cut_all;
  cut_none.borrow_threshold_bytes = SIZE_MAX;
  cut_all.borrow_threshold_bytes = 1;
  auto w_bytes = [](const ir::Model& model) {
    auto id = model.graph->FindValue("W");
    if (!id || !model.graph->value(*id).initializer) return std::string("<no W>");
    const ir::TensorData& d = model.graph->value(*id).initializer->data;
    return std::string(reinterpret_cast<const char*>(d.data()), d.size());
  };
  int imported = 0, refused = 0;
  auto run = [&](const std::string& bytes) {
    absl::StatusOr<ir::Model> model = ImportModelFromBytes(bytes, kName);
    for (const ImportOptions& options : {cut_none, cut_all}) {
      absl::StatusOr<ir::Model> other = ImportModelFromBytes(bytes, kName, options);
      ASSERT_EQ(other.status(), model.status());
      if (model.ok()) {
        ASSERT_EQ(w_bytes(*other), w_bytes(*model));
      }
    }
    if (model.ok()) {
      ++imported;
    } else {
      ++refused;
      EXPECT_EQ(std::string(model.status().message()).rfind(std::string(kName) + ": ", 0), 0u)
          << model.status();
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::string bytes = good;
  for (size_t pos : positions) {
    const uint8_t b = static_cast<uint8_t>(good[pos]);
    // ±1 moves lengths and keys across their boundaries; 0x80/0xff extend varints.
    for (uint8_t value : {uint8_t(b ^ 0xff), uint8_t(b + 1), uint8_t(b - 1), uint8_t(0x00),
                          uint8_t(0x01), uint8_t(0x7f), uint8_t(0x80), uint8_t(0xff)}) {
      bytes[pos] = static_cast<char>(value);
      run(bytes);
    }
    bytes[pos] = good[pos];
    run(good.substr(0, pos));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("fuzz: %zu positions, %d imported, %d refused, %.2f s\n", positions.size(), imported,
              refused, seconds);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace tandem::importer
