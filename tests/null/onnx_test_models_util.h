// Small ONNX models built in C++ for importer tests, and a scratch folder for model files.
//
// Tests mutate these valid models into hostile ones; each builder's model imports cleanly.
#ifndef TANDEM_TESTS_NULL_ONNX_TEST_MODELS_UTIL_H_
#define TANDEM_TESTS_NULL_ONNX_TEST_MODELS_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace tandem::test_models {

// Appends a node to `graph` and returns it.
onnx::NodeProto* AddNode(onnx::GraphProto* graph, const std::string& op_type,
                         const std::string& name, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs);

// Sets `vi` to a tensor of ONNX data_type `elem_type` and static `dims`.
void SetTensorType(onnx::ValueInfoProto* vi, const std::string& name, int elem_type,
                   const std::vector<int64_t>& dims);

// W's values: 0, 1, 2, ... as float32.
std::vector<float> Iota(int64_t n);

// X:f32[2,n] → Relu "relu" → R → Add "add"(R, W) → Y:f32[2,n], where W is an f32[2,n]
// initializer holding Iota(2n) in raw_data. ir_version 8, opset 13, graph named "g".
// With n >= 512, W's raw_data is at least 4 KiB, so the importer borrows it (wire scanner path).
onnx::ModelProto ReluAddModel(int64_t n = 3);

// `depth` If nodes nested in each other's then_branch (the innermost body is at nesting `depth`).
// Inputs C:bool[] and X:f32[2]; every body passes X through Identity; output Y:f32[2].
onnx::ModelProto NestedIfModel(int depth);

// X:f32[1,1,5,5] → Conv "conv1"(X, K; kernel_shape = [3,3]) → Y:f32[1,1,3,3], where K is an
// initializer. Opset 13.
onnx::ModelProto ConvModel();

// X:f32[2,3] → Reshape "reshape1" (opset 1, attribute shape = [3,2]) → Y:f32[3,2]. ir_version 3.
onnx::ModelProto ReshapeV1Model();

std::string Serialize(const onnx::ModelProto& model);

// A fresh, empty folder under ::testing::TempDir(), removed with everything in it when the
// object dies.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Writes `bytes` to path()/name (name may contain folders that already exist).
  void Write(const std::string& name, const std::string& bytes) const;

 private:
  std::string path_;
};

}  // namespace tandem::test_models

#endif  // TANDEM_TESTS_NULL_ONNX_TEST_MODELS_UTIL_H_
