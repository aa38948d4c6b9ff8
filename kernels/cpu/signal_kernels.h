// Per-file registration of the signal-processing kernels (kernels/cpu/signal_*.cc), called by
// RegisterSignalKernels (signal.cc). Internal to the signal family.
#ifndef TANDEM_KERNELS_CPU_SIGNAL_KERNELS_H_
#define TANDEM_KERNELS_CPU_SIGNAL_KERNELS_H_

#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::signal {

void RegisterWindowKernels(KernelRegistry& r);  // HannWindow, HammingWindow, BlackmanWindow
void RegisterMelKernels(KernelRegistry& r);     // MelWeightMatrix
void RegisterDftKernels(KernelRegistry& r);     // DFT (opset 17 and 20 forms)
void RegisterStftKernels(KernelRegistry& r);    // STFT

}  // namespace tandem::kernels::cpu::signal

#endif  // TANDEM_KERNELS_CPU_SIGNAL_KERNELS_H_
