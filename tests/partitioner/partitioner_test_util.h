// Small hand-built graphs and test doubles for the partitioner tests.
#ifndef TANDEM_TESTS_PARTITIONER_PARTITIONER_TEST_UTIL_H_
#define TANDEM_TESTS_PARTITIONER_PARTITIONER_TEST_UTIL_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "partitioner/capability.h"
#include "partitioner/cost_model.h"
#include "partitioner/partitioner.h"

namespace tandem::partitioner::testing {

// Builds a graph node by node; every node has one output of the given shape.
class GraphBuilder {
 public:
  explicit GraphBuilder(std::string name = "g") : g_(std::make_unique<ir::Graph>(std::move(name))) {
    g_->set_opset("", 17);
  }
  ir::ValueId Input(const std::string& name, std::vector<int64_t> dims,
                    ir::DType dtype = ir::DType::kFloat32) {
    return *g_->AddInput(name, {dtype, ir::Shape::Static(dims)});
  }
  // An initializer of zeros.
  ir::ValueId Weight(const std::string& name, std::vector<int64_t> dims,
                     ir::DType dtype = ir::DType::kFloat32) {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    std::vector<uint8_t> bytes(static_cast<size_t>(n * ir::DTypeSize(dtype)), 0);
    ir::Tensor t{dtype, dims, ir::TensorData::Owned(std::move(bytes)), {}};
    return *g_->AddInitializer(name, std::move(t));
  }
  ir::ValueId Int64s(const std::string& name, const std::vector<int64_t>& values) {
    return *g_->AddInitializer(
        name, ir::Tensor::FromValues<int64_t>(ir::DType::kInt64,
                                              {static_cast<int64_t>(values.size())}, values));
  }
  ir::ValueId Node(const std::string& op, const std::string& name, std::vector<ir::ValueId> inputs,
                   std::vector<int64_t> out_dims, ir::DType dtype = ir::DType::kFloat32) {
    ir::ValueId out = *g_->AddNodeOutput(name + "_out", {dtype, ir::Shape::Static(out_dims)});
    ir::Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = std::move(inputs);
    n.outputs = {out};
    last_node_ = *g_->AddNode(std::move(n));
    return out;
  }
  void Output(ir::ValueId v) { g_->AddOutput(v); }
  ir::NodeId last_node() const { return last_node_; }
  ir::Graph& graph() { return *g_; }
  std::unique_ptr<ir::Graph> Build() { return std::move(g_); }

 private:
  std::unique_ptr<ir::Graph> g_;
  ir::NodeId last_node_;
};

// A device that runs every node except the listed op types.
inline FunctionCapability Refusing(std::set<std::string> ops) {
  return FunctionCapability([ops](const ir::Graph&, const ir::Node& n) -> std::string {
    return ops.count(n.op_type) ? "no kernel for " + n.op_type + " (test)" : "";
  });
}

inline PartitionOptions Budgets(int64_t cpu, int64_t gpu) {
  PartitionOptions o;
  o.cpu_budget_bytes = cpu;
  o.gpu_budget_bytes = gpu;
  return o;
}

}  // namespace tandem::partitioner::testing

#endif  // TANDEM_TESTS_PARTITIONER_PARTITIONER_TEST_UTIL_H_
