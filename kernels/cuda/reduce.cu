#include <cfloat>

#include "kernels/cuda/detail/launch.cuh"
#include "kernels/cuda/detail/numeric.cuh"
#include "kernels/cuda/detail/offsets.cuh"
#include "kernels/cuda/detail/reduce.cuh"
#include "kernels/cuda/reduce.cuh"

namespace tandem::kernels::cuda {
namespace {

template <typename A>
__device__ inline A Identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::kMax:
      return A(-INFINITY);
    case ReduceOp::kMin:
      return A(INFINITY);
    case ReduceOp::kProd:
      return A(1);
    default:
      return A(0);
  }
}

// The value each element contributes before combining (LogSumExp's exp needs the max first).
template <typename A>
__device__ inline A Prepare(ReduceOp op, A v, A shift) {
  switch (op) {
    case ReduceOp::kSumSquare:
    case ReduceOp::kL2:
      return v * v;
    case ReduceOp::kL1:
      return v < A(0) ? -v : v;
    case ReduceOp::kLogSumExp:
      return exp(v - shift);
    default:
      return v;
  }
}

template <typename A>
__device__ inline A Combine(ReduceOp op, A a, A b) {
  switch (op) {
    case ReduceOp::kMax:
      return (a > b || a != a) ? a : b;
    case ReduceOp::kMin:
      return (a < b || a != a) ? a : b;
    case ReduceOp::kProd:
      return a * b;
    default:
      return a + b;
  }
}

template <int kGroup, typename A>
__device__ inline A GroupCombine(ReduceOp op, A v, A* scratch) {
  switch (op) {
    case ReduceOp::kMax:
      return detail::GroupReduce<kGroup>(v, detail::MaxOp{}, scratch);
    case ReduceOp::kMin:
      return detail::GroupReduce<kGroup>(v, detail::MinOp{}, scratch);
    case ReduceOp::kProd:
      return detail::GroupReduce<kGroup>(v, detail::ProdOp{}, scratch);
    default:
      return detail::GroupReduce<kGroup>(v, detail::SumOp{}, scratch);
  }
}

// kGroup threads cooperate on one output; a block holds blockDim.x / kGroup outputs. Every
// thread of a group has the same `o`, so a group always reaches its reductions together (for
// kGroup == blockDim.x that is the whole block, as __syncthreads requires).
template <typename T, int kGroup>
__global__ void ReduceKernel(ReduceOp op, ReduceLayout layout, int64_t num_outputs, int64_t reduce_size, const T* x,
                             T* y) {
  using A = typename detail::Compute<T>::type;
  __shared__ A scratch[kGroup > 32 ? kGroup / 32 : 1];
  const int groups_per_block = blockDim.x / kGroup;
  const int lane = threadIdx.x % kGroup;
  for (int64_t o = int64_t{blockIdx.x} * groups_per_block + threadIdx.x / kGroup; o < num_outputs;
       o += int64_t{gridDim.x} * groups_per_block) {
    int64_t base_off[1];
    detail::LayoutOffsets(layout.kept, o, base_off);
    const int64_t base = base_off[0];
    A shift = A(0);
    if (op == ReduceOp::kLogSumExp) {  // subtract the max so exp never overflows
      A m = A(-INFINITY);
      for (int64_t r = lane; r < reduce_size; r += kGroup) {
        int64_t off[1];
        detail::LayoutOffsets(layout.reduced, r, off);
        A v = detail::Load(x[base + off[0]]);
        m = v > m ? v : m;
      }
      shift = detail::GroupReduce<kGroup>(m, detail::MaxOp{}, scratch);
      if (shift == A(-INFINITY) || shift == A(INFINITY)) shift = A(0);
    }
    A acc = Identity<A>(op);
    for (int64_t r = lane; r < reduce_size; r += kGroup) {
      int64_t off[1];
      detail::LayoutOffsets(layout.reduced, r, off);
      acc = Combine(op, acc, Prepare(op, detail::Load(x[base + off[0]]), shift));
    }
    acc = GroupCombine<kGroup>(op, acc, scratch);
    if (lane == 0) {
      switch (op) {
        case ReduceOp::kMean:
          acc = acc / A(reduce_size);
          break;
        case ReduceOp::kL2:
          acc = sqrt(acc);
          break;
        case ReduceOp::kLogSum:
          acc = log(acc);
          break;
        case ReduceOp::kLogSumExp:
          acc = log(acc) + shift;
          break;
        default:
          break;
      }
      y[o] = detail::Store<T>(acc);
    }
  }
}

template <typename T>
cudaError_t Launch(ReduceOp op, const ReduceLayout& layout, int64_t num_outputs, int64_t reduce_size, const void* x,
                   void* y, cudaStream_t stream) {
  const T* tx = static_cast<const T*>(x);
  T* ty = static_cast<T*>(y);
  if (reduce_size >= 1024) {  // a block per output
    constexpr int kGroup = 256;
    unsigned blocks = static_cast<unsigned>(num_outputs < detail::kMaxBlocks ? num_outputs : detail::kMaxBlocks);
    ReduceKernel<T, kGroup><<<blocks, kGroup, 0, stream>>>(op, layout, num_outputs, reduce_size, tx, ty);
  } else {  // a warp per output, 8 per block
    constexpr int kGroup = 32;
    int64_t needed = (num_outputs + 7) / 8;
    unsigned blocks = static_cast<unsigned>(needed < detail::kMaxBlocks ? needed : detail::kMaxBlocks);
    ReduceKernel<T, kGroup><<<blocks, 256, 0, stream>>>(op, layout, num_outputs, reduce_size, tx, ty);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t LaunchReduce(ReduceOp op, ElementType type, const ReduceLayout& layout, int64_t num_outputs,
                         int64_t reduce_size, const void* x, void* y, cudaStream_t stream) {
  if (num_outputs <= 0) return cudaSuccess;
  switch (type) {
    case ElementType::kFloat32:
      return Launch<float>(op, layout, num_outputs, reduce_size, x, y, stream);
    case ElementType::kFloat16:
      return Launch<__half>(op, layout, num_outputs, reduce_size, x, y, stream);
    case ElementType::kFloat64:
      return Launch<double>(op, layout, num_outputs, reduce_size, x, y, stream);
    default:
      return cudaErrorInvalidValue;
  }
}

}  // namespace tandem::kernels::cuda
