#include "executors/cuda/conv_algorithm_cache.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "executors/cuda/cuda_status.h"

namespace tandem::executors::cuda {
namespace {

std::mutex& CacheMutex() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}

absl::flat_hash_map<std::string, ConvAlgorithm>& Cache() {
  static auto* cache = new absl::flat_hash_map<std::string, ConvAlgorithm>;
  return *cache;
}

}  // namespace

absl::StatusOr<ConvAlgorithm> ChooseConvAlgorithm(const std::string& key, cudnnHandle_t handle,
                                                  cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                                                  cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t y,
                                                  int64_t workspace_limit) {
  {
    std::lock_guard<std::mutex> lock(CacheMutex());
    auto it = Cache().find(key);
    if (it != Cache().end()) return it->second;
  }
  int max_count = 0;
  TANDEM_CUDA_RETURN_IF_ERROR(cudnnGetConvolutionForwardAlgorithmMaxCount(handle, &max_count),
                              "cudnnGetConvolutionForwardAlgorithmMaxCount");
  std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(std::max(max_count, 1));
  int returned = 0;
  TANDEM_CUDA_RETURN_IF_ERROR(
      cudnnGetConvolutionForwardAlgorithm_v7(handle, x, w, conv, y, max_count, &returned, perf.data()),
      "cudnnGetConvolutionForwardAlgorithm_v7");
  // Heuristic order first; implicit GEMM (no workspace, every configuration) as the last resort.
  std::vector<cudnnConvolutionFwdAlgo_t> candidates;
  for (int i = 0; i < returned; ++i) {
    if (perf[i].status == CUDNN_STATUS_SUCCESS) candidates.push_back(perf[i].algo);
  }
  candidates.push_back(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM);
  int64_t smallest = -1;
  for (cudnnConvolutionFwdAlgo_t algo : candidates) {
    size_t bytes = 0;
    // The descriptor's math type (set by the caller) is what the size is computed for.
    if (cudnnGetConvolutionForwardWorkspaceSize(handle, x, w, conv, y, algo, &bytes) != CUDNN_STATUS_SUCCESS) continue;
    int64_t need = static_cast<int64_t>(bytes);
    if (smallest < 0 || need < smallest) smallest = need;
    if (need > workspace_limit) continue;
    ConvAlgorithm chosen{algo, need};
    std::lock_guard<std::mutex> lock(CacheMutex());
    Cache().emplace(key, chosen);
    return chosen;
  }
  return absl::UnimplementedError(absl::StrCat(
      "no cuDNN convolution algorithm fits the workspace limit of ", workspace_limit, " bytes",
      smallest >= 0 ? absl::StrCat(" (the smallest needs ", smallest, ")") : std::string(" (none applies)")));
}

int ConvAlgorithmCacheSize() {
  std::lock_guard<std::mutex> lock(CacheMutex());
  return static_cast<int>(Cache().size());
}

}  // namespace tandem::executors::cuda
