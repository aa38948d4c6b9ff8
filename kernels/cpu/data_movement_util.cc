#include "kernels/cpu/data_movement_util.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/cpu/dtype_dispatch.h"

namespace tandem::kernels::cpu::data_movement {
namespace {

absl::StatusOr<Dims> StaticDims(const KernelBuildContext& ctx, const ir::TensorInfo& info,
                                const char* what, size_t i) {
  auto sizes = info.shape.static_sizes();
  if (!sizes) {
    return ctx.Unsupported(
        absl::StrCat(what, " ", i, " has no static shape (", info.ToString(), ")"));
  }
  return Dims(sizes->begin(), sizes->end());
}

template <typename T>
double AsDouble(T v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return ToFloat(v);
  } else {
    return static_cast<double>(v);
  }
}

}  // namespace

absl::StatusOr<Dims> StaticInputDims(const KernelBuildContext& ctx, size_t i) {
  if (!ctx.has_input(i)) return ctx.Invalid(absl::StrCat("input ", i, " is missing"));
  return StaticDims(ctx, ctx.input_info(i), "input", i);
}

absl::StatusOr<Dims> StaticOutputDims(const KernelBuildContext& ctx, size_t i) {
  if (i >= ctx.num_outputs() || !ctx.node().outputs[i].valid()) {
    return ctx.Invalid(absl::StrCat("output ", i, " is missing"));
  }
  return StaticDims(ctx, ctx.output_info(i), "output", i);
}

absl::Status CheckMovable(const KernelBuildContext& ctx, ir::DType dtype, const char* what) {
  int size = ir::DTypeSize(dtype);
  if (size == 1 || size == 2 || size == 4 || size == 8 || size == 16) return absl::OkStatus();
  return ctx.Unsupported(absl::StrCat(what, " has dtype ", ir::DTypeName(dtype),
                                      ", which has no fixed-size elements"));
}

absl::StatusOr<int64_t> NormalizeAxis(const KernelBuildContext& ctx, int64_t axis, int64_t rank,
                                      const char* what) {
  if (axis < -rank || axis >= rank) {
    return ctx.Invalid(absl::StrCat(what, " ", axis, " is out of range for rank ", rank));
  }
  return axis < 0 ? axis + rank : axis;
}

absl::StatusOr<std::vector<int64_t>> ReadInts(ir::DType dtype, const void* data, int64_t n) {
  std::vector<int64_t> out(static_cast<size_t>(n));
  if (n > 0 && data == nullptr) return absl::InvalidArgumentError("integer input has no data");
  bool ok = false;
  auto read = [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      const T* p = static_cast<const T*>(data);
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int64_t>(p[i]);
      ok = true;
    }
  };
  Dispatch(dtype, read);
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an integer tensor, got ", ir::DTypeName(dtype)));
  }
  return out;
}

absl::StatusOr<std::vector<double>> ReadDoubles(ir::DType dtype, const void* data, int64_t n) {
  std::vector<double> out(static_cast<size_t>(n));
  if (n > 0 && data == nullptr) return absl::InvalidArgumentError("numeric input has no data");
  bool ok = Dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* p = static_cast<const T*>(data);
    for (int64_t i = 0; i < n; ++i) out[i] = AsDouble(p[i]);
  });
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a numeric tensor, got ", ir::DTypeName(dtype)));
  }
  return out;
}

absl::StatusOr<std::optional<std::vector<int64_t>>> ConstantInts(const KernelBuildContext& ctx,
                                                                 size_t i) {
  const ir::Tensor* t = ctx.constant_input(i);
  if (t == nullptr) return std::optional<std::vector<int64_t>>();
  auto v = ReadInts(t->dtype, t->data.data(), t->num_elements());
  if (!v.ok()) return ctx.Invalid(absl::StrCat("input ", i, ": ", v.status().message()));
  return std::optional<std::vector<int64_t>>(*std::move(v));
}

absl::StatusOr<std::optional<std::vector<double>>> ConstantDoubles(const KernelBuildContext& ctx,
                                                                   size_t i) {
  const ir::Tensor* t = ctx.constant_input(i);
  if (t == nullptr) return std::optional<std::vector<double>>();
  auto v = ReadDoubles(t->dtype, t->data.data(), t->num_elements());
  if (!v.ok()) return ctx.Invalid(absl::StrCat("input ", i, ": ", v.status().message()));
  return std::optional<std::vector<double>>(*std::move(v));
}

Dims ContiguousStrides(const Dims& dims) {
  Dims strides(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * dims[i + 1];
  return strides;
}

int64_t Product(const Dims& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < dims.size(); ++i) p *= dims[i];
  return p;
}

void ParallelMemcpy(void* dst, const void* src, int64_t bytes, pthreadpool_t pool) {
  if (bytes <= 0 || dst == src) return;
  // Below a few MiB one thread saturates memory bandwidth well enough.
  constexpr int64_t kChunk = int64_t{1} << 20;
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  if (bytes < 4 * kChunk) {
    std::memcpy(d, s, static_cast<size_t>(bytes));
    return;
  }
  ParallelForRange(pool, bytes, kChunk, [&](int64_t b, int64_t e) {
    std::memcpy(d + b, s + b, static_cast<size_t>(e - b));
  });
}

std::string DimsString(const Dims& dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

}  // namespace tandem::kernels::cpu::data_movement
