// The GPU executor's lifecycle on a real GPU: memory accounting, allocation failure, device-
// pointer runs on a caller's stream, CUDA graphs and the algorithm cache. Skipped, with the
// reason, when there is no GPU.
#include "executors/cuda/cuda_executor.h"

#include <cuda_runtime_api.h>

#include <cstring>

#include "executors/cuda/conv_algorithm_cache.h"
#include "gtest/gtest.h"
#include "tests/device/cuda/cuda_test_util.h"
#include "tests/null/test_util.h"

namespace tandem {
namespace {

using executors::cuda::CudaExecutor;
using executors::cuda::CudaExecutorOptions;
using ir::DType;
using testing::Ints;
using testing::TestGraph;

class CudaExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = testing::NoGpuReason();
    if (!why.empty()) GTEST_SKIP() << why;
  }
};

// x [1,3,16,16] -> Conv -> Relu -> Conv -> + x' -> y, with a skip connection.
TestGraph SmallNet() {
  TestGraph t;
  auto x = t.Input("x", DType::kFloat32, {1, 3, 16, 16});
  auto w1 = t.Constant("w1", testing::RandomF32({8, 3, 3, 3}, 1));
  auto b1 = t.Constant("b1", testing::RandomF32({8}, 2));
  auto c1 = t.Add("Conv", {x, w1, b1}, DType::kFloat32, {1, 8, 16, 16}, {{"pads", Ints({1, 1, 1, 1})}});
  auto r1 = t.Add("Relu", {c1}, DType::kFloat32, {1, 8, 16, 16});
  auto w2 = t.Constant("w2", testing::RandomF32({3, 8, 1, 1}, 3));
  auto c2 = t.Add("Conv", {r1, w2}, DType::kFloat32, {1, 3, 16, 16});
  t.Output(t.Add("Add", {c2, x}, DType::kFloat32, {1, 3, 16, 16}));
  return t;
}

TEST_F(CudaExecutorTest, RequirementIsKnownBeforeAllocationAndMatchesTheEstimate) {
  TestGraph t = SmallNet();
  CudaExecutorOptions options;
  options.allocate = false;
  ASSERT_OK_AND_ASSIGN(auto ex, CudaExecutor::Create(t.graph(), options));
  EXPECT_FALSE(ex->allocated());
  ASSERT_OK_AND_ASSIGN(auto estimate, CudaExecutor::EstimateMemory(t.graph(), options));
  const auto& r = ex->MemoryRequirement();
  EXPECT_EQ(r.weight_bytes, estimate.weight_bytes);
  EXPECT_EQ(r.arena_bytes, estimate.arena_bytes);
  EXPECT_EQ(r.staging_bytes, estimate.staging_bytes);
  EXPECT_LE(r.workspace_bytes, estimate.workspace_bytes);
  std::vector<ir::Tensor> inputs = testing::RandomInputs(t.graph(), 1);
  EXPECT_THAT(ex->Run(inputs).status(), StatusIs(absl::StatusCode::kFailedPrecondition, "Allocate"));
  size_t free_before = 0, free_after = 0, total = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_before, &total), cudaSuccess);
  ASSERT_OK(ex->Allocate());
  ASSERT_EQ(cudaMemGetInfo(&free_after, &total), cudaSuccess);
  // The driver hands out memory in 2 MiB pages: what left the free pool covers the requirement.
  EXPECT_GE(static_cast<int64_t>(free_before - free_after) + (2 << 20), r.total());
  ASSERT_OK_AND_ASSIGN(auto out, ex->Run(inputs));
  ASSERT_OK_AND_ASSIGN(auto want, testing::RunOnCpu(t.graph(), inputs));
  EXPECT_EQ(testing::Compare(out[0], want[0], 1e-4, 1e-4), "");
  EXPECT_EQ(ex->fused_activations(), 1);
}

TEST_F(CudaExecutorTest, FailedAllocationSaysHowMuchAndLeavesTheGpuUsable) {
  TestGraph huge;
  // 2^40 floats = 4 TiB of staging and arena: no GPU has that.
  auto x = huge.Input("x", DType::kFloat32, {int64_t{1} << 40});
  huge.Output(huge.Add("Relu", {x}, DType::kFloat32, {int64_t{1} << 40}));
  CudaExecutorOptions options;
  options.allocate = false;
  ASSERT_OK_AND_ASSIGN(auto ex, CudaExecutor::Create(huge.graph(), options));
  absl::Status s = ex->Allocate();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted, "free of"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted, "cannot allocate"));
  EXPECT_FALSE(ex->allocated());
  // The same process keeps working: a second executor allocates and runs.
  TestGraph t = SmallNet();
  ASSERT_OK_AND_ASSIGN(auto small, CudaExecutor::Create(t.graph(), CudaExecutorOptions{}));
  std::vector<ir::Tensor> inputs = testing::RandomInputs(t.graph(), 2);
  EXPECT_OK(small->Run(inputs).status());
  EXPECT_THAT(ex->Allocate(), StatusIs(absl::StatusCode::kResourceExhausted, "cannot allocate"));
}

