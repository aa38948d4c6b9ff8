// partitioner::GpuOpTable / GpuTableReason answer for the GPU executor in builds without CUDA.
// Here, where the executor exists, they are checked against it: the same op list as its
// registry, and never a refusal of a node (of the ONNX backend suite or the exported models)
// that the executor's own check accepts.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "executors/cuda/cuda_executor.h"
#include "executors/cuda/cuda_op.h"
#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "partitioner/capability.h"

namespace tandem {
namespace {

namespace fs = std::filesystem;

TEST(GpuOpTable, ListsExactlyTheExecutorsRegisteredOps) {
  std::vector<std::string> registry = executors::cuda::CudaOpRegistry::Default().Ops();
  const auto& table = partitioner::GpuOpTable();
  std::vector<std::string> only_registry, only_table;
  for (const std::string& op : registry) {
    if (table.count(op) == 0) only_registry.push_back(op);
  }
  std::set<std::string> registered(registry.begin(), registry.end());
  for (const std::string& op : table) {
    if (registered.count(op) == 0) only_table.push_back(op);
  }
  EXPECT_TRUE(only_registry.empty()) << "add to GpuOpTable: " << absl::StrJoin(only_registry, ", ");
  EXPECT_TRUE(only_table.empty()) << "not in the executor's registry: " << absl::StrJoin(only_table, ", ");
}

std::vector<fs::path> CorpusModels() {
  std::vector<fs::path> models;
  const fs::path suite = TANDEM_ONNX_TESTDATA;
  for (const char* folder : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
    if (!fs::is_directory(suite / folder)) continue;
    for (const auto& e : fs::directory_iterator(suite / folder)) {
      if (fs::exists(e.path() / "model.onnx")) models.push_back(e.path() / "model.onnx");
    }
  }
  const fs::path exported = TANDEM_MODELS_DIR;
  if (fs::is_directory(exported)) {
    for (const auto& e : fs::directory_iterator(exported)) {
      if (fs::exists(e.path() / "model.onnx")) models.push_back(e.path() / "model.onnx");
    }
  }
  std::sort(models.begin(), models.end());
  return models;
}

TEST(GpuOpTable, NeverRefusesANodeTheExecutorRuns) {
  std::vector<fs::path> models = CorpusModels();
  if (models.empty()) GTEST_SKIP() << "no ONNX backend test data in " << TANDEM_ONNX_TESTDATA;
  int nodes = 0, agree = 0;
  std::map<std::string, int> table_only;  // accepted by the table, refused by the executor, by op
  partitioner::GpuCapability capability;
  for (const fs::path& path : models) {
    auto model = importer::ImportModel(path.string());
    if (!model.ok()) continue;
    const ir::Graph& g = *model->graph;
    for (const ir::Node& node : g.nodes()) {
      ++nodes;
      std::string executor = executors::cuda::CudaExecutor::UnsupportedReason(g, node);
      std::string table = partitioner::GpuTableReason(g, node);
      // In this build the partitioner asks the executor itself.
      ASSERT_EQ(capability.UnsupportedReason(g, node), executor) << path << " " << node.Describe();
      if (executor.empty() && !table.empty()) {
        ADD_FAILURE() << path << ": " << node.Describe() << ": the executor runs it, the table says: " << table;
      } else if (executor.empty() == table.empty()) {
        ++agree;
      } else {
        ++table_only[node.op_type];
      }
    }
  }
  std::cout << "GPU op table vs executor over " << models.size() << " models: " << agree << " of " << nodes
            << " nodes agree; accepted by the table only:";
  for (const auto& [op, n] : table_only) std::cout << " " << op << " " << n;
  std::cout << "\n";
  EXPECT_GT(nodes, 1000);
}

}  // namespace
}  // namespace tandem
