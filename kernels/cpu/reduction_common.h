// Shared pieces of the reduction and normalization kernels (kernels/cpu/reduction_*.cc,
// normalization_*.cc): the geometry of a reduction over a set of axes, axis handling, and
// dtype helpers that widen float16/bfloat16 to float.
//
// Everything lives in namespace reduction: other families define helpers with the same names
// (StaticInputDims, NormalizeAxis...) in kernels::cpu.
//
// Every parallel split in these kernels depends only on shapes, never on the thread count, so a
// kernel gives bit-identical results with 1 or N threads.
#ifndef TANDEM_KERNELS_CPU_REDUCTION_COMMON_H_
#define TANDEM_KERNELS_CPU_REDUCTION_COMMON_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::reduction {

// Registration of each part of the family; reduction.cc calls them all.
void RegisterReduceKernels(KernelRegistry& r);         // Reduce*
void RegisterArgReduceKernels(KernelRegistry& r);      // ArgMax, ArgMin
void RegisterSoftmaxKernels(KernelRegistry& r);        // Softmax, LogSoftmax, Hardmax
void RegisterLayerNormKernels(KernelRegistry& r);      // LayerNormalization, MVN
void RegisterBatchNormKernels(KernelRegistry& r);      // BatchNormalization, InstanceNormalization, LRN
void RegisterLossKernels(KernelRegistry& r);           // NegativeLogLikelihoodLoss, SCE loss

// Elements per parallel task: large enough that scheduling is noise, small enough to balance.
inline constexpr int64_t kReduceGrainElements = 32 * 1024;

// A tensor viewed for a reduction. Adjacent axes of the same kind (kept or reduced) are merged
// and size-1 axes dropped, so the input reads as
//   [kept and reduced groups in any order] x inner
// where `inner` is the innermost (contiguous) group, reduced or kept. Output element order is the
// kept groups row-major, then `inner` when it is kept — exactly the keepdims=0 output layout.
struct ReduceGeometry {
  Dims kept_dims, kept_strides;  // outer kept groups, outermost first (input element strides)
  Dims red_dims, red_strides;    // reduced groups other than `inner`
  int64_t inner = 1;
  bool inner_reduced = false;
  int64_t outer = 1;        // product of kept_dims: output slices
  int64_t red_rows = 1;     // product of red_dims: contiguous rows per output slice
  int64_t reduce_count = 1; // input elements per output element (0 for an empty reduction)
  int64_t num_outputs = 1;  // outer * (inner_reduced ? 1 : inner)
  bool empty_input = false; // some input dimension is 0
};

// `reduced[i]` says whether axis i is reduced. Dims must be non-negative.
ReduceGeometry MakeReduceGeometry(const Dims& dims, const std::vector<bool>& reduced);

// Input offset of the first row of output slice `p` (0 <= p < outer).
int64_t SliceBase(const ReduceGeometry& g, int64_t p);

// Calls fn(offset) for the input offset of every row (of `inner` contiguous elements) in output
// slice `p`, rows [row_begin, row_end) in row-major order of red_dims.
template <typename Fn>
void ForEachRow(const ReduceGeometry& g, int64_t p, int64_t row_begin, int64_t row_end, Fn&& fn) {
  if (row_begin >= row_end) return;
  const int nr = static_cast<int>(g.red_dims.size());
  Dims idx(nr, 0);
  int64_t off = SliceBase(g, p);
  int64_t rest = row_begin;
  for (int k = nr - 1; k >= 0; --k) {
    idx[k] = rest % g.red_dims[k];
    rest /= g.red_dims[k];
    off += idx[k] * g.red_strides[k];
  }
  for (int64_t r = row_begin; r < row_end; ++r) {
    fn(off);
    for (int k = nr - 1; k >= 0; --k) {  // odometer step
      off += g.red_strides[k];
      if (++idx[k] < g.red_dims[k]) break;
      off -= g.red_strides[k] * g.red_dims[k];
      idx[k] = 0;
    }
  }
}

// Axis in [-rank, rank) → [0, rank), or InvalidArgument.
absl::StatusOr<int> NormalizeAxis(const KernelBuildContext& ctx, int64_t axis, int rank);

// Static dims of input/output i, or Unimplemented when not static.
absl::StatusOr<Dims> StaticInputDims(const KernelBuildContext& ctx, size_t i);
absl::StatusOr<Dims> StaticOutputDims(const KernelBuildContext& ctx, size_t i);

// InvalidArgument unless output i has exactly `want` dims.
absl::Status CheckOutputDims(const KernelBuildContext& ctx, size_t i, const Dims& want);

bool IsFloatDType(ir::DType dtype);  // f16, bf16, f32, f64

// Converts n elements of any float dtype at `src` to float/double (for small parameter vectors
// such as scales and means, read once per Run).
void LoadAsDouble(ir::DType dtype, const void* src, int64_t n, double* dst);
void LoadAsFloat(ir::DType dtype, const void* src, int64_t n, float* dst);
// Stores one value in a float dtype at dst[i].
void StoreFromDouble(ir::DType dtype, double v, void* dst, int64_t i);

// ---- storage ↔ compute conversions for the dispatch tags of dtype_dispatch.h
// Storage type of a tag (Float16/BFloat16 are uint16_t bit patterns).
template <typename Tag> struct StorageOf { using type = Tag; };
template <> struct StorageOf<Float16> { using type = uint16_t; };
template <> struct StorageOf<BFloat16> { using type = uint16_t; };
template <typename Tag> using Storage = typename StorageOf<Tag>::type;

template <typename Tag>
inline constexpr bool kIsHalf = std::is_same_v<Tag, Float16> || std::is_same_v<Tag, BFloat16>;

// The type a kernel computes in for a float tag: float for f16/bf16/f32, double for f64.
template <typename Tag>
using FloatCompute = std::conditional_t<std::is_same_v<Tag, double>, double, float>;

// Widens n elements of a half tag to float, or copies/casts a plain type.
template <typename Tag, typename C>
inline void Widen(const Storage<Tag>* src, int64_t n, C* dst) {
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (kIsHalf<Tag>) {
      dst[i] = static_cast<C>(ToFloat(Tag{src[i]}));
    } else {
      dst[i] = static_cast<C>(src[i]);
    }
  }
}

// Narrows a computed value to the storage of Tag (round to nearest even for halves; integers
// saturate and NaN becomes 0 so that no float→int conversion is undefined).
template <typename Tag, typename C>
inline Storage<Tag> Narrow(C v) {
  if constexpr (std::is_same_v<Tag, Float16>) {
    return FromFloat16(static_cast<float>(v)).bits;
  } else if constexpr (std::is_same_v<Tag, BFloat16>) {
    return FromBFloat16(static_cast<float>(v)).bits;
  } else if constexpr (std::is_same_v<Tag, bool>) {
    return v != C{0};
  } else if constexpr (std::is_integral_v<Tag> && std::is_floating_point_v<C>) {
    if (std::isnan(v)) return 0;
    if (v <= static_cast<C>(std::numeric_limits<Tag>::lowest())) return std::numeric_limits<Tag>::lowest();
    if (v >= static_cast<C>(std::numeric_limits<Tag>::max())) return std::numeric_limits<Tag>::max();
    return static_cast<Tag>(v);
  } else {
    return static_cast<Tag>(v);
  }
}

}  // namespace tandem::kernels::cpu::reduction

#endif  // TANDEM_KERNELS_CPU_REDUCTION_COMMON_H_
