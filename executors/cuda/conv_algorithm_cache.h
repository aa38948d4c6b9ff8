// cuDNN forward-convolution algorithm choice, made once per (device, shapes, attributes, math
// type, workspace limit) and cached for the life of the process, so a model loaded twice (or two
// convolutions of the same shape) never asks cuDNN twice.
//
// The choice uses cuDNN's heuristics (cudnnGetConvolutionForwardAlgorithm_v7), which allocate
// nothing on the device: the executor must know its memory requirement before allocating. The
// first algorithm in the heuristic's order whose workspace fits the limit wins.
#ifndef TANDEM_EXECUTORS_CUDA_CONV_ALGORITHM_CACHE_H_
#define TANDEM_EXECUTORS_CUDA_CONV_ALGORITHM_CACHE_H_

#include <cudnn.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace tandem::executors::cuda {

struct ConvAlgorithm {
  cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  int64_t workspace_bytes = 0;
};

// The cached choice for `key` (which must identify every descriptor field and the limit), or a
// new one from cuDNN. Unimplemented when no algorithm fits `workspace_limit`. Thread-safe.
absl::StatusOr<ConvAlgorithm> ChooseConvAlgorithm(const std::string& key, cudnnHandle_t handle,
                                                  cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                                                  cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t y,
                                                  int64_t workspace_limit);

// Number of distinct choices made so far (for tests: a second executor must not add any).
int ConvAlgorithmCacheSize();

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_CONV_ALGORITHM_CACHE_H_
