// Cast between string and numeric tensors; the formats are documented in string_cast.h.
#include "kernels/cpu/string_cast.h"

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/dtype_dispatch.h"

namespace tandem::kernels::cpu {
namespace {

constexpr int64_t kGrain = 1024;  // elements per task: each one formats or parses a string

template <typename T>
std::string FormatShortest(T v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v < 0 ? "-INF" : "INF";
  char buf[64];
  const double a = std::fabs(static_cast<double>(v));
  if (a == 0 || (a >= 1e-4 && a < 1e16)) {
    auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
    std::string s(buf, r.ptr);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  return std::string(buf, r.ptr);
}

// float16/bfloat16: the fewest significant digits that read back to the same bits.
template <typename H>
std::string FormatHalf(H h) {
  const float f = ToFloat(h);
  if (std::isnan(f) || std::isinf(f) || f == 0) return FormatShortest(f);
  char buf[64];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*e", digits - 1, static_cast<double>(f));
    const double d = std::strtod(buf, nullptr);
    const float back = static_cast<float>(d);
    uint16_t bits;
    if constexpr (std::is_same_v<H, Float16>) {
      bits = FromFloat16(back).bits;
    } else {
      bits = FromBFloat16(back).bits;
    }
    if (bits == h.bits) return FormatShortest(d);
  }
  return FormatShortest(f);
}

template <typename T>
std::string Format(T v) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return FormatShortest(v);
  } else if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return FormatHalf(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    return v ? "True" : "False";
  } else if constexpr (std::is_signed_v<T>) {
    return absl::StrCat(static_cast<int64_t>(v));
  } else {
    return absl::StrCat(static_cast<uint64_t>(v));
  }
}

// A float/double literal: decimal or scientific, optional sign (from_chars takes no '+'), and the
// special values in any case.
template <typename F>
bool ParseFloating(absl::string_view s, F* out) {
  s = absl::StripAsciiWhitespace(s);
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) return false;
  }
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto r = std::from_chars(s.data(), end, *out);
  if (r.ptr != end) return false;
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow or underflow: strtod rounds to ±inf or the nearest subnormal/zero.
    const std::string copy(s);
    if constexpr (std::is_same_v<F, float>) {
      *out = std::strtof(copy.c_str(), nullptr);
    } else {
      *out = std::strtod(copy.c_str(), nullptr);
    }
    return true;
  }
  return r.ec == std::errc();
}

template <typename I>
I SaturateFromDouble(double d) {
  if (d <= static_cast<double>(std::numeric_limits<I>::lowest()))
    return std::numeric_limits<I>::lowest();
  if (d >= static_cast<double>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return static_cast<I>(d);
}

template <typename I>
bool ParseInteger(absl::string_view s, I* out) {
  s = absl::StripAsciiWhitespace(s);
  absl::string_view digits = s;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  using Wide = std::conditional_t<std::is_signed_v<I>, int64_t, uint64_t>;
  Wide wide = 0;
  const char* end = digits.data() + digits.size();
  auto r = std::from_chars(digits.data(), end, wide);
  if (!digits.empty() && r.ptr == end && r.ec == std::errc()) {
    if (wide < static_cast<Wide>(std::numeric_limits<I>::lowest())) {
      wide = static_cast<Wide>(std::numeric_limits<I>::lowest());
    } else if (wide > static_cast<Wide>(std::numeric_limits<I>::max())) {
      wide = static_cast<Wide>(std::numeric_limits<I>::max());
    }
    *out = static_cast<I>(wide);
    return true;
  }
  double d;
  if (!ParseFloating(s, &d) || std::isnan(d)) return false;
  *out = SaturateFromDouble<I>(std::trunc(d));
  return true;
}

template <typename T>
bool Parse(absl::string_view s, T* out) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return ParseFloating(s, out);
  } else if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    float f;
    if (!ParseFloating(s, &f)) return false;
    if constexpr (std::is_same_v<T, Float16>) {
      *out = FromFloat16(f);
    } else {
      *out = FromBFloat16(f);
    }
    return true;
  } else if constexpr (std::is_same_v<T, bool>) {
    absl::string_view t = absl::StripAsciiWhitespace(s);
    if (absl::EqualsIgnoreCase(t, "true") || absl::EqualsIgnoreCase(t, "false")) {
      *out = absl::EqualsIgnoreCase(t, "true");
      return true;
    }
    double d;
    if (!ParseFloating(t, &d)) return false;
    *out = d != 0;
    return true;
  } else {
    return ParseInteger(s, out);
  }
}

