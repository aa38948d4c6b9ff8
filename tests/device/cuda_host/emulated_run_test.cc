// The GPU executor's lowering and plan, run on the host with the emulated kernels of
// emulated_kernels_util.cc and the host stand-ins for cuDNN and cuBLASLt of
// fake_cuda_libraries_util.cc, against the ONNX backend suite's expected outputs and torch's
// outputs for the exported models. No GPU needed; the device code itself is tested by
// tandem_cuda_tests on a GPU.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/cuda/cuda_executor.h"
#include "executors/cuda/cuda_plan.h"
#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "importer/tensor_proto.h"
#include "tools/conformance/tolerance.h"

namespace tandem {
namespace {

namespace fs = std::filesystem;
using executors::cuda::CudaPlan;

// What CudaExecutor::Enqueue does (RunPlanSteps, then the output copies), with host buffers.
absl::StatusOr<std::vector<ir::Tensor>> EmulatedRun(const ir::Graph& g, const std::vector<ir::Tensor>& inputs) {
  TANDEM_ASSIGN_OR_RETURN(CudaPlan plan, executors::cuda::BuildCudaPlan(g, /*fuse_activations=*/true));
  // The handles only need to be non-null: the stand-in libraries ignore them.
  static int fake_handle;
  executors::cuda::CudaLibraries libs;
  libs.cudnn = reinterpret_cast<cudnnHandle_t>(&fake_handle);
  libs.cublas_lt = reinterpret_cast<cublasLtHandle_t>(&fake_handle);
  int64_t workspace_bytes = 0;
  for (auto& step : plan.steps) {
    if (!step.op) continue;
    TANDEM_RETURN_IF_ERROR(step.op->Prepare(libs, int64_t{256} << 20));
    workspace_bytes = std::max(workspace_bytes, step.op->workspace_bytes());
  }
  std::vector<uint64_t> workspace(workspace_bytes / 8 + 1);
  // 8-byte aligned host buffers (the plan's offsets are 256-aligned within them).
  std::vector<uint64_t> weights(plan.weight_bytes / 8 + 1), arena(plan.arena_bytes / 8 + 1);
  for (const auto& u : plan.uploads)
    std::memcpy(reinterpret_cast<uint8_t*>(weights.data()) + u.offset, u.data, u.bytes);
  std::vector<std::vector<uint64_t>> in(inputs.size()), out(plan.output_bytes.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    in[i].resize(inputs[i].byte_size() / 8 + 1);
    std::memcpy(in[i].data(), inputs[i].data.data(), inputs[i].byte_size());
  }
  for (size_t i = 0; i < out.size(); ++i) out[i].resize(plan.output_bytes[i] / 8 + 1);
  // Garbage where the device has garbage, so an op that reads what it never wrote is caught.
  for (auto* buffer : {&workspace, &arena}) std::memset(buffer->data(), 0x7f, buffer->size() * 8);
  for (auto& buffer : out) std::memset(buffer.data(), 0x7f, buffer.size() * 8);
  // The executor's own step loop, with host buffers in place of device memory.
  std::vector<const void*> in_ptrs;
  std::vector<void*> out_ptrs;
  for (auto& b : in) in_ptrs.push_back(b.data());
  for (auto& b : out) out_ptrs.push_back(b.data());
  executors::cuda::PlanBuffers buffers{in_ptrs, out_ptrs, reinterpret_cast<uint8_t*>(weights.data()),
                                       reinterpret_cast<uint8_t*>(arena.data()), workspace.data()};
  TANDEM_RETURN_IF_ERROR(executors::cuda::RunPlanSteps(g, plan, buffers, nullptr, &libs));
  for (const auto& c : plan.output_copies) {
    std::memcpy(out[c.output].data(), executors::cuda::SlotPointer(c.from, buffers), c.bytes);
  }
  std::vector<ir::Tensor> results;
  for (size_t i = 0; i < out.size(); ++i) {
    const ir::Value& v = g.value(g.outputs()[i]);
    std::vector<uint8_t> bytes(plan.output_bytes[i]);
    if (!bytes.empty()) std::memcpy(bytes.data(), out[i].data(), bytes.size());
    results.push_back(
        ir::Tensor{v.info.dtype, *v.info.shape.static_sizes(), ir::TensorData::Owned(std::move(bytes)), {}});
  }
  return results;
}

// "" when every output of every data set matches; "skip: ..." when the GPU would not run the case
// (or it needs cuDNN/cuBLAS); else the first mismatch.
std::string CheckCase(const fs::path& dir) {
  auto model = importer::ImportModel((dir / "model.onnx").string());
  if (!model.ok()) return absl::StrCat("skip: import: ", model.status().message());
  const ir::Graph& g = *model->graph;
  for (const ir::Node& node : g.nodes()) {
    std::string reason = executors::cuda::CudaExecutor::UnsupportedReason(g, node);
    if (!reason.empty()) return "skip: " + reason;
  }
  for (ir::ValueId id : g.inputs()) {
    if (g.value(id).info.type != ir::ValueType::kTensor || !g.value(id).info.shape.is_static()) return "skip: input";
  }
  for (int s = 0;; ++s) {
    fs::path data = dir / absl::StrCat("test_data_set_", s);
    if (!fs::is_directory(data)) break;
    std::vector<ir::Tensor> inputs;
    for (size_t i = 0; i < g.inputs().size(); ++i) {
      auto t = importer::ParseValueFile((data / absl::StrCat("input_", i, ".pb")).string(), ir::ValueType::kTensor);
      if (!t.ok() || t->tensors.size() != 1) return "skip: input file";
      inputs.push_back(std::move(t->tensors[0]));
    }
    auto got = EmulatedRun(g, inputs);
    if (!got.ok()) return absl::StrCat("run: ", got.status().message());
    for (size_t i = 0; i < g.outputs().size(); ++i) {
      auto want = importer::ParseValueFile((data / absl::StrCat("output_", i, ".pb")).string(), ir::ValueType::kTensor);
      if (!want.ok() || want->tensors.size() != 1) return "skip: output file";
      auto cmp = conformance::CompareTensors((*got)[i], want->tensors[0],
                                             conformance::DefaultTolerance(want->tensors[0].dtype));
      if (!cmp.ok) return absl::StrCat("data set ", s, " output ", i, ": ", cmp.first_mismatch);
    }
  }
  return "";
}

TEST(EmulatedGpu, OnnxBackendSuite) {
  const fs::path root = TANDEM_ONNX_TESTDATA;
  if (!fs::is_directory(root / "node")) GTEST_SKIP() << "no ONNX backend test data in " << root;
  int passed = 0, skipped = 0;
  std::vector<std::string> failures;
  std::map<std::string, int> skip_reasons;  // by the op of the first node the GPU lacks
  for (const char* folder : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(root / folder)) {
      if (fs::exists(e.path() / "model.onnx")) cases.push_back(e.path());
    }
    std::sort(cases.begin(), cases.end());
    for (const fs::path& c : cases) {
      std::string r = CheckCase(c);
      if (r.empty()) {
        ++passed;
      } else if (r.rfind("skip: ", 0) == 0) {
        ++skipped;
        ++skip_reasons[r.substr(6, r.find_first_of(" :", 6) - 6)];
      } else {
        failures.push_back(absl::StrCat(folder, "/", c.filename().string(), ": ", r));
      }
    }
  }
  std::cout << "emulated GPU: " << passed << " passed, " << failures.size() << " failed, " << skipped
            << " skipped (a node the GPU executor does not run)\n";
  std::cout << "skipped cases by the first op the GPU lacks:";
  for (const auto& [op, n] : skip_reasons) std::cout << " " << op << " " << n;
  std::cout << "\n";
  for (const std::string& f : failures) ADD_FAILURE() << f;
  EXPECT_GT(passed, 500);
}

// The exported models (models/export.py) against torch's outputs, at the CPU executor's tolerance.
class EmulatedModel : public ::testing::TestWithParam<std::string> {};

TEST_P(EmulatedModel, MatchesTorch) {
  const fs::path dir = fs::path(TANDEM_MODELS_DIR) / GetParam();
  if (!fs::exists(dir / "model.onnx")) GTEST_SKIP() << "not exported: " << dir;
  auto model = importer::ImportModel((dir / "model.onnx").string());
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  for (const ir::Node& node : g.nodes()) {
    ASSERT_EQ(executors::cuda::CudaExecutor::UnsupportedReason(g, node), "");
  }
  std::vector<ir::Tensor> inputs;
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    auto t = importer::ParseTensorFile((dir / "test_data_set_0" / absl::StrCat("input_", i, ".pb")).string());
    ASSERT_TRUE(t.ok()) << t.status();
    inputs.push_back(std::move(t->tensor));
  }
  auto got = EmulatedRun(g, inputs);
  ASSERT_TRUE(got.ok()) << got.status();
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    auto want = importer::ParseTensorFile((dir / "test_data_set_0" / absl::StrCat("output_", i, ".pb")).string());
    ASSERT_TRUE(want.ok()) << want.status();
    auto cmp = conformance::CompareTensors((*got)[i], want->tensor, {1e-3, 1e-4});
    EXPECT_TRUE(cmp.ok) << "output " << i << ": " << cmp.first_mismatch;
    std::cout << GetParam() << " output " << i << ": max abs error " << cmp.max_abs_error << "\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Models, EmulatedModel,
                         ::testing::Values("resnet18", "mobilenet_v2", "mobilenet_v3_small", "transformer_encoder",
                                           "bert_encoder", "gpt2_decoder"));

}  // namespace
}  // namespace tandem
