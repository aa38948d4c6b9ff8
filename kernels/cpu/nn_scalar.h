// Element conversions for NN reference kernels: float16/bfloat16 are computed in float, every
// other type in itself. Load widens a stored element, Store narrows a computed one.
#ifndef TANDEM_KERNELS_CPU_NN_SCALAR_H_
#define TANDEM_KERNELS_CPU_NN_SCALAR_H_

#include "kernels/cpu/dtype_dispatch.h"

namespace tandem::kernels::cpu::nn {

template <typename T>
struct ComputeTypeOf { using type = T; };
template <>
struct ComputeTypeOf<Float16> { using type = float; };
template <>
struct ComputeTypeOf<BFloat16> { using type = float; };
template <typename T>
using Compute = typename ComputeTypeOf<T>::type;

template <typename T>
inline Compute<T> Load(T x) { return x; }
inline float Load(Float16 x) { return ToFloat(x); }
inline float Load(BFloat16 x) { return ToFloat(x); }

template <typename T>
inline T Store(Compute<T> v) { return static_cast<T>(v); }
template <>
inline Float16 Store<Float16>(float v) { return FromFloat16(v); }
template <>
inline BFloat16 Store<BFloat16>(float v) { return FromBFloat16(v); }

template <typename T>
constexpr bool kIsFloatLike = std::is_floating_point_v<T> || std::is_same_v<T, Float16> ||
                              std::is_same_v<T, BFloat16>;

}  // namespace tandem::kernels::cpu::nn

#endif  // TANDEM_KERNELS_CPU_NN_SCALAR_H_
