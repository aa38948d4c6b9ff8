// Structural checks that every later stage relies on.
#ifndef TANDEM_IR_GRAPH_VERIFIER_H_
#define TANDEM_IR_GRAPH_VERIFIER_H_

#include "absl/status/status.h"
#include "ir/graph.h"

namespace tandem::ir {

// Checks `graph` and, recursively, the bodies of its control-flow nodes:
//  - the graph is acyclic;
//  - every node input is defined: a graph input, an initializer, a node output, or (in a body)
//    a value that an enclosing graph defines;
//  - producer/consumer links agree with the nodes' input and output lists;
//  - every graph output is defined;
//  - types are consistent: an initializer's info matches its bytes (dtype, dims, byte size), and
//    the inputs of ops whose operands must share an element type do.
// Returns InvalidArgument naming the graph, node and value at the first violation.
absl::Status VerifyGraph(const Graph& graph);

}  // namespace tandem::ir

#endif  // TANDEM_IR_GRAPH_VERIFIER_H_
