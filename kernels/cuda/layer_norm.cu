#include "kernels/cuda/detail/launch.cuh"
#include "kernels/cuda/detail/numeric.cuh"
#include "kernels/cuda/detail/reduce.cuh"
#include "kernels/cuda/layer_norm.cuh"

namespace tandem::kernels::cuda {
namespace {

// kGroup threads per row. Two passes over the row for the statistics (mean, then the centred
// sum of squares, which does not cancel catastrophically like E[x^2] - E[x]^2), one to write.
template <typename T, int kGroup>
__global__ void LayerNormKernel(const T* x, const T* scale, const T* bias, T* y, float* mean_out, float* inv_std_out,
                                int64_t rows, int64_t cols, float epsilon) {
  using A = typename detail::Compute<T>::type;
  __shared__ A scratch[kGroup > 32 ? kGroup / 32 : 1];
  const int groups_per_block = blockDim.x / kGroup;
  const int lane = threadIdx.x % kGroup;
  for (int64_t row = int64_t{blockIdx.x} * groups_per_block + threadIdx.x / kGroup; row < rows;
       row += int64_t{gridDim.x} * groups_per_block) {
    const T* in = x + row * cols;
    T* out = y + row * cols;
    A sum = A(0);
    for (int64_t c = lane; c < cols; c += kGroup) sum += detail::Load(in[c]);
    const A mean = detail::GroupReduce<kGroup>(sum, detail::SumOp{}, scratch) / A(cols);
    A sq = A(0);
    for (int64_t c = lane; c < cols; c += kGroup) {
      A d = detail::Load(in[c]) - mean;
      sq += d * d;
    }
    const A var = detail::GroupReduce<kGroup>(sq, detail::SumOp{}, scratch) / A(cols);
    const A inv_std = A(1) / sqrt(var + A(epsilon));
    for (int64_t c = lane; c < cols; c += kGroup) {
      A v = (detail::Load(in[c]) - mean) * inv_std * detail::Load(scale[c]);
      if (bias) v += detail::Load(bias[c]);
      out[c] = detail::Store<T>(v);
    }
    if (lane == 0) {
      if (mean_out) mean_out[row] = static_cast<float>(mean);
      if (inv_std_out) inv_std_out[row] = static_cast<float>(inv_std);
    }
  }
}

template <typename T>
cudaError_t Launch(const void* x, const void* scale, const void* bias, void* y, float* mean, float* inv_std,
                   int64_t rows, int64_t cols, float epsilon, cudaStream_t stream) {
  const T* tx = static_cast<const T*>(x);
  const T* ts = static_cast<const T*>(scale);
  const T* tb = static_cast<const T*>(bias);
  T* ty = static_cast<T*>(y);
  if (cols > 1024) {
    unsigned blocks = static_cast<unsigned>(rows < detail::kMaxBlocks ? rows : detail::kMaxBlocks);
    LayerNormKernel<T, 256><<<blocks, 256, 0, stream>>>(tx, ts, tb, ty, mean, inv_std, rows, cols, epsilon);
  } else {
    int64_t needed = (rows + 7) / 8;
    unsigned blocks = static_cast<unsigned>(needed < detail::kMaxBlocks ? needed : detail::kMaxBlocks);
    LayerNormKernel<T, 32><<<blocks, 256, 0, stream>>>(tx, ts, tb, ty, mean, inv_std, rows, cols, epsilon);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t LaunchLayerNorm(ElementType type, const void* x, const void* scale, const void* bias, void* y, float* mean,
                            float* inv_std_dev, int64_t rows, int64_t cols, float epsilon, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return cudaSuccess;
  switch (type) {
    case ElementType::kFloat32:
      return Launch<float>(x, scale, bias, y, mean, inv_std_dev, rows, cols, epsilon, stream);
    case ElementType::kFloat16:
      return Launch<__half>(x, scale, bias, y, mean, inv_std_dev, rows, cols, epsilon, stream);
    case ElementType::kFloat64:
      return Launch<double>(x, scale, bias, y, mean, inv_std_dev, rows, cols, epsilon, stream);
    default:
      return cudaErrorInvalidValue;
  }
}

}  // namespace tandem::kernels::cuda
