// Ops that are one strided copy (data_movement_strided.h): Transpose, Expand, Tile,
// DepthToSpace, SpaceToDepth. Each factory only builds the view:
//   Transpose      strides permuted;
//   Expand         stride 0 on broadcast dims;
//   Tile           the output seen as [r0, d0, r1, d1, ...] with stride 0 on each r;
//   Depth/Space    a transpose of the input reshaped to 6-D.
#include <numeric>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/data_movement_strided.h"
#include "kernels/cpu/data_movement_util.h"

namespace tandem::kernels::cpu::data_movement {
namespace {

absl::StatusOr<std::unique_ptr<CpuKernel>> StridedKernel(StridedView view, int elem_size) {
  view = SimplifyView(view);
  return MakeKernel([view, elem_size](const KernelContext& c) {
    StridedCopy(view, c.inputs[0].data, c.outputs[0].data, elem_size, c.threadpool);
    return absl::OkStatus();
  });
}

// Shared build-time checks: movable dtype, static shapes, same dtype in and out.
absl::Status Prepare(const KernelBuildContext& ctx, Dims& in, Dims& out) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, dtype, "input"));
  if (ctx.output_info(0).dtype != dtype)
    return ctx.Invalid("output dtype differs from the input's");
  TANDEM_ASSIGN_OR_RETURN(in, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(out, StaticOutputDims(ctx, 0));
  return absl::OkStatus();
}

absl::Status ExpectOutput(const KernelBuildContext& ctx, const Dims& out, const Dims& want) {
  if (out == want) return absl::OkStatus();
  return ctx.Invalid(absl::StrCat("output ", DimsString(out), " should be ", DimsString(want)));
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeTranspose(const KernelBuildContext& ctx) {
  Dims in, out;
  TANDEM_RETURN_IF_ERROR(Prepare(ctx, in, out));
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> perm = ctx.node().GetInts("perm");
  if (ctx.node().attr("perm") == nullptr) {
    perm.resize(rank);
    std::iota(perm.rbegin(), perm.rend(), 0);  // default: reverse the dims
  }
  if (static_cast<int64_t>(perm.size()) != rank) return ctx.Invalid("perm has the wrong length");
  std::vector<bool> seen(rank, false);
  Dims p, want;
  for (int64_t a : perm) {
    TANDEM_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, a, rank, "perm entry"));
    if (seen[axis]) return ctx.Invalid("perm is not a permutation");
    seen[axis] = true;
    p.push_back(axis);
    want.push_back(in[axis]);
  }
  TANDEM_RETURN_IF_ERROR(ExpectOutput(ctx, out, want));
  return StridedKernel(TransposeView(in, p), ir::DTypeSize(ctx.input_info(0).dtype));
}

