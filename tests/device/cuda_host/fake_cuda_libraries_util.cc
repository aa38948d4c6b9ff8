// Host stand-ins for the cuDNN and cuBLASLt calls the GPU executor's Conv, Gemm and MatMul make,
// defined in the test executable so they take the place of the shared libraries' symbols. They
// implement the libraries' documented semantics on host memory (cuDNN: NCHW cross-correlation
// with groups, pads, strides, dilations; cuBLASLt: column-major D = alpha op(A) op(B) + beta C
// [+ bias per row] [relu], strided batches), independently of how the executor maps ONNX onto
// them, so the executor's mapping (row-major to column-major, transposes, batch strides, 1-D
// convolutions as 2-D, explicit padding) is checked against the ONNX suite and the CPU.
#include <cublasLt.h>
#include <cudnn.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/float16.h"

struct cudnnTensorStruct {
  cudnnDataType_t type;
  std::vector<int> dims;
};
struct cudnnFilterStruct {
  cudnnDataType_t type;
  std::vector<int> dims;
};
struct cudnnConvolutionStruct {
  std::vector<int> pads, strides, dilations;
  int groups = 1;
};

namespace {

double Load(cudnnDataType_t t, const void* p, int64_t i) {
  if (t == CUDNN_DATA_HALF) return tandem::HalfBitsToFloat(static_cast<const uint16_t*>(p)[i]);
  if (t == CUDNN_DATA_DOUBLE) return static_cast<const double*>(p)[i];
  return static_cast<const float*>(p)[i];
}

void Store(cudnnDataType_t t, void* p, int64_t i, double v) {
  if (t == CUDNN_DATA_HALF) {
    static_cast<uint16_t*>(p)[i] = tandem::FloatToHalfBits(static_cast<float>(v));
  } else if (t == CUDNN_DATA_DOUBLE) {
    static_cast<double*>(p)[i] = v;
  } else {
    static_cast<float*>(p)[i] = static_cast<float>(v);
  }
}

// Column-major layout of cuBLASLt, kept in the opaque storage.
struct Layout {
  cudaDataType type;
  int64_t rows, cols, ld, batch, stride;
};
struct Desc {
  cublasOperation_t trans_a, trans_b;
  cublasLtEpilogue_t epilogue;
  const void* bias;
};
static_assert(sizeof(Layout) <= sizeof(cublasLtMatrixLayoutOpaque_t));
static_assert(sizeof(Desc) <= sizeof(cublasLtMatmulDescOpaque_t));
Layout* AsLayout(cublasLtMatrixLayout_t l) { return reinterpret_cast<Layout*>(l->data); }
Desc* AsDesc(cublasLtMatmulDesc_t d) { return reinterpret_cast<Desc*>(d->data); }

double LtLoad(cudaDataType t, const void* p, int64_t i) {
  if (t == CUDA_R_16F) return tandem::HalfBitsToFloat(static_cast<const uint16_t*>(p)[i]);
  return static_cast<const float*>(p)[i];
}
void LtStore(cudaDataType t, void* p, int64_t i, double v) {
  if (t == CUDA_R_16F) {
    static_cast<uint16_t*>(p)[i] = tandem::FloatToHalfBits(static_cast<float>(v));
  } else {
    static_cast<float*>(p)[i] = static_cast<float>(v);
  }
}

}  // namespace

