#include "kernels/cpu/nn_kernels.h"

namespace tandem::kernels::cpu {

// Within an op, XNNPACK factories come first: they decline (Unimplemented) what they cannot run,
// and the registry then tries the reference kernel.
void RegisterNnKernels(KernelRegistry& r) {
  r.Register("Conv", nn::MakeDepthwiseConv);
  r.Register("Conv", nn::MakeXnnConv);
  r.Register("Conv", nn::MakeRefConv);
  r.Register("ConvTranspose", nn::MakeXnnConvTranspose);
  r.Register("ConvTranspose", nn::MakeRefConvTranspose);
  r.Register("MaxPool", nn::MakeXnnMaxPool);
  r.Register("MaxPool", nn::MakeRefMaxPool);
  r.Register("AveragePool", nn::MakeXnnAveragePool);
  r.Register("AveragePool", nn::MakeRefAveragePool);
  r.Register("GlobalAveragePool", nn::MakeGlobalAveragePool);
  r.Register("GlobalMaxPool", nn::MakeGlobalMaxPool);
  r.Register("Gemm", nn::MakeXnnGemm);
  r.Register("Gemm", nn::MakeGemm);
  r.Register("MatMul", nn::MakeXnnMatMul);
  r.Register("MatMul", nn::MakeMatMul);
  r.Register("RNN", nn::MakeRnn);
  r.Register("GRU", nn::MakeGru);
  r.Register("LSTM", nn::MakeLstm);
  r.Register("Einsum", nn::MakeEinsum);
  r.Register("MaxUnpool", nn::MakeMaxUnpool);
  r.Register("ConvInteger", nn::MakeConvInteger);
  r.Register("MatMulInteger", nn::MakeMatMulInteger);
  r.Register("QLinearConv", nn::MakeQLinearConv);
  r.Register("QLinearMatMul", nn::MakeQLinearMatMul);
}

}  // namespace tandem::kernels::cpu
