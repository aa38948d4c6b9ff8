#include <cfloat>

#include "kernels/cuda/detail/launch.cuh"
#include "kernels/cuda/detail/numeric.cuh"
#include "kernels/cuda/detail/reduce.cuh"
#include "kernels/cuda/softmax.cuh"

namespace tandem::kernels::cuda {
namespace {

// Contiguous rows (inner == 1): kGroup threads per row, blockDim.x / kGroup rows per block.
template <typename T, int kGroup>
__global__ void SoftmaxRowsKernel(const T* x, T* y, int64_t rows, int64_t cols, bool log_output) {
  using A = typename detail::Compute<T>::type;
  __shared__ A scratch[kGroup > 32 ? kGroup / 32 : 1];
  const int groups_per_block = blockDim.x / kGroup;
  const int lane = threadIdx.x % kGroup;
  for (int64_t row = int64_t{blockIdx.x} * groups_per_block + threadIdx.x / kGroup; row < rows;
       row += int64_t{gridDim.x} * groups_per_block) {
    const T* in = x + row * cols;
    T* out = y + row * cols;
    A m = A(-INFINITY);
    for (int64_t c = lane; c < cols; c += kGroup) {
      A v = detail::Load(in[c]);
      m = v > m ? v : m;
    }
    m = detail::GroupReduce<kGroup>(m, detail::MaxOp{}, scratch);
    A sum = A(0);
    for (int64_t c = lane; c < cols; c += kGroup) sum += exp(detail::Load(in[c]) - m);
    sum = detail::GroupReduce<kGroup>(sum, detail::SumOp{}, scratch);
    if (log_output) {
      A log_sum = log(sum);
      for (int64_t c = lane; c < cols; c += kGroup) out[c] = detail::Store<T>(detail::Load(in[c]) - m - log_sum);
    } else {
      A inv = A(1) / sum;
      for (int64_t c = lane; c < cols; c += kGroup) out[c] = detail::Store<T>(exp(detail::Load(in[c]) - m) * inv);
    }
  }
}

// Strided lines (inner > 1): one thread per (outer, inner) line; neighbouring threads read
// neighbouring addresses, so the loads coalesce.
template <typename T>
__global__ void SoftmaxStridedKernel(const T* x, T* y, int64_t outer, int64_t axis_dim, int64_t inner,
                                     bool log_output) {
  using A = typename detail::Compute<T>::type;
  const int64_t lines = outer * inner;
  for (int64_t line = detail::GridStart<int64_t>(); line < lines; line += detail::GridStride<int64_t>()) {
    const int64_t base = (line / inner) * axis_dim * inner + line % inner;
    A m = A(-INFINITY);
    for (int64_t a = 0; a < axis_dim; ++a) {
      A v = detail::Load(x[base + a * inner]);
      m = v > m ? v : m;
    }
    A sum = A(0);
    for (int64_t a = 0; a < axis_dim; ++a) sum += exp(detail::Load(x[base + a * inner]) - m);
    A log_sum = log(sum), inv = A(1) / sum;
    for (int64_t a = 0; a < axis_dim; ++a) {
      A v = detail::Load(x[base + a * inner]) - m;
      y[base + a * inner] = detail::Store<T>(log_output ? v - log_sum : exp(v) * inv);
    }
  }
}

template <typename T>
cudaError_t Launch(const void* x, void* y, int64_t outer, int64_t axis_dim, int64_t inner, bool log_output,
                   cudaStream_t stream) {
  const T* tx = static_cast<const T*>(x);
  T* ty = static_cast<T*>(y);
  if (inner != 1) {
    SoftmaxStridedKernel<T><<<detail::BlocksFor(outer * inner), detail::kThreadsPerBlock, 0, stream>>>(
        tx, ty, outer, axis_dim, inner, log_output);
  } else if (axis_dim > 1024) {
    unsigned blocks = static_cast<unsigned>(outer < detail::kMaxBlocks ? outer : detail::kMaxBlocks);
    SoftmaxRowsKernel<T, 256><<<blocks, 256, 0, stream>>>(tx, ty, outer, axis_dim, log_output);
  } else {
    int64_t needed = (outer + 7) / 8;
    unsigned blocks = static_cast<unsigned>(needed < detail::kMaxBlocks ? needed : detail::kMaxBlocks);
    SoftmaxRowsKernel<T, 32><<<blocks, 256, 0, stream>>>(tx, ty, outer, axis_dim, log_output);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t LaunchSoftmax(ElementType type, const void* x, void* y, int64_t outer, int64_t axis_dim, int64_t inner,
                          bool log, cudaStream_t stream) {
  if (outer <= 0 || axis_dim <= 0 || inner <= 0) return cudaSuccess;
  switch (type) {
    case ElementType::kFloat32:
      return Launch<float>(x, y, outer, axis_dim, inner, log, stream);
    case ElementType::kFloat16:
      return Launch<__half>(x, y, outer, axis_dim, inner, log, stream);
    case ElementType::kFloat64:
      return Launch<double>(x, y, outer, axis_dim, inner, log, stream);
    default:
      return cudaErrorInvalidValue;
  }
}

}  // namespace tandem::kernels::cuda
