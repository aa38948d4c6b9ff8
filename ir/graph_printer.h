// A readable text form of a graph, for debugging, golden tests and `partition-tool summary`.
#ifndef TANDEM_IR_GRAPH_PRINTER_H_
#define TANDEM_IR_GRAPH_PRINTER_H_

#include <string>

#include "ir/graph.h"

namespace tandem::ir {

// One line per input, initializer, node and output, in topological order; bodies are indented.
//   graph main  opsets: ""=13
//     input  %x: f32[1,3,224,224]
//     init   %w: f32[64,3,7,7]  (37632 B, mapped)
//     %y: f32[1,64,112,112] = Conv(%x, %w, %b) {kernel_shape=[7,7], strides=[2,2]}  # "conv1"
//     output %y
std::string PrintGraph(const Graph& graph);

// The attribute value as printed above: "7", "[7,7]", "\"relu\"", "tensor<f32[3]>", "<graph body>".
std::string PrintAttribute(const Attribute& attr);

}  // namespace tandem::ir

#endif  // TANDEM_IR_GRAPH_PRINTER_H_
