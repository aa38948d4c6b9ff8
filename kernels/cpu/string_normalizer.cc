// StringNormalizer: drops stop words from a [C] or [1, C] string tensor and changes case.
//
// Stop words match exactly (is_case_sensitive=1) or after lower-casing both sides. The kept
// strings are then lower-cased, upper-cased or left alone (case_change_action LOWER, UPPER,
// NONE). The output is [C'] or [1, C'], a data-dependent size; when every string is dropped it
// is [1] or [1, 1] holding "" (as the spec and onnxruntime do).
//
// Case mapping works on UTF-8 code points and covers ASCII, Latin-1, Latin Extended-A, Greek and
// Cyrillic (the simple one-to-one mappings); other code points, and bytes that are not valid
// UTF-8, pass through unchanged. The `locale` attribute is accepted and ignored: this is the
// same mapping for every locale (no Turkish dotless i, no German ß → SS).
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/string_vision_kernels.h"

namespace tandem::kernels::cpu::string_vision {
namespace {

// The simple case partner of code point c (c itself when it has none in the covered blocks).
uint32_t ToLowerCp(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  if (c == 0x178) return 0xFF;
  if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) {
    return c | 1;  // even upper, odd lower
  }
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 0x25;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 0x3F;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) return c | 1;
  return c;
}

uint32_t ToUpperCp(uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 0x20;
  if (c == 0xFF) return 0x178;
  if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) {
    return c & ~1u;
  }
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c : c - 1;
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 0x20;
  if (c == 0x3C2) return 0x3A3;  // final sigma
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 0x25;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 0x3F;
  if (c >= 0x430 && c <= 0x44F) return c - 0x20;
  if (c >= 0x450 && c <= 0x45F) return c - 0x50;
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) return c & ~1u;
  return c;
}

void AppendUtf8(uint32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

std::string ChangeCase(const std::string& s, bool upper) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      out += static_cast<char>(upper ? ToUpperCp(b) : ToLowerCp(b));
      ++i;
      continue;
    }
    // Two-byte sequences cover every mapped block; anything else is copied byte for byte.
    if ((b & 0xE0) == 0xC0 && b >= 0xC2 && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
      const uint32_t c = (static_cast<uint32_t>(b & 0x1F) << 6) | (p[i + 1] & 0x3F);
      AppendUtf8(upper ? ToUpperCp(c) : ToLowerCp(c), out);
      i += 2;
      continue;
    }
    out += static_cast<char>(b);
    ++i;
  }
  return out;
}

namespace {

enum class CaseAction { kNone, kLower, kUpper };

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeStringNormalizer(const KernelBuildContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0) || !HasOutput(ctx, 0)) {
    return ctx.Invalid("expects one input and one output");
  }
  if (ctx.input_info(0).dtype != ir::DType::kString ||
      ctx.output_info(0).dtype != ir::DType::kString) {
    return ctx.Invalid("input and output must be string tensors");
  }
  TANDEM_ASSIGN_OR_RETURN(Dims in, InputDims(ctx, 0));
  if (!(in.size() == 1 || (in.size() == 2 && in[0] == 1))) {
    return ctx.Invalid(absl::StrCat("input must be [C] or [1, C], got rank ", in.size(),
                                    in.size() == 2 ? absl::StrCat(" with ", in[0], " rows") : ""));
  }
  const std::string action = ctx.node().GetString("case_change_action", "NONE");
  CaseAction act;
  if (action == "NONE") {
    act = CaseAction::kNone;
  } else if (action == "LOWER") {
    act = CaseAction::kLower;
  } else if (action == "UPPER") {
    act = CaseAction::kUpper;
  } else {
    return ctx.Invalid(
        absl::StrCat("case_change_action '", action, "' is not LOWER, UPPER or NONE"));
  }
  const bool case_sensitive = ctx.node().GetInt("is_case_sensitive", 0) != 0;
  absl::flat_hash_set<std::string> stopwords;
  if (const ir::Attribute* a = ctx.node().attr("stopwords")) {
    if (a->kind() != ir::AttrKind::kStrings)
      return ctx.Invalid("stopwords must be a list of strings");
    for (const std::string& w : a->strings())
      stopwords.insert(case_sensitive ? w : ChangeCase(w, false));
  }
  const bool two_dim = in.size() == 2;
  return MakeFnKernel([=](const KernelContext& c) -> absl::Status {
    const TensorView& x = c.inputs[0];
    const std::string* s = x.as<const std::string>();
    const int64_t n = x.num_elements();
    std::vector<std::string> kept;
    for (int64_t i = 0; i < n; ++i) {
      std::string lower;
      if (!case_sensitive || act == CaseAction::kLower) lower = ChangeCase(s[i], false);
      if (!stopwords.empty() && stopwords.contains(case_sensitive ? s[i] : lower)) continue;
      switch (act) {
        case CaseAction::kNone:
          kept.push_back(s[i]);
          break;
        case CaseAction::kLower:
          kept.push_back(std::move(lower));
          break;
        case CaseAction::kUpper:
          kept.push_back(ChangeCase(s[i], true));
          break;
      }
    }
    if (kept.empty()) kept.emplace_back();
    const int64_t count = static_cast<int64_t>(kept.size());
    TANDEM_ASSIGN_OR_RETURN(void* data,
                            c.AllocateOutput(0, two_dim ? Dims{1, count} : Dims{count}));
    std::string* y = static_cast<std::string*>(data);
    for (int64_t i = 0; i < count; ++i) y[i] = std::move(kept[i]);
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterStringNormalizerKernel(KernelRegistry& r) {
  r.Register("StringNormalizer", MakeStringNormalizer);
}

}  // namespace tandem::kernels::cpu::string_vision
