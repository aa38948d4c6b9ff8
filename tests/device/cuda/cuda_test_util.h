// Tiny graphs for the GPU executor tests, and the comparisons they make.
//
//   TestGraph t;
//   auto x = t.Input("x", DType::kFloat32, {1, 3, 8, 8});
//   auto y = t.Add("Relu", {x}, DType::kFloat32, {1, 3, 8, 8});
//   t.Output(y);
//   ExpectGpuMatchesCpu(t.graph());   // random inputs, CPU executor as the reference
#ifndef TANDEM_TESTS_DEVICE_CUDA_CUDA_TEST_UTIL_H_
#define TANDEM_TESTS_DEVICE_CUDA_CUDA_TEST_UTIL_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"

namespace tandem::testing {

class TestGraph {
 public:
  TestGraph();
  ir::ValueId Input(const std::string& name, ir::DType dtype, const std::vector<int64_t>& dims);
  ir::ValueId Constant(const std::string& name, ir::Tensor tensor);
  // A node with one output of the given type and static dims.
  ir::ValueId Add(const std::string& op, const std::vector<ir::ValueId>& inputs, ir::DType dtype,
                  const std::vector<int64_t>& dims, std::map<std::string, ir::Attribute> attrs = {});
  // A node with several outputs.
  std::vector<ir::ValueId> AddMulti(const std::string& op, const std::vector<ir::ValueId>& inputs,
                                    const std::vector<std::pair<ir::DType, std::vector<int64_t>>>& outputs,
                                    std::map<std::string, ir::Attribute> attrs = {});
  void Output(ir::ValueId id) { graph_.AddOutput(id); }
  ir::Graph& graph() { return graph_; }

 private:
  ir::Graph graph_;
  int counter_ = 0;
};

ir::Attribute Ints(std::vector<int64_t> v);
ir::Attribute Int(int64_t v);
ir::Attribute Float(float v);
ir::Attribute Str(std::string v);

// A float32 tensor of `dims` filled with seeded values in [lo, hi).
ir::Tensor RandomF32(const std::vector<int64_t>& dims, uint32_t seed, float lo = -1, float hi = 1);
ir::Tensor F32(const std::vector<int64_t>& dims, const std::vector<float>& values);
ir::Tensor I64(const std::vector<int64_t>& dims, const std::vector<int64_t>& values);

// Seeded random values for every graph input (floats in [-1, 1), integers in [0, 3), bools).
std::vector<ir::Tensor> RandomInputs(const ir::Graph& graph, uint32_t seed);

// "" when the GPU is usable, else why not (for GTEST_SKIP).
std::string NoGpuReason();

// Runs `graph` on the CPU executor.
absl::StatusOr<std::vector<ir::Tensor>> RunOnCpu(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs);
// Runs `graph` on GPU 0 through the host-tensor Run.
absl::StatusOr<std::vector<ir::Tensor>> RunOnGpu(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs);

// "" when `got` matches `want` (same dtype and dims; |got - want| <= atol + rtol |want|), else
// the first mismatch.
std::string Compare(const ir::Tensor& got, const ir::Tensor& want, double rtol, double atol);

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_DEVICE_CUDA_CUDA_TEST_UTIL_H_
