#include "kernels/cpu/nn_pool_params.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::kernels::cpu::nn {

absl::StatusOr<PoolParams> ReadPoolParams(const KernelBuildContext& ctx, bool max_pool) {
  PoolParams p;
  if (!ctx.has_input(0)) return ctx.Invalid("X is required");
  auto x = StaticShape(ctx, 0, /*output=*/false);
  if (!x.ok()) return x.status();
  if (x->size() < 3) return ctx.Invalid(absl::StrCat("X must have rank >= 3, got rank ", x->size()));
  p.dtype = ctx.input_info(0).dtype;
  p.batch = (*x)[0];
  p.channels = (*x)[1];
  std::vector<int64_t> in(x->begin() + 2, x->end());
  std::vector<int64_t> kernel = ctx.node().GetInts("kernel_shape");
  if (kernel.empty()) return ctx.Invalid("kernel_shape is required");
  p.ceil_mode = ctx.node().GetInt("ceil_mode", 0) != 0;
  p.count_include_pad = ctx.node().GetInt("count_include_pad", 0) != 0;
  const int64_t storage_order = ctx.node().GetInt("storage_order", 0);
  if (storage_order != 0 && storage_order != 1) return ctx.Invalid("storage_order must be 0 or 1");
  p.column_major_indices = storage_order == 1;
  p.has_indices = max_pool && ctx.num_outputs() > 1 && ctx.node().outputs[1].valid();
  auto window = ReadWindow(ctx, std::move(in), std::move(kernel), p.ceil_mode);
  if (!window.ok()) return window.status();
  p.window = *std::move(window);

  auto y = StaticShape(ctx, 0, /*output=*/true);
  if (!y.ok()) return y.status();
  std::vector<int64_t> expected = {p.batch, p.channels};
  expected.insert(expected.end(), p.window.out.begin(), p.window.out.end());
  bool ok = y->size() == expected.size() && (*y)[0] == p.batch && (*y)[1] == p.channels;
  for (size_t i = 2; ok && i < y->size(); ++i) {
    ok = (*y)[i] == expected[i] || (p.ceil_mode && (*y)[i] == expected[i] + 1);
  }
  if (!ok) {
    return ctx.Invalid(absl::StrCat("output is [", absl::StrJoin(*y, ","), "], expected [",
                                    absl::StrJoin(expected, ","), "]"));
  }
  p.window.out.assign(y->begin() + 2, y->end());
  if (p.has_indices) {
    absl::Status s = ExpectOutputShape(ctx, 1, *y);
    if (!s.ok()) return s;
    if (ctx.output_info(1).dtype != ir::DType::kInt64) return ctx.Invalid("Indices must be int64");
  }
  return p;
}

}  // namespace tandem::kernels::cpu::nn
