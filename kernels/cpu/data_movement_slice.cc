// Slice and Pad. Both take their per-axis parameters from inputs that are usually constants;
// when one is not, the plan is computed at run time from the input values and checked against
// the static output shape (a mismatch is InvalidArgument, never an out-of-bounds copy).
//
// Slice is a strided copy (data_movement_strided.h). Pad maps every output coordinate of each
// dim to a source coordinate (or -1 for "constant"), then copies rows: a row whose outer
// coordinates hit the constant is filled, otherwise its interior is one memcpy and its edges
// are looked up through the last dim's map.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/data_movement_strided.h"
#include "kernels/cpu/data_movement_util.h"

namespace tandem::kernels::cpu::data_movement {
namespace {

using Ints = std::vector<int64_t>;

// Axes given by an `axes` input (or 0..n-1 when absent), normalised and checked for repeats.
absl::StatusOr<Ints> ResolveAxes(const Ints* axes, size_t n, int64_t rank) {
  Ints out;
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < n; ++i) {
    int64_t a = axes ? (*axes)[i] : static_cast<int64_t>(i);
    if (a < -rank || a >= rank)
      return absl::InvalidArgumentError(absl::StrCat("axis ", a, " out of range"));
    if (a < 0) a += rank;
    if (seen[a]) return absl::InvalidArgumentError(absl::StrCat("axis ", a, " repeats"));
    seen[a] = true;
    out.push_back(a);
  }
  return out;
}

// ---- Slice

absl::StatusOr<StridedView> SlicePlan(const Dims& in, const Dims& out, const Ints& starts,
                                      const Ints& ends, const Ints* axes, const Ints* steps) {
  const size_t n = starts.size();
  if (ends.size() != n || (axes && axes->size() != n) || (steps && steps->size() != n)) {
    return absl::InvalidArgumentError("starts, ends, axes and steps differ in length");
  }
  TANDEM_ASSIGN_OR_RETURN(Ints ax, ResolveAxes(axes, n, static_cast<int64_t>(in.size())));
  const Dims in_strides = ContiguousStrides(in);
  StridedView view{in, in_strides, 0};
  for (size_t i = 0; i < n; ++i) {
    const int64_t a = ax[i], dim = in[a];
    int64_t step = steps ? (*steps)[i] : 1;
    if (step == 0) return absl::InvalidArgumentError("a slice step is 0");
    // |step| > dim takes at most one element; clamping keeps the arithmetic below in range.
    step = std::clamp<int64_t>(step, -dim - 1, dim + 1);
    int64_t start = starts[i], end = ends[i];
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    int64_t count = 0;
    if (dim == 0) {
      start = 0;
    } else if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      count = end > start ? 1 + (end - start - 1) / step : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      count = start > end ? 1 + (start - end - 1) / -step : 0;
    }
    view.dims[a] = count;
    view.src_strides[a] = in_strides[a] * step;
    if (count > 0) view.src_offset += start * in_strides[a];
  }
  if (view.dims != out) {
    return absl::InvalidArgumentError(absl::StrCat("slice gives ", DimsString(view.dims),
                                                   " but the output is ", DimsString(out)));
  }
  return SimplifyView(view);
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeSlice(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, dtype, "input"));
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  if (!ctx.has_input(1) || !ctx.has_input(2)) return ctx.Invalid("starts and ends are required");
  const int elem = ir::DTypeSize(dtype);
  bool all_constant = true;
  for (size_t i = 1; i < 5; ++i) all_constant &= !ctx.has_input(i) || ctx.constant_input(i);
  if (all_constant) {
    TANDEM_ASSIGN_OR_RETURN(auto starts, ConstantInts(ctx, 1));
    TANDEM_ASSIGN_OR_RETURN(auto ends, ConstantInts(ctx, 2));
    TANDEM_ASSIGN_OR_RETURN(auto axes, ConstantInts(ctx, 3));
    TANDEM_ASSIGN_OR_RETURN(auto steps, ConstantInts(ctx, 4));
    auto view =
        SlicePlan(in, out, *starts, *ends, axes ? &*axes : nullptr, steps ? &*steps : nullptr);
    if (!view.ok()) return ctx.Invalid(std::string(view.status().message()));
    return MakeKernel([view = *view, elem](const KernelContext& c) {
      StridedCopy(view, c.inputs[0].data, c.outputs[0].data, elem, c.threadpool);
      return absl::OkStatus();
    });
  }
  return MakeKernel([in, out, elem](const KernelContext& c) -> absl::Status {
    Ints p[5];
    bool present[5] = {};
    for (size_t i = 1; i < 5 && i < c.inputs.size(); ++i) {
      if (!c.inputs[i].present()) continue;
      TANDEM_ASSIGN_OR_RETURN(p[i], ReadInts(c.inputs[i]));
      present[i] = true;
    }
    TANDEM_ASSIGN_OR_RETURN(
        StridedView view,
        SlicePlan(in, out, p[1], p[2], present[3] ? &p[3] : nullptr, present[4] ? &p[4] : nullptr));
    StridedCopy(view, c.inputs[0].data, c.outputs[0].data, elem, c.threadpool);
    return absl::OkStatus();
  });
}