template <typename T>
class ToStringKernel : public CpuKernel {
 public:
  absl::Status Run(const KernelContext& ctx) override {
    const TensorView& in = ctx.inputs[0];
    TANDEM_ASSIGN_OR_RETURN(void* data, ctx.AllocateOutput(0, in.dims));
    const T* x = in.as<const T>();
    std::string* y = static_cast<std::string*>(data);
    ParallelForRange(ctx.threadpool, in.num_elements(), kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = Format(x[i]);
    });
    return absl::OkStatus();
  }
};

template <typename T>
class FromStringKernel : public CpuKernel {
 public:
  explicit FromStringKernel(ir::DType to) : to_(to) {}
  absl::Status Run(const KernelContext& ctx) override {
    const TensorView& in = ctx.inputs[0];
    TANDEM_ASSIGN_OR_RETURN(void* data, ctx.AllocateOutput(0, in.dims));
    const std::string* x = in.as<const std::string>();
    T* y = static_cast<T*>(data);
    const int64_t n = in.num_elements();
    std::atomic<int64_t> first_bad{n};
    ParallelForRange(ctx.threadpool, n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        if (!Parse(x[i], &y[i])) {
          int64_t seen = first_bad.load();
          while (i < seen && !first_bad.compare_exchange_weak(seen, i)) {
          }
          y[i] = T{};
        }
      }
    });
    if (const int64_t bad = first_bad.load(); bad < n) {
      return absl::InvalidArgumentError(absl::StrCat("element ", bad, " (\"", absl::CEscape(x[bad]),
                                                     "\") is not a valid ", ir::DTypeName(to_)));
    }
    return absl::OkStatus();
  }

 private:
  ir::DType to_;
};

class StringCopyKernel : public CpuKernel {
 public:
  absl::Status Run(const KernelContext& ctx) override {
    const TensorView& in = ctx.inputs[0];
    TANDEM_ASSIGN_OR_RETURN(void* data, ctx.AllocateOutput(0, in.dims));
    const std::string* x = in.as<const std::string>();
    std::string* y = static_cast<std::string*>(data);
    for (int64_t i = 0, n = in.num_elements(); i < n; ++i) y[i] = x[i];
    return absl::OkStatus();
  }
};

}  // namespace

std::string FormatFloat(float v) { return Format(v); }
std::string FormatDouble(double v) { return Format(v); }

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeStringCastKernel(const KernelBuildContext& ctx,
                                                                ir::DType from, ir::DType to) {
  if (from == ir::DType::kString && to == ir::DType::kString) {
    return std::unique_ptr<CpuKernel>(new StringCopyKernel());
  }
  std::unique_ptr<CpuKernel> kernel;
  if (from == ir::DType::kString) {
    Dispatch(to, [&](auto tag) { kernel = std::make_unique<FromStringKernel<decltype(tag)>>(to); });
  } else if (to == ir::DType::kString) {
    Dispatch(from, [&](auto tag) { kernel = std::make_unique<ToStringKernel<decltype(tag)>>(); });
  }
  if (!kernel) {
    return ctx.Unsupported(absl::StrCat("cast from ", ir::DTypeName(from), " to ",
                                        ir::DTypeName(to), " is not supported"));
  }
  return kernel;
}

}  // namespace tandem::kernels::cpu
