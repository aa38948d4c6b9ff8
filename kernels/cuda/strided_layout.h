// Index spaces shared by the CUDA kernels that address tensors through strides: one output index
// space (dims) and, per operand, a stride for each dim (in elements; 0 broadcasts, negative walks
// backwards). The host builds one, collapses it, and passes it to a kernel by value.
//
// The rank is capped at kMaxRank because kernel arguments are passed by value in a fixed-size
// struct; CollapseLayout merges every run of dims that all operands traverse contiguously and
// drops size-1 dims first, so only genuinely strided tensors of rank > 8 are refused (the op's
// lowering reports them as unsupported).
#ifndef TANDEM_KERNELS_CUDA_STRIDED_LAYOUT_H_
#define TANDEM_KERNELS_CUDA_STRIDED_LAYOUT_H_

#include <cstdint>
#include <vector>

namespace tandem::kernels::cuda {

inline constexpr int kMaxRank = 8;

// `kOperands` operands over one index space, row-major (dims[rank - 1] varies fastest).
template <int kOperands>
struct StridedLayout {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t strides[kOperands][kMaxRank] = {};
};

// Row-major contiguous strides of `dims`.
std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& dims);

// Strides that read a tensor of `in_dims` as if it had `out_dims` (numpy broadcasting: dims are
// aligned at the right; a missing or size-1 dim gets stride 0). `in_dims` must broadcast.
std::vector<int64_t> BroadcastStrides(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& out_dims);

// True when `in_dims` broadcasts to `out_dims` (numpy rules, one way).
bool BroadcastsTo(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& out_dims);

// Builds the layout for index space `dims` with one stride vector per operand (each of size
// dims.size()), dropping size-1 dims and merging adjacent dims that every operand walks
// contiguously. A rank-0 or all-ones space becomes rank 1 of size 1. Returns false when the
// collapsed rank still exceeds kMaxRank.
template <int kOperands>
bool CollapseLayout(const std::vector<int64_t>& dims, const std::vector<std::vector<int64_t>>& strides,
                    StridedLayout<kOperands>* out);

// Whether every offset the layout can produce, and `n`, fit in int32 (kernels then use 32-bit
// index math, which is several times cheaper than 64-bit division on GPUs).
template <int kOperands>
bool FitsInt32(const StridedLayout<kOperands>& layout, int64_t n);

}  // namespace tandem::kernels::cuda

#endif  // TANDEM_KERNELS_CUDA_STRIDED_LAYOUT_H_
