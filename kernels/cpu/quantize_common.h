// Shared by the quantization kernels (kernels/cpu/quantize_*.cc): how a quantized element finds
// its scale and zero point, and the round-half-to-even, saturating conversion. Internal to the
// quantize family.
#ifndef TANDEM_KERNELS_CPU_QUANTIZE_COMMON_H_
#define TANDEM_KERNELS_CPU_QUANTIZE_COMMON_H_

#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/status/statusor.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {

void RegisterQuantizeLinearKernels(KernelRegistry& r);   // QuantizeLinear, DequantizeLinear
void RegisterDynamicQuantizeKernels(KernelRegistry& r);  // DynamicQuantizeLinear

namespace quantize {

// Which scale element element i of x uses. Per tensor: 0. Per axis: (i / inner) % axis_dim.
// Blocked (block > 0): x viewed as [outer, axis_dim, inner], the scale as
// [outer, ceil(axis_dim / block), inner].
struct ScaleIndex {
  int64_t inner = 1, axis_dim = 1, block = 0, scale_axis_dim = 1;
  bool per_tensor = true;

  int64_t operator()(int64_t i) const {
    if (per_tensor) return 0;
    const int64_t in = i % inner, a = (i / inner) % axis_dim;
    if (block == 0) return a;
    const int64_t o = i / (inner * axis_dim);
    return (o * scale_axis_dim + a / block) * inner + in;
  }
};

// Checks the scale's shape against x (rank `x_dims`) for the axis/block_size attributes and
// returns the mapping. InvalidArgument naming the node on a mismatch.
absl::StatusOr<ScaleIndex> MakeScaleIndex(const KernelBuildContext& ctx, const Dims& x_dims,
                                          const Dims& scale_dims);

// round_half_to_even(v) saturated to Q's range; NaN maps to 0.
template <typename Q, typename F>
Q SaturateRound(F v) {
  static_assert(sizeof(Q) <= 2, "the range limits must be exact in F");
  if (std::isnan(v)) return Q{0};
  F r = std::nearbyint(v);  // the default rounding mode rounds half to even
  constexpr F lo = static_cast<F>(std::numeric_limits<Q>::min());
  constexpr F hi = static_cast<F>(std::numeric_limits<Q>::max());
  if (r < lo) r = lo;
  if (r > hi) r = hi;
  return static_cast<Q>(r);
}

}  // namespace quantize
}  // namespace tandem::kernels::cpu

#endif  // TANDEM_KERNELS_CPU_QUANTIZE_COMMON_H_