TEST_F(CudaExecutorTest, RunsOnCallerBuffersAndStreamAndReplaysCudaGraphs) {
  TestGraph t = SmallNet();
  CudaExecutorOptions options;
  options.host_staging = false;
  options.use_cuda_graphs = true;
  ASSERT_OK_AND_ASSIGN(auto ex, CudaExecutor::Create(t.graph(), options));
  EXPECT_EQ(ex->MemoryRequirement().staging_bytes, 0);
  std::vector<ir::Tensor> inputs = testing::RandomInputs(t.graph(), 3);
  ASSERT_OK_AND_ASSIGN(auto want, testing::RunOnCpu(t.graph(), inputs));
  const size_t in_bytes = inputs[0].byte_size(), out_bytes = want[0].byte_size();
  void *in = nullptr, *out = nullptr;
  ASSERT_EQ(cudaMalloc(&in, in_bytes), cudaSuccess);
  ASSERT_EQ(cudaMalloc(&out, out_bytes), cudaSuccess);
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
  ASSERT_EQ(cudaMemcpy(in, inputs[0].data.data(), in_bytes, cudaMemcpyHostToDevice), cudaSuccess);
  for (int run = 0; run < 3; ++run) {
    ASSERT_EQ(cudaMemset(out, 0, out_bytes), cudaSuccess);
    const void* ins[] = {in};
    void* outs[] = {out};
    ASSERT_OK(ex->Run(ins, outs, stream));
    ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
    std::vector<float> host(out_bytes / sizeof(float));
    ASSERT_EQ(cudaMemcpy(host.data(), out, out_bytes, cudaMemcpyDeviceToHost), cudaSuccess);
    EXPECT_EQ(testing::Compare(testing::F32(want[0].dims, host), want[0], 1e-4, 1e-4), "") << "run " << run;
  }
  EXPECT_EQ(ex->cuda_graph_captures(), 1);  // captured once, replayed twice
  EXPECT_THAT(ex->Run(inputs).status(), StatusIs(absl::StatusCode::kFailedPrecondition, "host_staging"));
  cudaStreamDestroy(stream);
  cudaFree(in);
  cudaFree(out);
}

TEST_F(CudaExecutorTest, ConvolutionAlgorithmsAreChosenOncePerShape) {
  TestGraph t = SmallNet();
  ASSERT_OK_AND_ASSIGN(auto first, CudaExecutor::Create(t.graph(), CudaExecutorOptions{}));
  int cached = executors::cuda::ConvAlgorithmCacheSize();
  EXPECT_GE(cached, 2);
  ASSERT_OK_AND_ASSIGN(auto second, CudaExecutor::Create(t.graph(), CudaExecutorOptions{}));
  EXPECT_EQ(executors::cuda::ConvAlgorithmCacheSize(), cached);
}

TEST_F(CudaExecutorTest, ZeroWorkspaceLimitStillRuns) {
  TestGraph t = SmallNet();
  CudaExecutorOptions options;
  options.workspace_limit = 0;  // implicit GEMM needs none
  ASSERT_OK_AND_ASSIGN(auto ex, CudaExecutor::Create(t.graph(), options));
  EXPECT_EQ(ex->MemoryRequirement().workspace_bytes, 0);
  std::vector<ir::Tensor> inputs = testing::RandomInputs(t.graph(), 4);
  ASSERT_OK_AND_ASSIGN(auto out, ex->Run(inputs));
  ASSERT_OK_AND_ASSIGN(auto want, testing::RunOnCpu(t.graph(), inputs));
  EXPECT_EQ(testing::Compare(out[0], want[0], 1e-4, 1e-4), "");
}

TEST_F(CudaExecutorTest, RejectsWrongInputsByName) {
  TestGraph t = SmallNet();
  ASSERT_OK_AND_ASSIGN(auto ex, CudaExecutor::Create(t.graph(), CudaExecutorOptions{}));
  EXPECT_THAT(ex->Run({testing::RandomF32({1, 3, 8, 8}, 1)}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "input 'x' must be f32[1,3,16,16]"));
  EXPECT_THAT(ex->Run(std::vector<ir::Tensor>{}).status(), StatusIs(absl::StatusCode::kInvalidArgument, "takes 1"));
}

// Per-node GPU times for partition-tool --calibrate: the Convs and the Add take time, the Relu
// fused into the first Conv reads 0, and the outputs are those of a plain run.
TEST_F(CudaExecutorTest, RunProfiledTimesEachNodeAndKeepsTheOutputs) {
  TestGraph t = SmallNet();
  ASSERT_OK_AND_ASSIGN(auto ex, CudaExecutor::Create(t.graph(), {}));
  std::vector<ir::Tensor> inputs = testing::RandomInputs(t.graph(), 5);
  ASSERT_OK_AND_ASSIGN(auto want, ex->Run(inputs));
  std::vector<double> node_ms;
  ASSERT_OK_AND_ASSIGN(auto got, ex->RunProfiled(inputs, &node_ms));
  ASSERT_EQ(node_ms.size(), 4u);  // Conv, Relu, Conv, Add
  EXPECT_GT(node_ms[0], 0.0);
  EXPECT_EQ(node_ms[1], 0.0);
  EXPECT_GT(node_ms[2], 0.0);
  EXPECT_GT(node_ms[3], 0.0);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(got[0].data.size(), want[0].data.size());
  EXPECT_EQ(std::memcmp(got[0].data.data(), want[0].data.data(), want[0].data.size()), 0);
  // A plain run after a timed one still works (and may capture a CUDA graph).
  ASSERT_OK(ex->Run(inputs).status());
}

}  // namespace
}  // namespace tandem