// Numpy broadcast of `in` to `shape`; InvalidArgument when incompatible.
absl::StatusOr<Dims> BroadcastTo(const Dims& in, const std::vector<int64_t>& shape) {
  size_t rank = std::max(in.size(), shape.size());
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i + in.size() >= rank ? in[i + in.size() - rank] : 1;
    int64_t b = i + shape.size() >= rank ? shape[i + shape.size() - rank] : 1;
    if (a != b && a != 1 && b != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot broadcast ", DimsString(in), " to the shape"));
    }
    out[i] = a == 1 ? b : a;
  }
  return out;
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeExpand(const KernelBuildContext& ctx) {
  Dims in, out;
  TANDEM_RETURN_IF_ERROR(Prepare(ctx, in, out));
  TANDEM_ASSIGN_OR_RETURN(auto shape, ConstantInts(ctx, 1));
  if (shape) {
    auto want = BroadcastTo(in, *shape);
    if (!want.ok()) return ctx.Invalid(std::string(want.status().message()));
    TANDEM_RETURN_IF_ERROR(ExpectOutput(ctx, out, *want));
  }
  if (out.size() < in.size()) return ctx.Invalid("output rank is below the input's");
  const Dims in_strides = ContiguousStrides(in);
  const size_t lead = out.size() - in.size();
  StridedView view{out, Dims(out.size(), 0), 0};
  for (size_t d = 0; d < in.size(); ++d) {
    if (in[d] == out[lead + d]) {
      view.src_strides[lead + d] = in_strides[d];
    } else if (in[d] != 1) {
      return ctx.Invalid(absl::StrCat("cannot expand ", DimsString(in), " to ", DimsString(out)));
    }
  }
  return StridedKernel(view, ir::DTypeSize(ctx.input_info(0).dtype));
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeTile(const KernelBuildContext& ctx) {
  Dims in, out;
  TANDEM_RETURN_IF_ERROR(Prepare(ctx, in, out));
  if (in.size() != out.size()) return ctx.Invalid("output rank differs from the input's");
  TANDEM_ASSIGN_OR_RETURN(auto repeats, ConstantInts(ctx, 1));
  if (repeats) {
    if (repeats->size() != in.size()) return ctx.Invalid("repeats must have one entry per dim");
    Dims want;
    for (size_t d = 0; d < in.size(); ++d) {
      if ((*repeats)[d] < 0) return ctx.Invalid("repeats must not be negative");
      want.push_back(in[d] * (*repeats)[d]);
    }
    TANDEM_RETURN_IF_ERROR(ExpectOutput(ctx, out, want));
  }
  const Dims in_strides = ContiguousStrides(in);
  StridedView view;
  for (size_t d = 0; d < in.size(); ++d) {
    bool fits = in[d] == 0 ? out[d] == 0 : out[d] % in[d] == 0;
    if (!fits)
      return ctx.Invalid(absl::StrCat("output dim ", d, " is not a multiple of the input's"));
    view.dims.push_back(in[d] == 0 ? 0 : out[d] / in[d]);
    view.src_strides.push_back(0);
    view.dims.push_back(in[d]);
    view.src_strides.push_back(in_strides[d]);
  }
  return StridedKernel(view, ir::DTypeSize(ctx.input_info(0).dtype));
}

// DepthToSpace and SpaceToDepth: transposes of the input reshaped to 6-D.
absl::StatusOr<std::unique_ptr<CpuKernel>> MakeDepthSpace(const KernelBuildContext& ctx,
                                                          bool to_space) {
  Dims in, out;
  TANDEM_RETURN_IF_ERROR(Prepare(ctx, in, out));
  const int64_t b = ctx.node().GetInt("blocksize", 0);
  if (in.size() != 4 || b <= 0) return ctx.Invalid("needs a 4-D input and a positive blocksize");
  const int64_t n = in[0], c = in[1], h = in[2], w = in[3];
  Dims src, perm, want;
  if (to_space) {
    if (c % (b * b) != 0) return ctx.Invalid("channels are not a multiple of blocksize^2");
    const int64_t c2 = c / (b * b);
    std::string mode = ctx.node().GetString("mode", "DCR");
    if (mode == "DCR") {
      src = {n, b, b, c2, h, w};
      perm = {0, 3, 4, 1, 5, 2};
    } else if (mode == "CRD") {
      src = {n, c2, b, b, h, w};
      perm = {0, 1, 4, 2, 5, 3};
    } else {
      return ctx.Invalid(absl::StrCat("unknown mode '", mode, "'"));
    }
    want = {n, c2, h * b, w * b};
  } else {
    if (h % b != 0 || w % b != 0) return ctx.Invalid("spatial dims are not multiples of blocksize");
    src = {n, c, h / b, b, w / b, b};
    perm = {0, 3, 5, 1, 2, 4};
    want = {n, c * b * b, h / b, w / b};
  }
  TANDEM_RETURN_IF_ERROR(ExpectOutput(ctx, out, want));
  return StridedKernel(TransposeView(src, perm), ir::DTypeSize(ctx.input_info(0).dtype));
}

}  // namespace

void RegisterLayoutKernels(KernelRegistry& r) {
  r.Register("Transpose", MakeTranspose);
  r.Register("Expand", MakeExpand);
  r.Register("Tile", MakeTile);
  r.Register("DepthToSpace",
             [](const KernelBuildContext& ctx) { return MakeDepthSpace(ctx, true); });
  r.Register("SpaceToDepth",
             [](const KernelBuildContext& ctx) { return MakeDepthSpace(ctx, false); });
}

}  // namespace tandem::kernels::cpu::data_movement
