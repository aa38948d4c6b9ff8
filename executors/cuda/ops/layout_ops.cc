// Data movement as strided copies (kernels/cuda/strided_copy.cuh): Transpose, Slice, Expand,
// Concat, Split, Pad (constant), Tile, DepthToSpace, SpaceToDepth; and Gather. All are
// type-agnostic (element size only). Shape-like operands (starts, pads, repeats...) must be
// constants: they are read here, on the host, and never uploaded.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/float16.h"
#include "common/status_macros.h"
#include "executors/cuda/cuda_op.h"
#include "executors/cuda/ops/layout_util.h"
#include "kernels/cuda/gather.cuh"
#include "kernels/cuda/strided_copy.cuh"

namespace tandem::executors::cuda {
namespace {

using kernels::cuda::ContiguousStrides;
using kernels::cuda::StridedLayout;

// One copy from input `src` to output `dst`, element offsets added to both base pointers.
struct Copy {
  StridedLayout<2> layout;
  int64_t n = 0;
  int src = 0, dst = 0;
  int64_t src_offset = 0, dst_offset = 0;
};

// Fills output `dst` with a pattern before the copies (Pad's border).
struct Fill {
  int dst = 0;
  int64_t n = 0;
  uint64_t pattern = 0;
};

class StridedCopyOp final : public CudaOp {
 public:
  explicit StridedCopyOp(int element_size) : element_size_(element_size) {}
  void AddCopy(const Copy& c) { copies_.push_back(c); }
  void AddFill(const Fill& f) { fills_.push_back(f); }
  absl::Status Run(const CudaRunContext& ctx) override {
    for (const Fill& f : fills_) {
      TANDEM_RETURN_IF_ERROR(LaunchStatus(
          kernels::cuda::LaunchFillPattern(ctx.outputs[f.dst], f.n, element_size_, f.pattern, ctx.stream), "fill"));
    }
    for (const Copy& c : copies_) {
      const uint8_t* src = static_cast<const uint8_t*>(ctx.inputs[c.src]) + c.src_offset * element_size_;
      uint8_t* dst = static_cast<uint8_t*>(ctx.outputs[c.dst]) + c.dst_offset * element_size_;
      TANDEM_RETURN_IF_ERROR(
          LaunchStatus(kernels::cuda::LaunchStridedCopy(c.layout, c.n, element_size_, src, dst, ctx.stream), "copy"));
    }
    return absl::OkStatus();
  }
  // Only the data inputs: shapes, starts, pads and repeats were consumed while lowering.
  bool ReadsInputAtRun(size_t input) const override {
    for (const Copy& c : copies_) {
      if (static_cast<size_t>(c.src) == input) return true;
    }
    return false;
  }

 private:
  int element_size_;
  std::vector<Copy> copies_;
  std::vector<Fill> fills_;
};

// A copy over index space `dims` with the given per-dim strides, or Unsupported.
absl::StatusOr<Copy> MakeCopy(const CudaBuildContext& ctx, const std::vector<int64_t>& dims,
                              const std::vector<int64_t>& dst_strides, const std::vector<int64_t>& src_strides) {
  Copy c;
  if (!kernels::cuda::CollapseLayout(dims, {dst_strides, src_strides}, &c.layout)) {
    return ctx.Unsupported(absl::StrCat("more than ", kernels::cuda::kMaxRank, " strided dims"));
  }
  c.n = Product(dims, 0, dims.size());
  return c;
}

absl::Status CheckData(const CudaBuildContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_output(0)) return ctx.Invalid("needs input 0 and output 0");
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    if (ctx.has_output(i) && ctx.output_dtype(i) != ctx.input_dtype(0)) return ctx.Invalid("output type differs");
  }
  return absl::OkStatus();
}

