// NonZero and Compress: data movement whose output size depends on the input values.
//
// NonZero(X) is int64 [rank, nnz]: the coordinates of the non-zero elements in row-major order
// (a scalar counts as rank 1, as numpy and onnxruntime treat it). Non-zero means != 0 for numbers
// (NaN is non-zero, -0.0 is zero), true for bool and non-empty for strings.
//
// Compress(X, condition) keeps the slices along `axis` (or the elements of the flattened X when
// axis is absent) whose condition entry is true. A condition shorter than the axis drops the
// rest; entries past its end must be false.
//
// Both size their output with KernelContext::AllocateOutput (see string_vision_kernels.h).
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/string_vision_kernels.h"

namespace tandem::kernels::cpu::string_vision {
namespace {

constexpr int64_t kChunk = int64_t{1} << 16;  // elements per counting task

template <typename T>
bool IsNonZero(const T& v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return (v.bits & 0x7fff) != 0;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return !v.empty();
  } else {
    return v != T(0);
  }
}

template <typename T>
absl::Status RunNonZero(const KernelContext& c, const Dims& dims) {
  const T* x = c.inputs[0].as<const T>();
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<int64_t> counts(chunks, 0);
  ParallelFor(c.threadpool, chunks, [&](int64_t k) {
    int64_t count = 0;
    for (int64_t i = k * kChunk, e = std::min(n, i + kChunk); i < e; ++i) count += IsNonZero(x[i]);
    counts[k] = count;
  });
  int64_t nnz = 0;
  for (int64_t& count : counts) {  // counts become each chunk's first output column
    const int64_t here = count;
    count = nnz;
    nnz += here;
  }
  const int64_t rank = std::max<int64_t>(static_cast<int64_t>(dims.size()), 1);
  TANDEM_ASSIGN_OR_RETURN(void* data, c.AllocateOutput(0, Dims{rank, nnz}));
  int64_t* y = static_cast<int64_t*>(data);
  ParallelFor(c.threadpool, chunks, [&](int64_t k) {
    int64_t col = counts[k];
    for (int64_t i = k * kChunk, e = std::min(n, i + kChunk); i < e; ++i) {
      if (!IsNonZero(x[i])) continue;
      if (dims.empty()) {
        y[col] = 0;
      } else {
        int64_t rest = i;
        for (int64_t d = rank - 1; d >= 0; --d) {
          y[d * nnz + col] = rest % dims[d];
          rest /= dims[d];
        }
      }
      ++col;
    }
  });
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeNonZero(const KernelBuildContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0) || !HasOutput(ctx, 0)) {
    return ctx.Invalid("expects one input and one output");
  }
  if (ctx.output_info(0).dtype != ir::DType::kInt64) return ctx.Invalid("the output must be int64");
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (dtype != ir::DType::kString && !Dispatch(dtype, [](auto) {})) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  }
  TANDEM_ASSIGN_OR_RETURN(Dims dims, InputDims(ctx, 0));
  return MakeFnKernel([dtype, dims](const KernelContext& c) -> absl::Status {
    if (dtype == ir::DType::kString) return RunNonZero<std::string>(c, dims);
    absl::Status status;
    Dispatch(dtype, [&](auto tag) { status = RunNonZero<decltype(tag)>(c, dims); });
    return status;
  });
}

struct CompressPlan {
  Dims dims;
  int64_t axis = -1;  // -1: flatten
  int64_t outer = 1, len = 0, inner = 1;
  int64_t elem_size = 0;  // 0 for strings
};

absl::Status RunCompress(const KernelContext& c, const CompressPlan& p) {
  const TensorView& cond = c.inputs[1];
  const auto* flags = cond.as<const uint8_t>();
  const int64_t clen = cond.num_elements();
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < clen; ++i) {
    if (!flags[i]) continue;
    if (i >= p.len) {
      return absl::InvalidArgumentError(
          absl::StrCat("condition[", i, "] is true but the ",
                       p.axis < 0 ? "flattened input has " : "axis has ", p.len, " entries"));
    }
    kept.push_back(i);
  }
  const int64_t k = static_cast<int64_t>(kept.size());
  Dims out_dims{k};
  if (p.axis >= 0) {
    out_dims = p.dims;
    out_dims[p.axis] = k;
  }
  TANDEM_ASSIGN_OR_RETURN(void* data, c.AllocateOutput(0, out_dims));
  const void* x = c.inputs[0].data;
  ParallelForRange(
      c.threadpool, p.outer, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, k * p.inner)),
      [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          for (int64_t j = 0; j < k; ++j) {
            const int64_t src = (o * p.len + kept[j]) * p.inner, dst = (o * k + j) * p.inner;
            if (p.elem_size == 0) {
              const auto* s = static_cast<const std::string*>(x) + src;
              std::copy(s, s + p.inner, static_cast<std::string*>(data) + dst);
            } else {
              std::memcpy(static_cast<char*>(data) + dst * p.elem_size,
                          static_cast<const char*>(x) + src * p.elem_size,
                          static_cast<size_t>(p.inner * p.elem_size));
            }
          }
        }
      });
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeCompress(const KernelBuildContext& ctx) {
  if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1) || !HasOutput(ctx, 0)) {
    return ctx.Invalid("expects input and condition, and one output");
  }
  const ir::DType dtype = ctx.input_info(0).dtype;
  CompressPlan p;
  p.elem_size = ir::DTypeSize(dtype);
  if (dtype == ir::DType::kUndefined || (p.elem_size == 0 && dtype != ir::DType::kString)) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  }
  if (ctx.output_info(0).dtype != dtype) return ctx.Invalid("the output dtype must be the input's");
  if (ctx.input_info(1).dtype != ir::DType::kBool) return ctx.Invalid("condition must be bool");
  TANDEM_ASSIGN_OR_RETURN(p.dims, InputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(Dims cond, InputDims(ctx, 1));
  if (cond.size() != 1)
    return ctx.Invalid(absl::StrCat("condition must be 1-D, got rank ", cond.size()));
  TANDEM_ASSIGN_OR_RETURN(AxisSplit split, SplitAtOptionalAxis(ctx, p.dims));
  p.axis = split.axis;
  p.outer = split.outer;
  p.len = split.len;
  p.inner = split.inner;
  return MakeFnKernel([p](const KernelContext& c) { return RunCompress(c, p); });
}

}  // namespace

void RegisterNonZeroKernels(KernelRegistry& r) {
  r.Register("NonZero", MakeNonZero);
  r.Register("Compress", MakeCompress);
}

}  // namespace tandem::kernels::cpu::string_vision
