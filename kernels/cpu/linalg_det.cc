// Det (opset 11): the determinants of a batch of square matrices, x [..., M, M] → y [...].
// Each matrix is factored by Gaussian elimination with partial pivoting (LU) in double; the
// determinant is the product of the pivots, negated once per row swap. A singular matrix gives
// 0 (an exactly zero pivot column). M = 0 gives 1, the empty product. Matrices run in parallel.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/lambda_kernel.h"

namespace tandem::kernels::cpu {
namespace {

// Determinant of the m×m row-major matrix in `a`, which is overwritten by its LU factors.
double LuDeterminant(std::vector<double>& a, int64_t m) {
  double det = 1.0;
  for (int64_t c = 0; c < m; ++c) {
    int64_t pivot = c;
    for (int64_t r = c + 1; r < m; ++r) {
      if (std::abs(a[r * m + c]) > std::abs(a[pivot * m + c])) pivot = r;
    }
    const double p = a[pivot * m + c];
    if (p == 0.0) return 0.0;
    if (pivot != c) {
      for (int64_t j = c; j < m; ++j) std::swap(a[c * m + j], a[pivot * m + j]);
      det = -det;
    }
    det *= p;
    for (int64_t r = c + 1; r < m; ++r) {
      const double f = a[r * m + c] / p;
      if (f == 0.0) continue;
      for (int64_t j = c + 1; j < m; ++j) a[r * m + j] -= f * a[c * m + j];
    }
  }
  return det;
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeDet(const KernelBuildContext& ctx) {
  if (!ctx.has_input(0) || ctx.num_outputs() != 1) return ctx.Invalid("needs one input and one output");
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (!IsFloatingDType(dtype)) return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  if (ctx.output_info(0).dtype != dtype) return ctx.Invalid("the output dtype must match the input's");
  TANDEM_ASSIGN_OR_RETURN(Dims x, StaticDimsOf(ctx, ctx.input_info(0), "input"));
  TANDEM_ASSIGN_OR_RETURN(Dims y, StaticDimsOf(ctx, ctx.output_info(0), "output"));
  if (x.size() < 2 || x[x.size() - 1] != x[x.size() - 2]) {
    return ctx.Invalid("the input must be [..., M, M]");
  }
  if (y != Dims(x.begin(), x.end() - 2)) return ctx.Invalid("the output must be the input's batch dims");
  const int64_t m = x.back();
  int64_t batch = 1;
  for (size_t d = 0; d + 2 < x.size(); ++d) batch *= x[d];
  return MakeLambdaKernel([dtype, m, batch](const KernelContext& k) -> absl::Status {
    DispatchFloating(dtype, [&](auto tag) {
      using T = decltype(tag);
      const T* in = k.inputs[0].as<const T>();
      T* out = k.outputs[0].as<T>();
      const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, m * m * m));
      ParallelForRange(k.threadpool, batch, grain, [&](int64_t b, int64_t e) {
        std::vector<double> a(static_cast<size_t>(m * m));
        for (int64_t i = b; i < e; ++i) {
          for (int64_t j = 0; j < m * m; ++j) a[j] = Widen(in[i * m * m + j]);
          out[i] = Narrow<T>(LuDeterminant(a, m));
        }
      });
    });
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterLinalgKernels(KernelRegistry& r) { r.Register("Det", MakeDet); }

}  // namespace tandem::kernels::cpu
