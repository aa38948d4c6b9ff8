#include "kernels/cuda/strided_layout.h"

#include <cstdlib>
#include <limits>

namespace tandem::kernels::cuda {

std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (int d = static_cast<int>(dims.size()) - 2; d >= 0; --d) strides[d] = strides[d + 1] * dims[d + 1];
  return strides;
}

bool BroadcastsTo(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& out_dims) {
  if (in_dims.size() > out_dims.size()) return false;
  size_t shift = out_dims.size() - in_dims.size();
  for (size_t d = 0; d < in_dims.size(); ++d) {
    if (in_dims[d] != 1 && in_dims[d] != out_dims[d + shift]) return false;
  }
  return true;
}

std::vector<int64_t> BroadcastStrides(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& out_dims) {
  std::vector<int64_t> in_strides = ContiguousStrides(in_dims);
  std::vector<int64_t> strides(out_dims.size(), 0);
  size_t shift = out_dims.size() - in_dims.size();
  for (size_t d = 0; d < in_dims.size(); ++d) {
    strides[d + shift] = in_dims[d] == 1 ? 0 : in_strides[d];
  }
  return strides;
}

template <int kOperands>
bool CollapseLayout(const std::vector<int64_t>& dims, const std::vector<std::vector<int64_t>>& strides,
                    StridedLayout<kOperands>* out) {
  // Kept dims, innermost first, each with its stride per operand.
  std::vector<int64_t> kept_dims;
  std::vector<std::vector<int64_t>> kept_strides(kOperands);
  for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
    if (dims[d] == 1) continue;
    bool merge = !kept_dims.empty();
    for (int k = 0; merge && k < kOperands; ++k) {
      merge = strides[k][d] == kept_strides[k].back() * kept_dims.back();
    }
    if (merge) {
      kept_dims.back() *= dims[d];  // the merged dim keeps the inner stride
      continue;
    }
    kept_dims.push_back(dims[d]);
    for (int k = 0; k < kOperands; ++k) kept_strides[k].push_back(strides[k][d]);
  }
  if (kept_dims.empty()) {  // a scalar: one element at offset 0
    kept_dims.push_back(1);
    for (int k = 0; k < kOperands; ++k) kept_strides[k].push_back(0);
  }
  if (static_cast<int>(kept_dims.size()) > kMaxRank) return false;
  *out = StridedLayout<kOperands>{};
  out->rank = static_cast<int>(kept_dims.size());
  for (int i = 0; i < out->rank; ++i) {
    int d = out->rank - 1 - i;  // back to row-major order
    out->dims[d] = kept_dims[i];
    for (int k = 0; k < kOperands; ++k) out->strides[k][d] = kept_strides[k][i];
  }
  return true;
}

template <int kOperands>
bool FitsInt32(const StridedLayout<kOperands>& layout, int64_t n) {
  constexpr int64_t kLimit = std::numeric_limits<int32_t>::max();
  // Grid-stride loops step i past n by up to one grid (< 2^25 threads) before the bound check.
  if (n > kLimit - (int64_t{1} << 25)) return false;
  for (int k = 0; k < kOperands; ++k) {
    int64_t reach = 0;
    for (int d = 0; d < layout.rank; ++d) reach += (layout.dims[d] - 1) * std::llabs(layout.strides[k][d]);
    if (reach > kLimit) return false;
  }
  return true;
}

template bool CollapseLayout<1>(const std::vector<int64_t>&, const std::vector<std::vector<int64_t>>&,
                                StridedLayout<1>*);
template bool CollapseLayout<2>(const std::vector<int64_t>&, const std::vector<std::vector<int64_t>>&,
                                StridedLayout<2>*);
template bool CollapseLayout<3>(const std::vector<int64_t>&, const std::vector<std::vector<int64_t>>&,
                                StridedLayout<3>*);
template bool CollapseLayout<4>(const std::vector<int64_t>&, const std::vector<std::vector<int64_t>>&,
                                StridedLayout<4>*);
template bool FitsInt32<1>(const StridedLayout<1>&, int64_t);
template bool FitsInt32<2>(const StridedLayout<2>&, int64_t);
template bool FitsInt32<3>(const StridedLayout<3>&, int64_t);
template bool FitsInt32<4>(const StridedLayout<4>&, int64_t);

}  // namespace tandem::kernels::cuda
