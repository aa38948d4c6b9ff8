// QuantizeLinear and DequantizeLinear (opsets 10-21, integer types):
//   QuantizeLinear:   y = saturate(round_half_to_even(x / scale) + zero_point)
//   DequantizeLinear: y = (x - zero_point) · scale
// The scale (and zero point, same shape) is per tensor (one element), per axis (1-D of length
// x.shape[axis]) or blocked (block_size > 0: x's rank, with ceil(x.shape[axis] / block_size)
// along the axis). The zero point defaults to 0; the quantized dtype is the output's (quantize)
// or x's (dequantize): uint8, int8, uint16, int16, and int32 for dequantize. float8 and 4-bit
// types are not supported. x / scale is formed in float for float, float16 and bfloat16 x (as
// ONNX Runtime does) and in double for double and int32 x; NaN quantizes to the zero point.
// Dequantization forms the product in double and rounds once to the output dtype.
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/lambda_kernel.h"
#include "kernels/cpu/quantize_common.h"

namespace tandem::kernels::cpu {
namespace quantize {

absl::StatusOr<ScaleIndex> MakeScaleIndex(const KernelBuildContext& ctx, const Dims& x_dims,
                                          const Dims& scale_dims) {
  ScaleIndex index;
  int64_t scale_elements = 1;
  for (int64_t d : scale_dims) scale_elements *= d;
  const int64_t block = ctx.node().GetInt("block_size", 0);
  if (block < 0) return ctx.Invalid("block_size must not be negative");
  if (scale_elements == 1 && block == 0) return index;  // per tensor
  const int64_t rank = static_cast<int64_t>(x_dims.size());
  int64_t axis = ctx.node().GetInt("axis", 1);
  if (axis < -rank || axis >= rank) {
    return ctx.Invalid(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  if (axis < 0) axis += rank;
  index.per_tensor = false;
  index.axis_dim = x_dims[axis];
  for (int64_t d = axis + 1; d < rank; ++d) index.inner *= x_dims[d];
  if (block == 0) {
    if (scale_dims.size() != 1 || scale_dims[0] != index.axis_dim) {
      return ctx.Invalid(absl::StrCat("a per-axis scale must be 1-D of length ", index.axis_dim));
    }
    return index;
  }
  index.block = block;
  index.scale_axis_dim = (index.axis_dim + block - 1) / block;
  bool ok = static_cast<int64_t>(scale_dims.size()) == rank;
  for (int64_t d = 0; ok && d < rank; ++d) {
    ok = scale_dims[d] == (d == axis ? index.scale_axis_dim : x_dims[d]);
  }
  if (!ok) return ctx.Invalid("a blocked scale must match x but for ceil(dim / block_size) along the axis");
  return index;
}

namespace {

bool IsQuantType(ir::DType t, bool allow_int32) {
  return t == ir::DType::kUInt8 || t == ir::DType::kInt8 || t == ir::DType::kUInt16 ||
         t == ir::DType::kInt16 || (allow_int32 && t == ir::DType::kInt32);
}

// Calls fn(Q{}) for a quantized dtype.
template <typename Fn>
void DispatchQuant(ir::DType t, Fn&& fn) {
  switch (t) {
    case ir::DType::kUInt8: fn(uint8_t{}); break;
    case ir::DType::kInt8: fn(int8_t{}); break;
    case ir::DType::kUInt16: fn(uint16_t{}); break;
    case ir::DType::kInt16: fn(int16_t{}); break;
    case ir::DType::kInt32: fn(int32_t{}); break;
    default: break;
  }
}

struct Params {
  ScaleIndex index;
  ir::DType x_type, scale_type, y_type;
  bool has_zero_point;
};

// Scale and zero point as plain vectors, read once per run.
void ReadScaleAndZeroPoint(const KernelContext& k, std::vector<double>& scale,
                           std::vector<int64_t>& zp) {
  const TensorView& s = k.inputs[1];
  scale.resize(static_cast<size_t>(s.num_elements()));
  for (size_t i = 0; i < scale.size(); ++i) scale[i] = LoadDouble(s.dtype, s.data, i);
  zp.assign(scale.size(), 0);
  if (k.inputs.size() > 2 && k.inputs[2].data) {
    const TensorView& z = k.inputs[2];
    for (size_t i = 0; i < zp.size(); ++i) zp[i] = static_cast<int64_t>(LoadDouble(z.dtype, z.data, i));
  }
}

template <typename X, typename Q>
void Quantize(const Params& p, const KernelContext& k) {
  using F = std::conditional_t<std::is_same_v<X, double> || std::is_same_v<X, int32_t>, double, float>;
  std::vector<double> scale;
  std::vector<int64_t> zp;
  ReadScaleAndZeroPoint(k, scale, zp);
  const X* x = k.inputs[0].as<const X>();
  Q* y = k.outputs[0].as<Q>();
  ParallelForRange(k.threadpool, k.inputs[0].num_elements(), 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t s = p.index(i);
      F v;
      if constexpr (std::is_same_v<X, int32_t>) {
        v = static_cast<F>(x[i]) / static_cast<F>(scale[s]);
      } else {
        v = static_cast<F>(Widen(x[i])) / static_cast<F>(scale[s]);
      }
      if (std::isnan(v)) {
        y[i] = static_cast<Q>(zp[s]);
      } else {
        y[i] = SaturateRound<Q>(std::nearbyint(v) + static_cast<F>(zp[s]));
      }
    }
  });
}

template <typename Q>
void Dequantize(const Params& p, const KernelContext& k) {
  std::vector<double> scale;
  std::vector<int64_t> zp;
  ReadScaleAndZeroPoint(k, scale, zp);
  const Q* x = k.inputs[0].as<const Q>();
  ParallelForRange(k.threadpool, k.inputs[0].num_elements(), 16384, [&](int64_t b, int64_t e) {
    DispatchFloating(p.y_type, [&](auto tag) {
      using Y = decltype(tag);
      Y* y = k.outputs[0].as<Y>();
      for (int64_t i = b; i < e; ++i) {
        const int64_t s = p.index(i);
        y[i] = Narrow<Y>(static_cast<double>(static_cast<int64_t>(x[i]) - zp[s]) * scale[s]);
      }
    });
  });
}

// Checks shared by both ops; returns the params with y_type and the scale index set.
absl::StatusOr<Params> CheckCommon(const KernelBuildContext& ctx, ir::DType quant_type, bool dequant) {
  if (!ctx.has_input(0) || !ctx.has_input(1) || ctx.num_outputs() != 1) {
    return ctx.Invalid("needs x and scale inputs and one output");
  }
  Params p;
  p.x_type = ctx.input_info(0).dtype;
  p.scale_type = ctx.input_info(1).dtype;
  p.y_type = ctx.output_info(0).dtype;
  p.has_zero_point = ctx.has_input(2);
  if (!IsFloatingDType(p.scale_type)) return ctx.Invalid("the scale must be floating point");
  if (!IsQuantType(quant_type, dequant)) {
    return ctx.Unsupported(absl::StrCat("quantized dtype ", ir::DTypeName(quant_type)));
  }
  TANDEM_ASSIGN_OR_RETURN(Dims x, StaticDimsOf(ctx, ctx.input_info(0), "x"));
  TANDEM_ASSIGN_OR_RETURN(Dims scale, StaticDimsOf(ctx, ctx.input_info(1), "scale"));
  TANDEM_ASSIGN_OR_RETURN(Dims y, StaticDimsOf(ctx, ctx.output_info(0), "y"));
  if (y != x) return ctx.Invalid("the output shape must match x");
  if (p.has_zero_point) {
    if (ctx.input_info(2).dtype != quant_type) {
      return ctx.Invalid(absl::StrCat("the zero point must be ", ir::DTypeName(quant_type)));
    }
    TANDEM_ASSIGN_OR_RETURN(Dims zp, StaticDimsOf(ctx, ctx.input_info(2), "zero point"));
    if (zp != scale) return ctx.Invalid("the zero point's shape must match the scale's");
  }
  TANDEM_ASSIGN_OR_RETURN(p.index, MakeScaleIndex(ctx, x, scale));
  return p;
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeQuantize(const KernelBuildContext& ctx) {
  const ir::DType x_type = ctx.input_info(0).dtype;
  if (!IsFloatingDType(x_type) && x_type != ir::DType::kInt32) {
    return ctx.Unsupported(absl::StrCat("x dtype ", ir::DTypeName(x_type)));
  }
  TANDEM_ASSIGN_OR_RETURN(Params p, CheckCommon(ctx, ctx.output_info(0).dtype, /*dequant=*/false));
  return MakeLambdaKernel([p](const KernelContext& k) -> absl::Status {
    DispatchQuant(p.y_type, [&](auto qtag) {
      using Q = decltype(qtag);
      if constexpr (sizeof(Q) <= 2) {
        if (p.x_type == ir::DType::kInt32) {
          Quantize<int32_t, Q>(p, k);
        } else {
          DispatchFloating(p.x_type, [&](auto xtag) { Quantize<decltype(xtag), Q>(p, k); });
        }
      }
    });
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeDequantize(const KernelBuildContext& ctx) {
  TANDEM_ASSIGN_OR_RETURN(Params p, CheckCommon(ctx, ctx.input_info(0).dtype, /*dequant=*/true));
  if (p.y_type != p.scale_type) return ctx.Invalid("the output dtype must match the scale's");
  return MakeLambdaKernel([p](const KernelContext& k) -> absl::Status {
    DispatchQuant(p.x_type, [&](auto qtag) { Dequantize<decltype(qtag)>(p, k); });
    return absl::OkStatus();
  });
}

}  // namespace
}  // namespace quantize

void RegisterQuantizeLinearKernels(KernelRegistry& r) {
  r.Register("QuantizeLinear", quantize::MakeQuantize);
  r.Register("DequantizeLinear", quantize::MakeDequantize);
}

void RegisterQuantizeKernels(KernelRegistry& r) {
  RegisterQuantizeLinearKernels(r);
  RegisterDynamicQuantizeKernels(r);
}

}  // namespace tandem::kernels::cpu
