// Conv on cuDNN (1 to 3 spatial dims, groups, dilations, any pads), with the bias and an optional
// fused Relu/Clip applied by one channel-affine kernel after the convolution.
//
// cuDNN takes one symmetric pad per dim; asymmetric pads (SAME with even kernels) are applied by
// copying the input into a zero-padded buffer at the front of the workspace first.
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/float16.h"
#include "common/status_macros.h"
#include "executors/cuda/conv_algorithm_cache.h"
#include "executors/cuda/cuda_handles.h"
#include "executors/cuda/cuda_op.h"
#include "executors/cuda/cuda_status.h"
#include "executors/cuda/cuda_types.h"
#include "executors/cuda/ops/layout_util.h"
#include "kernels/cuda/channel_affine.cuh"
#include "kernels/cuda/strided_copy.cuh"

namespace tandem::executors::cuda {
namespace {

using kernels::cuda::ElementType;

constexpr int64_t kAlign = 256;
int64_t AlignUp(int64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

struct ConvGeometry {
  std::vector<int64_t> x, w, y;                               // NC..., MC/g..., NM...
  std::vector<int64_t> pad_begin, pad_end, stride, dilation;  // per spatial dim
  int64_t group = 1;
  bool explicit_pad = false;      // asymmetric: pad into the workspace first
  std::vector<int64_t> padded_x;  // x with explicit pads applied (when explicit_pad)
};

class ConvOp final : public CudaOp {
 public:
  ConvOp(std::string name, ir::DType dtype, ConvGeometry g, bool runtime_bias, std::optional<FusedClamp> clamp)
      : name_(std::move(name)), dtype_(dtype), g_(std::move(g)), runtime_bias_(runtime_bias), clamp_(clamp) {}
  // A constant bias, uploaded as float32 (the epilogue computes in float32).
  void SetConstantBias(const std::vector<float>& bias) { bias_constant_ = AddConstantValues(bias); }

  absl::Status Prepare(const CudaLibraries& libs, int64_t workspace_limit) override;
  int64_t workspace_bytes() const override { return pad_bytes_ + algo_.workspace_bytes; }
  absl::Status Run(const CudaRunContext& ctx) override;
  bool ReadsInputAtRun(size_t input) const override { return input < 2 || runtime_bias_; }
  bool fused_clamp() const override { return clamp_.has_value(); }
  bool uses_cudnn() const override { return true; }

 private:
  absl::Status Pad(const CudaRunContext& ctx, void* padded) const;

  std::string name_;
  ir::DType dtype_;
  ConvGeometry g_;
  int bias_constant_ = -1;  // index into constants(), or -1
  bool runtime_bias_;       // the bias is a run-time float32 input
  std::optional<FusedClamp> clamp_;
  CudnnTensorDesc x_desc_, y_desc_;
  CudnnFilterDesc w_desc_;
  CudnnConvDesc conv_desc_;
  ConvAlgorithm algo_;
  int64_t pad_bytes_ = 0;
};

// cuDNN wants at least 4-D tensors: a 1-D convolution becomes 2-D with a trailing 1.
std::vector<int> CudnnDims(const std::vector<int64_t>& dims) {
  std::vector<int> out(dims.begin(), dims.end());
  if (out.size() == 3) out.push_back(1);
  return out;
}

std::vector<int> Strides(const std::vector<int>& dims) {
  std::vector<int> s(dims.size(), 1);
  for (int d = static_cast<int>(dims.size()) - 2; d >= 0; --d) s[d] = s[d + 1] * dims[d + 1];
  return s;
}

absl::Status SetTensor(cudnnTensorDescriptor_t desc, cudnnDataType_t type, const std::vector<int64_t>& dims) {
  std::vector<int> d = CudnnDims(dims), s = Strides(d);
  TANDEM_CUDA_RETURN_IF_ERROR(cudnnSetTensorNdDescriptor(desc, type, static_cast<int>(d.size()), d.data(), s.data()),
                              "cudnnSetTensorNdDescriptor");
  return absl::OkStatus();
}

absl::Status ConvOp::Prepare(const CudaLibraries& libs, int64_t workspace_limit) {
  cudnnDataType_t type = *ToCudnnType(dtype_);
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  TANDEM_CUDA_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&x), "cudnnCreateTensorDescriptor");
  x_desc_.reset(x);
  TANDEM_CUDA_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&y), "cudnnCreateTensorDescriptor");
  y_desc_.reset(y);
  TANDEM_CUDA_RETURN_IF_ERROR(cudnnCreateFilterDescriptor(&w), "cudnnCreateFilterDescriptor");
  w_desc_.reset(w);
  TANDEM_CUDA_RETURN_IF_ERROR(cudnnCreateConvolutionDescriptor(&conv), "cudnnCreateConvolutionDescriptor");
  conv_desc_.reset(conv);

  const std::vector<int64_t>& x_dims = g_.explicit_pad ? g_.padded_x : g_.x;
  TANDEM_RETURN_IF_ERROR(SetTensor(x, type, x_dims));
  TANDEM_RETURN_IF_ERROR(SetTensor(y, type, g_.y));
  std::vector<int> wd = CudnnDims(g_.w);
  TANDEM_CUDA_RETURN_IF_ERROR(
      cudnnSetFilterNdDescriptor(w, type, CUDNN_TENSOR_NCHW, static_cast<int>(wd.size()), wd.data()),
      "cudnnSetFilterNdDescriptor");
  std::vector<int> pads, strides, dilations;
  for (size_t d = 0; d < g_.stride.size(); ++d) {
    pads.push_back(g_.explicit_pad ? 0 : static_cast<int>(g_.pad_begin[d]));
    strides.push_back(static_cast<int>(g_.stride[d]));
    dilations.push_back(static_cast<int>(g_.dilation[d]));
  }
  if (pads.size() == 1) {  // the trailing dim of a 1-D convolution
    pads.push_back(0);
    strides.push_back(1);
    dilations.push_back(1);
  }
  cudnnDataType_t compute = dtype_ == ir::DType::kFloat64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
  TANDEM_CUDA_RETURN_IF_ERROR(
      cudnnSetConvolutionNdDescriptor(conv, static_cast<int>(pads.size()), pads.data(), strides.data(),
                                      dilations.data(), CUDNN_CROSS_CORRELATION, compute),
      "cudnnSetConvolutionNdDescriptor");
  TANDEM_CUDA_RETURN_IF_ERROR(cudnnSetConvolutionGroupCount(conv, static_cast<int>(g_.group)),
                              "cudnnSetConvolutionGroupCount");
  // Float32 stays in FMA arithmetic unless TF32 is allowed (cuDNN's default math may use TF32).
  cudnnMathType_t math = dtype_ == ir::DType::kFloat16 ? CUDNN_TENSOR_OP_MATH
                         : libs.allow_tf32             ? CUDNN_DEFAULT_MATH
                                                       : CUDNN_FMA_MATH;
  TANDEM_CUDA_RETURN_IF_ERROR(cudnnSetConvolutionMathType(conv, math), "cudnnSetConvolutionMathType");

  std::vector<int> out(wd.size());
  TANDEM_CUDA_RETURN_IF_ERROR(
      cudnnGetConvolutionNdForwardOutputDim(conv, x, w, static_cast<int>(out.size()), out.data()),
      "cudnnGetConvolutionNdForwardOutputDim");
  if (out != CudnnDims(g_.y)) {
    return absl::InternalError(absl::StrCat(name_, ": cuDNN computes output [", absl::StrJoin(out, ","),
                                            "] but the graph says [", absl::StrJoin(g_.y, ","), "]"));
  }
  pad_bytes_ = g_.explicit_pad ? AlignUp(Product(g_.padded_x, 0, g_.padded_x.size()) * ir::DTypeSize(dtype_)) : 0;
  if (pad_bytes_ > workspace_limit) {
    return absl::UnimplementedError(absl::StrCat(name_, ": the padded input needs ", pad_bytes_,
                                                 " bytes of workspace, over the limit of ", workspace_limit));
  }
  std::string key = absl::StrCat("dev", libs.device, " t", static_cast<int>(type), " m", static_cast<int>(math), " x",
                                 absl::StrJoin(x_dims, ","), " w", absl::StrJoin(g_.w, ","), " p",
                                 absl::StrJoin(pads, ","), " s", absl::StrJoin(strides, ","), " d",
                                 absl::StrJoin(dilations, ","), " g", g_.group, " limit", workspace_limit - pad_bytes_);
  auto algo = ChooseConvAlgorithm(key, libs.cudnn, x, w, conv, y, workspace_limit - pad_bytes_);
  if (!algo.ok()) return absl::Status(algo.status().code(), absl::StrCat(name_, ": ", algo.status().message()));
  algo_ = *algo;
  return absl::OkStatus();
}