std::unique_ptr<CudaOp> Single(const CudaBuildContext& ctx, const Copy& c) {
  auto op = std::make_unique<StridedCopyOp>(ir::DTypeSize(ctx.input_dtype(0)));
  op->AddCopy(c);
  return op;
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeTranspose(const CudaBuildContext& ctx) {
  TANDEM_RETURN_IF_ERROR(CheckData(ctx));
  std::vector<int64_t> x = ctx.input_dims(0);
  const int rank = static_cast<int>(x.size());
  std::vector<int64_t> perm = ctx.node().GetInts("perm");
  if (perm.empty()) {
    for (int d = rank - 1; d >= 0; --d) perm.push_back(d);
  }
  if (static_cast<int>(perm.size()) != rank) return ctx.Invalid("perm must have one entry per dim");
  std::vector<int64_t> in_strides = ContiguousStrides(x), out_dims, src_strides;
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    auto axis = NormalizeAxis(ctx, p, rank, "perm entry");
    if (!axis.ok()) return axis.status();
    if (seen[*axis]) return ctx.Invalid("perm repeats an axis");
    seen[*axis] = true;
    out_dims.push_back(x[*axis]);
    src_strides.push_back(in_strides[*axis]);
  }
  if (out_dims != ctx.output_dims(0)) return ctx.Invalid("output shape does not match perm");
  TANDEM_ASSIGN_OR_RETURN(Copy c, MakeCopy(ctx, out_dims, ContiguousStrides(out_dims), src_strides));
  return Single(ctx, c);
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeSlice(const CudaBuildContext& ctx) {
  TANDEM_RETURN_IF_ERROR(CheckData(ctx));
  std::vector<int64_t> x = ctx.input_dims(0);
  const int rank = static_cast<int>(x.size());
  TANDEM_ASSIGN_OR_RETURN(std::vector<int64_t> starts, ctx.ConstantInts(1, "starts"));
  TANDEM_ASSIGN_OR_RETURN(std::vector<int64_t> ends, ctx.ConstantInts(2, "ends"));
  std::vector<int64_t> axes, steps(starts.size(), 1);
  if (ctx.has_input(3)) {
    TANDEM_ASSIGN_OR_RETURN(axes, ctx.ConstantInts(3, "axes"));
  } else {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (ctx.has_input(4)) {
    TANDEM_ASSIGN_OR_RETURN(steps, ctx.ConstantInts(4, "steps"));
  }
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
    return ctx.Invalid("starts, ends, axes and steps must have one length");
  }
  std::vector<int64_t> in_strides = ContiguousStrides(x), out_dims = x, src_strides = in_strides;
  int64_t src_offset = 0;
  for (size_t i = 0; i < starts.size(); ++i) {
    auto axis = NormalizeAxis(ctx, axes[i], rank, "axis");
    if (!axis.ok()) return axis.status();
    const int64_t dim = x[*axis], step = steps[i];
    if (step == 0) return ctx.Invalid("slice step 0");
    // ONNX clamping: negative indices count from the end; then clamp to the walkable range.
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    int64_t count = step > 0 ? (end - start + step - 1) / step : (start - end + (-step) - 1) / (-step);
    out_dims[*axis] = std::max<int64_t>(0, count);
    src_strides[*axis] = in_strides[*axis] * step;
    if (out_dims[*axis] > 0) src_offset += start * in_strides[*axis];
  }
  if (out_dims != ctx.output_dims(0)) {
    return ctx.Invalid(absl::StrCat("computed output ", ir::Shape::Static(out_dims).ToString(), " differs from ",
                                    ir::Shape::Static(ctx.output_dims(0)).ToString()));
  }
  TANDEM_ASSIGN_OR_RETURN(Copy c, MakeCopy(ctx, out_dims, ContiguousStrides(out_dims), src_strides));
  c.src_offset = src_offset;
  return Single(ctx, c);
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeExpand(const CudaBuildContext& ctx) {
  TANDEM_RETURN_IF_ERROR(CheckData(ctx));
  std::vector<int64_t> out = ctx.output_dims(0);
  TANDEM_ASSIGN_OR_RETURN(StridedLayout<2> layout, BroadcastLayout<2>(ctx, out, {ctx.input_dims(0)}));
  Copy c;
  c.layout = layout;
  c.n = Product(out, 0, out.size());
  return Single(ctx, c);
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeConcat(const CudaBuildContext& ctx) {
  if (!ctx.has_output(0) || ctx.num_inputs() == 0) return ctx.Invalid("needs inputs and an output");
  std::vector<int64_t> out = ctx.output_dims(0);
  const int rank = static_cast<int>(out.size());
  auto axis = NormalizeAxis(ctx, ctx.node().GetInt("axis", 0), rank, "axis");
  if (!axis.ok()) return axis.status();
  auto op = std::make_unique<StridedCopyOp>(ir::DTypeSize(ctx.output_dtype(0)));
  std::vector<int64_t> out_strides = ContiguousStrides(out);
  int64_t offset = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return ctx.Invalid("omitted input");
    if (ctx.input_dtype(i) != ctx.output_dtype(0)) return ctx.Invalid("input types differ");
    std::vector<int64_t> in = ctx.input_dims(i);
    if (static_cast<int>(in.size()) != rank) return ctx.Invalid("input ranks differ");
    TANDEM_ASSIGN_OR_RETURN(Copy c, MakeCopy(ctx, in, out_strides, ContiguousStrides(in)));
    c.src = static_cast<int>(i);
    c.dst_offset = offset * out_strides[*axis];
    offset += in[*axis];
    if (c.n > 0) op->AddCopy(c);
  }
  if (offset != out[*axis]) return ctx.Invalid("inputs do not add up to the output along the axis");
  return std::unique_ptr<CudaOp>(std::move(op));
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeSplit(const CudaBuildContext& ctx) {
  TANDEM_RETURN_IF_ERROR(CheckData(ctx));
  std::vector<int64_t> x = ctx.input_dims(0);
  const int rank = static_cast<int>(x.size());
  auto axis = NormalizeAxis(ctx, ctx.node().GetInt("axis", 0), rank, "axis");
  if (!axis.ok()) return axis.status();
  auto op = std::make_unique<StridedCopyOp>(ir::DTypeSize(ctx.input_dtype(0)));
  std::vector<int64_t> in_strides = ContiguousStrides(x);
  int64_t offset = 0;
  // The outputs' static shapes already say where each piece starts.
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    if (!ctx.has_output(i)) return ctx.Unsupported("omitted Split outputs are not supported");
    std::vector<int64_t> out = ctx.output_dims(i);
    if (static_cast<int>(out.size()) != rank) return ctx.Invalid("output rank differs");
    TANDEM_ASSIGN_OR_RETURN(Copy c, MakeCopy(ctx, out, ContiguousStrides(out), in_strides));
    c.dst = static_cast<int>(i);
    c.src_offset = offset * in_strides[*axis];
    offset += out[*axis];
    if (c.n > 0) op->AddCopy(c);
  }
  if (offset != x[*axis]) return ctx.Invalid("outputs do not add up to the input along the axis");
  return std::unique_ptr<CudaOp>(std::move(op));
}

// The bit pattern of `value` in `dtype` (Pad's constant).
absl::StatusOr<uint64_t> Pattern(const CudaBuildContext& ctx, const ir::Tensor& value, ir::DType dtype) {
  uint64_t bits = 0;
  switch (dtype) {
    case ir::DType::kFloat32: {
      float f = value.dtype == ir::DType::kFloat16 ? HalfBitsToFloat(value.values<uint16_t>()[0])
                                                   : static_cast<float>(value.DoubleAt(0));
      std::memcpy(&bits, &f, 4);
      return bits;
    }
    case ir::DType::kFloat64: {
      double d = value.DoubleAt(0);
      std::memcpy(&bits, &d, 8);
      return bits;
    }
    case ir::DType::kFloat16:
      return value.dtype == ir::DType::kFloat16 ? value.values<uint16_t>()[0]
                                                : FloatToHalfBits(static_cast<float>(value.DoubleAt(0)));
    default:
      if (!ir::IsInteger(dtype) && dtype != ir::DType::kBool) return ctx.Unsupported("pad value type");
      return static_cast<uint64_t>(value.IntAt(0));  // two's complement: the low bytes are right
  }
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakePad(const CudaBuildContext& ctx) {
  TANDEM_RETURN_IF_ERROR(CheckData(ctx));
  if (ctx.node().GetString("mode", "constant") != "constant") return ctx.Unsupported("only mode=constant");
  std::vector<int64_t> x = ctx.input_dims(0), y = ctx.output_dims(0);
  const int rank = static_cast<int>(x.size());
  TANDEM_ASSIGN_OR_RETURN(std::vector<int64_t> raw, ctx.ConstantInts(1, "pads"));
  std::vector<int64_t> axes;
  if (ctx.has_input(3)) {
    TANDEM_ASSIGN_OR_RETURN(axes, ctx.ConstantInts(3, "axes"));
  } else {
    for (int d = 0; d < rank; ++d) axes.push_back(d);
  }
  if (raw.size() != 2 * axes.size()) return ctx.Invalid("pads must have 2 values per axis");
  std::vector<int64_t> begin(rank, 0), end(rank, 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    auto axis = NormalizeAxis(ctx, axes[i], rank, "axis");
    if (!axis.ok()) return axis.status();
    begin[*axis] = raw[i];
    end[*axis] = raw[i + axes.size()];
  }
  uint64_t pattern = 0;
  if (ctx.has_input(2)) {
    const ir::Tensor* value = ctx.constant_input(2);
    if (value == nullptr) return ctx.Unsupported("constant_value must be a constant");
    if (value->num_elements() > 0) {
      TANDEM_ASSIGN_OR_RETURN(pattern, Pattern(ctx, *value, ctx.input_dtype(0)));
    }
  }
  // Negative pads crop: copy only the part of x that survives, into the part of y it lands in.
  std::vector<int64_t> interior(rank), x_strides = ContiguousStrides(x), y_strides = ContiguousStrides(y);
  int64_t src_offset = 0, dst_offset = 0;
  for (int d = 0; d < rank; ++d) {
    if (x[d] + begin[d] + end[d] != y[d]) return ctx.Invalid("output shape does not match pads");
    interior[d] = std::max<int64_t>(0, x[d] - std::max<int64_t>(0, -begin[d]) - std::max<int64_t>(0, -end[d]));
    src_offset += std::max<int64_t>(0, -begin[d]) * x_strides[d];
    dst_offset += std::max<int64_t>(0, begin[d]) * y_strides[d];
  }
  auto op = std::make_unique<StridedCopyOp>(ir::DTypeSize(ctx.input_dtype(0)));
  op->AddFill({0, Product(y, 0, y.size()), pattern});
  TANDEM_ASSIGN_OR_RETURN(Copy c, MakeCopy(ctx, interior, y_strides, x_strides));
  c.src_offset = src_offset;
  c.dst_offset = dst_offset;
  if (c.n > 0) op->AddCopy(c);
  return std::unique_ptr<CudaOp>(std::move(op));
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeTile(const CudaBuildContext& ctx) {
  TANDEM_RETURN_IF_ERROR(CheckData(ctx));
  std::vector<int64_t> x = ctx.input_dims(0), y = ctx.output_dims(0);
  TANDEM_ASSIGN_OR_RETURN(std::vector<int64_t> repeats, ctx.ConstantInts(1, "repeats"));
  if (repeats.size() != x.size()) return ctx.Invalid("repeats must have one value per dim");
  // Index space [r0, i0, r1, i1, ...]: y[(r*x + i) ...] = x[i ...].
  std::vector<int64_t> dims, dst, src, x_strides = ContiguousStrides(x), y_strides = ContiguousStrides(y);
  for (size_t d = 0; d < x.size(); ++d) {
    if (x[d] * repeats[d] != y[d]) return ctx.Invalid("output shape does not match repeats");
    dims.insert(dims.end(), {repeats[d], x[d]});
    dst.insert(dst.end(), {x[d] * y_strides[d], y_strides[d]});
    src.insert(src.end(), {0, x_strides[d]});
  }
  TANDEM_ASSIGN_OR_RETURN(Copy c, MakeCopy(ctx, dims, dst, src));
  return Single(ctx, c);
}

// DepthToSpace and SpaceToDepth: a reshape, a transpose and a reshape, i.e. one strided copy.
absl::StatusOr<std::unique_ptr<CudaOp>> MakeDepthSpace(const CudaBuildContext& ctx, bool to_space) {
  TANDEM_RETURN_IF_ERROR(CheckData(ctx));
  std::vector<int64_t> x = ctx.input_dims(0), y = ctx.output_dims(0);
  if (x.size() != 4) return ctx.Invalid("input must be 4-D");
  const int64_t b = ctx.node().GetInt("blocksize", 0);
  if (b < 1) return ctx.Invalid("blocksize must be positive");
  const int64_t n = x[0], c = x[1], h = x[2], w = x[3];
  std::vector<int64_t> dims, src;
  if (to_space) {
    if (c % (b * b) != 0) return ctx.Invalid("channels must divide by blocksize^2");
    const int64_t oc = c / (b * b);
    bool crd = ctx.node().GetString("mode", "DCR") == "CRD";
    // Input channel index: DCR: (bh * b + bw) * oc + k; CRD: (k * b + bh) * b + bw.
    int64_t s_k = crd ? b * b * h * w : h * w;
    int64_t s_bh = crd ? b * h * w : b * oc * h * w;
    int64_t s_bw = crd ? h * w : oc * h * w;
    // Output index space [n, k, h, bh, w, bw] is y [n, oc, h*b, w*b] row-major.
    dims = {n, oc, h, b, w, b};
    src = {c * h * w, s_k, w, s_bh, 1, s_bw};
  } else {
    if (h % b != 0 || w % b != 0) return ctx.Invalid("height and width must divide by blocksize");
    const int64_t oh = h / b, ow = w / b;
    // Output channel (bh * b + bw) * c + k; index space [n, bh, bw, k, oh, ow] is y row-major.
    dims = {n, b, b, c, oh, ow};
    src = {c * h * w, w, 1, h * w, b * w, b};
  }
  if (Product(dims, 0, dims.size()) != Product(y, 0, y.size())) return ctx.Invalid("unexpected output shape");
  TANDEM_ASSIGN_OR_RETURN(Copy copy, MakeCopy(ctx, dims, ContiguousStrides(dims), src));
  return Single(ctx, copy);
}

class GatherOp final : public CudaOp {
 public:
  GatherOp(bool int64_indices, int64_t outer, int64_t axis_dim, int64_t inner, int64_t num_indices, int element)
      : int64_indices_(int64_indices),
        outer_(outer),
        axis_dim_(axis_dim),
        inner_(inner),
        num_indices_(num_indices),
        element_(element) {}
  absl::Status Run(const CudaRunContext& ctx) override {
    return LaunchStatus(kernels::cuda::LaunchGather(ctx.inputs[0], ctx.inputs[1], int64_indices_, ctx.outputs[0],
                                                    outer_, axis_dim_, inner_, num_indices_, element_, ctx.stream),
                        "gather kernel");
  }

 private:
  bool int64_indices_;
  int64_t outer_, axis_dim_, inner_, num_indices_;
  int element_;
};

absl::StatusOr<std::unique_ptr<CudaOp>> MakeGather(const CudaBuildContext& ctx) {
  TANDEM_RETURN_IF_ERROR(CheckData(ctx));
  if (!ctx.has_input(1)) return ctx.Invalid("needs indices");
  ir::DType index_type = ctx.input_dtype(1);
  if (index_type != ir::DType::kInt64 && index_type != ir::DType::kInt32)
    return ctx.Invalid("indices must be int32/64");
  std::vector<int64_t> data = ctx.input_dims(0), indices = ctx.input_dims(1);
  const int rank = static_cast<int>(data.size());
  if (rank == 0) return ctx.Invalid("data must have rank >= 1");
  auto axis = NormalizeAxis(ctx, ctx.node().GetInt("axis", 0), rank, "axis");
  if (!axis.ok()) return axis.status();
  std::vector<int64_t> expected(data.begin(), data.begin() + *axis);
  expected.insert(expected.end(), indices.begin(), indices.end());
  expected.insert(expected.end(), data.begin() + *axis + 1, data.end());
  if (expected != ctx.output_dims(0)) return ctx.Invalid("unexpected output shape");
  if (const ir::Tensor* t = ctx.constant_input(1)) {  // constant indices are checked now
    for (int64_t i = 0; i < t->num_elements(); ++i) {
      int64_t v = t->IntAt(i);
      if (v < -data[*axis] || v >= data[*axis]) return ctx.Invalid(absl::StrCat("index ", v, " is out of range"));
    }
  }
  return std::unique_ptr<CudaOp>(new GatherOp(index_type == ir::DType::kInt64, Product(data, 0, *axis), data[*axis],
                                              Product(data, *axis + 1, data.size()),
                                              Product(indices, 0, indices.size()), ir::DTypeSize(ctx.input_dtype(0))));
}

}  // namespace

void RegisterLayoutOps(CudaOpRegistry& r) {
  r.Register("Transpose", MakeTranspose);
  r.Register("Slice", MakeSlice);
  r.Register("Expand", MakeExpand);
  r.Register("Concat", MakeConcat);
  r.Register("Split", MakeSplit);
  r.Register("Pad", MakePad);
  r.Register("Tile", MakeTile);
  r.Register("DepthToSpace", [](const CudaBuildContext& ctx) { return MakeDepthSpace(ctx, true); });
  r.Register("SpaceToDepth", [](const CudaBuildContext& ctx) { return MakeDepthSpace(ctx, false); });
  r.Register("Gather", MakeGather);
}

}  // namespace tandem::executors::cuda
