#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {

void RegisterDataMovementKernels(KernelRegistry& r) {}

}  // namespace tandem::kernels::cpu