absl::Status ConvOp::Pad(const CudaRunContext& ctx, void* padded) const {
  int element = ir::DTypeSize(dtype_);
  int64_t total = Product(g_.padded_x, 0, g_.padded_x.size());
  TANDEM_RETURN_IF_ERROR(LaunchStatus(kernels::cuda::LaunchFillPattern(padded, total, element, 0, ctx.stream), "fill"));
  // Copy x into the interior: index space = x's dims, destination strides of the padded tensor,
  // destination base at the first interior element.
  std::vector<int64_t> dst_strides = kernels::cuda::ContiguousStrides(g_.padded_x);
  int64_t dst_offset = 0;
  for (size_t d = 0; d < g_.pad_begin.size(); ++d) dst_offset += g_.pad_begin[d] * dst_strides[d + 2];
  kernels::cuda::StridedLayout<2> layout;
  if (!kernels::cuda::CollapseLayout(g_.x, {dst_strides, kernels::cuda::ContiguousStrides(g_.x)}, &layout)) {
    return absl::InternalError("padding layout exceeds the kernel rank");
  }
  return LaunchStatus(
      kernels::cuda::LaunchStridedCopy(layout, Product(g_.x, 0, g_.x.size()), element, ctx.inputs[0],
                                       static_cast<uint8_t*>(padded) + dst_offset * element, ctx.stream),
      "pad copy");
}

