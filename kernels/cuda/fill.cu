#include "kernels/cuda/fill.cuh"

namespace tandem::kernels::cuda {
namespace {

__global__ void FillKernel(float* dst, int64_t n, float value) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    dst[i] = value;
  }
}

}  // namespace

cudaError_t LaunchFill(float* dst, int64_t n, float value, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  constexpr int kThreads = 256;
  int64_t blocks = (n + kThreads - 1) / kThreads;
  if (blocks > 65535) blocks = 65535;  // grid-stride loop covers the rest
  FillKernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(dst, n, value);
  return cudaGetLastError();
}

}  // namespace tandem::kernels::cuda
