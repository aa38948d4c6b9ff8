// Helpers shared by the data-movement kernels (kernels/cpu/data_movement*.cc): static-shape
// checks at build time, axis normalisation, integer parameters read either from an initializer
// (at build time) or from a run-time input, and dispatch by element size for kernels that only
// move bytes. Internal to the data-movement family; other families should not depend on it.
#ifndef TANDEM_KERNELS_CPU_DATA_MOVEMENT_UTIL_H_
#define TANDEM_KERNELS_CPU_DATA_MOVEMENT_UTIL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::data_movement {

// Per-file registration, called by RegisterDataMovementKernels (data_movement.cc).
void RegisterShapeKernels(KernelRegistry& r);    // Shape, Size, ConstantOfShape, Range, EyeLike
void RegisterConcatKernels(KernelRegistry& r);   // Concat, Split
void RegisterLayoutKernels(KernelRegistry& r);   // Transpose, Expand, Tile, Depth/SpaceToDepth
void RegisterSliceKernels(KernelRegistry& r);    // Slice, Pad
void RegisterGatherKernels(KernelRegistry& r);   // Gather, GatherElements, GatherND
void RegisterScatterKernels(KernelRegistry& r);  // Scatter, ScatterElements, ScatterND
void RegisterMiscKernels(KernelRegistry& r);     // Trilu, OneHot, CumSum, ReverseSequence
void RegisterTopKKernels(KernelRegistry& r);     // TopK
void RegisterResizeKernels(KernelRegistry& r);   // Resize

// A kernel whose Run is a lambda: most data-movement kernels are a plan plus a loop.
class FnKernel : public CpuKernel {
 public:
  using Fn = std::function<absl::Status(const KernelContext&)>;
  explicit FnKernel(Fn fn) : fn_(std::move(fn)) {}
  absl::Status Run(const KernelContext& ctx) override { return fn_(ctx); }

 private:
  Fn fn_;
};

template <typename F>
absl::StatusOr<std::unique_ptr<CpuKernel>> MakeKernel(F fn) {
  return std::unique_ptr<CpuKernel>(new FnKernel(FnKernel::Fn(std::move(fn))));
}

// 16-byte element (complex128) for byte-moving kernels.
struct Bytes16 {
  uint64_t lo, hi;
};

// Like DispatchBySize, plus 16-byte elements: calls fn(T{}) with an unsigned type (or Bytes16)
// of the dtype's size. False (fn not called) for string and undefined.
template <typename Fn>
bool DispatchMove(ir::DType dtype, Fn&& fn) {
  switch (ir::DTypeSize(dtype)) {
    case 1:
      fn(uint8_t{});
      return true;
    case 2:
      fn(uint16_t{});
      return true;
    case 4:
      fn(uint32_t{});
      return true;
    case 8:
      fn(uint64_t{});
      return true;
    case 16:
      fn(Bytes16{});
      return true;
    default:
      return false;
  }
}

// Dims of input/output i when fully static; Unsupported otherwise (the CPU executor needs
// static shapes, so this only fails for hand-built graphs).
absl::StatusOr<Dims> StaticInputDims(const KernelBuildContext& ctx, size_t i);
absl::StatusOr<Dims> StaticOutputDims(const KernelBuildContext& ctx, size_t i);

// Unsupported unless `dtype` has fixed-size elements (every dtype but string and undefined).
absl::Status CheckMovable(const KernelBuildContext& ctx, ir::DType dtype, const char* what);

// `axis` in [-rank, rank) mapped to [0, rank); Invalid naming `what` otherwise.
absl::StatusOr<int64_t> NormalizeAxis(const KernelBuildContext& ctx, int64_t axis, int64_t rank,
                                      const char* what);

// Elements of an integer (or bool) tensor as int64; InvalidArgument for other dtypes.
absl::StatusOr<std::vector<int64_t>> ReadInts(ir::DType dtype, const void* data, int64_t n);
inline absl::StatusOr<std::vector<int64_t>> ReadInts(const TensorView& v) {
  return ReadInts(v.dtype, v.data, v.num_elements());
}
// Elements of a numeric tensor as double (floats, f16/bf16 and integers).
absl::StatusOr<std::vector<double>> ReadDoubles(ir::DType dtype, const void* data, int64_t n);
inline absl::StatusOr<std::vector<double>> ReadDoubles(const TensorView& v) {
  return ReadDoubles(v.dtype, v.data, v.num_elements());
}

// The integer values of constant input i, nullopt when the input is absent or not constant,
// and InvalidArgument (naming the node) when it is constant but not integer.
absl::StatusOr<std::optional<std::vector<int64_t>>> ConstantInts(const KernelBuildContext& ctx,
                                                                 size_t i);
absl::StatusOr<std::optional<std::vector<double>>> ConstantDoubles(const KernelBuildContext& ctx,
                                                                   size_t i);

// Row-major strides (in elements) of `dims`.
Dims ContiguousStrides(const Dims& dims);
int64_t Product(const Dims& dims, size_t begin, size_t end);

// Copies `bytes` from src to dst, in parallel chunks when large.
void ParallelMemcpy(void* dst, const void* src, int64_t bytes, pthreadpool_t pool);

// "[2,3]" for messages.
std::string DimsString(const Dims& dims);

}  // namespace tandem::kernels::cpu::data_movement

#endif  // TANDEM_KERNELS_CPU_DATA_MOVEMENT_UTIL_H_
