// Evaluates small nodes whose inputs are all constants, for constant folding.
//
// This is not an executor: it covers the integer and small float arithmetic that shape
// computations in exported models are made of (Shape → Gather → Unsqueeze → Concat →
// Reshape), and declines everything else by returning nullopt.
//
// Ops, in the importer's canonical (newest-opset) form, with axes/starts/shapes/split as inputs:
//   layout:  Identity, Shape (start/end), Size, Gather, Unsqueeze, Squeeze, Concat, Reshape
//            (0 copies, -1 infers, allowzero), Flatten, Slice, Expand, Tile, Transpose, Split
//            (one result per node output), ConstantOfShape
//   math:    Cast, Add, Sub, Mul, Div, Min, Max (numpy broadcasting), Neg, Abs, Floor, Ceil,
//            Sqrt, Not, Equal, Less, Greater, Where, Range, ReduceSum/Prod/Max/Min
// dtypes: int64, int32, float32, float64, bool; Cast also converts from and to int8/uint8.
//
// Inputs are untrusted: tensors whose bytes disagree with their dims, out-of-range indices or
// axes, and integer overflow (including INT_MIN / -1 and division by zero) all decline. Integer
// Div truncates toward zero; a float→integer Cast of NaN or an out-of-range value declines.
// Reshape/Squeeze/Unsqueeze/Flatten/Identity results share the input's bytes. Reductions decline
// inputs larger than kMaxFoldedElements. Thread-safe: no state.
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