absl::Status ConvOp::Run(const CudaRunContext& ctx) {
  const void* x = ctx.inputs[0];
  uint8_t* workspace = static_cast<uint8_t*>(ctx.workspace);
  if (g_.explicit_pad) {
    TANDEM_RETURN_IF_ERROR(Pad(ctx, workspace));
    x = workspace;
  }
  TANDEM_CUDA_RETURN_IF_ERROR(cudnnSetStream(ctx.libs->cudnn, ctx.stream), "cudnnSetStream");
  double alpha64 = 1, beta64 = 0;
  float alpha32 = 1, beta32 = 0;
  bool f64 = dtype_ == ir::DType::kFloat64;
  TANDEM_CUDA_RETURN_IF_ERROR(
      cudnnConvolutionForward(ctx.libs->cudnn, f64 ? static_cast<const void*>(&alpha64) : &alpha32, x_desc_.get(), x,
                              w_desc_.get(), ctx.inputs[1], conv_desc_.get(), algo_.algo, workspace + pad_bytes_,
                              static_cast<size_t>(algo_.workspace_bytes),
                              f64 ? static_cast<const void*>(&beta64) : &beta32, y_desc_.get(), ctx.outputs[0]),
      absl::StrCat(name_, ": cudnnConvolutionForward"));
  const float* bias = nullptr;
  if (bias_constant_ >= 0) bias = static_cast<const float*>(ctx.constants[bias_constant_]);
  if (runtime_bias_) bias = static_cast<const float*>(ctx.inputs[2]);
  if (bias == nullptr && !clamp_) return absl::OkStatus();
  float lo = clamp_ ? clamp_->min : -std::numeric_limits<float>::infinity();
  float hi = clamp_ ? clamp_->max : std::numeric_limits<float>::infinity();
  int64_t channels = g_.y[1];
  int64_t inner = Product(g_.y, 2, g_.y.size());
  return LaunchStatus(kernels::cuda::LaunchChannelAffine(*ToElementType(dtype_), ctx.outputs[0], ctx.outputs[0],
                                                         nullptr, bias, g_.y[0], channels, inner, lo, hi, ctx.stream),
                      "bias kernel");
}

