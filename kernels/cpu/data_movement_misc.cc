// Trilu, OneHot, CumSum and ReverseSequence: small ops that each own one loop.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/data_movement_util.h"
#include "kernels/cpu/dtype_dispatch.h"

namespace tandem::kernels::cpu::data_movement {
namespace {

// The scalar integer value of optional input i at run time, or `dflt` when it is absent.
absl::StatusOr<int64_t> ScalarAt(const KernelContext& c, size_t i, int64_t dflt) {
  if (i >= c.inputs.size() || !c.inputs[i].present()) return dflt;
  TANDEM_ASSIGN_OR_RETURN(auto v, ReadInts(c.inputs[i]));
  if (v.size() != 1)
    return absl::InvalidArgumentError(absl::StrCat("input ", i, " must be a scalar"));
  return v[0];
}

// ---- Trilu: rows copied, then the part outside the triangle zeroed (all-zero bits is zero
// for every dtype).
absl::StatusOr<std::unique_ptr<CpuKernel>> MakeTrilu(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, dtype, "input"));
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  if (in.size() < 2 || out != in)
    return ctx.Invalid("needs rank >= 2 and output shape = input shape");
  const bool upper = ctx.node().GetInt("upper", 1) != 0;
  const int64_t rows = in[in.size() - 2], cols = in[in.size() - 1];
  const int64_t elem = ir::DTypeSize(dtype);
  return MakeKernel([=](const KernelContext& c) -> absl::Status {
    TANDEM_ASSIGN_OR_RETURN(int64_t k, ScalarAt(c, 1, 0));
    const int64_t total_rows = c.outputs[0].num_elements() / std::max<int64_t>(cols, 1);
    const auto* src = static_cast<const uint8_t*>(c.inputs[0].data);
    auto* dst = static_cast<uint8_t*>(c.outputs[0].data);
    if (cols == 0) return absl::OkStatus();
    ParallelForRange(c.threadpool, total_rows, std::max<int64_t>(1, 4096 / cols),
                     [&](int64_t b, int64_t e) {
                       for (int64_t r = b; r < e; ++r) {
                         const int64_t i = r % rows;
                         std::memcpy(dst + r * cols * elem, src + r * cols * elem, cols * elem);
                         // Kept columns: j >= i + k (upper) or j <= i + k (lower), clamped to [0,
                         // cols].
                         int64_t lo = 0, hi = cols;  // zeroed range [lo, hi)
                         if (upper) {
                           hi = std::clamp<int64_t>(i + k, 0, cols);
                         } else {
                           lo = std::clamp<int64_t>(i + k + 1, 0, cols);
                         }
                         if (hi > lo)
                           std::memset(dst + (r * cols + lo) * elem, 0, (hi - lo) * elem);
                       }
                     });
    return absl::OkStatus();
  });
}

// ---- OneHot: fill with `off`, then write `on` where an index (cast to int64; negative counts
// from the end) lies in [-depth, depth). Out-of-range indices leave the row all `off`.
absl::StatusOr<std::unique_ptr<CpuKernel>> MakeOneHot(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.output_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, dtype, "output"));
  if (ctx.input_info(2).dtype != dtype) return ctx.Invalid("values must have the output's dtype");
  TANDEM_ASSIGN_OR_RETURN(Dims indices, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  const int64_t rank = static_cast<int64_t>(out.size());
  if (rank != static_cast<int64_t>(indices.size()) + 1)
    return ctx.Invalid("output rank must be indices rank + 1");
  TANDEM_ASSIGN_OR_RETURN(int64_t axis,
                          NormalizeAxis(ctx, ctx.node().GetInt("axis", -1), rank, "axis"));
  Dims want = indices;
  const int64_t depth = out[axis];
  want.insert(want.begin() + axis, depth);
  if (want != out) return ctx.Invalid(absl::StrCat("output should be ", DimsString(want)));
  TANDEM_ASSIGN_OR_RETURN(auto cdepth, ConstantDoubles(ctx, 1));
  if (cdepth && (cdepth->size() != 1 || static_cast<int64_t>((*cdepth)[0]) != depth)) {
    return ctx.Invalid("the depth input disagrees with the output shape");
  }
  const int64_t outer = Product(indices, 0, axis), inner = Product(indices, axis, indices.size());
  return MakeKernel([=](const KernelContext& c) -> absl::Status {
    TANDEM_ASSIGN_OR_RETURN(auto d, ReadDoubles(c.inputs[1]));
    if (d.size() != 1 || static_cast<int64_t>(d[0]) != depth) {
      return absl::InvalidArgumentError("the depth input disagrees with the output shape");
    }
    if (c.inputs[2].num_elements() != 2)
      return absl::InvalidArgumentError("values must have 2 elements");
    TANDEM_ASSIGN_OR_RETURN(auto idx, ReadDoubles(c.inputs[0]));
    DispatchMove(dtype, [&](auto tag) {
      using T = decltype(tag);
      const T off = c.inputs[2].as<const T>()[0], on = c.inputs[2].as<const T>()[1];
      T* dst = c.outputs[0].as<T>();
      std::fill(dst, dst + c.outputs[0].num_elements(), off);
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
          int64_t k = static_cast<int64_t>(idx[o * inner + i]);
          if (k < 0) k += depth;
          if (k >= 0 && k < depth) dst[(o * depth + k) * inner + i] = on;
        }
      }
    });
    return absl::OkStatus();
  });
}

