#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {

void RegisterNnKernels(KernelRegistry& r) {}

}  // namespace tandem::kernels::cpu
