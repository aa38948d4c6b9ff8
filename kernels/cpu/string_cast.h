// Cast and CastLike to and from string tensors (elementwise_cast.cc hands these cases over).
//
// Numbers print as numpy's str() does, which is what the ONNX backend tests were generated with:
//  - floats: the shortest digits that read back to the same value of the source type
//    ("0.47892547" for a float32), positional for 1e-4 <= |x| < 1e16 (with ".0" when integral:
//    "100.0"), scientific otherwise ("1e-05", "1.5e+20"); NaN, +inf and -inf print as the
//    spec's reserved literals "NaN", "INF" and "-INF";
//  - integers: decimal; bool: "True" / "False".
// Strings parse after trimming ASCII white space:
//  - to floats: decimal or scientific, a leading '+' allowed, "INF"/"+INF"/"-INF"/"NaN" (and
//    "infinity") in any case; rounded to nearest for the target type;
//  - to integers: an integer literal, or else a decimal literal truncated toward zero ("100.5"
//    → 100), saturating at the type's limits;
//  - to bool: "true"/"false" in any case, or a number (true when non-zero).
// Anything else is InvalidArgument naming the element. Complex types are declined.
#ifndef TANDEM_KERNELS_CPU_STRING_CAST_H_
#define TANDEM_KERNELS_CPU_STRING_CAST_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {

// The kernel for a Cast/CastLike whose input (`from`) or output (`to`) dtype is kString.
absl::StatusOr<std::unique_ptr<CpuKernel>> MakeStringCastKernel(const KernelBuildContext& ctx,
                                                                ir::DType from, ir::DType to);

// One element formatted as above (exposed for tests).
std::string FormatFloat(float v);
std::string FormatDouble(double v);

}  // namespace tandem::kernels::cpu

#endif  // TANDEM_KERNELS_CPU_STRING_CAST_H_
