// TopK: the k largest (or smallest) elements along an axis and their int64 indices.
//
// k is the output's static size along the axis; a constant K input must agree at build time
// and a run-time K input at run time. Results are always sorted (allowed when sorted=0), and
// equal values keep the lower index first, as the ONNX spec requires. NaN orders above every
// number (as numpy sorts it), so the comparison stays a strict weak order and a NaN input can
// never break std::partial_sort.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/data_movement_util.h"
#include "kernels/cpu/dtype_dispatch.h"

namespace tandem::kernels::cpu::data_movement {
namespace {

template <typename K>
bool IsNan(K v) {
  if constexpr (std::is_floating_point_v<K>) return std::isnan(v);
  return false;
}

// a orders strictly above b (NaN above everything).
template <typename K>
bool Above(K a, K b) {
  if (IsNan(a) || IsNan(b)) return !IsNan(b);
  return a > b;
}

struct TopKShape {
  int64_t outer, n, inner, k;
};

template <typename T>
void RunTopK(const TopKShape& s, bool largest, const T* x, T* values, int64_t* indices,
             pthreadpool_t pool) {
  constexpr bool kHalf = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;
  using Key = std::conditional_t<kHalf, float, T>;
  const int64_t rows = s.outer * s.inner;
  ParallelForRange(pool, rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(s.n, 1)),
                   [&](int64_t b, int64_t e) {
                     std::vector<std::pair<Key, int64_t>> buf(s.n);
                     auto cmp = [largest](const std::pair<Key, int64_t>& a,
                                          const std::pair<Key, int64_t>& b) {
                       bool first = largest ? Above(a.first, b.first) : Above(b.first, a.first);
                       bool second = largest ? Above(b.first, a.first) : Above(a.first, b.first);
                       if (first || second) return first;
                       return a.second < b.second;  // equal values: lower index first
                     };
                     for (int64_t r = b; r < e; ++r) {
                       const int64_t o = r / s.inner, i = r % s.inner;
                       for (int64_t j = 0; j < s.n; ++j) {
                         const T v = x[(o * s.n + j) * s.inner + i];
                         if constexpr (kHalf)
                           buf[j] = {ToFloat(v), j};
                         else
                           buf[j] = {v, j};
                       }
                       std::partial_sort(buf.begin(), buf.begin() + s.k, buf.end(), cmp);
                       for (int64_t j = 0; j < s.k; ++j) {
                         const int64_t at = (o * s.k + j) * s.inner + i;
                         values[at] = x[(o * s.n + buf[j].second) * s.inner + i];
                         indices[at] = buf[j].second;
                       }
                     }
                   });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeTopK(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (dtype == ir::DType::kBool || !Dispatch(dtype, [](auto) {})) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  }
  if (ctx.num_outputs() != 2 || ctx.output_info(0).dtype != dtype ||
      ctx.output_info(1).dtype != ir::DType::kInt64) {
    return ctx.Invalid("needs a Values output of the input's dtype and an int64 Indices output");
  }
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims out_idx, StaticOutputDims(ctx, 1));
  const int64_t rank = static_cast<int64_t>(in.size());
  if (rank == 0 || out.size() != in.size() || out_idx != out)
    return ctx.Invalid("bad output shapes");
  TANDEM_ASSIGN_OR_RETURN(int64_t axis,
                          NormalizeAxis(ctx, ctx.node().GetInt("axis", -1), rank, "axis"));
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis && out[d] != in[d])
      return ctx.Invalid("outputs must match the input off the axis");
  }
  const TopKShape s{Product(in, 0, axis), in[axis], Product(in, axis + 1, in.size()), out[axis]};
  if (s.k > s.n) return ctx.Invalid(absl::StrCat("k = ", s.k, " exceeds the axis size ", s.n));
  TANDEM_ASSIGN_OR_RETURN(auto k_const, ConstantInts(ctx, 1));
  if (k_const && (k_const->size() != 1 || (*k_const)[0] != s.k)) {
    return ctx.Invalid("the K input disagrees with the output shape");
  }
  const bool check_k = ctx.has_input(1) && !k_const;
  const bool largest = ctx.node().GetInt("largest", 1) != 0;
  return MakeKernel([=](const KernelContext& c) -> absl::Status {
    if (check_k) {
      TANDEM_ASSIGN_OR_RETURN(auto k, ReadInts(c.inputs[1]));
      if (k.size() != 1 || k[0] != s.k) {
        return absl::InvalidArgumentError(
            absl::StrCat("K input disagrees with the output's k = ", s.k));
      }
    }
    if (s.k == 0) return absl::OkStatus();
    Dispatch(dtype, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_same_v<T, bool>) {
        RunTopK(s, largest, c.inputs[0].as<const T>(), c.outputs[0].as<T>(),
                c.outputs[1].as<int64_t>(), c.threadpool);
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterTopKKernels(KernelRegistry& r) { r.Register("TopK", MakeTopK); }

}  // namespace tandem::kernels::cpu::data_movement
