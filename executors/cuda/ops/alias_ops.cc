// Ops that only reinterpret their input's shape: the executor gives output and input the same
// storage, so they cost nothing at run time.
#include "absl/strings/str_cat.h"
#include "executors/cuda/cuda_op.h"
#include "ir/shape.h"

namespace tandem::executors::cuda {
namespace {

absl::StatusOr<std::unique_ptr<CudaOp>> MakeAlias(const CudaBuildContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_output(0)) return ctx.Invalid("needs input 0 and output 0");
  if (ctx.input_dtype(0) != ctx.output_dtype(0)) {
    return ctx.Invalid(absl::StrCat("output type ", ir::DTypeName(ctx.output_dtype(0)), " differs from input type ",
                                    ir::DTypeName(ctx.input_dtype(0))));
  }
  if (ir::CheckedNumElements(ctx.input_dims(0)) != ir::CheckedNumElements(ctx.output_dims(0))) {
    return ctx.Invalid(absl::StrCat("output ", ir::Shape::Static(ctx.output_dims(0)).ToString(),
                                    " does not have the elements of input ",
                                    ir::Shape::Static(ctx.input_dims(0)).ToString()));
  }
  return std::unique_ptr<CudaOp>(new AliasOp);
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeDropout(const CudaBuildContext& ctx) {
  if (ctx.has_output(1)) return ctx.Unsupported("the mask output is not supported (inference only)");
  if (ctx.has_input(2)) {
    const ir::Tensor* training = ctx.constant_input(2);
    if (training == nullptr) return ctx.Unsupported("training_mode must be a constant");
    if (training->num_elements() == 1 && training->IntAt(0) != 0) {
      return ctx.Unsupported("training_mode=true is not supported (inference only)");
    }
  }
  return MakeAlias(ctx);
}

}  // namespace

void RegisterAliasOps(CudaOpRegistry& r) {
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"}) r.Register(op, MakeAlias);
  r.Register("Dropout", MakeDropout);
}

}  // namespace tandem::executors::cuda
