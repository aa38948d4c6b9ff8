#include "partitioner/node_work.h"

#include <set>
#include <string>
#include <vector>

namespace tandem::partitioner {
namespace {

using Sizes = std::vector<int64_t>;

Sizes SizesOf(const ir::Graph& g, ir::ValueId id) {
  if (!id.valid()) return {};
  const ir::Value& v = g.value(id);
  if (v.initializer) return v.initializer->dims;
  auto s = v.info.shape.static_sizes();
  return s ? *s : Sizes{};
}

double Product(const Sizes& s, size_t from = 0) {
  double p = 1;
  for (size_t i = from; i < s.size(); ++i) p *= static_cast<double>(s[i]);
  return p;
}

double Elements(const ir::Graph& g, ir::ValueId id) {
  if (!id.valid()) return 0;
  const ir::Value& v = g.value(id);
  if (!v.initializer && !v.info.shape.is_static()) return 0;
  return Product(SizesOf(g, id));
}

// Per-element cost of elementwise ops (see the header).
double ElementwiseCost(const std::string& op) {
  static const auto* transcendental = new std::set<std::string>{
      "Exp", "Log", "Erf", "Tanh", "Sigmoid", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan",
      "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Pow", "Gelu", "Softplus", "Mish", "Elu",
      "Selu", "Celu", "Softsign"};
  static const auto* moderate = new std::set<std::string>{
      "Div", "Sqrt", "Reciprocal", "Clip", "HardSigmoid", "HardSwish", "LeakyRelu", "PRelu",
      "Mod", "Round"};
  static const auto* simple = new std::set<std::string>{
      "Add", "Sub", "Mul", "Max", "Min", "Sum", "Mean", "Neg", "Abs", "Relu", "Floor", "Ceil",
      "Sign", "Where", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or",
      "Xor", "Not", "BitShift", "Cast", "IsNaN", "IsInf"};
  if (transcendental->count(op)) return 8;
  if (moderate->count(op)) return 4;
  if (simple->count(op)) return 1;
  return -1;
}

double ConvFlops(const ir::Graph& g, const ir::Node& n) {
  Sizes w = SizesOf(g, n.input(1));
  Sizes y = SizesOf(g, n.outputs.empty() ? ir::ValueId() : n.outputs[0]);
  if (w.size() < 2 || y.size() != w.size()) return 0;
  // y[N, Cout, spatial...], w[Cout, Cin/group, kernel...]
  double flops = 2 * Product(y) * static_cast<double>(w[1]) * Product(w, 2);
  if (n.input(2).valid()) flops += Product(y);
  return flops;
}

double ConvTransposeFlops(const ir::Graph& g, const ir::Node& n) {
  Sizes x = SizesOf(g, n.input(0));
  Sizes w = SizesOf(g, n.input(1));
  if (w.size() < 2 || x.size() != w.size()) return 0;
  // x[N, Cin, spatial...], w[Cin, Cout/group, kernel...]
  double flops = 2 * Product(x) * static_cast<double>(w[1]) * Product(w, 2);
  if (n.input(2).valid() && !n.outputs.empty()) flops += Elements(g, n.outputs[0]);
  return flops;
}

double MatMulFlops(const ir::Graph& g, const ir::Node& n) {
  Sizes a = SizesOf(g, n.input(0));
  if (a.empty() || n.outputs.empty()) return 0;
  double k = static_cast<double>(a.back());
  if (n.op_type == "Gemm" && n.GetInt("transA", 0) != 0 && a.size() == 2) {
    k = static_cast<double>(a[0]);
  }
  double out = Elements(g, n.outputs[0]);
  double flops = 2 * out * k;
  if (n.op_type == "Gemm" && n.input(2).valid()) flops += out;
  return flops;
}

double PoolFlops(const ir::Graph& g, const ir::Node& n) {
  if (n.outputs.empty()) return 0;
  double window = 1;
  for (int64_t k : n.GetInts("kernel_shape")) window *= static_cast<double>(k);
  return Elements(g, n.outputs[0]) * window;
}

double Flops(const ir::Graph& g, const ir::Node& n) {
  const std::string& op = n.op_type;
  double out = n.outputs.empty() ? 0 : Elements(g, n.outputs[0]);
  double in = Elements(g, n.input(0));
  if (op == "Conv") return ConvFlops(g, n);
  if (op == "ConvTranspose") return ConvTransposeFlops(g, n);
  if (op == "Gemm" || op == "MatMul") return MatMulFlops(g, n);
  if (op == "MaxPool" || op == "AveragePool" || op == "LpPool") return PoolFlops(g, n);
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool" || op.rfind("Reduce", 0) == 0 ||
      op == "ArgMax" || op == "ArgMin") {
    return in;
  }
  if (op == "Softmax" || op == "LogSoftmax") return 5 * out;
  if (op == "LayerNormalization" || op == "InstanceNormalization" || op == "GroupNormalization") {
    return 8 * out;
  }
  if (op == "BatchNormalization") return 2 * out;
  double per_element = ElementwiseCost(op);
  return per_element > 0 ? per_element * out : 0;
}

}  // namespace

int64_t StaticValueBytes(const ir::Value& value) {
  if (value.initializer) return static_cast<int64_t>(value.initializer->byte_size());
  if (value.info.type != ir::ValueType::kTensor) return 0;
  auto n = value.info.shape.num_elements();
  int size = ir::DTypeSize(value.info.dtype);
  if (!n || size == 0) return 0;
  return *n * size;
}

NodeWork ComputeNodeWork(const ir::Graph& graph, const ir::Node& node) {
  NodeWork w;
  bool have_dtype = false;
  auto visit = [&](ir::ValueId id, int64_t* bytes) {
    if (!id.valid()) return;
    const ir::Value& v = graph.value(id);
    if (!v.initializer && (v.info.type != ir::ValueType::kTensor || !v.info.shape.is_static())) {
      w.dynamic = true;
    }
    *bytes += StaticValueBytes(v);
    ir::DType dt = v.initializer ? v.initializer->dtype : v.info.dtype;
    if (!have_dtype && ir::IsFloatingPoint(dt)) {
      w.compute_dtype = dt;
      have_dtype = true;
    }
  };
  for (ir::ValueId id : node.outputs) visit(id, &w.output_bytes);
  for (ir::ValueId id : node.inputs) visit(id, &w.input_bytes);
  w.flops = Flops(graph, node);
  return w;
}

}  // namespace tandem::partitioner
