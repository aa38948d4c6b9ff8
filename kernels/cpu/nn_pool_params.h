// Validated geometry of a MaxPool or AveragePool node, shared by the XNNPACK and reference
// pooling kernels.
#ifndef TANDEM_KERNELS_CPU_NN_POOL_PARAMS_H_
#define TANDEM_KERNELS_CPU_NN_POOL_PARAMS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "ir/dtype.h"
#include "kernels/cpu/kernel.h"
#include "kernels/cpu/nn_window.h"

namespace tandem::kernels::cpu::nn {

struct PoolParams {
  ir::DType dtype = ir::DType::kUndefined;
  int64_t batch = 0, channels = 0;
  Window window;
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool
  bool column_major_indices = false;  // MaxPool storage_order = 1
  bool has_indices = false;           // MaxPool's optional second output
};

// Reads X [N, C, spatial...], kernel_shape, strides, dilations, pads/auto_pad, ceil_mode,
// count_include_pad / storage_order, and checks the static output shape(s). With ceil_mode the
// static output may be one larger than PyTorch's rule gives (ONNX 1.12 shape inference omits the
// "last window starts inside the input" correction); window.out then follows the static shape.
absl::StatusOr<PoolParams> ReadPoolParams(const KernelBuildContext& ctx, bool max_pool);

}  // namespace tandem::kernels::cpu::nn

#endif  // TANDEM_KERNELS_CPU_NN_POOL_PARAMS_H_
