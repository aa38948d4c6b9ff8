// Output types of one node from its concrete inputs, by ONNX's own shape inference.
//
// The CPU executor's interpreter (executors/cpu/cpu_interpreter.h) runs graphs whose shapes are
// only known at run time (data-dependent sizes, control flow, sequences). Before it runs a node it
// asks this function what the node's outputs will be, given the inputs it actually has: small
// inputs are passed as constants, so ONNX's data propagation computes shapes such as Range's,
// Reshape's or ConstantOfShape's exactly. The executor library does not depend on ONNX; tools hand
// it this function as a hook.
#ifndef TANDEM_IMPORTER_NODE_INFERENCE_H_
#define TANDEM_IMPORTER_NODE_INFERENCE_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/graph.h"

namespace tandem::importer {

// One input of the node: its static type, and its value when the caller has it (null if not).
struct NodeInput {
  ir::TensorInfo info;
  const ir::Tensor* value = nullptr;
};

// The inferred TensorInfo of each output of `node` (a default TensorInfo for omitted outputs).
// Dims the inference cannot determine (e.g. NonZero's count) come back unknown. `opsets` are the
// model's operator-set imports. InvalidArgument naming the node when ONNX rejects the inputs.
absl::StatusOr<std::vector<ir::TensorInfo>> InferNodeOutputs(
    const ir::Node& node, absl::Span<const NodeInput> inputs,
    const std::map<std::string, int64_t>& opsets);

// InferNodeOutputs bound to a model's opsets, in the form the CPU executor takes
// (executors::NodeInferenceFn): input types, and input values (null where unknown).
using NodeInferenceFn = std::function<absl::StatusOr<std::vector<ir::TensorInfo>>(
    const ir::Node&, absl::Span<const ir::TensorInfo>, absl::Span<const ir::Tensor* const>)>;
NodeInferenceFn MakeNodeInference(std::map<std::string, int64_t> opsets);

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_NODE_INFERENCE_H_