// ---- Pad

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

struct PadPlan {
  std::vector<Ints> maps;  // per dim: output coordinate -> source coordinate, -1 = constant
  int64_t lo = 0, hi = 0;  // last-dim output range that maps to consecutive source elements
};

int64_t MapCoordinate(int64_t c, int64_t n, PadMode mode) {
  if (c >= 0 && c < n) return c;
  switch (mode) {
    case PadMode::kConstant:
      return -1;
    case PadMode::kEdge:
      return c < 0 ? 0 : n - 1;
    case PadMode::kWrap:
      return ((c % n) + n) % n;
    case PadMode::kReflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      c = ((c % period) + period) % period;
      return c < n ? c : period - c;
    }
  }
  return -1;
}

absl::StatusOr<PadPlan> MakePadPlan(const Dims& in, const Dims& out, const Ints& pads,
                                    const Ints* axes, PadMode mode) {
  const int64_t rank = static_cast<int64_t>(in.size());
  const size_t n = axes ? axes->size() : in.size();
  if (pads.size() != 2 * n) return absl::InvalidArgumentError("pads must have 2 entries per axis");
  TANDEM_ASSIGN_OR_RETURN(Ints ax, ResolveAxes(axes, n, rank));
  Ints begin(rank, 0), end(rank, 0);
  for (size_t i = 0; i < n; ++i) {
    begin[ax[i]] = pads[i];
    end[ax[i]] = pads[i + n];
  }
  PadPlan plan;
  for (int64_t d = 0; d < rank; ++d) {
    if (in[d] + begin[d] + end[d] != out[d]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pads give dim ", d, " size ", in[d] + begin[d] + end[d], ", output has ", out[d]));
    }
    if (in[d] == 0 && out[d] > 0 && mode != PadMode::kConstant) {
      return absl::InvalidArgumentError("cannot pad an empty dim in reflect, edge or wrap mode");
    }
    Ints map(out[d]);
    for (int64_t o = 0; o < out[d]; ++o) map[o] = MapCoordinate(o - begin[d], in[d], mode);
    plan.maps.push_back(std::move(map));
  }
  if (rank > 0) {
    plan.lo = std::clamp<int64_t>(begin[rank - 1], 0, out[rank - 1]);
    plan.hi = std::clamp<int64_t>(begin[rank - 1] + in[rank - 1], plan.lo, out[rank - 1]);
  }
  return plan;
}