extern "C" {

cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t* d) {
  *d = new cudnnTensorStruct{};
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t d) {
  delete d;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t* d) {
  *d = new cudnnFilterStruct{};
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t d) {
  delete d;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t* d) {
  *d = new cudnnConvolutionStruct{};
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t d) {
  delete d;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetTensorNdDescriptor(cudnnTensorDescriptor_t d, cudnnDataType_t type, int nb, const int dims[],
                                         const int strides[]) {
  d->type = type;
  d->dims.assign(dims, dims + nb);
  int64_t expect = 1;  // the executor only describes contiguous NCHW tensors
  for (int i = nb - 1; i >= 0; --i) {
    if (strides[i] != expect) return CUDNN_STATUS_BAD_PARAM;
    expect *= dims[i];
  }
  return nb >= 4 ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_BAD_PARAM;
}

cudnnStatus_t cudnnSetFilterNdDescriptor(cudnnFilterDescriptor_t d, cudnnDataType_t type, cudnnTensorFormat_t format,
                                         int nb, const int dims[]) {
  d->type = type;
  d->dims.assign(dims, dims + nb);
  return format == CUDNN_TENSOR_NCHW && nb >= 4 ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_BAD_PARAM;
}

cudnnStatus_t cudnnSetConvolutionNdDescriptor(cudnnConvolutionDescriptor_t d, int n, const int pads[],
                                              const int strides[], const int dilations[], cudnnConvolutionMode_t mode,
                                              cudnnDataType_t) {
  d->pads.assign(pads, pads + n);
  d->strides.assign(strides, strides + n);
  d->dilations.assign(dilations, dilations + n);
  return mode == CUDNN_CROSS_CORRELATION ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_BAD_PARAM;
}

cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t d, int groups) {
  d->groups = groups;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t, cudnnMathType_t) {
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetStream(cudnnHandle_t, cudaStream_t) { return CUDNN_STATUS_SUCCESS; }

cudnnStatus_t cudnnGetConvolutionNdForwardOutputDim(const cudnnConvolutionDescriptor_t conv,
                                                    const cudnnTensorDescriptor_t x, const cudnnFilterDescriptor_t w,
                                                    int nb, int out[]) {
  if (nb != static_cast<int>(x->dims.size()) || w->dims.size() != x->dims.size()) return CUDNN_STATUS_BAD_PARAM;
  if (x->dims[1] != w->dims[1] * conv->groups) return CUDNN_STATUS_BAD_PARAM;
  out[0] = x->dims[0];
  out[1] = w->dims[0];
  for (int d = 2; d < nb; ++d) {
    int k = (w->dims[d] - 1) * conv->dilations[d - 2] + 1;
    out[d] = (x->dims[d] + 2 * conv->pads[d - 2] - k) / conv->strides[d - 2] + 1;
  }
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardAlgorithmMaxCount(cudnnHandle_t, int* count) {
  *count = 2;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(cudnnHandle_t, const cudnnTensorDescriptor_t,
                                                     const cudnnFilterDescriptor_t, const cudnnConvolutionDescriptor_t,
                                                     const cudnnTensorDescriptor_t, const int requested, int* returned,
                                                     cudnnConvolutionFwdAlgoPerf_t* perf) {
  // A heuristic that prefers an algorithm needing workspace, to exercise the limit.
  *returned = requested >= 2 ? 2 : requested;
  perf[0] = cudnnConvolutionFwdAlgoPerf_t{};
  perf[0].algo = CUDNN_CONVOLUTION_FWD_ALGO_GEMM;
  perf[0].status = CUDNN_STATUS_SUCCESS;
  if (*returned > 1) {
    perf[1] = cudnnConvolutionFwdAlgoPerf_t{};
    perf[1].algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
    perf[1].status = CUDNN_STATUS_SUCCESS;
  }
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t, const cudnnTensorDescriptor_t,
                                                      const cudnnFilterDescriptor_t, const cudnnConvolutionDescriptor_t,
                                                      const cudnnTensorDescriptor_t, cudnnConvolutionFwdAlgo_t algo,
                                                      size_t* bytes) {
  *bytes = algo == CUDNN_CONVOLUTION_FWD_ALGO_GEMM ? 1 << 20 : 0;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t, const void* alpha, const cudnnTensorDescriptor_t xd, const void* x,
                                      const cudnnFilterDescriptor_t wd, const void* w,
                                      const cudnnConvolutionDescriptor_t conv, cudnnConvolutionFwdAlgo_t, void*, size_t,
                                      const void* beta, const cudnnTensorDescriptor_t yd, void* y) {
  const cudnnDataType_t t = xd->type;
  const double a = t == CUDNN_DATA_DOUBLE ? *static_cast<const double*>(alpha) : *static_cast<const float*>(alpha);
  const double b = t == CUDNN_DATA_DOUBLE ? *static_cast<const double*>(beta) : *static_cast<const float*>(beta);
  // Up to 3 spatial dims, padded with size-1 dims in front.
  const int spatial = static_cast<int>(xd->dims.size()) - 2;
  int in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1}, pad[3] = {0, 0, 0}, st[3] = {1, 1, 1},
      dil[3] = {1, 1, 1};
  for (int d = 0; d < spatial; ++d) {
    int s = 3 - spatial + d;
    in[s] = xd->dims[d + 2];
    out[s] = yd->dims[d + 2];
    k[s] = wd->dims[d + 2];
    pad[s] = conv->pads[d];
    st[s] = conv->strides[d];
    dil[s] = conv->dilations[d];
  }
  const int n = xd->dims[0], c = xd->dims[1], m = wd->dims[0], cg = wd->dims[1], g = conv->groups, mg = m / g;
  const int64_t in_plane = int64_t{in[0]} * in[1] * in[2], out_plane = int64_t{out[0]} * out[1] * out[2];
  const int64_t k_plane = int64_t{k[0]} * k[1] * k[2];
  for (int ni = 0; ni < n; ++ni) {
    for (int mi = 0; mi < m; ++mi) {
      const int group = mi / mg;
      for (int64_t o = 0; o < out_plane; ++o) {
        int od = static_cast<int>(o / (out[1] * out[2])), oh = static_cast<int>((o / out[2]) % out[1]),
            ow = static_cast<int>(o % out[2]);
        double acc = 0;
        for (int ci = 0; ci < cg; ++ci) {
          const int64_t x_base = (int64_t{ni} * c + group * cg + ci) * in_plane;
          const int64_t w_base = (int64_t{mi} * cg + ci) * k_plane;
          for (int kd = 0; kd < k[0]; ++kd) {
            int id = od * st[0] - pad[0] + kd * dil[0];
            if (id < 0 || id >= in[0]) continue;
            for (int kh = 0; kh < k[1]; ++kh) {
              int ih = oh * st[1] - pad[1] + kh * dil[1];
              if (ih < 0 || ih >= in[1]) continue;
              for (int kw = 0; kw < k[2]; ++kw) {
                int iw = ow * st[2] - pad[2] + kw * dil[2];
                if (iw < 0 || iw >= in[2]) continue;
                acc += Load(t, x, x_base + (int64_t{id} * in[1] + ih) * in[2] + iw) *
                       Load(t, w, w_base + (int64_t{kd} * k[1] + kh) * k[2] + kw);
              }
            }
          }
        }
        const int64_t yi = (int64_t{ni} * m + mi) * out_plane + o;
        Store(t, y, yi, a * acc + (b != 0 ? b * Load(t, y, yi) : 0));
      }
    }
  }
  return CUDNN_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t* d, cublasComputeType_t, cudaDataType_t) {
  *d = new cublasLtMatmulDescOpaque_t{};
  *AsDesc(*d) = Desc{CUBLAS_OP_N, CUBLAS_OP_N, CUBLASLT_EPILOGUE_DEFAULT, nullptr};
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t d) {
  delete d;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t d, cublasLtMatmulDescAttributes_t attr,
                                              const void* buf, size_t size) {
  Desc* desc = AsDesc(d);
  switch (attr) {
    case CUBLASLT_MATMUL_DESC_TRANSA:
      std::memcpy(&desc->trans_a, buf, size);
      break;
    case CUBLASLT_MATMUL_DESC_TRANSB:
      std::memcpy(&desc->trans_b, buf, size);
      break;
    case CUBLASLT_MATMUL_DESC_EPILOGUE:
      std::memcpy(&desc->epilogue, buf, size);
      break;
    case CUBLASLT_MATMUL_DESC_BIAS_POINTER:
      std::memcpy(&desc->bias, buf, size);
      break;
    default:
      return CUBLAS_STATUS_INVALID_VALUE;
  }
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t* l, cudaDataType type, uint64_t rows, uint64_t cols,
                                          int64_t ld) {
  *l = new cublasLtMatrixLayoutOpaque_t{};
  *AsLayout(*l) = Layout{type, static_cast<int64_t>(rows), static_cast<int64_t>(cols), ld, 1, 0};
  return ld >= static_cast<int64_t>(rows) ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_INVALID_VALUE;
}
cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t l) {
  delete l;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t l, cublasLtMatrixLayoutAttribute_t attr,
                                                const void* buf, size_t size) {
  Layout* layout = AsLayout(l);
  if (attr == CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT && size == sizeof(int32_t)) {
    int32_t v;
    std::memcpy(&v, buf, size);
    layout->batch = v;
  } else if (attr == CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET && size == sizeof(int64_t)) {
    std::memcpy(&layout->stride, buf, size);
  } else {
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  return CUBLAS_STATUS_SUCCESS;
}
// The executor's lazy loader (executors/cuda/cublaslt_loader.cc) defines these same symbols to
// forward to the real library; defining all of them here keeps the linker from pulling it in.
cublasStatus_t cublasLtCreate(cublasLtHandle_t* handle) {
  *handle = nullptr;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtDestroy(cublasLtHandle_t) { return CUBLAS_STATUS_SUCCESS; }
const char* cublasLtGetStatusName(cublasStatus_t) { return "CUBLAS_STATUS_(host stand-in)"; }
const char* cublasLtGetStatusString(cublasStatus_t) { return "host stand-in for cuBLASLt"; }
cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t* p) {
  *p = new cublasLtMatmulPreferenceOpaque_t{};
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t p) {
  delete p;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t, cublasLtMatmulPreferenceAttributes_t,
                                                    const void*, size_t) {
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t, cublasLtMatmulDesc_t, cublasLtMatrixLayout_t a,
                                              cublasLtMatrixLayout_t b, cublasLtMatrixLayout_t c,
                                              cublasLtMatrixLayout_t d, cublasLtMatmulPreference_t, int,
                                              cublasLtMatmulHeuristicResult_t results[], int* count) {
  // Every operand must agree on the batch count, as cuBLASLt requires.
  int64_t batch = AsLayout(d)->batch;
  for (auto l : {a, b, c}) {
    if (AsLayout(l)->batch != batch) return CUBLAS_STATUS_INVALID_VALUE;
  }
  results[0] = cublasLtMatmulHeuristicResult_t{};
  results[0].workspaceSize = 0;
  results[0].state = CUBLAS_STATUS_SUCCESS;
  *count = 1;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmul(cublasLtHandle_t, cublasLtMatmulDesc_t desc, const void* alpha, const void* A,
                              cublasLtMatrixLayout_t a_desc, const void* B, cublasLtMatrixLayout_t b_desc,
                              const void* beta, const void* C, cublasLtMatrixLayout_t c_desc, void* D,
                              cublasLtMatrixLayout_t d_desc, const cublasLtMatmulAlgo_t*, void*, size_t, cudaStream_t) {
  const Desc& op = *AsDesc(desc);
  const Layout &la = *AsLayout(a_desc), &lb = *AsLayout(b_desc), &lc = *AsLayout(c_desc), &ld = *AsLayout(d_desc);
  const bool ta = op.trans_a == CUBLAS_OP_T, tb = op.trans_b == CUBLAS_OP_T;
  const int64_t m = ld.rows, n = ld.cols, k = ta ? la.rows : la.cols;
  if ((ta ? la.cols : la.rows) != m || (tb ? lb.cols : lb.rows) != k || (tb ? lb.rows : lb.cols) != n || lc.rows != m ||
      lc.cols != n) {
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  const double al = *static_cast<const float*>(alpha), be = *static_cast<const float*>(beta);
  const bool bias = op.epilogue == CUBLASLT_EPILOGUE_BIAS || op.epilogue == CUBLASLT_EPILOGUE_RELU_BIAS;
  const bool relu = op.epilogue == CUBLASLT_EPILOGUE_RELU || op.epilogue == CUBLASLT_EPILOGUE_RELU_BIAS;
  // Results for the whole batch first: C may be D itself.
  std::vector<double> result(static_cast<size_t>(ld.batch * m * n));
  for (int64_t bi = 0; bi < ld.batch; ++bi) {
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t i = 0; i < m; ++i) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p) {
          double av = LtLoad(la.type, A, bi * la.stride + (ta ? p + i * la.ld : i + p * la.ld));
          double bv = LtLoad(lb.type, B, bi * lb.stride + (tb ? j + p * lb.ld : p + j * lb.ld));
          acc += av * bv;
        }
        double v = al * acc;
        if (be != 0) v += be * LtLoad(lc.type, C, bi * lc.stride + i + j * lc.ld);
        if (bias) v += LtLoad(ld.type, op.bias, i);
        if (relu && v < 0) v = 0;
        result[static_cast<size_t>((bi * n + j) * m + i)] = v;
      }
    }
  }
  for (int64_t bi = 0; bi < ld.batch; ++bi) {
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t i = 0; i < m; ++i) {
        LtStore(ld.type, D, bi * ld.stride + i + j * ld.ld, result[static_cast<size_t>((bi * n + j) * m + i)]);
      }
    }
  }
  return CUBLAS_STATUS_SUCCESS;
}

}  // extern "C"

namespace tandem::executors::cuda {
const std::string& LoadCublasLt() {
  static const std::string kLoaded;
  return kLoaded;
}
bool CublasLtLoaded() { return true; }
}  // namespace tandem::executors::cuda