// Pads per spatial dim from auto_pad or `pads`, as ONNX defines them.
absl::Status ResolvePads(const CudaBuildContext& ctx, ConvGeometry& g, const std::vector<int64_t>& kernel) {
  size_t spatial = kernel.size();
  std::string auto_pad = ctx.node().GetString("auto_pad", "NOTSET");
  g.pad_begin.assign(spatial, 0);
  g.pad_end.assign(spatial, 0);
  if (auto_pad == "NOTSET") {
    std::vector<int64_t> pads = ctx.node().GetInts("pads", std::vector<int64_t>(2 * spatial, 0));
    if (pads.size() != 2 * spatial) return ctx.Invalid("pads must have 2 values per spatial dim");
    for (size_t d = 0; d < spatial; ++d) {
      g.pad_begin[d] = pads[d];
      g.pad_end[d] = pads[d + spatial];
      if (pads[d] < 0 || pads[d + spatial] < 0) return ctx.Invalid("negative pads");
    }
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t d = 0; d < spatial; ++d) {
      int64_t in = g.x[d + 2], out = g.y[d + 2];
      int64_t total = std::max<int64_t>(0, (out - 1) * g.stride[d] + (kernel[d] - 1) * g.dilation[d] + 1 - in);
      int64_t small = total / 2;
      g.pad_begin[d] = auto_pad == "SAME_UPPER" ? small : total - small;
      g.pad_end[d] = total - g.pad_begin[d];
    }
  } else if (auto_pad != "VALID") {
    return ctx.Invalid(absl::StrCat("unknown auto_pad '", auto_pad, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CudaOp>> MakeConv(const CudaBuildContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_output(0)) return ctx.Invalid("needs X, W and Y");
  ir::DType dtype = ctx.input_dtype(0);
  if (dtype != ir::DType::kFloat32 && dtype != ir::DType::kFloat16) {
    return ctx.Unsupported(absl::StrCat("type ", ir::DTypeName(dtype), " is not supported (f32, f16)"));
  }
  if (ctx.input_dtype(1) != dtype || ctx.output_dtype(0) != dtype) return ctx.Invalid("X, W and Y types differ");
  ConvGeometry g;
  g.x = ctx.input_dims(0);
  g.w = ctx.input_dims(1);
  g.y = ctx.output_dims(0);
  if (g.x.size() < 3 || g.x.size() > 5) return ctx.Unsupported("only 1 to 3 spatial dims are supported");
  if (g.w.size() != g.x.size() || g.y.size() != g.x.size()) return ctx.Invalid("X, W and Y ranks differ");
  for (const auto* dims : {&g.x, &g.w, &g.y}) {
    for (int64_t d : *dims) {
      if (d <= 0) return ctx.Unsupported("empty tensors are not supported");
      if (d > std::numeric_limits<int32_t>::max()) return ctx.Unsupported("a dim exceeds cuDNN's int32 range");
    }
  }
  size_t spatial = g.x.size() - 2;
  g.group = ctx.node().GetInt("group", 1);
  if (g.group < 1 || g.x[1] % g.group != 0 || g.w[0] % g.group != 0 || g.w[1] * g.group != g.x[1]) {
    return ctx.Invalid("channels do not match group and W");
  }
  std::vector<int64_t> kernel(g.w.begin() + 2, g.w.end());
  std::vector<int64_t> kernel_shape = ctx.node().GetInts("kernel_shape", kernel);
  if (kernel_shape != kernel) return ctx.Invalid("kernel_shape does not match W");
  g.stride = ctx.node().GetInts("strides", std::vector<int64_t>(spatial, 1));
  g.dilation = ctx.node().GetInts("dilations", std::vector<int64_t>(spatial, 1));
  if (g.stride.size() != spatial || g.dilation.size() != spatial) return ctx.Invalid("strides/dilations rank");
  TANDEM_RETURN_IF_ERROR(ResolvePads(ctx, g, kernel));
  g.padded_x = g.x;
  for (size_t d = 0; d < spatial; ++d) {
    if (g.pad_begin[d] != g.pad_end[d]) g.explicit_pad = true;
    g.padded_x[d + 2] += g.pad_begin[d] + g.pad_end[d];
  }
  bool runtime_bias = false;
  std::vector<float> bias;
  if (ctx.has_input(2)) {
    if (ir::CheckedNumElements(ctx.input_dims(2)) != g.w[0])
      return ctx.Invalid("B must hold one value per output channel");
    if (const ir::Tensor* b = ctx.constant_input(2)) {
      for (int64_t i = 0; i < b->num_elements(); ++i) {
        bias.push_back(b->dtype == ir::DType::kFloat16 ? HalfBitsToFloat(b->values<uint16_t>()[i])
                                                       : static_cast<float>(b->DoubleAt(i)));
      }
    } else if (dtype == ir::DType::kFloat32) {
      runtime_bias = true;
    } else {
      return ctx.Unsupported("a float16 bias must be a constant");
    }
  }
  auto op = std::make_unique<ConvOp>(ctx.node().Describe(), dtype, std::move(g), runtime_bias, ctx.requested_clamp());
  if (!bias.empty()) op->SetConstantBias(bias);
  return std::unique_ptr<CudaOp>(std::move(op));
}

}  // namespace

void RegisterConvOps(CudaOpRegistry& r) { r.Register("Conv", MakeConv); }

}  // namespace tandem::executors::cuda
