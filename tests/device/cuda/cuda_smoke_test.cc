// Proves the CUDA toolchain end to end: a kernel compiled by nvcc in this build runs on the GPU.
// Skipped, with the reason, on machines without a GPU (CI), where it still compiles and links.
#include <cuda_runtime_api.h>

#include <vector>

#include "executors/cuda/cuda_device_info.h"
#include "gtest/gtest.h"
#include "kernels/cuda/fill.cuh"

namespace tandem {
namespace {

TEST(CudaSmoke, FillKernelWritesDeviceMemory) {
  std::string why;
  auto gpus = executors::cuda::ListGpus(&why);
  if (gpus.empty()) GTEST_SKIP() << why;
  constexpr int64_t kN = 1 << 20;
  float* dev = nullptr;
  ASSERT_EQ(cudaMalloc(reinterpret_cast<void**>(&dev), kN * sizeof(float)), cudaSuccess);
  ASSERT_EQ(kernels::cuda::LaunchFill(dev, kN, 3.5f, nullptr), cudaSuccess);
  std::vector<float> host(kN);
  ASSERT_EQ(cudaMemcpy(host.data(), dev, kN * sizeof(float), cudaMemcpyDeviceToHost), cudaSuccess);
  cudaFree(dev);
  for (int64_t i = 0; i < kN; i += 4097) ASSERT_EQ(host[i], 3.5f) << i;
  EXPECT_EQ(host[kN - 1], 3.5f);
}

}  // namespace
}  // namespace tandem
