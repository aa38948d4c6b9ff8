// The reduction and normalization family: Reduce*, ArgMax/ArgMin, Softmax-like ops,
// LayerNormalization, BatchNormalization, InstanceNormalization, LRN, MeanVarianceNormalization
// and the NegativeLogLikelihood / SoftmaxCrossEntropy losses. Each part lives in its own
// reduction_*.cc or normalization_*.cc file; shared pieces are in reduction_common.h.
#include "kernels/cpu/kernel.h"
#include "kernels/cpu/reduction_common.h"

namespace tandem::kernels::cpu {

void RegisterReductionKernels(KernelRegistry& r) {
  reduction::RegisterReduceKernels(r);
  reduction::RegisterArgReduceKernels(r);
  reduction::RegisterSoftmaxKernels(r);
  reduction::RegisterLayerNormKernels(r);
  reduction::RegisterBatchNormKernels(r);
  reduction::RegisterLossKernels(r);
}

}  // namespace tandem::kernels::cpu
