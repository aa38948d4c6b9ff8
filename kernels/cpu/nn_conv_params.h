// Validated geometry of a Conv or ConvTranspose node, read once at kernel build time and shared
// by the XNNPACK and reference kernels.
#ifndef TANDEM_KERNELS_CPU_NN_CONV_PARAMS_H_
#define TANDEM_KERNELS_CPU_NN_CONV_PARAMS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "ir/dtype.h"
#include "kernels/cpu/kernel.h"
#include "kernels/cpu/nn_window.h"

namespace tandem::kernels::cpu::nn {

struct ConvParams {
  ir::DType dtype = ir::DType::kUndefined;
  int64_t batch = 0, in_channels = 0, out_channels = 0, groups = 1;
  // Conv: window.out are the output positions of windows over window.in.
  // ConvTranspose: input position i scatters into output position i*stride - pad_begin + k*dilation;
  // window.out is the output size, and pad_end may be negative (output_shape asks for more).
  Window window;
  bool has_bias = false;

  int64_t group_in() const { return in_channels / groups; }
  int64_t group_out() const { return out_channels / groups; }
};

// Where a conv-like node keeps X, W and the optional bias. Conv: 0, 1, 2. The quantized convs
// put them elsewhere, allow X and W of different dtypes and have an int32 bias (same_dtype false).
struct ConvInputs {
  size_t x = 0, w = 1;
  int bias = 2;  // -1: none
  bool same_dtype = true;
};

// Reads and validates X [N, C, spatial...], W [M, C/group, kernel...], optional B [M], the
// attributes and the static output shape. Unimplemented when a shape is not static;
// InvalidArgument naming the node for inconsistent shapes or attributes. `dtype` is X's.
absl::StatusOr<ConvParams> ReadConvParams(const KernelBuildContext& ctx, const ConvInputs& inputs = {});

// The same for ConvTranspose: X [N, C, spatial...], W [C, M/group, kernel...], optional B [M],
// with output_padding, output_shape and auto_pad resolved into window.out and the pads.
absl::StatusOr<ConvParams> ReadConvTransposeParams(const KernelBuildContext& ctx);

}  // namespace tandem::kernels::cpu::nn

#endif  // TANDEM_KERNELS_CPU_NN_CONV_PARAMS_H_
