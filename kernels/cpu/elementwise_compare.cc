// Vectorisation: GCC 12 does not vectorise loops at -O2, nor if-convert selects whose arms may
// raise FP exceptions or set errno (we read neither). Placed before the includes so the kernel
// templates instantiated in this file are covered.
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#pragma GCC optimize("no-trapping-math", "no-math-errno")

// Comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual → bool), logical And, Or, Xor,
// and BitShift, all with broadcasting.
#include <limits>

#include "kernels/cpu/elementwise_common.h"

namespace tandem::kernels::cpu::elementwise {
namespace {

using TC = TypeClass;

// Shifting by the type's width or more gives 0 (in C++ it would be undefined).
template <typename C>
C ShiftLeft(C x, C n) {
  return n >= std::numeric_limits<C>::digits ? C(0) : static_cast<C>(x << n);
}
template <typename C>
C ShiftRight(C x, C n) {
  return n >= std::numeric_limits<C>::digits ? C(0) : static_cast<C>(x >> n);
}

KernelOr MakeBitShift(const KernelBuildContext& ctx) {
  std::string direction = ctx.node().GetString("direction", "");
  if (direction == "LEFT") {
    return BinaryFn<TC::kUnsignedInt>([](auto x, auto n) { return ShiftLeft(x, n); })(ctx);
  }
  if (direction == "RIGHT") {
    return BinaryFn<TC::kUnsignedInt>([](auto x, auto n) { return ShiftRight(x, n); })(ctx);
  }
  return ctx.Invalid(
      absl::StrCat("direction must be \"LEFT\" or \"RIGHT\", got \"", direction, "\""));
}

}  // namespace

void RegisterCompareKernels(KernelRegistry& r) {
  r.Register("Equal", BinaryFn<TC::kAny, true>([](auto a, auto b) { return a == b; }));
  r.Register("Less", BinaryFn<TC::kAny, true>([](auto a, auto b) { return a < b; }));
  r.Register("Greater", BinaryFn<TC::kAny, true>([](auto a, auto b) { return a > b; }));
  r.Register("LessOrEqual", BinaryFn<TC::kAny, true>([](auto a, auto b) { return a <= b; }));
  r.Register("GreaterOrEqual", BinaryFn<TC::kAny, true>([](auto a, auto b) { return a >= b; }));
  r.Register("And", BinaryFn<TC::kBool>([](bool a, bool b) { return a && b; }));
  r.Register("Or", BinaryFn<TC::kBool>([](bool a, bool b) { return a || b; }));
  r.Register("Xor", BinaryFn<TC::kBool>([](bool a, bool b) { return a != b; }));
  r.Register("BitShift", MakeBitShift);
}

}  // namespace tandem::kernels::cpu::elementwise
