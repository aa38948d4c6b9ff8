// Data-movement kernels, part 1: the ops that only relabel a shape (Reshape, Flatten, Squeeze,
// Unsqueeze, Identity) plus inference-mode Dropout. The executor gives every value its own
// buffer (no aliasing yet), so each of them is one memcpy of the input into the output; the
// factories validate the static shapes so a malformed model fails at build time, not as a
// silently wrong copy.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/data_movement_util.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {
namespace data_movement {
namespace {

// A kernel that copies input 0 into output 0 after `check` (run-time validation of a
// non-constant shape input; may be null).
absl::StatusOr<std::unique_ptr<CpuKernel>> CopyKernel(FnKernel::Fn check = nullptr) {
  return MakeKernel([check](const KernelContext& ctx) -> absl::Status {
    if (check) TANDEM_RETURN_IF_ERROR(check(ctx));
    const TensorView& in = ctx.inputs[0];
    const TensorView& out = ctx.outputs[0];
    if (in.byte_size() != out.byte_size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("input has ", in.byte_size(), " bytes, output ", out.byte_size()));
    }
    ParallelMemcpy(out.data, in.data, out.byte_size(), ctx.threadpool);
    return absl::OkStatus();
  });
}

// Common build-time checks: movable dtype, static shapes, equal element counts.
absl::Status CheckSameElements(const KernelBuildContext& ctx, Dims& in, Dims& out) {
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, ctx.input_info(0).dtype, "input"));
  TANDEM_ASSIGN_OR_RETURN(in, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(out, StaticOutputDims(ctx, 0));
  if (Product(in, 0, in.size()) != Product(out, 0, out.size())) {
    return ctx.Invalid(absl::StrCat("input ", DimsString(in), " and output ", DimsString(out),
                                    " have different element counts"));
  }
  return absl::OkStatus();
}

// The shape a Reshape `shape` input asks for, with 0 (copy, unless allowzero) and -1 (infer).
absl::StatusOr<Dims> ResolveReshape(const Dims& in, const std::vector<int64_t>& shape,
                                    bool allowzero) {
  Dims out;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t d = shape[i];
    if (d == 0 && !allowzero) {
      if (i >= in.size()) return absl::InvalidArgumentError("shape copies a dim the input lacks");
      d = in[i];
    } else if (d == -1) {
      if (infer >= 0) return absl::InvalidArgumentError("shape has more than one -1");
      infer = static_cast<int>(i);
      d = 1;
    } else if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat("shape has a negative dim ", d));
    }
    out.push_back(d);
    known *= d;
  }
  int64_t total = Product(in, 0, in.size());
  if (infer >= 0) {
    if (known == 0 || total % known != 0) {
      return absl::InvalidArgumentError("cannot infer the -1 dim of the shape");
    }
    out[infer] = total / known;
  }
  return out;
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeReshape(const KernelBuildContext& ctx) {
  Dims in, out;
  TANDEM_RETURN_IF_ERROR(CheckSameElements(ctx, in, out));
  bool allowzero = ctx.node().GetInt("allowzero", 0) != 0;
  TANDEM_ASSIGN_OR_RETURN(auto shape, ConstantInts(ctx, 1));
  auto check = [in, out, allowzero](const std::vector<int64_t>& s) -> absl::Status {
    TANDEM_ASSIGN_OR_RETURN(Dims want, ResolveReshape(in, s, allowzero));
    if (want != out) {
      return absl::InvalidArgumentError(absl::StrCat("shape input gives ", DimsString(want),
                                                     " but the output is ", DimsString(out)));
    }
    return absl::OkStatus();
  };
  if (shape) {
    absl::Status s = check(*shape);
    if (!s.ok()) return ctx.Invalid(std::string(s.message()));
    return CopyKernel();
  }
  if (!ctx.has_input(1)) return ctx.Invalid("the shape input is missing");
  return CopyKernel([check](const KernelContext& c) -> absl::Status {
    TANDEM_ASSIGN_OR_RETURN(auto s, ReadInts(c.inputs[1]));
    return check(s);
  });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeFlatten(const KernelBuildContext& ctx) {
  Dims in, out;
  TANDEM_RETURN_IF_ERROR(CheckSameElements(ctx, in, out));
  int64_t rank = static_cast<int64_t>(in.size());
  int64_t axis = ctx.node().GetInt("axis", 1);
  if (axis < -rank || axis > rank) return ctx.Invalid(absl::StrCat("axis ", axis, " out of range"));
  if (axis < 0) axis += rank;
  Dims want{Product(in, 0, axis), Product(in, axis, in.size())};
  if (want != out) {
    return ctx.Invalid(absl::StrCat("output ", DimsString(out), " should be ", DimsString(want)));
  }
  return CopyKernel();
}

// Squeeze/Unsqueeze: the element count is all the copy needs; constant axes are checked
// against the static output shape.
absl::StatusOr<Dims> SqueezeShape(const Dims& in, const std::vector<int64_t>* axes) {
  int64_t rank = static_cast<int64_t>(in.size());
  std::vector<bool> drop(in.size(), false);
  if (axes == nullptr) {
    for (size_t i = 0; i < in.size(); ++i) drop[i] = in[i] == 1;
  } else {
    for (int64_t a : *axes) {
      if (a < -rank || a >= rank)
        return absl::InvalidArgumentError(absl::StrCat("axis ", a, " out of range"));
      if (a < 0) a += rank;
      if (in[a] != 1) return absl::InvalidArgumentError(absl::StrCat("dim ", a, " is not 1"));
      drop[a] = true;
    }
  }
  Dims out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!drop[i]) out.push_back(in[i]);
  }
  return out;
}

