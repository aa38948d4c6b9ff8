// Kernels for steps the CPU executor fuses from several nodes (executors/cpu/cpu_executor_layout.cc):
// no ONNX op of their own, so they are built directly rather than through the registry.
#ifndef TANDEM_KERNELS_CPU_FUSED_KERNELS_H_
#define TANDEM_KERNELS_CPU_FUSED_KERNELS_H_

#include <cstdint>
#include <memory>

#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {

// y = x * Sigmoid(x) over `count` float32 elements (Sigmoid + Mul, as PyTorch exports SiLU),
// with VectorF32Kernels::silu. Layout-agnostic: the executor may give it channels-last bytes.
std::unique_ptr<CpuKernel> MakeSiluKernel(int64_t count);

}  // namespace tandem::kernels::cpu

#endif  // TANDEM_KERNELS_CPU_FUSED_KERNELS_H_