// ---- CumSum over [outer, n, inner]; f16/bf16 accumulate in float.
template <typename T>
void RunCumSum(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool exclusive,
               bool reverse, pthreadpool_t pool) {
  constexpr bool kHalf = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;
  using Acc = std::conditional_t<kHalf, float, T>;
  constexpr int64_t kChunk = 256;  // inner elements per task
  const int64_t chunks = (inner + kChunk - 1) / kChunk;
  const int64_t grain =
      std::max<int64_t>(1, 16384 / std::max<int64_t>(n * std::min(inner, kChunk), 1));
  ParallelForRange(pool, outer * chunks, grain, [&](int64_t b, int64_t e) {
    std::vector<Acc> acc(kChunk);
    for (int64_t item = b; item < e; ++item) {
      const int64_t o = item / chunks, i0 = (item % chunks) * kChunk;
      const int64_t i1 = std::min(inner, i0 + kChunk);
      std::fill(acc.begin(), acc.end(), Acc{});
      for (int64_t s = 0; s < n; ++s) {
        const int64_t base = (o * n + (reverse ? n - 1 - s : s)) * inner;
        for (int64_t i = i0; i < i1; ++i) {
          Acc v;
          if constexpr (kHalf)
            v = ToFloat(x[base + i]);
          else
            v = x[base + i];
          Acc& a = acc[i - i0];
          Acc before = a;
          a = static_cast<Acc>(a + v);
          Acc r = exclusive ? before : a;
          if constexpr (std::is_same_v<T, Float16>)
            y[base + i] = FromFloat16(r);
          else if constexpr (std::is_same_v<T, BFloat16>)
            y[base + i] = FromBFloat16(r);
          else
            y[base + i] = r;
        }
      }
    }
  });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeCumSum(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (dtype == ir::DType::kBool || !Dispatch(dtype, [](auto) {})) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  }
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  if (out != in || in.empty()) return ctx.Invalid("needs rank >= 1 and output shape = input shape");
  if (!ctx.has_input(1)) return ctx.Invalid("the axis input is missing");
  const bool exclusive = ctx.node().GetInt("exclusive", 0) != 0;
  const bool reverse = ctx.node().GetInt("reverse", 0) != 0;
  const int64_t rank = static_cast<int64_t>(in.size());
  return MakeKernel([=](const KernelContext& c) -> absl::Status {
    TANDEM_ASSIGN_OR_RETURN(int64_t axis, ScalarAt(c, 1, 0));
    if (axis < -rank || axis >= rank) {
      return absl::InvalidArgumentError(absl::StrCat("axis ", axis, " out of range"));
    }
    if (axis < 0) axis += rank;
    const int64_t outer = Product(in, 0, axis), n = in[axis],
                  inner = Product(in, axis + 1, in.size());
    Dispatch(dtype, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_same_v<T, bool>) {
        RunCumSum(c.inputs[0].as<const T>(), c.outputs[0].as<T>(), outer, n, inner, exclusive,
                  reverse, c.threadpool);
      }
    });
    return absl::OkStatus();
  });
}

// ---- ReverseSequence: in each batch entry, the first seq_len steps along the time axis are
// reversed and the rest copied.
absl::StatusOr<std::unique_ptr<CpuKernel>> MakeReverseSequence(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, dtype, "input"));
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  const int64_t time_axis = ctx.node().GetInt("time_axis", 0);
  const int64_t batch_axis = ctx.node().GetInt("batch_axis", 1);
  if (in.size() < 2 || out != in)
    return ctx.Invalid("needs rank >= 2 and output shape = input shape");
  if (!((time_axis == 0 && batch_axis == 1) || (time_axis == 1 && batch_axis == 0))) {
    return ctx.Invalid("time_axis and batch_axis must be 0 and 1");
  }
  const int64_t steps = in[time_axis], batch = in[batch_axis];
  const int64_t block = Product(in, 2, in.size()) * ir::DTypeSize(dtype);
  return MakeKernel([=](const KernelContext& c) -> absl::Status {
    TANDEM_ASSIGN_OR_RETURN(auto lens, ReadInts(c.inputs[1]));
    if (static_cast<int64_t>(lens.size()) != batch) {
      return absl::InvalidArgumentError("sequence_lens must have one entry per batch");
    }
    for (int64_t len : lens) {
      if (len < 0 || len > steps) {
        return absl::InvalidArgumentError(absl::StrCat("sequence length ", len, " out of range"));
      }
    }
    auto offset = [&](int64_t t, int64_t b) {
      return (time_axis == 0 ? t * batch + b : b * steps + t) * block;
    };
    const auto* src = static_cast<const uint8_t*>(c.inputs[0].data);
    auto* dst = static_cast<uint8_t*>(c.outputs[0].data);
    ParallelForRange(c.threadpool, steps * batch,
                     std::max<int64_t>(1, 65536 / std::max<int64_t>(block, 1)),
                     [&](int64_t b, int64_t e) {
                       for (int64_t item = b; item < e; ++item) {
                         const int64_t t = item / batch, n = item % batch;
                         const int64_t from = t < lens[n] ? lens[n] - 1 - t : t;
                         std::memcpy(dst + offset(t, n), src + offset(from, n), block);
                       }
                     });
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterMiscKernels(KernelRegistry& r) {
  r.Register("Trilu", MakeTrilu);
  r.Register("OneHot", MakeOneHot);
  r.Register("CumSum", MakeCumSum);
  r.Register("ReverseSequence", MakeReverseSequence);
}

}  // namespace tandem::kernels::cpu::data_movement
