// Unique: the distinct elements of X (flattened), or its distinct slices along `axis`, with
//   indices[u]         where unique u first occurs in X,
//   inverse_indices[i] which unique element i (or slice i) of X is,
//   counts[u]          how often unique u occurs.
// sorted=1 (default) orders the uniques ascending, slices lexicographically in row-major order
// of the slice (numpy.unique with axis); sorted=0 keeps the order of first occurrence. Floats
// compare by value with every NaN equal to every other and above all numbers. The sizes depend on
// the values: outputs are sized with KernelContext::AllocateOutput.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/string_vision_kernels.h"

namespace tandem::kernels::cpu::string_vision {
namespace {

struct UniquePlan {
  Dims dims;
  int64_t axis = -1;  // -1: flattened
  int64_t outer = 1, len = 0, inner = 1;
  bool sorted = true;
  bool want[4] = {true, false, false, false};  // Y, indices, inverse_indices, counts
};

// -1, 0 or 1 as a is below, equal to or above b.
template <typename T>
int Compare(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return Compare(ToFloat(a), ToFloat(b));
  } else if constexpr (std::is_floating_point_v<T>) {
    const bool na = std::isnan(a), nb = std::isnan(b);
    if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
    return a < b ? -1 : (b < a ? 1 : 0);
  } else {
    return a < b ? -1 : (b < a ? 1 : 0);
  }
}

template <typename T>
absl::Status RunUnique(const KernelContext& c, const UniquePlan& p) {
  const T* x = c.inputs[0].as<const T>();
  const int64_t m = p.len;  // items: elements or slices
  // Item i's k-th element in the slice's row-major order.
  auto at = [&](int64_t i, int64_t k) -> const T& {
    return x[((k / p.inner) * p.len + i) * p.inner + k % p.inner];
  };
  const int64_t slice = p.outer * p.inner;
  auto cmp = [&](int64_t a, int64_t b) {
    for (int64_t k = 0; k < slice; ++k) {
      if (int r = Compare(at(a, k), at(b, k)); r != 0) return r;
    }
    return 0;
  };
  std::vector<int64_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return cmp(a, b) < 0; });
  // Runs of equal items: the first of each run is its first occurrence (the sort is stable).
  std::vector<int64_t> first, count, group_of(m);
  for (int64_t r = 0; r < m; ++r) {
    if (r == 0 || cmp(order[r - 1], order[r]) != 0) {
      first.push_back(order[r]);
      count.push_back(0);
    }
    ++count.back();
    group_of[order[r]] = static_cast<int64_t>(first.size()) - 1;
  }
  const int64_t u = static_cast<int64_t>(first.size());
  std::vector<int64_t> rank(u);  // output position of each run
  std::iota(rank.begin(), rank.end(), 0);
  if (!p.sorted) {
    std::vector<int64_t> by_first(u);
    std::iota(by_first.begin(), by_first.end(), 0);
    std::sort(by_first.begin(), by_first.end(),
              [&](int64_t a, int64_t b) { return first[a] < first[b]; });
    for (int64_t pos = 0; pos < u; ++pos) rank[by_first[pos]] = pos;
  }
  Dims y_dims{u};
  if (p.axis >= 0) {
    y_dims = p.dims;
    y_dims[p.axis] = u;
  }
  TANDEM_ASSIGN_OR_RETURN(void* y_data, c.AllocateOutput(0, y_dims));
  T* y = static_cast<T*>(y_data);
  for (int64_t g = 0; g < u; ++g) {
    for (int64_t o = 0; o < p.outer; ++o) {
      for (int64_t k = 0; k < p.inner; ++k) {
        y[(o * u + rank[g]) * p.inner + k] = x[(o * p.len + first[g]) * p.inner + k];
      }
    }
  }
  if (p.want[1]) {
    TANDEM_ASSIGN_OR_RETURN(void* d, c.AllocateOutput(1, Dims{u}));
    for (int64_t g = 0; g < u; ++g) static_cast<int64_t*>(d)[rank[g]] = first[g];
  }
  if (p.want[2]) {
    TANDEM_ASSIGN_OR_RETURN(void* d, c.AllocateOutput(2, Dims{m}));
    for (int64_t i = 0; i < m; ++i) static_cast<int64_t*>(d)[i] = rank[group_of[i]];
  }
  if (p.want[3]) {
    TANDEM_ASSIGN_OR_RETURN(void* d, c.AllocateOutput(3, Dims{u}));
    for (int64_t g = 0; g < u; ++g) static_cast<int64_t*>(d)[rank[g]] = count[g];
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeUnique(const KernelBuildContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0) || !HasOutput(ctx, 0) || ctx.num_outputs() > 4) {
    return ctx.Invalid("expects one input and one to four outputs");
  }
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (dtype != ir::DType::kString && !Dispatch(dtype, [](auto) {})) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  }
  if (ctx.output_info(0).dtype != dtype) return ctx.Invalid("output Y must have the input's dtype");
  UniquePlan p;
  for (size_t i = 1; i < 4; ++i) {
    p.want[i] = HasOutput(ctx, i);
    if (p.want[i] && ctx.output_info(i).dtype != ir::DType::kInt64) {
      return ctx.Invalid(absl::StrCat("output ", i, " must be int64"));
    }
  }
  p.sorted = ctx.node().GetInt("sorted", 1) != 0;
  TANDEM_ASSIGN_OR_RETURN(p.dims, InputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(AxisSplit split, SplitAtOptionalAxis(ctx, p.dims));
  p.axis = split.axis;
  p.outer = split.outer;
  p.len = split.len;
  p.inner = split.inner;
  return MakeFnKernel([p, dtype](const KernelContext& c) -> absl::Status {
    if (dtype == ir::DType::kString) return RunUnique<std::string>(c, p);
    absl::Status status;
    Dispatch(dtype, [&](auto tag) { status = RunUnique<decltype(tag)>(c, p); });
    return status;
  });
}

}  // namespace

void RegisterUniqueKernel(KernelRegistry& r) { r.Register("Unique", MakeUnique); }

}  // namespace tandem::kernels::cpu::string_vision
