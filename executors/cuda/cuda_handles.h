// unique_ptr owners for the CUDA runtime, cuBLASLt and cuDNN handles the executor holds (a
// deleter struct per handle type, as ggml-cpp.h does). Deleters ignore errors: they run on
// teardown paths where there is no one left to report to.
#ifndef TANDEM_EXECUTORS_CUDA_CUDA_HANDLES_H_
#define TANDEM_EXECUTORS_CUDA_CUDA_HANDLES_H_

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "absl/status/statusor.h"

#include <memory>
#include <mutex>
#include <type_traits>

namespace tandem::executors::cuda {

struct DeviceMemoryDeleter {
  void operator()(void* p) const { cudaFree(p); }
};
struct StreamDeleter {
  void operator()(CUstream_st* s) const { cudaStreamDestroy(s); }
};
struct EventDeleter {
  void operator()(CUevent_st* e) const { cudaEventDestroy(e); }
};
struct GraphExecDeleter {
  void operator()(CUgraphExec_st* g) const { cudaGraphExecDestroy(g); }
};
struct GraphDeleter {
  void operator()(CUgraph_st* g) const { cudaGraphDestroy(g); }
};
struct CudnnDeleter {
  void operator()(cudnnContext* h) const { cudnnDestroy(h); }
};
struct CublasLtDeleter {
  void operator()(cublasLtContext* h) const { cublasLtDestroy(h); }
};
struct CudnnTensorDescDeleter {
  void operator()(cudnnTensorStruct* d) const { cudnnDestroyTensorDescriptor(d); }
};
struct CudnnFilterDescDeleter {
  void operator()(cudnnFilterStruct* d) const { cudnnDestroyFilterDescriptor(d); }
};
struct CudnnConvDescDeleter {
  void operator()(cudnnConvolutionStruct* d) const { cudnnDestroyConvolutionDescriptor(d); }
};
struct CublasLtMatmulDescDeleter {
  void operator()(cublasLtMatmulDescOpaque_t* d) const { cublasLtMatmulDescDestroy(d); }
};
struct CublasLtLayoutDeleter {
  void operator()(cublasLtMatrixLayoutOpaque_t* d) const { cublasLtMatrixLayoutDestroy(d); }
};
struct CublasLtPreferenceDeleter {
  void operator()(cublasLtMatmulPreferenceOpaque_t* d) const { cublasLtMatmulPreferenceDestroy(d); }
};

using DeviceMemory = std::unique_ptr<void, DeviceMemoryDeleter>;
using StreamPtr = std::unique_ptr<CUstream_st, StreamDeleter>;
using EventPtr = std::unique_ptr<CUevent_st, EventDeleter>;
using GraphExecPtr = std::unique_ptr<CUgraphExec_st, GraphExecDeleter>;
using GraphPtr = std::unique_ptr<CUgraph_st, GraphDeleter>;
using CudnnPtr = std::unique_ptr<cudnnContext, CudnnDeleter>;
using CublasLtPtr = std::unique_ptr<cublasLtContext, CublasLtDeleter>;
using CudnnTensorDesc = std::unique_ptr<cudnnTensorStruct, CudnnTensorDescDeleter>;
using CudnnFilterDesc = std::unique_ptr<cudnnFilterStruct, CudnnFilterDescDeleter>;
using CudnnConvDesc = std::unique_ptr<cudnnConvolutionStruct, CudnnConvDescDeleter>;
using CublasLtMatmulDesc = std::unique_ptr<cublasLtMatmulDescOpaque_t, CublasLtMatmulDescDeleter>;
using CublasLtLayout = std::unique_ptr<cublasLtMatrixLayoutOpaque_t, CublasLtLayoutDeleter>;
using CublasLtPreference = std::unique_ptr<cublasLtMatmulPreferenceOpaque_t, CublasLtPreferenceDeleter>;

static_assert(std::is_same_v<cudaStream_t, CUstream_st*>);
static_assert(std::is_same_v<cudnnHandle_t, cudnnContext*>);
static_assert(std::is_same_v<cublasLtHandle_t, cublasLtContext*>);
static_assert(std::is_same_v<cublasLtMatmulDesc_t, cublasLtMatmulDescOpaque_t*>);
static_assert(std::is_same_v<cublasLtMatrixLayout_t, cublasLtMatrixLayoutOpaque_t*>);
static_assert(std::is_same_v<cublasLtMatmulPreference_t, cublasLtMatmulPreferenceOpaque_t*>);

// One cuDNN and one cuBLASLt handle for several executors on one GPU, each created on first
// request (cuDNN takes about a second to load, so a graph without convolutions never pays it).
// Thread-safe; the handles live as long as this object.
class SharedCudaHandles {
 public:
  explicit SharedCudaHandles(int device) : device_(device) {}
  absl::StatusOr<cudnnHandle_t> Cudnn();
  absl::StatusOr<cublasLtHandle_t> CublasLt();

 private:
  const int device_;
  std::mutex mutex_;
  CudnnPtr cudnn_;
  CublasLtPtr cublas_lt_;
};

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_CUDA_HANDLES_H_
