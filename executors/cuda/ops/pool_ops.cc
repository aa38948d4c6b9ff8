// MaxPool and AveragePool (kernels/cuda/pool.cuh); GlobalAveragePool and GlobalMaxPool as
// reductions over the spatial dims (kernels/cuda/reduce.cuh).
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "executors/cuda/cuda_op.h"
#include "executors/cuda/cuda_types.h"
#include "executors/cuda/ops/layout_util.h"
#include "kernels/cuda/pool.cuh"
#include "kernels/cuda/reduce.cuh"

namespace tandem::executors::cuda {
namespace {

using kernels::cuda::ElementType;

class PoolOp final : public CudaOp {
 public:
  PoolOp(ElementType type, kernels::cuda::PoolParams params, int64_t planes)
      : type_(type), params_(params), planes_(planes) {}
  absl::Status Run(const CudaRunContext& ctx) override {
    return LaunchStatus(kernels::cuda::LaunchPool(type_, params_, planes_, ctx.inputs[0], ctx.outputs[0], ctx.stream),
                        "pool kernel");
  }

 private:
  ElementType type_;
  kernels::cuda::PoolParams params_;
  int64_t planes_;
};

absl::StatusOr<std::unique_ptr<CudaOp>> MakePool(const CudaBuildContext& ctx, bool max) {
  if (!ctx.has_input(0) || !ctx.has_output(0)) return ctx.Invalid("needs X and Y");
  if (ctx.has_output(1)) return ctx.Unsupported("the Indices output is not supported on the GPU");
  ir::DType dtype = ctx.input_dtype(0);
  if (!ir::IsFloatingPoint(dtype) || !ToElementType(dtype)) {
    return ctx.Unsupported(absl::StrCat("type ", ir::DTypeName(dtype), " is not supported (float types)"));
  }
  std::vector<int64_t> x = ctx.input_dims(0), y = ctx.output_dims(0);
  if (x.size() < 3 || x.size() > 5 || y.size() != x.size()) return ctx.Unsupported("only 1 to 3 spatial dims");
  if (x[0] != y[0] || x[1] != y[1]) return ctx.Invalid("N and C of X and Y differ");
  const size_t spatial = x.size() - 2;
  std::vector<int64_t> kernel = ctx.node().GetInts("kernel_shape");
  if (kernel.size() != spatial) return ctx.Invalid("kernel_shape must have one value per spatial dim");
  std::vector<int64_t> strides = ctx.node().GetInts("strides", std::vector<int64_t>(spatial, 1));
  std::vector<int64_t> dilations = ctx.node().GetInts("dilations", std::vector<int64_t>(spatial, 1));
  if (strides.size() != spatial || dilations.size() != spatial) return ctx.Invalid("strides/dilations rank");
  if (ctx.node().GetInt("storage_order", 0) != 0) return ctx.Unsupported("storage_order=1 is not supported");
  std::string auto_pad = ctx.node().GetString("auto_pad", "NOTSET");
  std::vector<int64_t> pads = ctx.node().GetInts("pads", std::vector<int64_t>(2 * spatial, 0));
  if (pads.size() != 2 * spatial) return ctx.Invalid("pads must have 2 values per spatial dim");
  kernels::cuda::PoolParams p;
  p.max = max;
  p.count_include_pad = ctx.node().GetInt("count_include_pad", 0) != 0;
  const size_t shift = 3 - spatial;  // fewer than 3 spatial dims: leading 1-sized dims
  for (size_t d = 0; d < spatial; ++d) {
    int64_t in = x[d + 2], out = y[d + 2];
    int64_t begin = pads[d], end = pads[d + spatial];
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      int64_t total = std::max<int64_t>(0, (out - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - in);
      begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      end = total - begin;
    } else if (auto_pad == "VALID") {
      begin = end = 0;
    } else if (auto_pad != "NOTSET") {
      return ctx.Invalid(absl::StrCat("unknown auto_pad '", auto_pad, "'"));
    }
    if (kernel[d] < 1 || strides[d] < 1 || dilations[d] < 1 || begin < 0 || end < 0) {
      return ctx.Invalid("kernel, strides and dilations must be positive and pads non-negative");
    }
    p.in[d + shift] = in;
    p.out[d + shift] = out;
    p.kernel[d + shift] = kernel[d];
    p.stride[d + shift] = strides[d];
    p.dilation[d + shift] = dilations[d];
    p.pad_begin[d + shift] = begin;
    p.pad_end[d + shift] = end;
  }
  return std::unique_ptr<CudaOp>(new PoolOp(*ToElementType(dtype), p, x[0] * x[1]));
}

class GlobalPoolOp final : public CudaOp {
 public:
  GlobalPoolOp(kernels::cuda::ReduceOp op, ElementType type, int64_t planes, int64_t plane_size)
      : op_(op), type_(type), planes_(planes), plane_size_(plane_size) {
    layout_.kept.rank = 1;
    layout_.kept.dims[0] = planes;
    layout_.kept.strides[0][0] = plane_size;
    layout_.reduced.rank = 1;
    layout_.reduced.dims[0] = plane_size;
    layout_.reduced.strides[0][0] = 1;
  }
  absl::Status Run(const CudaRunContext& ctx) override {
    return LaunchStatus(kernels::cuda::LaunchReduce(op_, type_, layout_, planes_, plane_size_, ctx.inputs[0],
                                                    ctx.outputs[0], ctx.stream),
                        "global pool kernel");
  }

 private:
  kernels::cuda::ReduceOp op_;
  ElementType type_;
  int64_t planes_, plane_size_;
  kernels::cuda::ReduceLayout layout_;
};

absl::StatusOr<std::unique_ptr<CudaOp>> MakeGlobalPool(const CudaBuildContext& ctx, kernels::cuda::ReduceOp op) {
  if (!ctx.has_input(0) || !ctx.has_output(0)) return ctx.Invalid("needs X and Y");
  ir::DType dtype = ctx.input_dtype(0);
  if (!ir::IsFloatingPoint(dtype) || !ToElementType(dtype)) {
    return ctx.Unsupported(absl::StrCat("type ", ir::DTypeName(dtype), " is not supported (float types)"));
  }
  std::vector<int64_t> x = ctx.input_dims(0);
  if (x.size() < 2) return ctx.Invalid("X must have rank >= 2");
  return std::unique_ptr<CudaOp>(new GlobalPoolOp(op, *ToElementType(dtype), x[0] * x[1], Product(x, 2, x.size())));
}

}  // namespace

void RegisterPoolOps(CudaOpRegistry& r) {
  r.Register("MaxPool", [](const CudaBuildContext& ctx) { return MakePool(ctx, true); });
  r.Register("AveragePool", [](const CudaBuildContext& ctx) { return MakePool(ctx, false); });
  r.Register("GlobalAveragePool",
             [](const CudaBuildContext& ctx) { return MakeGlobalPool(ctx, kernels::cuda::ReduceOp::kMean); });
  r.Register("GlobalMaxPool",
             [](const CudaBuildContext& ctx) { return MakeGlobalPool(ctx, kernels::cuda::ReduceOp::kMax); });
}

}  // namespace tandem::executors::cuda
