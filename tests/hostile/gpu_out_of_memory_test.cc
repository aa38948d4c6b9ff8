// Run time, GPU out of memory (issue 7): when the GPU's memory runs out during a Run, the Run
// fails with ResourceExhausted naming what did not fit, and the session keeps working: the next
// Run, with the memory back, gives the right answer, and the failed Run left nothing allocated.
//
// The checked test double (executors/fake/) stands in for the GPU, with a small budget; another
// tenant of the GPU is played by a reservation taken from its allocator between runs.
#include <memory>
#include <string>

#include "api/session_internal.h"
#include "executors/fake/checked_host_device.h"
#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "tandem/session.h"
#include "tests/null/test_util.h"

namespace tandem {
namespace {

// relu_add from make_hostile_models.py: Y = Relu(X) + W, X and W f32[2, 3], W = 0..5.
std::string ControlModel() { return std::string(TANDEM_BINARY_DIR) + "/hostile/_controls/relu_add/model.onnx"; }

TEST(HostileRun, GpuOutOfMemoryLeavesTheSessionWorking) {
  ASSERT_OK_AND_ASSIGN(ir::Model model, importer::ImportModel(ControlModel()));
  executors::CheckedHostDevice* gpu = nullptr;
  SessionOptions options;
  options.gpu_memory = "64MiB";
  options.strategy = "gpu";  // every node on the test double: X is copied in, Y out
  ASSERT_OK_AND_ASSIGN(
      auto session, SessionFactory::Create(std::move(model), options, [&](const executors::GpuDeviceOptions& request, std::string*) {
        auto device = std::make_unique<executors::CheckedHostDevice>(
            executors::CheckedHostDeviceOptions{request.budget_bytes, {}});
        gpu = device.get();
        return device;
      }));
  ASSERT_NE(gpu, nullptr);
  ASSERT_TRUE(session->uses_gpu()) << session->plan();

  const std::vector<float> x = {-1, 2, -3, 4, -5, 6};
  std::map<std::string, Tensor> inputs = {{"X", *Tensor::FromVector(DType::kFloat32, {2, 3}, x)}};
  const std::vector<float> want = {0, 3, 2, 7, 4, 11};  // Relu(X) + W
  auto expect_right_answer = [&] {
    ASSERT_OK_AND_ASSIGN(auto outputs, session->Run(inputs));
    const Tensor& y = outputs.at("Y");
    ASSERT_EQ(y.shape(), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(std::vector<float>(y.data_as<float>(), y.data_as<float>() + 6), want);
  };
  expect_right_answer();

  executors::Allocator& memory = gpu->allocator();
  const int64_t resident = memory.used_bytes();  // the weights
  {
    // Someone else takes every free byte of the GPU.
    ASSERT_OK_AND_ASSIGN(auto tenant, memory.Reserve(memory.budget_bytes() - resident, "tenant"));
    EXPECT_THAT(session->Run(inputs).status(),
                StatusIs(absl::StatusCode::kResourceExhausted, "transfer 'X@gpu' needs"));
    EXPECT_EQ(memory.used_bytes(), memory.budget_bytes());  // the failed Run kept nothing
  }
  EXPECT_EQ(memory.used_bytes(), resident);
  expect_right_answer();
  EXPECT_EQ(memory.used_bytes(), resident);
}

}  // namespace
}  // namespace tandem
