#include "importer/wire_scanner.h"

#include <cstddef>

namespace tandem::importer {
namespace {

constexpr int kModelGraph = 7;
constexpr int kGraphInitializer = 5;
constexpr int kTensorRawData = 9;
constexpr int kWireVarint = 0, kWireFixed64 = 1, kWireLength = 2, kWireFixed32 = 5;
// protobuf reads a tag or a length from at most 5 bytes, and keeps a tag's low 32 bits. The
// scanner must read them the same way, or a field protobuf takes for `graph` or `initializer`
// (e.g. a 5-byte key for field 2^29 + 7) would be skipped here and the recorded ranges would be
// matched to the wrong initializers.
constexpr std::ptrdiff_t kMaxTagOrLengthBytes = 5;

// A bounds-checked reader over one message's bytes.
class Reader {
 public:
  Reader(const uint8_t* begin, const uint8_t* end) : p_(begin), end_(end) {}
  bool done() const { return p_ >= end_; }
  const uint8_t* pos() const { return p_; }

  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return false;
      uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *out = v;
        return true;
      }
    }
    return false;
  }
  bool Skip(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_)) return false;
    p_ += n;
    return true;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

class Stripper {
 public:
  Stripper(const uint8_t* base, size_t min_size) : base_(base), min_size_(min_size) {}

  // Copies the message [begin, end) at nesting `level` (0 model, 1 graph, 2 tensor) into `out`.
  bool Copy(const uint8_t* begin, const uint8_t* end, int level, std::string* out) {
    Reader r(begin, end);
    while (!r.done()) {
      const uint8_t* field_start = r.pos();
      uint64_t key;
      if (!r.Varint(&key) || r.pos() - field_start > kMaxTagOrLengthBytes) return false;
      key = static_cast<uint32_t>(key);
      int field = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
      if (wire == kWireLength) {
        uint64_t len;
        const uint8_t* len_start = r.pos();
        if (!r.Varint(&len) || r.pos() - len_start > kMaxTagOrLengthBytes) return false;
        const uint8_t* payload = r.pos();
        if (!r.Skip(len)) return false;
        if (!CopyLengthField(field, level, key, payload, len, field_start, out)) return false;
        continue;
      }
      bool ok = wire == kWireVarint   ? r.Varint(&key)
                : wire == kWireFixed64 ? r.Skip(8)
                : wire == kWireFixed32 ? r.Skip(4)
                                       : false;  // groups are not used by ONNX
      if (!ok) return false;
      out->append(reinterpret_cast<const char*>(field_start), r.pos() - field_start);
    }
    return true;
  }

  std::vector<std::optional<ByteRange>> take_ranges() { return std::move(ranges_); }

 private:
  bool CopyLengthField(int field, int level, uint64_t key, const uint8_t* payload, uint64_t len,
                       const uint8_t* field_start, std::string* out) {
    bool descend = (level == 0 && field == kModelGraph) || (level == 1 && field == kGraphInitializer);
    if (descend) {
      if (level == 1) ranges_.emplace_back();  // one slot per initializer, in wire order
      std::string inner;
      if (!Copy(payload, payload + len, level + 1, &inner)) return false;
      PutVarint(key, out);
      PutVarint(inner.size(), out);
      out->append(inner);
      return true;
    }
    if (level == 2 && field == kTensorRawData) {
      if (len >= min_size_) {
        // protobuf keeps the last occurrence of a singular field, and so do we.
        ranges_.back() = ByteRange{static_cast<size_t>(payload - base_), static_cast<size_t>(len)};
        // One placeholder byte: ONNX's checker rejects a tensor whose raw_data is empty.
        PutVarint(key, out);
        PutVarint(1, out);
        out->push_back('\0');
        return true;
      }
      ranges_.back().reset();
    }
    out->append(reinterpret_cast<const char*>(field_start), payload + len - field_start);
    return true;
  }

  const uint8_t* base_;
  size_t min_size_;
  std::vector<std::optional<ByteRange>> ranges_;
};

}  // namespace

std::optional<StrippedModel> StripInitializerPayloads(absl::Span<const uint8_t> model,
                                                      size_t min_size) {
  Stripper stripper(model.data(), min_size);
  StrippedModel out;
  if (!stripper.Copy(model.data(), model.data() + model.size(), 0, &out.bytes)) {
    return std::nullopt;
  }
  out.raw_data = stripper.take_ranges();
  return out;
}

}  // namespace tandem::importer
