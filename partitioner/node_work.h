// The work a node does, from its static shapes: floating-point operations and bytes touched.
// The roofline cost model prices it; it is also what partition-tool shows per node.
//
// FLOPs count a multiply-add as 2. Per op family:
// - Conv: 2·N·Cout·∏out_spatial·(Cin/group)·∏kernel (+ output elements with a bias);
//   ConvTranspose: 2·N·Cin·∏in_spatial·(Cout/group)·∏kernel.
// - Gemm / MatMul: 2·(output elements)·K (+ output elements for Gemm's C).
// - elementwise and activations: output elements × a per-op cost (1 for arithmetic, 4 for
//   division-like ops and clamps, 8 for transcendental functions such as Exp, Erf, Tanh, Sigmoid).
// - Softmax/LogSoftmax 5, LayerNormalization 8, BatchNormalization 2 per element; reductions and
//   global pooling: input elements; windowed pooling: output elements × window size.
// - data movement and shape ops: 0 FLOPs.
// Bytes are the sum of the sizes of every present input (weights included) and output. Values
// whose shape is not static count 0 and set `dynamic`.
// Thread-safety: pure functions.
#ifndef TANDEM_PARTITIONER_NODE_WORK_H_
#define TANDEM_PARTITIONER_NODE_WORK_H_

#include <cstdint>

#include "ir/graph.h"

namespace tandem::partitioner {

struct NodeWork {
  double flops = 0;
  int64_t input_bytes = 0;   // activations and weights read
  int64_t output_bytes = 0;  // written
  ir::DType compute_dtype = ir::DType::kFloat32;  // picks the peak FLOP/s (f16 or f32)
  bool dynamic = false;      // some value had no static shape: the numbers are lower bounds
  int64_t bytes() const { return input_bytes + output_bytes; }
};

NodeWork ComputeNodeWork(const ir::Graph& graph, const ir::Node& node);

// Bytes of a value with a static shape and fixed-size dtype; 0 otherwise.
int64_t StaticValueBytes(const ir::Value& value);

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_NODE_WORK_H_