template <typename T>
void RunPad(const PadPlan& plan, const Dims& in, const Dims& out, const T* src, T* dst, T value,
            pthreadpool_t pool) {
  if (out.empty()) {
    dst[0] = src[0];
    return;
  }
  const size_t rank = out.size();
  const int64_t width = out[rank - 1];
  const int64_t rows = Product(out, 0, rank - 1);
  const Dims in_strides = ContiguousStrides(in);
  const Ints& last = plan.maps[rank - 1];
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(width, 1));
  ParallelForRange(pool, rows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      T* d = dst + r * width;
      int64_t off = 0, rest = r;
      bool constant = false;
      for (int k = static_cast<int>(rank) - 2; k >= 0; --k) {
        int64_t m = plan.maps[k][rest % out[k]];
        rest /= out[k];
        if (m < 0) constant = true;
        off += m * in_strides[k];
      }
      if (constant) {
        std::fill(d, d + width, value);
        continue;
      }
      const T* s = src + off;
      for (int64_t x = 0; x < plan.lo; ++x) d[x] = last[x] < 0 ? value : s[last[x]];
      if (plan.hi > plan.lo)
        std::memcpy(d + plan.lo, s + last[plan.lo], (plan.hi - plan.lo) * sizeof(T));
      for (int64_t x = plan.hi; x < width; ++x) d[x] = last[x] < 0 ? value : s[last[x]];
    }
  });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakePad(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, dtype, "input"));
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  if (out.size() != in.size()) return ctx.Invalid("output rank differs from the input's");
  if (!ctx.has_input(1)) return ctx.Invalid("the pads input is missing");
  if (ctx.has_input(2) && ctx.input_info(2).dtype != dtype) {
    return ctx.Invalid("constant_value must have the input's dtype");
  }
  const std::string mode_name = ctx.node().GetString("mode", "constant");
  PadMode mode;
  if (mode_name == "constant")
    mode = PadMode::kConstant;
  else if (mode_name == "reflect")
    mode = PadMode::kReflect;
  else if (mode_name == "edge")
    mode = PadMode::kEdge;
  else if (mode_name == "wrap")
    mode = PadMode::kWrap;
  else
    return ctx.Unsupported(absl::StrCat("mode '", mode_name, "'"));
  std::optional<PadPlan> plan;
  TANDEM_ASSIGN_OR_RETURN(auto pads, ConstantInts(ctx, 1));
  TANDEM_ASSIGN_OR_RETURN(auto axes, ConstantInts(ctx, 3));
  if (pads && (axes || !ctx.has_input(3))) {
    auto p = MakePadPlan(in, out, *pads, axes ? &*axes : nullptr, mode);
    if (!p.ok()) return ctx.Invalid(std::string(p.status().message()));
    plan = *std::move(p);
  }
  return MakeKernel([plan, in, out, mode, dtype](const KernelContext& c) -> absl::Status {
    std::optional<PadPlan> local;
    const PadPlan* p = plan ? &*plan : nullptr;
    if (!p) {
      TANDEM_ASSIGN_OR_RETURN(Ints pads, ReadInts(c.inputs[1]));
      Ints axes;
      bool has_axes = c.inputs.size() > 3 && c.inputs[3].present();
      if (has_axes) {
        TANDEM_ASSIGN_OR_RETURN(axes, ReadInts(c.inputs[3]));
      }
      TANDEM_ASSIGN_OR_RETURN(local, MakePadPlan(in, out, pads, has_axes ? &axes : nullptr, mode));
      p = &*local;
    }
    const bool has_value =
        c.inputs.size() > 2 && c.inputs[2].present() && c.inputs[2].num_elements() > 0;
    DispatchMove(dtype, [&](auto tag) {
      using T = decltype(tag);
      T value{};
      if (has_value) std::memcpy(&value, c.inputs[2].data, sizeof(T));
      RunPad(*p, in, out, c.inputs[0].as<T>(), c.outputs[0].as<T>(), value, c.threadpool);
    });
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterSliceKernels(KernelRegistry& r) {
  r.Register("Slice", MakeSlice);
  r.Register("Pad", MakePad);
}

}  // namespace tandem::kernels::cpu::data_movement
