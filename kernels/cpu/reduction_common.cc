#include "kernels/cpu/reduction_common.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace tandem::kernels::cpu::reduction {

ReduceGeometry MakeReduceGeometry(const Dims& dims, const std::vector<bool>& reduced) {
  ReduceGeometry g;
  const int rank = static_cast<int>(dims.size());
  int64_t stride = 1;
  Dims strides(rank, 1);
  for (int i = rank - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= dims[i];
  }
  g.reduce_count = 1;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] == 0) g.empty_input = true;
    if (reduced[i]) g.reduce_count *= dims[i];
  }
  g.num_outputs = 1;
  for (int i = 0; i < rank; ++i) {
    if (!reduced[i]) g.num_outputs *= dims[i];
  }
  if (g.empty_input) return g;  // nothing to read; callers only fill outputs

  // Groups of adjacent same-kind axes, size-1 axes dropped. size/stride/kind per group.
  struct Group { int64_t size, stride; bool reduced; };
  std::vector<Group> groups;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] == 1) continue;
    if (!groups.empty() && groups.back().reduced == reduced[i]) {
      groups.back().size *= dims[i];
      groups.back().stride = strides[i];
    } else {
      groups.push_back({dims[i], strides[i], static_cast<bool>(reduced[i])});
    }
  }
  if (!groups.empty()) {
    g.inner = groups.back().size;
    g.inner_reduced = groups.back().reduced;
    groups.pop_back();
  }
  for (const Group& gr : groups) {
    (gr.reduced ? g.red_dims : g.kept_dims).push_back(gr.size);
    (gr.reduced ? g.red_strides : g.kept_strides).push_back(gr.stride);
  }
  for (int64_t d : g.kept_dims) g.outer *= d;
  for (int64_t d : g.red_dims) g.red_rows *= d;
  return g;
}

int64_t SliceBase(const ReduceGeometry& g, int64_t p) {
  int64_t off = 0;
  for (int k = static_cast<int>(g.kept_dims.size()) - 1; k >= 0; --k) {
    off += (p % g.kept_dims[k]) * g.kept_strides[k];
    p /= g.kept_dims[k];
  }
  return off;
}

absl::StatusOr<int> NormalizeAxis(const KernelBuildContext& ctx, int64_t axis, int rank) {
  if (axis < -rank || axis >= rank) {
    return ctx.Invalid(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

absl::StatusOr<Dims> StaticInputDims(const KernelBuildContext& ctx, size_t i) {
  auto sizes = ctx.input_info(i).shape.static_sizes();
  if (!sizes) {
    return ctx.Unsupported(absl::StrCat("input ", i, " has no static shape (",
                                        ctx.input_info(i).ToString(), ")"));
  }
  return Dims(sizes->begin(), sizes->end());
}

absl::StatusOr<Dims> StaticOutputDims(const KernelBuildContext& ctx, size_t i) {
  auto sizes = ctx.output_info(i).shape.static_sizes();
  if (!sizes) {
    return ctx.Unsupported(absl::StrCat("output ", i, " has no static shape (",
                                        ctx.output_info(i).ToString(), ")"));
  }
  return Dims(sizes->begin(), sizes->end());
}

absl::Status CheckOutputDims(const KernelBuildContext& ctx, size_t i, const Dims& want) {
  TANDEM_ASSIGN_OR_RETURN(Dims have, StaticOutputDims(ctx, i));
  if (have != want) {
    return ctx.Invalid(absl::StrCat("output ", i, " has shape [", absl::StrJoin(have, ","),
                                    "], expected [", absl::StrJoin(want, ","), "]"));
  }
  return absl::OkStatus();
}

bool IsFloatDType(ir::DType dtype) {
  return dtype == ir::DType::kFloat32 || dtype == ir::DType::kFloat64 ||
         dtype == ir::DType::kFloat16 || dtype == ir::DType::kBFloat16;
}

namespace {

template <typename Out>
void LoadAs(ir::DType dtype, const void* src, int64_t n, Out* dst) {
  Dispatch(dtype, [&](auto tag) {
    using Tag = decltype(tag);
    if constexpr (std::is_floating_point_v<Tag> || kIsHalf<Tag>) {
      Widen<Tag>(static_cast<const Storage<Tag>*>(src), n, dst);
    }
  });
}

}  // namespace

void LoadAsDouble(ir::DType dtype, const void* src, int64_t n, double* dst) {
  LoadAs(dtype, src, n, dst);
}

void LoadAsFloat(ir::DType dtype, const void* src, int64_t n, float* dst) {
  LoadAs(dtype, src, n, dst);
}

void StoreFromDouble(ir::DType dtype, double v, void* dst, int64_t i) {
  Dispatch(dtype, [&](auto tag) {
    using Tag = decltype(tag);
    if constexpr (std::is_floating_point_v<Tag> || kIsHalf<Tag>) {
      static_cast<Storage<Tag>*>(dst)[i] = Narrow<Tag>(v);
    }
  });
}

}  // namespace tandem::kernels::cpu::reduction
