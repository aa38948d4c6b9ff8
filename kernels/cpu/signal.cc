// The signal-processing family: windows, mel filter banks and Fourier transforms.
#include "kernels/cpu/signal_kernels.h"

namespace tandem::kernels::cpu {

void RegisterSignalKernels(KernelRegistry& r) {
  signal::RegisterWindowKernels(r);
  signal::RegisterMelKernels(r);
  signal::RegisterDftKernels(r);
  signal::RegisterStftKernels(r);
}

}  // namespace tandem::kernels::cpu
