#include "executors/cuda/cublaslt_matmul.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "executors/cuda/cuda_status.h"

namespace tandem::executors::cuda {
namespace {

// A column-major layout of rows x cols with leading dimension ld, batched.
absl::StatusOr<CublasLtLayout> MakeLayout(cudaDataType_t type, int64_t rows, int64_t cols, int64_t ld, int64_t batch,
                                          int64_t stride) {
  cublasLtMatrixLayout_t layout = nullptr;
  TANDEM_CUDA_RETURN_IF_ERROR(
      cublasLtMatrixLayoutCreate(&layout, type, static_cast<uint64_t>(rows), static_cast<uint64_t>(cols), ld),
      "cublasLtMatrixLayoutCreate");
  CublasLtLayout owned(layout);
  if (batch > 1) {
    int32_t count = static_cast<int32_t>(batch);
    TANDEM_CUDA_RETURN_IF_ERROR(
        cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count)),
        "cublasLtMatrixLayoutSetAttribute(BATCH_COUNT)");
    TANDEM_CUDA_RETURN_IF_ERROR(
        cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)),
        "cublasLtMatrixLayoutSetAttribute(STRIDED_BATCH_OFFSET)");
  }
  return owned;
}

template <typename T>
absl::Status SetDesc(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attr, const T& value, const char* name) {
  TANDEM_CUDA_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(desc, attr, &value, sizeof(value)),
                              absl::StrCat("cublasLtMatmulDescSetAttribute(", name, ")"));
  return absl::OkStatus();
}

}  // namespace

absl::Status LtMatmul::Prepare(cublasLtHandle_t handle, cudaDataType_t type, bool allow_tf32, const MatmulShape& shape,
                               int64_t workspace_limit) {
  shape_ = shape;
  cublasComputeType_t compute = type == CUDA_R_32F && allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  cublasLtMatmulDesc_t desc = nullptr;
  TANDEM_CUDA_RETURN_IF_ERROR(cublasLtMatmulDescCreate(&desc, compute, CUDA_R_32F), "cublasLtMatmulDescCreate");
  desc_.reset(desc);
  // Lt's A is our B, Lt's B is our A (see the header).
  cublasOperation_t op_lt_a = shape.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t op_lt_b = shape.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  TANDEM_RETURN_IF_ERROR(SetDesc(desc, CUBLASLT_MATMUL_DESC_TRANSA, op_lt_a, "TRANSA"));
  TANDEM_RETURN_IF_ERROR(SetDesc(desc, CUBLASLT_MATMUL_DESC_TRANSB, op_lt_b, "TRANSB"));
  cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
  if (shape.bias && shape.relu) {
    epilogue = CUBLASLT_EPILOGUE_RELU_BIAS;
  } else if (shape.bias) {
    epilogue = CUBLASLT_EPILOGUE_BIAS;
  } else if (shape.relu) {
    epilogue = CUBLASLT_EPILOGUE_RELU;
  }
  TANDEM_RETURN_IF_ERROR(SetDesc(desc, CUBLASLT_MATMUL_DESC_EPILOGUE, epilogue, "EPILOGUE"));

  // Our B: [K, N] row-major is column-major N x K (ld N); [N, K] (trans_b) is K x N (ld K).
  auto lt_a = shape.trans_b ? MakeLayout(type, shape.k, shape.n, shape.k, shape.batch, shape.stride_b)
                            : MakeLayout(type, shape.n, shape.k, shape.n, shape.batch, shape.stride_b);
  // Our A: [M, K] row-major is column-major K x M (ld K); [K, M] (trans_a) is M x K (ld M).
  auto lt_b = shape.trans_a ? MakeLayout(type, shape.m, shape.k, shape.m, shape.batch, shape.stride_a)
                            : MakeLayout(type, shape.k, shape.m, shape.k, shape.batch, shape.stride_a);
  // D (and C): [M, N] row-major is column-major N x M (ld N).
  auto lt_d = MakeLayout(type, shape.n, shape.m, shape.n, shape.batch, shape.stride_d);
  for (const auto* l : {&lt_a, &lt_b, &lt_d}) {
    if (!l->ok()) return l->status();
  }
  lt_a_ = std::move(*lt_a);
  lt_b_ = std::move(*lt_b);
  lt_d_ = std::move(*lt_d);

  cublasLtMatmulPreference_t pref = nullptr;
  TANDEM_CUDA_RETURN_IF_ERROR(cublasLtMatmulPreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate");
  CublasLtPreference owned_pref(pref);
  uint64_t limit = static_cast<uint64_t>(workspace_limit < 0 ? 0 : workspace_limit);
  TANDEM_CUDA_RETURN_IF_ERROR(
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &limit, sizeof(limit)),
      "cublasLtMatmulPreferenceSetAttribute(MAX_WORKSPACE_BYTES)");
  uint32_t alignment = static_cast<uint32_t>(shape.alignment);
  for (auto attr : {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES}) {
    TANDEM_CUDA_RETURN_IF_ERROR(cublasLtMatmulPreferenceSetAttribute(pref, attr, &alignment, sizeof(alignment)),
                                "cublasLtMatmulPreferenceSetAttribute(MIN_ALIGNMENT)");
  }
  cublasLtMatmulHeuristicResult_t result{};
  int returned = 0;
  TANDEM_CUDA_RETURN_IF_ERROR(cublasLtMatmulAlgoGetHeuristic(handle, desc, lt_a_.get(), lt_b_.get(), lt_d_.get(),
                                                             lt_d_.get(), pref, 1, &result, &returned),
                              "cublasLtMatmulAlgoGetHeuristic");
  if (returned == 0) {
    return absl::UnimplementedError(absl::StrCat("cuBLASLt has no algorithm for ", shape.m, "x", shape.k, " * ",
                                                 shape.k, "x", shape.n, " (batch ", shape.batch,
                                                 ") within a workspace of ", workspace_limit, " bytes"));
  }
  algo_ = result.algo;
  workspace_bytes_ = static_cast<int64_t>(result.workspaceSize);
  return absl::OkStatus();
}

absl::Status LtMatmul::Run(cublasLtHandle_t handle, const void* a, const void* b, const void* c, void* d,
                           const void* bias, void* workspace, cudaStream_t stream) {
  if (shape_.bias) {
    TANDEM_RETURN_IF_ERROR(SetDesc(desc_.get(), CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias, "BIAS_POINTER"));
  }
  float alpha = shape_.alpha;
  float beta = shape_.use_c ? shape_.beta : 0.0f;
  const void* c_ptr = shape_.use_c ? c : d;  // with beta 0, C is not read
  TANDEM_CUDA_RETURN_IF_ERROR(
      cublasLtMatmul(handle, desc_.get(), &alpha, b, lt_a_.get(), a, lt_b_.get(), &beta, c_ptr, lt_d_.get(), d,
                     lt_d_.get(), &algo_, workspace, static_cast<size_t>(workspace_bytes_), stream),
      "cublasLtMatmul");
  return absl::OkStatus();
}

}  // namespace tandem::executors::cuda
