#include "tools/conformance/tolerance.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/float16.h"
#include "ir/shape.h"

namespace tandem::conformance {
namespace {

// Element i as double, for the numeric dtypes (16-bit floats decoded).
double Element(const ir::Tensor& t, int64_t i) {
  switch (t.dtype) {
    case ir::DType::kFloat16: return HalfBitsToFloat(t.values<uint16_t>()[i]);
    case ir::DType::kBFloat16: return BFloat16BitsToFloat(t.values<uint16_t>()[i]);
    default: return t.DoubleAt(i);
  }
}

}  // namespace

Tolerance DefaultTolerance(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::kFloat32: return {1e-3, 1e-5};
    case ir::DType::kFloat64: return {1e-7, 1e-9};
    case ir::DType::kFloat16: case ir::DType::kBFloat16: return {1e-2, 1e-3};
    default: return {0, 0};
  }
}

Comparison CompareTensors(const ir::Tensor& got, const ir::Tensor& want, const Tolerance& tol) {
  Comparison c;
  if (got.dtype != want.dtype || got.dims != want.dims) {
    c.ok = false;
    c.first_mismatch = absl::StrCat("got ", ir::DTypeName(got.dtype), ir::Shape::Static(got.dims).ToString(),
                                    ", expected ", ir::DTypeName(want.dtype),
                                    ir::Shape::Static(want.dims).ToString());
    return c;
  }
  int64_t n = want.num_elements();
  if (want.dtype == ir::DType::kString) {
    for (int64_t i = 0; i < n; ++i) {
      if (got.strings[i] != want.strings[i]) {
        c.ok = false;
        c.first_mismatch = absl::StrCat("element ", i, ": got \"", got.strings[i], "\", expected \"",
                                        want.strings[i], "\"");
        return c;
      }
    }
    return c;
  }
  if (want.dtype == ir::DType::kComplex64 || want.dtype == ir::DType::kComplex128 ||
      want.dtype == ir::DType::kUInt64 || want.dtype == ir::DType::kInt64) {
    // Exact byte comparison (int64 values beyond 2^53 would lose precision as doubles).
    if (got.byte_size() != want.byte_size() ||
        (want.byte_size() > 0 && std::memcmp(got.data.data(), want.data.data(), want.byte_size()) != 0)) {
      c.ok = false;
      for (int64_t i = 0; i < n; ++i) {
        if (got.IntAt(i) != want.IntAt(i)) {
          c.first_mismatch = absl::StrCat("element ", i, ": got ", got.IntAt(i), ", expected ", want.IntAt(i));
          break;
        }
      }
      if (c.first_mismatch.empty()) c.first_mismatch = "bytes differ";
    }
    return c;
  }
  for (int64_t i = 0; i < n; ++i) {
    double g = Element(got, i), w = Element(want, i);
    bool same;
    if (std::isnan(w) || std::isnan(g)) {
      same = std::isnan(w) && std::isnan(g);
    } else if (std::isinf(w) || std::isinf(g)) {
      same = g == w;
    } else {
      double err = std::fabs(g - w);
      c.max_abs_error = std::max(c.max_abs_error, err);
      if (w != 0) c.max_rel_error = std::max(c.max_rel_error, err / std::fabs(w));
      same = err <= tol.atol + tol.rtol * std::fabs(w);
    }
    if (!same && c.ok) {
      c.ok = false;
      c.first_mismatch = absl::StrCat("element ", i, ": got ", g, ", expected ", w);
    }
  }
  return c;
}

}  // namespace tandem::conformance
