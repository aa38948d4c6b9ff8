// Sliding-window geometry shared by Conv, ConvTranspose and the pooling kernels: spatial sizes,
// kernel, strides, dilations and begin/end padding after auto_pad is resolved.
#ifndef TANDEM_KERNELS_CPU_NN_WINDOW_H_
#define TANDEM_KERNELS_CPU_NN_WINDOW_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::nn {

struct Window {
  std::vector<int64_t> in, out, kernel, strides, dilations, pad_begin, pad_end;

  int rank() const { return static_cast<int>(in.size()); }
  int64_t effective_kernel(int i) const { return (kernel[i] - 1) * dilations[i] + 1; }
  int64_t in_size() const { return Product(in); }
  int64_t out_size() const { return Product(out); }
  int64_t kernel_size() const { return Product(kernel); }
  static int64_t Product(const std::vector<int64_t>& v) {
    int64_t p = 1;
    for (int64_t d : v) p *= d;
    return p;
  }
};

// Reads `strides`, `dilations`, `pads` and `auto_pad` of ctx.node() for a window of size `kernel`
// over spatial sizes `in`, and sets `out` to the ONNX output size: floor rounding, or ceil
// rounding when `ceil_mode` (where, as in PyTorch, the last window must start inside the input or
// its begin padding). Missing attributes default to strides/dilations 1 and zero pads.
// InvalidArgument naming the node for wrong attribute lengths, non-positive strides/dilations,
// negative pads, an unknown auto_pad, or a window larger than the padded input.
absl::StatusOr<Window> ReadWindow(const KernelBuildContext& ctx, std::vector<int64_t> in,
                                  std::vector<int64_t> kernel, bool ceil_mode);

// Attribute `name` of ctx.node() as `rank` positive integers (all 1 when absent).
absl::StatusOr<std::vector<int64_t>> ReadPositiveInts(const KernelBuildContext& ctx, const char* name,
                                                      size_t rank);

// The static shape of input/output `i` of ctx.node(), or Unimplemented when it is not static.
absl::StatusOr<std::vector<int64_t>> StaticShape(const KernelBuildContext& ctx, size_t i,
                                                 bool output);

// InvalidArgument naming the node unless output `i` has dims `expected`.
absl::Status ExpectOutputShape(const KernelBuildContext& ctx, size_t i,
                               const std::vector<int64_t>& expected);

// Spatial rank-3 views of a window (missing leading dims are 1), so reference loops need only
// one code path for 1-D, 2-D and 3-D windows.
struct Window3 {
  int64_t in[3], out[3], kernel[3], stride[3], dilation[3], pad[3], pad_end[3];
};
Window3 ToWindow3(const Window& w);

// For a window starting at `start` with dilation d over an input of `in`: the first tap k with
// start + k*d >= 0, and one past the last tap (of `k` taps) with start + k*d < in.
inline int64_t TapBegin(int64_t start, int64_t d) { return start >= 0 ? 0 : (-start + d - 1) / d; }
inline int64_t TapEnd(int64_t start, int64_t d, int64_t k, int64_t in) {
  return in <= start ? 0 : std::min(k, (in - start + d - 1) / d);
}

}  // namespace tandem::kernels::cpu::nn

#endif  // TANDEM_KERNELS_CPU_NN_WINDOW_H_
