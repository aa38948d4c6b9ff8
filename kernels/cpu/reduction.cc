#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {

void RegisterReductionKernels(KernelRegistry& r) {}

}  // namespace tandem::kernels::cpu
