// Gemm and MatMul on cuBLASLt (executors/cuda/cublaslt_matmul.h).
//
// Gemm's C becomes the BIAS epilogue when it is a row vector and beta is 1 (Linear layers), the
// C matrix when it has the output's shape, and otherwise is first broadcast into the output,
// which the product then accumulates onto (beta * C with C = D). A Relu after a Gemm without a C
// matrix is fused as the RELU epilogue.
//
// MatMul broadcasts its batch dims. When B has no batch, A's batch folds into M (one plain
// GEMM); otherwise the batch dims are collapsed and the innermost run becomes one strided-batched
// call (stride 0 repeats a broadcast operand), looping on the host over any outer runs that
// cannot merge.
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "executors/cuda/cublaslt_matmul.h"
#include "executors/cuda/cuda_op.h"
#include "executors/cuda/cuda_types.h"
#include "executors/cuda/ops/layout_util.h"
#include "kernels/cuda/strided_copy.cuh"

namespace tandem::executors::cuda {
namespace {

// Element offsets of A, B and D for one cuBLASLt call.
struct BatchOffsets {
  int64_t a = 0, b = 0, d = 0;
};

class MatmulOp final : public CudaOp {
 public:
  MatmulOp(std::string name, ir::DType dtype, MatmulShape shape, std::vector<BatchOffsets> calls)
      : name_(std::move(name)), dtype_(dtype), shape_(shape), calls_(std::move(calls)) {}

  // Gemm with a C that must be broadcast into D before the product (layout of that copy).
  void SetExpandC(kernels::cuda::StridedLayout<2> layout, int64_t n) {
    expand_c_ = true;
    expand_layout_ = layout;
    expand_n_ = n;
  }
  void SetFusedRelu() { fused_relu_ = true; }

  absl::Status Prepare(const CudaLibraries& libs, int64_t workspace_limit) override {
    absl::Status s = matmul_.Prepare(libs.cublas_lt, *ToCudaDataType(dtype_), libs.allow_tf32, shape_, workspace_limit);
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat(name_, ": ", s.message()));
    return absl::OkStatus();
  }
  int64_t workspace_bytes() const override { return matmul_.workspace_bytes(); }
  bool fused_clamp() const override { return fused_relu_; }

  absl::Status Run(const CudaRunContext& ctx) override {
    const int element = ir::DTypeSize(dtype_);
    const uint8_t* a = static_cast<const uint8_t*>(ctx.inputs[0]);
    const uint8_t* b = static_cast<const uint8_t*>(ctx.inputs[1]);
    uint8_t* d = static_cast<uint8_t*>(ctx.outputs[0]);
    const void* c = nullptr;
    const void* bias = nullptr;
    if (expand_c_) {
      TANDEM_RETURN_IF_ERROR(LaunchStatus(
          kernels::cuda::LaunchStridedCopy(expand_layout_, expand_n_, element, ctx.inputs[2], d, ctx.stream),
          "broadcast C"));
      c = d;
    } else if (shape_.use_c) {
      c = ctx.inputs[2];
    } else if (shape_.bias) {
      bias = ctx.inputs[2];
    }
    for (const BatchOffsets& off : calls_) {
      const uint8_t* call_c = c ? static_cast<const uint8_t*>(c) + off.d * element : nullptr;
      TANDEM_RETURN_IF_ERROR(matmul_.Run(ctx.libs->cublas_lt, a + off.a * element, b + off.b * element, call_c,
                                         d + off.d * element, bias, ctx.workspace, ctx.stream));
    }
    return absl::OkStatus();
  }

