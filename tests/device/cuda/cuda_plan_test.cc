// Host-only tests of the GPU executor: what it accepts (UnsupportedReason), how it plans memory
// (BuildCudaPlan, EstimateMemory) and how the kernels' layouts collapse. No GPU needed: these run
// in CI on every machine with the CUDA toolkit.
#include "executors/cuda/cuda_plan.h"

#include <limits>

#include "executors/cuda/cuda_executor.h"
#include "gtest/gtest.h"
#include "kernels/cuda/strided_layout.h"
#include "tests/device/cuda/cuda_test_util.h"
#include "tests/null/test_util.h"

namespace tandem {
namespace {

using executors::cuda::BuildCudaPlan;
using executors::cuda::CudaExecutor;
using executors::cuda::CudaExecutorOptions;
using executors::cuda::ValueSlot;
using ir::DType;
using testing::TestGraph;

// x [1,3,8,8] -> Conv(W [4,3,3,3], B [4], pads 1) -> Relu -> y [1,4,8,8]
TestGraph ConvRelu() {
  TestGraph t;
  auto x = t.Input("x", DType::kFloat32, {1, 3, 8, 8});
  auto w = t.Constant("w", testing::RandomF32({4, 3, 3, 3}, 1));
  auto b = t.Constant("b", testing::RandomF32({4}, 2));
  auto c = t.Add("Conv", {x, w, b}, DType::kFloat32, {1, 4, 8, 8}, {{"pads", testing::Ints({1, 1, 1, 1})}});
  auto y = t.Add("Relu", {c}, DType::kFloat32, {1, 4, 8, 8});
  t.Output(y);
  return t;
}

TEST(CudaPlan, FusesReluIntoConvAndWritesTheOutputInPlace) {
  TestGraph t = ConvRelu();
  ASSERT_OK_AND_ASSIGN(auto plan, BuildCudaPlan(t.graph(), /*fuse_activations=*/true));
  EXPECT_EQ(plan.fused_activations, 1);
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_NE(plan.steps[0].op, nullptr);
  EXPECT_EQ(plan.steps[1].op, nullptr);  // the Relu is an alias now
  // The conv writes straight into the caller's output buffer: no arena, no copy.
  const ir::Graph& g = t.graph();
  EXPECT_EQ(plan.slots[g.outputs()[0].value].kind, ValueSlot::kOutput);
  EXPECT_EQ(plan.arena_bytes, 0);
  EXPECT_TRUE(plan.output_copies.empty());
  // W (432 bytes) uploaded as is; B folded into a float32 constant (16 bytes); 256-aligned each.
  EXPECT_EQ(plan.weight_bytes, 512 + 256);
  EXPECT_EQ(plan.uploads.size(), 2u);
  // Staging: x 768 bytes, y 1024 bytes.
  EXPECT_EQ(plan.staging_bytes, 768 + 1024);
}

TEST(CudaPlan, WithoutFusionTheConvOutputGoesToTheArena) {
  TestGraph t = ConvRelu();
  ASSERT_OK_AND_ASSIGN(auto plan, BuildCudaPlan(t.graph(), /*fuse_activations=*/false));
  EXPECT_EQ(plan.fused_activations, 0);
  EXPECT_NE(plan.steps[1].op, nullptr);
  EXPECT_EQ(plan.arena_bytes, 1024);  // the conv output, 1x4x8x8 floats
}

TEST(CudaPlan, EstimateMemoryCountsTheWorkspaceLimit) {
  TestGraph t = ConvRelu();
  CudaExecutorOptions options;
  options.workspace_limit = 1 << 20;
  ASSERT_OK_AND_ASSIGN(auto r, CudaExecutor::EstimateMemory(t.graph(), options));
  EXPECT_EQ(r.weight_bytes, 768);
  EXPECT_EQ(r.arena_bytes, 0);
  EXPECT_EQ(r.workspace_bytes, 1 << 20);
  EXPECT_EQ(r.staging_bytes, 1792);
  options.host_staging = false;
  ASSERT_OK_AND_ASSIGN(r, CudaExecutor::EstimateMemory(t.graph(), options));
  EXPECT_EQ(r.staging_bytes, 0);
  EXPECT_EQ(r.total(), 768 + (1 << 20));
}

TEST(CudaPlan, ArenaReusesBuffersWhoseLifetimesDoNotOverlap) {
  // x -> Sigmoid -> a -> Tanh -> b -> Sigmoid -> c -> Tanh -> y: a and c can share.
  TestGraph t;
  std::vector<int64_t> dims = {1024};  // 4 KiB each
  auto x = t.Input("x", DType::kFloat32, dims);
  auto a = t.Add("Sigmoid", {x}, DType::kFloat32, dims);
  auto b = t.Add("Tanh", {a}, DType::kFloat32, dims);
  auto c = t.Add("Sigmoid", {b}, DType::kFloat32, dims);
  auto y = t.Add("Tanh", {c}, DType::kFloat32, dims);
  t.Output(y);
  ASSERT_OK_AND_ASSIGN(auto plan, BuildCudaPlan(t.graph(), true));
  EXPECT_EQ(plan.arena_bytes, 2 * 4096);
}

TEST(CudaPlan, ReshapeIsAnAliasAndAnOutputOfAnInputIsCopied) {
  TestGraph t;
  auto x = t.Input("x", DType::kFloat32, {2, 3});
  auto shape = t.Constant("shape", testing::I64({1}, {6}));
  auto r = t.Add("Reshape", {x, shape}, DType::kFloat32, {6});
  t.Output(r);
  ASSERT_OK_AND_ASSIGN(auto plan, BuildCudaPlan(t.graph(), true));
  EXPECT_EQ(plan.steps[0].op, nullptr);
  EXPECT_EQ(plan.weight_bytes, 0);  // the shape is read on the host only
  ASSERT_EQ(plan.output_copies.size(), 1u);
  EXPECT_EQ(plan.output_copies[0].from.kind, ValueSlot::kInput);
  EXPECT_EQ(plan.output_copies[0].bytes, 24);
}

TEST(CudaSupport, NamesTheNodeAndTheReason) {
  TestGraph t;
  auto x = t.Input("x", DType::kFloat32, {1, 3, 8, 8});
  auto y = t.Add("LpPool", {x}, DType::kFloat32, {1, 3, 4, 4}, {{"kernel_shape", testing::Ints({2, 2})}});
  t.Output(y);
  const ir::Node& node = t.graph().nodes()[0];
  EXPECT_EQ(CudaExecutor::UnsupportedReason(t.graph(), node), "LpPool \"LpPool_0\": no GPU kernel for LpPool");
  EXPECT_THAT(BuildCudaPlan(t.graph(), true).status(),
              StatusIs(absl::StatusCode::kUnimplemented, "no GPU kernel for LpPool"));
}

TEST(CudaSupport, RefusesDynamicShapesAndUnsupportedTypes) {
  TestGraph t;
  auto x = *t.graph().AddInput(
      "x", ir::TensorInfo{DType::kFloat32, ir::Shape({ir::Dim::Symbolic("n"), ir::Dim::Static(4)})});
  auto y = t.Add("Relu", {x}, DType::kFloat32, {1, 4});
  auto s = t.Input("s", DType::kString, {2});
  auto z = t.Add("Identity", {s}, DType::kString, {2});
  auto i = t.Input("i", DType::kInt32, {1, 3, 4, 4});
  auto w = t.Input("w", DType::kInt32, {2, 3, 1, 1});
  auto c = t.Add("Conv", {i, w}, DType::kInt32, {1, 2, 4, 4});
  auto m = t.Input("m", DType::kFloat32, {1, 1, 4, 4});
  auto p = t.AddMulti("MaxPool", {m}, {{DType::kFloat32, {1, 1, 2, 2}}, {DType::kInt64, {1, 1, 2, 2}}},
                      {{"kernel_shape", testing::Ints({2, 2})}, {"strides", testing::Ints({2, 2})}});
  t.Output(y);
  t.Output(z);
  t.Output(c);
  t.Output(p[0]);
  const auto& nodes = t.graph().nodes();
  EXPECT_NE(CudaExecutor::UnsupportedReason(t.graph(), nodes[0]).find("has no static shape"), std::string::npos);
  EXPECT_NE(CudaExecutor::UnsupportedReason(t.graph(), nodes[1]).find("a type the GPU kernels do not handle"),
            std::string::npos);
  EXPECT_NE(CudaExecutor::UnsupportedReason(t.graph(), nodes[2]).find("type i32 is not supported"), std::string::npos);
  EXPECT_NE(CudaExecutor::UnsupportedReason(t.graph(), nodes[3]).find("Indices output"), std::string::npos);
}

TEST(CudaSupport, AcceptsTheOpsOfTheExportedModels) {
  TestGraph t;
  auto a = t.Input("a", DType::kFloat32, {1, 4, 16, 8});
  auto b = t.Input("b", DType::kFloat32, {1, 4, 8, 16});
  auto ids = t.Input("ids", DType::kInt64, {1, 16});
  auto table = t.Constant("table", testing::RandomF32({10, 8}, 3));
  auto mm = t.Add("MatMul", {a, b}, DType::kFloat32, {1, 4, 16, 16});
  auto sm = t.Add("Softmax", {mm}, DType::kFloat32, {1, 4, 16, 16}, {{"axis", testing::Int(-1)}});
  auto tr = t.Add("Transpose", {sm}, DType::kFloat32, {1, 16, 4, 16}, {{"perm", testing::Ints({0, 2, 1, 3})}});
  auto emb = t.Add("Gather", {table, ids}, DType::kFloat32, {1, 16, 8});
  auto er = t.Add("Erf", {emb}, DType::kFloat32, {1, 16, 8});
  t.Output(tr);
  t.Output(er);
  for (const ir::Node& n : t.graph().nodes()) EXPECT_EQ(CudaExecutor::UnsupportedReason(t.graph(), n), "") << n.op_type;
}

TEST(StridedLayout, CollapsesContiguousAndBroadcastDims) {
  using kernels::cuda::BroadcastStrides;
  using kernels::cuda::CollapseLayout;
  using kernels::cuda::ContiguousStrides;
  kernels::cuda::StridedLayout<3> l;
  // [2,3,4] + [4]: out and a collapse to one dim, b repeats every 4: two dims remain.
  std::vector<int64_t> out = {2, 3, 4};
  ASSERT_TRUE(CollapseLayout(out, {ContiguousStrides(out), ContiguousStrides(out), BroadcastStrides({4}, out)}, &l));
  ASSERT_EQ(l.rank, 2);
  EXPECT_EQ(l.dims[0], 6);
  EXPECT_EQ(l.dims[1], 4);
  EXPECT_EQ(l.strides[2][0], 0);
  EXPECT_EQ(l.strides[2][1], 1);
  // Same shapes: one contiguous dim.
  ASSERT_TRUE(CollapseLayout(out, {ContiguousStrides(out), ContiguousStrides(out), ContiguousStrides(out)}, &l));
  EXPECT_EQ(l.rank, 1);
  EXPECT_EQ(l.dims[0], 24);
  // A scalar: one element.
  ASSERT_TRUE(CollapseLayout({}, {{}, {}, {}}, &l));
  EXPECT_EQ(l.rank, 1);
  EXPECT_EQ(l.dims[0], 1);
}

TEST(StridedLayout, BroadcastStridesAlignOnTheRight) {
  EXPECT_EQ(kernels::cuda::BroadcastStrides({3, 1}, {2, 3, 4}), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_TRUE(kernels::cuda::BroadcastsTo({3, 1}, {2, 3, 4}));
  EXPECT_FALSE(kernels::cuda::BroadcastsTo({2, 4}, {2, 3, 4}));
}

TEST(StridedLayout, TransposeMergesOnlyDimsThatStayTogether) {
  // [2,3,4] transposed with perm (2,0,1) is [4,2,3]; the source strides are (1, 12, 4). The
  // dims 2 and 3 keep their order in both tensors and merge; the moved dim stays apart.
  std::vector<int64_t> out = {4, 2, 3};
  kernels::cuda::StridedLayout<2> l;
  ASSERT_TRUE(kernels::cuda::CollapseLayout(out, {kernels::cuda::ContiguousStrides(out), {1, 12, 4}}, &l));
  ASSERT_EQ(l.rank, 2);
  EXPECT_EQ(l.dims[0], 4);
  EXPECT_EQ(l.dims[1], 6);
  EXPECT_EQ(l.strides[1][0], 1);
  EXPECT_EQ(l.strides[1][1], 4);
}

}  // namespace
}  // namespace tandem
