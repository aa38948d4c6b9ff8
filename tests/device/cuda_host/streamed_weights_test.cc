// A plan may run a node on the GPU with its weights streamed in per run (placement
// gpu-streamed): the runtime then compiles the node as a segment whose weights are inputs
// (ir/passes/extract_segment.h), not initializers. The partitioner offers that only where
// GpuCapability::StreamingReason is "". Checked here, over the nodes of the exported models and
// of the ONNX backend suite, on the host (no GPU needed):
// - every node it accepts lowers on the GPU executor with its weights as inputs;
// - the table rule of builds without CUDA (GpuTableStreamingReason) gives the same answers.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "executors/cuda/cuda_executor.h"
#include "executors/cuda/cuda_plan.h"
#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "ir/passes/extract_segment.h"
#include "partitioner/capability.h"

namespace tandem {
namespace {

namespace fs = std::filesystem;

// The node's initializer operands a device reads in its own memory (shape operands stay on the
// host and are never streamed).
std::vector<ir::ValueId> StreamableWeights(const ir::Graph& g, const ir::Node& node) {
  std::vector<ir::ValueId> weights;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const ir::ValueId v = node.inputs[i];
    if (!v.valid() || g.value(v).kind != ir::ValueKind::kInitializer) continue;
    if (partitioner::IsShapeInput(node, static_cast<int>(i))) continue;
    if (std::find(weights.begin(), weights.end(), v) == weights.end()) weights.push_back(v);
  }
  return weights;
}

struct Tally {
  int checked = 0, streamable = 0;
  std::vector<std::string> failures;
};

void CheckModel(const fs::path& path, Tally& tally) {
  auto model = importer::ImportModel(path.string());
  if (!model.ok()) return;
  const ir::Graph& g = *model->graph;
  const partitioner::GpuCapability gpu;
  const std::string where = path.parent_path().filename().string();
  for (int n = 0; n < g.num_nodes(); ++n) {
    const ir::Node& node = g.node(ir::NodeId(n));
    if (!gpu.UnsupportedReason(g, node).empty()) continue;
    std::vector<ir::ValueId> weights = StreamableWeights(g, node);
    if (weights.empty()) continue;
    ++tally.checked;
    const std::string reason = gpu.StreamingReason(g, node);
    const std::string table = partitioner::GpuTableStreamingReason(g, node);
    if (reason.empty() != table.empty()) {
      tally.failures.push_back(absl::StrCat(node.op_type, " (", where, ", ", node.Describe(), "): executor says \"",
                                            reason, "\", table says \"", table, "\""));
    }
    if (!reason.empty()) continue;
    ++tally.streamable;
    auto segment = ir::ExtractSegment(g, {ir::NodeId(n)}, {}, weights);
    auto plan = segment.ok() ? executors::cuda::BuildCudaPlan(*segment->graph, /*fuse_activations=*/true)
                             : absl::StatusOr<executors::cuda::CudaPlan>(segment.status());
    if (!plan.ok()) {
      tally.failures.push_back(absl::StrCat(node.op_type, " (", where, ", ", node.Describe(),
                                            ") accepted for streaming, but: ", plan.status().message()));
    }
  }
}

TEST(StreamedWeights, AcceptedNodesLowerWithTheirWeightsAsInputsAndTheTableAgrees) {
  std::vector<fs::path> models;
  for (const char* name : {"resnet18", "mobilenet_v2", "mobilenet_v3_small", "transformer_encoder",
                           "bert_encoder", "gpt2_decoder"}) {
    fs::path p = fs::path(TANDEM_MODELS_DIR) / name / "model.onnx";
    if (fs::exists(p)) models.push_back(p);
  }
  const fs::path suite = fs::path(TANDEM_ONNX_TESTDATA);
  for (const char* folder : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
    if (!fs::is_directory(suite / folder)) continue;
    for (const auto& e : fs::directory_iterator(suite / folder)) {
      if (fs::exists(e.path() / "model.onnx")) models.push_back(e.path() / "model.onnx");
    }
  }
  if (models.empty()) GTEST_SKIP() << "no models: export them (models/export.py) or install libonnx-testdata";
  Tally tally;
  for (const fs::path& p : models) CheckModel(p, tally);
  std::printf("nodes with weights the GPU runs: %d, of which streamable: %d; failures: %zu\n", tally.checked,
              tally.streamable, tally.failures.size());
  EXPECT_GT(tally.checked, 400);
  EXPECT_GT(tally.streamable, 350);
  std::map<std::string, bool> shown;  // the first failure of each op
  for (const std::string& f : tally.failures) {
    const std::string op = f.substr(0, f.find(' '));
    if (!shown[op]) ADD_FAILURE() << f;
    shown[op] = true;
  }
}

}  // namespace
}  // namespace tandem