 private:
  std::string name_;
  ir::DType dtype_;
  MatmulShape shape_;
  std::vector<BatchOffsets> calls_;
  LtMatmul matmul_;
  bool expand_c_ = false;
  kernels::cuda::StridedLayout<2> expand_layout_;
  int64_t expand_n_ = 0;
  bool fused_relu_ = false;
};

absl::Status CheckFloatTypes(const CudaBuildContext& ctx, size_t inputs) {
  ir::DType dtype = ctx.input_dtype(0);
  if (dtype != ir::DType::kFloat32 && dtype != ir::DType::kFloat16) {
    return ctx.Unsupported(absl::StrCat("type ", ir::DTypeName(dtype), " is not supported (f32, f16)"));
  }
  for (size_t i = 1; i < inputs; ++i) {
    if (ctx.has_input(i) && ctx.input_dtype(i) != dtype) return ctx.Invalid("input types differ");
  }
  if (ctx.output_dtype(0) != dtype) return ctx.Invalid("output type differs from the inputs'");
  return absl::OkStatus();
}

bool IsRelu(const std::optional<FusedClamp>& clamp) {
  return clamp && clamp->min == 0.0f && clamp->max == std::numeric_limits<float>::infinity();
}

// The largest power of two (<= 256 bytes) dividing every offset, in bytes.
int Alignment(const std::vector<BatchOffsets>& calls, int element) {
  int64_t g = 256;
  for (const BatchOffsets& o : calls) {
    for (int64_t v : {o.a, o.b, o.d}) g = std::gcd(g, v * element);
  }
  int alignment = 1;
  while (alignment * 2 <= g && g % (alignment * 2) == 0) alignment *= 2;
  return alignment;
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeGemm(const CudaBuildContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_output(0)) return ctx.Invalid("needs A, B and Y");
  TANDEM_RETURN_IF_ERROR(CheckFloatTypes(ctx, 3));
  std::vector<int64_t> a = ctx.input_dims(0), b = ctx.input_dims(1), y = ctx.output_dims(0);
  if (a.size() != 2 || b.size() != 2 || y.size() != 2) return ctx.Invalid("A, B and Y must be 2-D");
  MatmulShape s;
  s.trans_a = ctx.node().GetInt("transA", 0) != 0;
  s.trans_b = ctx.node().GetInt("transB", 0) != 0;
  s.m = s.trans_a ? a[1] : a[0];
  s.k = s.trans_a ? a[0] : a[1];
  int64_t kb = s.trans_b ? b[1] : b[0];
  s.n = s.trans_b ? b[0] : b[1];
  if (kb != s.k || y[0] != s.m || y[1] != s.n) return ctx.Invalid("A, B and Y shapes do not match");
  if (s.m == 0 || s.n == 0 || s.k == 0) return ctx.Unsupported("empty matrices are not supported on the GPU");
  s.alpha = ctx.node().GetFloat("alpha", 1.0f);
  float beta = ctx.node().GetFloat("beta", 1.0f);
  bool expand_c = false;
  if (ctx.has_input(2) && beta != 0.0f) {
    std::vector<int64_t> c = ctx.input_dims(2);
    while (!c.empty() && c.front() == 1 && c.size() > 1) c.erase(c.begin());
    if (c == std::vector<int64_t>{s.n} && beta == 1.0f) {
      s.bias = true;
    } else if (ctx.input_dims(2) == y) {
      s.use_c = true;
      s.beta = beta;
    } else {
      s.use_c = true;
      s.beta = beta;
      expand_c = true;
    }
  }
  bool relu = IsRelu(ctx.requested_clamp()) && !s.use_c;
  s.relu = relu;
  auto op = std::make_unique<MatmulOp>(ctx.node().Describe(), ctx.input_dtype(0), s, std::vector<BatchOffsets>{{}});
  if (expand_c) {
    auto layout = BroadcastLayout<2>(ctx, y, {ctx.input_dims(2)});
    if (!layout.ok()) return layout.status();
    op->SetExpandC(*layout, s.m * s.n);
  }
  if (relu) op->SetFusedRelu();
  return std::unique_ptr<CudaOp>(std::move(op));
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeMatMul(const CudaBuildContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_output(0)) return ctx.Invalid("needs A, B and Y");
  TANDEM_RETURN_IF_ERROR(CheckFloatTypes(ctx, 2));
  std::vector<int64_t> a = ctx.input_dims(0), b = ctx.input_dims(1), y = ctx.output_dims(0);
  if (a.empty() || b.empty()) return ctx.Invalid("MatMul inputs must have rank >= 1");
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  MatmulShape s;
  s.m = a_vec ? 1 : a[a.size() - 2];
  s.k = a.back();
  int64_t kb = b_vec ? b[0] : b[b.size() - 2];
  s.n = b_vec ? 1 : b.back();
  if (kb != s.k) return ctx.Invalid("inner dimensions of A and B differ");
  std::vector<int64_t> a_batch(a.begin(), a.end() - (a_vec ? 1 : 2));
  std::vector<int64_t> b_batch(b.begin(), b.end() - (b_vec ? 1 : 2));
  // The output's batch dims: the numpy broadcast of both batch shapes.
  size_t rank = std::max(a_batch.size(), b_batch.size());
  std::vector<int64_t> out_batch(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a_batch.size() ? 1 : a_batch[i - (rank - a_batch.size())];
    int64_t db = i < rank - b_batch.size() ? 1 : b_batch[i - (rank - b_batch.size())];
    if (da != db && da != 1 && db != 1) return ctx.Invalid("batch dims do not broadcast");
    out_batch[i] = da == 1 ? db : da;
  }
  std::vector<int64_t> expected = out_batch;
  if (!a_vec) expected.push_back(s.m);
  if (!b_vec) expected.push_back(s.n);
  if (expected != y) return ctx.Invalid(absl::StrCat("output should be ", ir::Shape::Static(expected).ToString()));
  if (s.m == 0 || s.n == 0 || s.k == 0 || Product(out_batch, 0, rank) == 0) {
    return ctx.Unsupported("empty matrices are not supported on the GPU");
  }
  std::vector<BatchOffsets> calls;
  if (Product(b_batch, 0, b_batch.size()) == 1) {
    // B is one matrix: A's batch rows stack into one [batch * M, K] product.
    s.m *= Product(a_batch, 0, a_batch.size());
    calls.push_back({});
  } else {
    std::vector<std::vector<int64_t>> strides = {kernels::cuda::ContiguousStrides(out_batch),
                                                 kernels::cuda::BroadcastStrides(a_batch, out_batch),
                                                 kernels::cuda::BroadcastStrides(b_batch, out_batch)};
    for (int64_t& v : strides[0]) v *= s.m * s.n;
    for (int64_t& v : strides[1]) v *= s.m * s.k;
    for (int64_t& v : strides[2]) v *= s.k * s.n;
    kernels::cuda::StridedLayout<3> layout;
    if (!kernels::cuda::CollapseLayout(out_batch, strides, &layout)) {
      return ctx.Unsupported("batch dims do not collapse to the kernel rank");
    }
    int inner = layout.rank - 1;
    s.batch = layout.dims[inner];
    s.stride_d = layout.strides[0][inner];
    s.stride_a = layout.strides[1][inner];
    s.stride_b = layout.strides[2][inner];
    // Every combination of the outer collapsed dims is one call.
    int64_t outer = Product(std::vector<int64_t>(layout.dims, layout.dims + inner), 0, inner);
    for (int64_t o = 0; o < outer; ++o) {
      BatchOffsets off;
      int64_t rest = o;
      for (int d = inner - 1; d >= 0; --d) {
        int64_t idx = rest % layout.dims[d];
        rest /= layout.dims[d];
        off.d += idx * layout.strides[0][d];
        off.a += idx * layout.strides[1][d];
        off.b += idx * layout.strides[2][d];
      }
      calls.push_back(off);
    }
  }
  // Strided batches move every pointer by stride * element bytes too.
  std::vector<BatchOffsets> alignment_probe = calls;
  alignment_probe.push_back({s.stride_a, s.stride_b, s.stride_d});
  s.alignment = Alignment(alignment_probe, ir::DTypeSize(ctx.input_dtype(0)));
  return std::unique_ptr<CudaOp>(new MatmulOp(ctx.node().Describe(), ctx.input_dtype(0), s, std::move(calls)));
}

}  // namespace

void RegisterMatMulOps(CudaOpRegistry& r) {
  r.Register("Gemm", MakeGemm);
  r.Register("MatMul", MakeMatMul);
}

}  // namespace tandem::executors::cuda
