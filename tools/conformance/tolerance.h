// Output comparison with per-dtype tolerances, stated in one place for every device and tool.
#ifndef TANDEM_TOOLS_CONFORMANCE_TOLERANCE_H_
#define TANDEM_TOOLS_CONFORMANCE_TOLERANCE_H_

#include <string>

#include "ir/tensor.h"

namespace tandem::conformance {

struct Tolerance {
  double rtol = 0;
  double atol = 0;
};

// f32: rtol 1e-3, atol 1e-5 (ONNX's backend tests use rtol 1e-3; atol is looser than their 1e-7
// because fused/vectorised kernels reorder sums). f64: 1e-7/1e-9. f16 and bf16: 1e-2/1e-3 (as
// XNNPACK's fp16 tests). Integers, bool and strings: exact.
Tolerance DefaultTolerance(ir::DType dtype);

struct Comparison {
  bool ok = true;
  double max_abs_error = 0;
  double max_rel_error = 0;
  std::string first_mismatch;  // "" when ok: "element 17: got 0.5, expected 0.25"
};

// |got - want| <= atol + rtol * |want| elementwise; NaN must meet NaN, infinities must be equal.
// Dtype and dims must match exactly.
Comparison CompareTensors(const ir::Tensor& got, const ir::Tensor& want, const Tolerance& tol);

}  // namespace tandem::conformance

#endif  // TANDEM_TOOLS_CONFORMANCE_TOLERANCE_H_
