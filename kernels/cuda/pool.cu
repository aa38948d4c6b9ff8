#include <cfloat>

#include "kernels/cuda/detail/launch.cuh"
#include "kernels/cuda/detail/numeric.cuh"
#include "kernels/cuda/pool.cuh"

namespace tandem::kernels::cuda {
namespace {

template <typename T>
__global__ void PoolKernel(PoolParams p, int64_t planes, const T* x, T* y) {
  using C = typename detail::Compute<T>::type;
  const int64_t out_plane = p.out[0] * p.out[1] * p.out[2];
  const int64_t in_plane = p.in[0] * p.in[1] * p.in[2];
  const int64_t n = planes * out_plane;
  for (int64_t i = detail::GridStart<int64_t>(); i < n; i += detail::GridStride<int64_t>()) {
    int64_t ow = i % p.out[2];
    int64_t oh = (i / p.out[2]) % p.out[1];
    int64_t od = (i / (p.out[2] * p.out[1])) % p.out[0];
    int64_t plane = i / out_plane;
    const T* src = x + plane * in_plane;
    int64_t start[3] = {od * p.stride[0] - p.pad_begin[0], oh * p.stride[1] - p.pad_begin[1],
                        ow * p.stride[2] - p.pad_begin[2]};
    C acc = p.max ? C(-INFINITY) : C(0);
    int64_t valid = 0, padded = 0;
    for (int64_t kd = 0; kd < p.kernel[0]; ++kd) {
      int64_t d = start[0] + kd * p.dilation[0];
      bool d_in = d >= 0 && d < p.in[0];
      bool d_pad = d >= -p.pad_begin[0] && d < p.in[0] + p.pad_end[0];
      for (int64_t kh = 0; kh < p.kernel[1]; ++kh) {
        int64_t h = start[1] + kh * p.dilation[1];
        bool h_in = h >= 0 && h < p.in[1];
        bool h_pad = h >= -p.pad_begin[1] && h < p.in[1] + p.pad_end[1];
        for (int64_t kw = 0; kw < p.kernel[2]; ++kw) {
          int64_t w = start[2] + kw * p.dilation[2];
          bool w_in = w >= 0 && w < p.in[2];
          bool w_pad = w >= -p.pad_begin[2] && w < p.in[2] + p.pad_end[2];
          padded += d_pad && h_pad && w_pad;
          if (!(d_in && h_in && w_in)) continue;
          C v = detail::Load(src[(d * p.in[1] + h) * p.in[2] + w]);
          ++valid;
          if (p.max) {
            acc = (v > acc || v != v) ? v : acc;  // NaN wins, as in the reference
          } else {
            acc += v;
          }
        }
      }
    }
    if (!p.max) {
      int64_t count = p.count_include_pad ? padded : valid;
      acc = count > 0 ? acc / C(count) : C(0);
    }
    y[i] = detail::Store<T>(acc);
  }
}

template <typename T>
cudaError_t Launch(const PoolParams& params, int64_t planes, const void* x, void* y, cudaStream_t stream) {
  int64_t n = planes * params.out[0] * params.out[1] * params.out[2];
  if (n <= 0) return cudaSuccess;
  PoolKernel<T><<<detail::BlocksFor(n), detail::kThreadsPerBlock, 0, stream>>>(params, planes, static_cast<const T*>(x),
                                                                               static_cast<T*>(y));
  return cudaGetLastError();
}

}  // namespace

cudaError_t LaunchPool(ElementType type, const PoolParams& params, int64_t planes, const void* x, void* y,
                       cudaStream_t stream) {
  switch (type) {
    case ElementType::kFloat32:
      return Launch<float>(params, planes, x, y, stream);
    case ElementType::kFloat16:
      return Launch<__half>(params, planes, x, y, stream);
    case ElementType::kFloat64:
      return Launch<double>(params, planes, x, y, stream);
    default:
      return cudaErrorInvalidValue;
  }
}

}  // namespace tandem::kernels::cuda
