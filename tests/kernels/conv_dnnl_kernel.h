// A Conv kernel on oneDNN, for tandem-conv-backend-bench only (docs/cpu_executor.md, "Why not
// oneDNN"): the library does not use it. It has the contract of nn::MakeXnnConv (float32,
// 1-D/2-D, constant weights, NHWC activations, a requested Relu/Clip fused), so the benchmark
// times both the way the CPU executor would run them.
#ifndef TANDEM_TESTS_KERNELS_CONV_DNNL_KERNEL_H_
#define TANDEM_TESTS_KERNELS_CONV_DNNL_KERNEL_H_

#include "kernels/cpu/nn_kernels.h"

namespace tandem::kernels::cpu::conv_bench {

// Unimplemented for what oneDNN cannot or should not run (non-float32, 3-D, weights that are not
// constants, geometry without a oneDNN implementation); InvalidArgument naming the node for
// malformed shapes or attributes.
nn::KernelOr MakeDnnlConv(const KernelBuildContext& ctx);

}  // namespace tandem::kernels::cpu::conv_bench

#endif  // TANDEM_TESTS_KERNELS_CONV_DNNL_KERNEL_H_
