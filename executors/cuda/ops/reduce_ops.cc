// Reduce* over any constant set of axes (kernels/cuda/reduce.cuh).
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "executors/cuda/cuda_op.h"
#include "executors/cuda/cuda_types.h"
#include "executors/cuda/ops/layout_util.h"
#include "kernels/cuda/reduce.cuh"

namespace tandem::executors::cuda {
namespace {

using kernels::cuda::ReduceOp;

class ReduceKernelOp final : public CudaOp {
 public:
  ReduceKernelOp(ReduceOp op, kernels::cuda::ElementType type, kernels::cuda::ReduceLayout layout, int64_t num_outputs,
                 int64_t reduce_size)
      : op_(op), type_(type), layout_(layout), num_outputs_(num_outputs), reduce_size_(reduce_size) {}
  absl::Status Run(const CudaRunContext& ctx) override {
    return LaunchStatus(kernels::cuda::LaunchReduce(op_, type_, layout_, num_outputs_, reduce_size_, ctx.inputs[0],
                                                    ctx.outputs[0], ctx.stream),
                        "reduce kernel");
  }
  bool ReadsInputAtRun(size_t input) const override { return input == 0; }

 private:
  ReduceOp op_;
  kernels::cuda::ElementType type_;
  kernels::cuda::ReduceLayout layout_;
  int64_t num_outputs_, reduce_size_;
};

absl::StatusOr<std::unique_ptr<CudaOp>> MakeReduce(const CudaBuildContext& ctx, ReduceOp op) {
  if (!ctx.has_input(0) || !ctx.has_output(0)) return ctx.Invalid("needs data and reduced");
  ir::DType dtype = ctx.input_dtype(0);
  if (!ir::IsFloatingPoint(dtype) || !ToElementType(dtype)) {
    return ctx.Unsupported(absl::StrCat("type ", ir::DTypeName(dtype), " is not supported (float types)"));
  }
  if (ctx.output_dtype(0) != dtype) return ctx.Invalid("output type differs from the input's");
  std::vector<int64_t> x = ctx.input_dims(0);
  const int rank = static_cast<int>(x.size());
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) {
    auto values = ctx.ConstantInts(1, "axes");
    if (!values.ok()) return values.status();
    axes = *values;
  }
  std::set<int> reduced;
  if (axes.empty()) {
    if (ctx.node().GetInt("noop_with_empty_axes", 0) != 0) {
      if (ctx.output_dims(0) != x) return ctx.Invalid("a no-op reduction must keep the shape");
      return std::unique_ptr<CudaOp>(new AliasOp);
    }
    for (int d = 0; d < rank; ++d) reduced.insert(d);
  }
  for (int64_t a : axes) {
    auto axis = NormalizeAxis(ctx, a, rank, "axis");
    if (!axis.ok()) return axis.status();
    reduced.insert(*axis);
  }
  std::vector<int64_t> strides = kernels::cuda::ContiguousStrides(x);
  std::vector<int64_t> kept_dims, kept_strides, red_dims, red_strides;
  for (int d = 0; d < rank; ++d) {
    if (reduced.count(d)) {
      red_dims.push_back(x[d]);
      red_strides.push_back(strides[d]);
    } else {
      kept_dims.push_back(x[d]);
      kept_strides.push_back(strides[d]);
    }
  }
  kernels::cuda::ReduceLayout layout;
  if (!kernels::cuda::CollapseLayout(kept_dims, {kept_strides}, &layout.kept) ||
      !kernels::cuda::CollapseLayout(red_dims, {red_strides}, &layout.reduced)) {
    return ctx.Unsupported("too many strided dims for the reduce kernel");
  }
  int64_t num_outputs = Product(kept_dims, 0, kept_dims.size());
  int64_t reduce_size = Product(red_dims, 0, red_dims.size());
  if (ir::CheckedNumElements(ctx.output_dims(0)) != num_outputs) return ctx.Invalid("unexpected output shape");
  return std::unique_ptr<CudaOp>(new ReduceKernelOp(op, *ToElementType(dtype), layout, num_outputs, reduce_size));
}

}  // namespace

void RegisterReduceOps(CudaOpRegistry& r) {
  const std::pair<const char*, ReduceOp> ops[] = {
      {"ReduceSum", ReduceOp::kSum},       {"ReduceMean", ReduceOp::kMean},
      {"ReduceMax", ReduceOp::kMax},       {"ReduceMin", ReduceOp::kMin},
      {"ReduceProd", ReduceOp::kProd},     {"ReduceSumSquare", ReduceOp::kSumSquare},
      {"ReduceL1", ReduceOp::kL1},         {"ReduceL2", ReduceOp::kL2},
      {"ReduceLogSum", ReduceOp::kLogSum}, {"ReduceLogSumExp", ReduceOp::kLogSumExp},
  };
  for (const auto& [name, op] : ops) {
    ReduceOp reduce = op;
    r.Register(name, [reduce](const CudaBuildContext& ctx) { return MakeReduce(ctx, reduce); });
  }
}

}  // namespace tandem::executors::cuda
