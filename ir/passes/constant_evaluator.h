// Evaluates small nodes whose inputs are all constants, for constant folding.
//
// This is not an executor: it covers the integer and small float arithmetic that shape
// computations in exported models are made of (Shape → Gather → Unsqueeze → Concat → Reshape),
// and declines everything else by returning nullopt.
#ifndef TANDEM_IR_PASSES_CONSTANT_EVALUATOR_H_
#define TANDEM_IR_PASSES_CONSTANT_EVALUATOR_H_

#include <optional>
#include <vector>

#include "ir/graph.h"

namespace tandem::ir {

// Results larger than this many elements are not folded (they would bloat the model).
inline constexpr int64_t kMaxFoldedElements = 1 << 16;

// `inputs[i]` is null for an omitted optional input. Returns the node's outputs, or nullopt when
// the op, its dtypes or its attributes are outside what the evaluator handles, when an input is
// malformed (the executor then reports it), or when a result would exceed kMaxFoldedElements.
std::optional<std::vector<Tensor>> EvaluateConstantNode(const Node& node,
                                                        const std::vector<const Tensor*>& inputs);

}  // namespace tandem::ir

#endif  // TANDEM_IR_PASSES_CONSTANT_EVALUATOR_H_
