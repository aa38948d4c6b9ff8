// The elementwise family: registration and the helpers shared by elementwise_*.cc.
#include "absl/strings/str_cat.h"
#include "kernels/cpu/elementwise_common.h"

namespace tandem::kernels::cpu {

void RegisterElementwiseKernels(KernelRegistry& r) {
  elementwise::RegisterVectorF32Kernels(r);
  elementwise::RegisterUnaryMathKernels(r);
  elementwise::RegisterActivationKernels(r);
  elementwise::RegisterArithmeticKernels(r);
  elementwise::RegisterPowKernels(r);
  elementwise::RegisterCompareKernels(r);
  elementwise::RegisterSelectKernels(r);
  elementwise::RegisterCastKernels(r);
}

namespace elementwise {

absl::Status CheckArity(const KernelBuildContext& ctx, size_t min_in, size_t max_in) {
  size_t n = ctx.num_inputs();
  if (n < min_in || n > max_in) {
    return ctx.Invalid(min_in == max_in
                           ? absl::StrCat("expects ", min_in, " inputs, got ", n)
                           : absl::StrCat("expects ", min_in, " to ", max_in, " inputs, got ", n));
  }
  for (size_t i = 0; i < min_in; ++i) {
    if (!ctx.has_input(i)) return ctx.Invalid(absl::StrCat("input ", i, " is required"));
  }
  if (ctx.num_outputs() != 1 || !ctx.node().outputs[0].valid()) {
    return ctx.Invalid("expects one output");
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<Dims> StaticDims(const KernelBuildContext& ctx, const ir::TensorInfo& info,
                                const char* what, size_t i) {
  auto sizes = info.shape.static_sizes();
  if (!sizes) {
    return ctx.Unsupported(absl::StrCat(what, " ", i, " has no static shape (", info.ToString(),
                                        ")"));
  }
  return Dims(sizes->begin(), sizes->end());
}

}  // namespace

absl::StatusOr<Dims> StaticInputDims(const KernelBuildContext& ctx, size_t i) {
  return StaticDims(ctx, ctx.input_info(i), "input", i);
}

absl::StatusOr<Dims> StaticOutputDims(const KernelBuildContext& ctx, size_t i) {
  return StaticDims(ctx, ctx.output_info(i), "output", i);
}

absl::Status UnsupportedDType(const KernelBuildContext& ctx, ir::DType dtype) {
  return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype), " is not supported"));
}

absl::Status CheckCounts(const KernelContext& ctx, absl::Span<const int64_t> in_counts,
                         int64_t out_count) {
  if (ctx.inputs.size() < in_counts.size() || ctx.outputs.empty()) {
    return absl::InternalError("elementwise kernel: missing input or output buffers");
  }
  for (size_t i = 0; i < in_counts.size(); ++i) {
    if (ctx.inputs[i].num_elements() != in_counts[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat("input ", i, " has ", ctx.inputs[i].num_elements(),
                       " elements, the kernel was built for ", in_counts[i]));
    }
  }
  if (ctx.outputs[0].num_elements() != out_count) {
    return absl::InvalidArgumentError(absl::StrCat("output has ", ctx.outputs[0].num_elements(),
                                                   " elements, the kernel was built for ",
                                                   out_count));
  }
  return absl::OkStatus();
}

absl::StatusOr<BinaryShapes> GetBinaryShapes(const KernelBuildContext& ctx) {
  BinaryShapes s;
  for (auto [i, dims] : {std::pair<size_t, Dims*>{0, &s.a}, {1, &s.b}}) {
    auto d = StaticInputDims(ctx, i);
    if (!d.ok()) return d.status();
    *dims = *std::move(d);
  }
  auto out = StaticOutputDims(ctx, 0);
  if (!out.ok()) return out.status();
  s.out = *std::move(out);
  if (ctx.node().GetInt("broadcast", 0) != 0) {
    // Legacy broadcasting: B's dims match A's starting at `axis` (default: B is a suffix).
    int64_t ra = static_cast<int64_t>(s.a.size()), rb = static_cast<int64_t>(s.b.size());
    int64_t axis = ctx.node().GetInt("axis", ra - rb);
    if (axis < 0) axis += ra;
    if (axis < 0 || axis + rb > ra) {
      return ctx.Invalid(absl::StrCat("legacy broadcast of ", DimsToString(s.b), " into ",
                                      DimsToString(s.a), " at axis ", axis, " is out of range"));
    }
    Dims b(ra, 1);
    std::copy(s.b.begin(), s.b.end(), b.begin() + axis);
    s.b = b;
  }
  if (ctx.node().op_type == "PRelu" && ctx.graph().opset("") < 7 && s.b.size() == 1 &&
      s.a.size() >= 2 && s.b[0] == s.a[1] && !BroadcastsTo(s.b, s.a)) {
    // PRelu-6 as PyTorch exported it: a 1-D slope holds one value per channel (axis 1).
    Dims b(s.a.size() - 1, 1);
    b[0] = s.b[0];
    s.b = b;
  }
  auto want = BroadcastDims({s.a, s.b});
  if (!want.ok()) return ctx.Invalid(std::string(want.status().message()));
  if (*want != s.out) {
    return ctx.Invalid(absl::StrCat("output shape ", DimsToString(s.out), " is not the broadcast ",
                                    DimsToString(*want), " of the inputs"));
  }
  return s;
}

}  // namespace elementwise
}  // namespace tandem::kernels::cpu
