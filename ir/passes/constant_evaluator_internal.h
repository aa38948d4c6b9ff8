// Internals shared by constant_evaluator.cc and its op files; not part of the library's API.
//
// Every op is a plain function from a node and its (present, well-formed) constant inputs to its
// outputs, listed in a table with its arity. The dispatcher in constant_evaluator.cc checks the
// inputs before an op runs and the outputs after, so an op only checks what is specific to it.
//
// Two ways to build an output:
//  - data movement (Gather, Slice, Transpose, Tile...) maps each output element to a flat index of
//    the source and copies bytes with Gathered(), whatever the dtype;
//  - arithmetic loads typed values with Load<T>() inside VisitType() and builds with Make<T>().
// Ops that only change dims (Reshape, Squeeze, Unsqueeze, Flatten) share the bytes (WithDims).
#ifndef TANDEM_IR_PASSES_CONSTANT_EVALUATOR_INTERNAL_H_
#define TANDEM_IR_PASSES_CONSTANT_EVALUATOR_INTERNAL_H_

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ir/graph.h"
#include "ir/passes/constant_evaluator.h"

namespace tandem::ir::const_eval {

using Dims = std::vector<int64_t>;
// Present inputs are non-null; an omitted optional input is null.
using Inputs = absl::Span<const Tensor* const>;
using Outputs = std::optional<std::vector<Tensor>>;
using OpFn = Outputs (*)(const Node& node, Inputs in);

// Tensors of higher rank are not folded.
inline constexpr int64_t kMaxRank = 64;

struct OpEntry {
  absl::string_view op_type;
  OpFn fn;
  int min_inputs;  // inputs [0, min_inputs) must be present
  int max_inputs;  // more inputs than this: malformed
};
inline constexpr int kVariadic = 1 << 20;

// The op tables of constant_evaluator_layout.cc and constant_evaluator_math.cc.
absl::Span<const OpEntry> LayoutOps();
absl::Span<const OpEntry> MathOps();

// ---- dims and axes

// Product of the dims counting 0 as 1 (the index space strides live in), or nullopt when a dim is
// negative or the product overflows. Tensors that pass this have overflow-free strides.
std::optional<int64_t> IndexSpace(const Dims& dims);
// True when a result of `dims` may be folded: valid dims, rank <= kMaxRank and at most
// kMaxFoldedElements elements.
bool FitsFold(const Dims& dims);
// Row-major strides of `dims` (which passed IndexSpace).
Dims Strides(const Dims& dims);
int64_t Rank(const Tensor& t);
// `axis` in [-rank, rank) as an index in [0, rank); nullopt when out of range.
std::optional<int64_t> NormalizeAxis(int64_t axis, int64_t rank);
// The elements of a 0-D or 1-D int32/int64 tensor (axes, starts...).
std::optional<Dims> IntList(const Tensor& t);
// The elements of a 1-D int32/int64 tensor whose elements are all >= 0 (Expand, Tile, ...).
std::optional<Dims> SizeList(const Tensor& t);
// The single element of an int32/int64 tensor with one element.
std::optional<int64_t> IntScalar(const Tensor& t);
// Numpy broadcasting of several shapes; nullopt when they are incompatible.
std::optional<Dims> BroadcastDims(const std::vector<const Dims*>& shapes);
// For each element of `out` (which `in` broadcasts to), the flat index in `in`.
std::vector<int64_t> BroadcastMap(const Dims& out, const Dims& in);

// ---- building outputs

bool IsNumeric(DType dtype);  // int32, int64, f32, f64 (what arithmetic accepts)
// Dims, dtype and byte size agree (so the bytes may be indexed freely).
bool WellFormed(const Tensor& t);
// `t` with other dims but the same bytes; the element counts must agree.
Tensor WithDims(const Tensor& t, Dims dims);
Outputs One(std::optional<Tensor> t);

// Calls f(index, flat) for every multi-index of `dims` in row-major order.
template <typename F>
void ForEachIndex(const Dims& dims, F&& f) {
  auto n = IndexSpace(dims);
  if (!n) return;
  for (int64_t d : dims) {
    if (d == 0) return;
  }
  Dims index(dims.size(), 0);
  for (int64_t flat = 0; flat < *n; ++flat) {
    f(static_cast<const Dims&>(index), flat);
    for (size_t a = dims.size(); a-- > 0;) {
      if (++index[a] < dims[a]) break;
      index[a] = 0;
    }
  }
}

// A tensor of src's dtype and `out_dims` whose element at each index is src's element at flat
// index src_of(index, flat). nullopt when out_dims does not fit or src_of leaves src.
template <typename F>
std::optional<Tensor> Gathered(const Tensor& src, Dims out_dims, F&& src_of) {
  if (!FitsFold(out_dims)) return std::nullopt;
  const size_t size = static_cast<size_t>(DTypeSize(src.dtype));
  const int64_t src_count = src.num_elements();
  std::vector<uint8_t> bytes(static_cast<size_t>(*CheckedNumElements(out_dims)) * size);
  bool ok = true;
  ForEachIndex(out_dims, [&](const Dims& index, int64_t flat) {
    int64_t from = ok ? src_of(index, flat) : 0;
    if (from < 0 || from >= src_count) ok = false;
    if (!ok) return;
    std::memcpy(bytes.data() + flat * size, src.data.data() + from * size, size);
  });
  if (!ok) return std::nullopt;
  return Tensor{src.dtype, std::move(out_dims), TensorData::Owned(std::move(bytes)), {}};
}

// The elements of `t` as T (whose size must match t's dtype); bools are normalized to 0/1.
template <typename T>
std::vector<T> Load(const Tensor& t) {
  std::vector<T> v(t.data.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), t.data.data(), v.size() * sizeof(T));
  if (t.dtype == DType::kBool) {
    for (T& x : v) x = x != 0;
  }
  return v;
}

template <typename T>
Tensor Make(DType dtype, Dims dims, const std::vector<T>& values) {
  return Tensor::FromValues<T>(dtype, std::move(dims), values);
}

// Calls f(T{}) with the C++ type that holds `dtype`'s elements (bool: uint8_t 0/1).
template <typename F>
std::optional<Tensor> VisitType(DType dtype, F&& f) {
  switch (dtype) {
    case DType::kInt64:
      return f(int64_t{});
    case DType::kInt32:
      return f(int32_t{});
    case DType::kInt8:
      return f(int8_t{});
    case DType::kUInt8:
    case DType::kBool:
      return f(uint8_t{});
    case DType::kFloat32:
      return f(float{});
    case DType::kFloat64:
      return f(double{});
    default:
      return std::nullopt;
  }
}

}  // namespace tandem::ir::const_eval

#endif  // TANDEM_IR_PASSES_CONSTANT_EVALUATOR_INTERNAL_H_
