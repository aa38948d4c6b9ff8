// Factories of the NN kernel family (Conv, ConvTranspose, pooling, Gemm, MatMul, recurrent
// ops, Einsum, MaxUnpool and the integer/quantized convolutions and matmuls). nn.cc registers
// them; where an op has an XNNPACK factory and a reference one, the XNNPACK one comes first and
// declines (Unimplemented) what it cannot run.
#ifndef TANDEM_KERNELS_CPU_NN_KERNELS_H_
#define TANDEM_KERNELS_CPU_NN_KERNELS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::nn {

using KernelOr = absl::StatusOr<std::unique_ptr<CpuKernel>>;

KernelOr MakeDepthwiseConv(const KernelBuildContext& ctx);      // f32 2-D depthwise, any window
KernelOr MakeXnnConv(const KernelBuildContext& ctx);            // f32 1-D/2-D, constant weights
KernelOr MakeRefConv(const KernelBuildContext& ctx);            // float types, 1-D to 3-D
KernelOr MakeXnnConvTranspose(const KernelBuildContext& ctx);   // f32 1-D/2-D, constant weights
KernelOr MakeRefConvTranspose(const KernelBuildContext& ctx);   // float types, 1-D to 3-D
KernelOr MakeXnnMaxPool(const KernelBuildContext& ctx);         // f32 2-D without Indices
KernelOr MakeXnnAveragePool(const KernelBuildContext& ctx);     // f32 2-D
KernelOr MakeRefMaxPool(const KernelBuildContext& ctx);         // 1-D to 3-D, Indices
KernelOr MakeRefAveragePool(const KernelBuildContext& ctx);     // 1-D to 3-D
KernelOr MakeGlobalAveragePool(const KernelBuildContext& ctx);
KernelOr MakeGlobalMaxPool(const KernelBuildContext& ctx);
KernelOr MakeXnnGemm(const KernelBuildContext& ctx);            // f32, constant B
KernelOr MakeGemm(const KernelBuildContext& ctx);
KernelOr MakeXnnMatMul(const KernelBuildContext& ctx);          // f32, constant 1-D/2-D B
KernelOr MakeMatMul(const KernelBuildContext& ctx);
KernelOr MakeRnn(const KernelBuildContext& ctx);
KernelOr MakeGru(const KernelBuildContext& ctx);
KernelOr MakeLstm(const KernelBuildContext& ctx);
KernelOr MakeEinsum(const KernelBuildContext& ctx);
KernelOr MakeMaxUnpool(const KernelBuildContext& ctx);
KernelOr MakeConvInteger(const KernelBuildContext& ctx);    // int8/uint8 → int32
KernelOr MakeMatMulInteger(const KernelBuildContext& ctx);  // int8/uint8 → int32
KernelOr MakeQLinearConv(const KernelBuildContext& ctx);    // int8/uint8, per-tensor/channel scales
KernelOr MakeQLinearMatMul(const KernelBuildContext& ctx);  // int8/uint8, per-tensor scales

}  // namespace tandem::kernels::cpu::nn

#endif  // TANDEM_KERNELS_CPU_NN_KERNELS_H_
