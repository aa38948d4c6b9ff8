// ScatterElements (and its deprecated name Scatter) and ScatterND. The output starts as a copy
// of `data`; every destination is computed and bounds-checked before anything is written, then
// the updates are applied in index order on one thread, so duplicate indices behave as the ONNX
// reference does (the last write wins for reduction "none"; reductions accumulate).
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/data_movement_util.h"
#include "kernels/cpu/dtype_dispatch.h"

namespace tandem::kernels::cpu::data_movement {
namespace {

enum class Reduction { kNone, kAdd, kMul, kMax, kMin };

absl::StatusOr<Reduction> ParseReduction(const KernelBuildContext& ctx, ir::DType dtype) {
  const std::string name = ctx.node().GetString("reduction", "none");
  Reduction r;
  if (name == "none") return Reduction::kNone;
  if (name == "add")
    r = Reduction::kAdd;
  else if (name == "mul")
    r = Reduction::kMul;
  else if (name == "max")
    r = Reduction::kMax;
  else if (name == "min")
    r = Reduction::kMin;
  else
    return ctx.Invalid(absl::StrCat("unknown reduction '", name, "'"));
  if (dtype == ir::DType::kBool || !Dispatch(dtype, [](auto) {})) {
    return ctx.Unsupported(absl::StrCat("reduction '", name, "' on ", ir::DTypeName(dtype)));
  }
  return r;
}

template <typename T>
T Combine(T a, T b, Reduction r) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    float x = ToFloat(a), y = ToFloat(b);
    float v = Combine(x, y, r);
    if constexpr (std::is_same_v<T, Float16>)
      return FromFloat16(v);
    else
      return FromBFloat16(v);
  } else {
    switch (r) {
      case Reduction::kAdd:
        return static_cast<T>(a + b);
      case Reduction::kMul:
        return static_cast<T>(a * b);
      case Reduction::kMax:
        return std::max(a, b);
      case Reduction::kMin:
        return std::min(a, b);
      case Reduction::kNone:
        break;
    }
    return b;
  }
}

// out[dst[t] + i] (op)= updates[t * inner + i] for every t in order.
void Apply(ir::DType dtype, Reduction r, const std::vector<int64_t>& dst, int64_t inner,
           const void* updates, void* out) {
  if (r == Reduction::kNone) {
    const int64_t bytes = inner * ir::DTypeSize(dtype);
    auto* o = static_cast<uint8_t*>(out);
    const auto* u = static_cast<const uint8_t*>(updates);
    const int64_t elem = ir::DTypeSize(dtype);
    for (size_t t = 0; t < dst.size(); ++t) std::memcpy(o + dst[t] * elem, u + t * bytes, bytes);
    return;
  }
  Dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* o = static_cast<T*>(out);
    const T* u = static_cast<const T*>(updates);
    for (size_t t = 0; t < dst.size(); ++t) {
      for (int64_t i = 0; i < inner; ++i)
        o[dst[t] + i] = Combine(o[dst[t] + i], u[t * inner + i], r);
    }
  });
}

inline int64_t IndexAt(const TensorView& v, int64_t i) {
  return v.dtype == ir::DType::kInt32 ? v.as<const int32_t>()[i] : v.as<const int64_t>()[i];
}

absl::Status OutOfRange(int64_t index, int64_t dim) {
  return absl::InvalidArgumentError(
      absl::StrCat("index ", index, " is out of range for a dim of size ", dim));
}