absl::StatusOr<Dims> UnsqueezeShape(const Dims& in, const std::vector<int64_t>& axes) {
  int64_t rank = static_cast<int64_t>(in.size() + axes.size());
  std::vector<bool> added(rank, false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      return absl::InvalidArgumentError(absl::StrCat("axis ", a, " out of range"));
    if (a < 0) a += rank;
    if (added[a]) return absl::InvalidArgumentError(absl::StrCat("axis ", a, " repeats"));
    added[a] = true;
  }
  Dims out;
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i) out.push_back(added[i] ? 1 : in[next++]);
  return out;
}

template <bool kSqueeze>
absl::StatusOr<std::unique_ptr<CpuKernel>> MakeSqueezeLike(const KernelBuildContext& ctx) {
  Dims in, out;
  TANDEM_RETURN_IF_ERROR(CheckSameElements(ctx, in, out));
  TANDEM_ASSIGN_OR_RETURN(auto axes, ConstantInts(ctx, 1));
  if (!kSqueeze && !ctx.has_input(1)) return ctx.Invalid("the axes input is missing");
  if (axes || !ctx.has_input(1)) {
    absl::StatusOr<Dims> want =
        kSqueeze ? SqueezeShape(in, axes ? &*axes : nullptr) : UnsqueezeShape(in, *axes);
    if (!want.ok()) return ctx.Invalid(std::string(want.status().message()));
    if (*want != out) {
      return ctx.Invalid(
          absl::StrCat("output ", DimsString(out), " should be ", DimsString(*want)));
    }
  }
  return CopyKernel();
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeIdentity(const KernelBuildContext& ctx) {
  if (ctx.input_info(0).type != ir::ValueType::kTensor) {
    return ctx.Unsupported("only tensors (not sequences or optionals) are supported");
  }
  Dims in, out;
  TANDEM_RETURN_IF_ERROR(CheckSameElements(ctx, in, out));
  return CopyKernel();
}

// Dropout at inference: the identity, with an all-true mask. Training mode (a true
// training_mode input) with a non-zero ratio is random and declined.
absl::StatusOr<std::unique_ptr<CpuKernel>> MakeDropout(const KernelBuildContext& ctx) {
  Dims in, out;
  TANDEM_RETURN_IF_ERROR(CheckSameElements(ctx, in, out));
  bool has_mask = ctx.num_outputs() > 1 && ctx.node().outputs[1].valid();
  if (has_mask && ctx.output_info(1).dtype != ir::DType::kBool) {
    return ctx.Invalid("the mask output must be bool");
  }
  TANDEM_ASSIGN_OR_RETURN(auto ratio, ConstantDoubles(ctx, 1));
  TANDEM_ASSIGN_OR_RETURN(auto training, ConstantInts(ctx, 2));
  bool zero_ratio = ratio && !ratio->empty() && (*ratio)[0] == 0.0;
  if (training && !training->empty() && (*training)[0] != 0 && !zero_ratio) {
    return ctx.Unsupported("training mode with a non-zero ratio is random");
  }
  bool runtime_training = ctx.has_input(2) && !training;
  bool runtime_ratio = ctx.has_input(1) && !ratio;
  return MakeKernel([has_mask, runtime_training, runtime_ratio,
                     zero_ratio](const KernelContext& c) -> absl::Status {
    if (runtime_training) {
      TANDEM_ASSIGN_OR_RETURN(auto t, ReadInts(c.inputs[2]));
      bool z = zero_ratio;
      if (runtime_ratio) {
        TANDEM_ASSIGN_OR_RETURN(auto r, ReadDoubles(c.inputs[1]));
        z = !r.empty() && r[0] == 0.0;
      }
      if (!t.empty() && t[0] != 0 && !z) {
        return absl::UnimplementedError("Dropout in training mode with a non-zero ratio");
      }
    }
    ParallelMemcpy(c.outputs[0].data, c.inputs[0].data, c.outputs[0].byte_size(), c.threadpool);
    if (has_mask) std::memset(c.outputs[1].data, 1, c.outputs[1].byte_size());
    return absl::OkStatus();
  });
}

}  // namespace
}  // namespace data_movement

void RegisterDataMovementKernels(KernelRegistry& r) {
  namespace dm = data_movement;
  r.Register("Reshape", dm::MakeReshape);
  r.Register("Flatten", dm::MakeFlatten);
  r.Register("Squeeze", dm::MakeSqueezeLike<true>);
  r.Register("Unsqueeze", dm::MakeSqueezeLike<false>);
  r.Register("Identity", dm::MakeIdentity);
  r.Register("Dropout", dm::MakeDropout);
  dm::RegisterShapeKernels(r);
  dm::RegisterConcatKernels(r);
  dm::RegisterLayoutKernels(r);
  dm::RegisterSliceKernels(r);
  dm::RegisterGatherKernels(r);
  dm::RegisterScatterKernels(r);
  dm::RegisterMiscKernels(r);
  dm::RegisterTopKKernels(r);
  dm::RegisterResizeKernels(r);
}

}  // namespace tandem::kernels::cpu
