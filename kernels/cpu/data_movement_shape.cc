// Kernels that write shapes or generated values rather than move input data: Shape, Size,
// ConstantOfShape, Range, EyeLike. Their output shapes are static, so Shape and Size are
// computed once at build time.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/data_movement_util.h"
#include "kernels/cpu/dtype_dispatch.h"

namespace tandem::kernels::cpu::data_movement {
namespace {

// A kernel that writes fixed int64 values into output 0.
absl::StatusOr<std::unique_ptr<CpuKernel>> ConstantInt64Kernel(std::vector<int64_t> values) {
  return MakeKernel([values](const KernelContext& ctx) {
    if (!values.empty()) std::memcpy(ctx.outputs[0].data, values.data(), values.size() * 8);
    return absl::OkStatus();
  });
}

absl::Status CheckOutput(const KernelBuildContext& ctx, ir::DType dtype, const Dims& dims) {
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  if (ctx.output_info(0).dtype != dtype || out != dims) {
    return ctx.Invalid(absl::StrCat("output is ", ctx.output_info(0).ToString(), ", expected ",
                                    ir::DTypeName(dtype), DimsString(dims)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeShape(const KernelBuildContext& ctx) {
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, 0));
  int64_t rank = static_cast<int64_t>(in.size());
  auto clamp = [rank](int64_t v) {
    if (v < 0) v += rank;
    return std::min(std::max<int64_t>(v, 0), rank);
  };
  int64_t start = clamp(ctx.node().GetInt("start", 0));
  int64_t end = clamp(ctx.node().GetInt("end", rank));
  std::vector<int64_t> values;
  for (int64_t i = start; i < end; ++i) values.push_back(in[i]);
  TANDEM_RETURN_IF_ERROR(
      CheckOutput(ctx, ir::DType::kInt64, Dims{static_cast<int64_t>(values.size())}));
  return ConstantInt64Kernel(std::move(values));
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeSize(const KernelBuildContext& ctx) {
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, 0));
  TANDEM_RETURN_IF_ERROR(CheckOutput(ctx, ir::DType::kInt64, Dims{}));
  return ConstantInt64Kernel({Product(in, 0, in.size())});
}

// Fills output 0 with copies of one element (`value` holds its bytes).
absl::StatusOr<std::unique_ptr<CpuKernel>> FillKernel(ir::DType dtype, std::vector<uint8_t> value) {
  return MakeKernel([dtype, value](const KernelContext& ctx) {
    const TensorView& out = ctx.outputs[0];
    DispatchMove(dtype, [&](auto tag) {
      using T = decltype(tag);
      T v;
      std::memcpy(&v, value.data(), sizeof(T));
      T* dst = out.as<T>();
      ParallelForRange(ctx.threadpool, out.num_elements(), 1 << 16,
                       [&](int64_t b, int64_t e) { std::fill(dst + b, dst + e, v); });
    });
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeConstantOfShape(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.output_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, dtype, "output"));
  TANDEM_RETURN_IF_ERROR(StaticOutputDims(ctx, 0).status());
  std::vector<uint8_t> value(ir::DTypeSize(dtype), 0);  // default: zero of the output dtype
  if (const ir::Attribute* a = ctx.node().attr("value")) {
    if (a->kind() != ir::AttrKind::kTensor)
      return ctx.Invalid("attribute 'value' must be a tensor");
    const ir::Tensor& t = a->t();
    if (t.num_elements() != 1 || t.dtype != dtype) {
      return ctx.Invalid(absl::StrCat("'value' must hold one ", ir::DTypeName(dtype), " element"));
    }
    std::memcpy(value.data(), t.data.data(), value.size());
  }
  return FillKernel(dtype, std::move(value));
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeRange(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.output_info(0).dtype;
  if (dtype != ir::DType::kFloat32 && dtype != ir::DType::kFloat64 && dtype != ir::DType::kInt16 &&
      dtype != ir::DType::kInt32 && dtype != ir::DType::kInt64) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  }
  for (size_t i = 0; i < 3; ++i) {
    if (!ctx.has_input(i) || ctx.input_info(i).dtype != dtype) {
      return ctx.Invalid("start, limit and delta must be present with the output's dtype");
    }
  }
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  if (out.size() != 1) return ctx.Invalid("output must be 1-D");
  return MakeKernel([dtype](const KernelContext& c) -> absl::Status {
    absl::Status status;
    Dispatch(dtype, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_arithmetic_v<T>) {
        const T start = *c.inputs[0].as<T>(), limit = *c.inputs[1].as<T>(),
                delta = *c.inputs[2].as<T>();
        if (delta == 0) {
          status = absl::InvalidArgumentError("Range delta is zero");
          return;
        }
        double count = std::ceil((static_cast<double>(limit) - static_cast<double>(start)) /
                                 static_cast<double>(delta));
        const int64_t n = c.outputs[0].num_elements();
        if (std::max(count, 0.0) != static_cast<double>(n)) {
          status = absl::InvalidArgumentError(
              absl::StrCat("Range gives ", std::max(count, 0.0), " elements, output has ", n));
          return;
        }
        // Accumulating (as the ONNX function body and ONNX Runtime do) rather than start+i*delta.
        T* dst = c.outputs[0].as<T>();
        T v = start;
        for (int64_t i = 0; i < n; ++i, v = static_cast<T>(v + delta)) dst[i] = v;
      }
    });
    return status;
  });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeEyeLike(const KernelBuildContext& ctx) {
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, 0));
  if (in.size() != 2) return ctx.Invalid("input must be 2-D");
  const ir::DType dtype = ctx.output_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckOutput(ctx, dtype, in));
  const int64_t k = ctx.node().GetInt("k", 0);
  std::vector<uint8_t> one(ir::DTypeSize(dtype), 0);
  bool ok = Dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T v;
    if constexpr (std::is_same_v<T, Float16>) {
      v = FromFloat16(1.0f);
    } else if constexpr (std::is_same_v<T, BFloat16>) {
      v = FromBFloat16(1.0f);
    } else {
      v = static_cast<T>(1);
    }
    std::memcpy(one.data(), &v, sizeof(T));
  });
  if (!ok) return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  const int64_t rows = in[0], cols = in[1];
  return MakeKernel([one, rows, cols, k](const KernelContext& c) {
    auto* dst = static_cast<uint8_t*>(c.outputs[0].data);
    const size_t size = one.size();
    std::memset(dst, 0, static_cast<size_t>(rows * cols) * size);
    for (int64_t i = 0; i < rows; ++i) {
      int64_t j = i + k;
      if (j >= 0 && j < cols) std::memcpy(dst + (i * cols + j) * size, one.data(), size);
    }
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterShapeKernels(KernelRegistry& r) {
  r.Register("Shape", MakeShape);
  r.Register("Size", MakeSize);
  r.Register("ConstantOfShape", MakeConstantOfShape);
  r.Register("Range", MakeRange);
  r.Register("EyeLike", MakeEyeLike);
}

}  // namespace tandem::kernels::cpu::data_movement