// Common checks: data/output dtype and dims equal, updates of the data's dtype, int indices.
absl::Status Prepare(const KernelBuildContext& ctx, Dims& data, Dims& indices, Dims& updates) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, dtype, "data"));
  ir::DType it = ctx.input_info(1).dtype;
  if (it != ir::DType::kInt32 && it != ir::DType::kInt64)
    return ctx.Invalid("indices must be int32 or int64");
  if (ctx.input_info(2).dtype != dtype || ctx.output_info(0).dtype != dtype) {
    return ctx.Invalid("updates and output must have the data's dtype");
  }
  TANDEM_ASSIGN_OR_RETURN(data, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(indices, StaticInputDims(ctx, 1));
  TANDEM_ASSIGN_OR_RETURN(updates, StaticInputDims(ctx, 2));
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  if (out != data) return ctx.Invalid("output shape differs from the data's");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeScatterElements(const KernelBuildContext& ctx) {
  Dims data, indices, updates;
  TANDEM_RETURN_IF_ERROR(Prepare(ctx, data, indices, updates));
  const ir::DType dtype = ctx.input_info(0).dtype;
  TANDEM_ASSIGN_OR_RETURN(Reduction red, ParseReduction(ctx, dtype));
  const int64_t rank = static_cast<int64_t>(data.size());
  if (rank == 0 || indices != updates || static_cast<int64_t>(indices.size()) != rank) {
    return ctx.Invalid("indices and updates must have the data's rank and equal shapes");
  }
  TANDEM_ASSIGN_OR_RETURN(int64_t axis,
                          NormalizeAxis(ctx, ctx.node().GetInt("axis", 0), rank, "axis"));
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis && indices[d] > data[d]) return ctx.Invalid("indices exceed data along a dim");
  }
  const Dims strides = ContiguousStrides(data);
  return MakeKernel([=](const KernelContext& c) -> absl::Status {
    const int64_t total = Product(indices, 0, indices.size());
    const int64_t dim = data[axis];
    std::vector<int64_t> dst(total);
    Dims idx(rank, 0);
    for (int64_t t = 0; t < total; ++t) {
      int64_t k = IndexAt(c.inputs[1], t);
      if (k < -dim || k >= dim) return OutOfRange(k, dim);
      int64_t off = 0;
      for (int64_t d = 0; d < rank; ++d)
        off += (d == axis ? (k < 0 ? k + dim : k) : idx[d]) * strides[d];
      dst[t] = off;
      for (int64_t d = rank - 1; d >= 0 && ++idx[d] == indices[d]; --d) idx[d] = 0;
    }
    ParallelMemcpy(c.outputs[0].data, c.inputs[0].data, c.outputs[0].byte_size(), c.threadpool);
    Apply(dtype, red, dst, 1, c.inputs[2].data, c.outputs[0].data);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeScatterND(const KernelBuildContext& ctx) {
  Dims data, indices, updates;
  TANDEM_RETURN_IF_ERROR(Prepare(ctx, data, indices, updates));
  const ir::DType dtype = ctx.input_info(0).dtype;
  TANDEM_ASSIGN_OR_RETURN(Reduction red, ParseReduction(ctx, dtype));
  const int64_t r = static_cast<int64_t>(data.size()), q = static_cast<int64_t>(indices.size());
  if (r < 1 || q < 1) return ctx.Invalid("data and indices must have rank >= 1");
  const int64_t k = indices[q - 1];
  if (k < 1 || k > r) return ctx.Invalid("the last indices dim must be in [1, rank(data)]");
  Dims want(indices.begin(), indices.end() - 1);
  want.insert(want.end(), data.begin() + k, data.end());
  if (updates != want) {
    return ctx.Invalid(
        absl::StrCat("updates ", DimsString(updates), " should be ", DimsString(want)));
  }
  const Dims strides = ContiguousStrides(data);
  const int64_t tuples = Product(indices, 0, q - 1), inner = Product(data, k, r);
  return MakeKernel([=](const KernelContext& c) -> absl::Status {
    std::vector<int64_t> dst(tuples);
    for (int64_t t = 0; t < tuples; ++t) {
      int64_t off = 0;
      for (int64_t j = 0; j < k; ++j) {
        int64_t v = IndexAt(c.inputs[1], t * k + j), dim = data[j];
        if (v < -dim || v >= dim) return OutOfRange(v, dim);
        off += (v < 0 ? v + dim : v) * strides[j];
      }
      dst[t] = off;
    }
    ParallelMemcpy(c.outputs[0].data, c.inputs[0].data, c.outputs[0].byte_size(), c.threadpool);
    Apply(dtype, red, dst, inner, c.inputs[2].data, c.outputs[0].data);
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterScatterKernels(KernelRegistry& r) {
  r.Register("ScatterElements", MakeScatterElements);
  r.Register("Scatter", MakeScatterElements);  // deprecated (opset 9-10): same semantics
  r.Register("ScatterND", MakeScatterND);
}

}  // namespace tandem::kernels::cpu::data_movement
