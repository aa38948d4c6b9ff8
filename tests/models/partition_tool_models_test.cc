// partition-tool on an exported model, end to end: --calibrate measures every node with the CPU
// executor and writes a cost table, --cost-table reads it back (and refuses another model's), and
// the dot and HTML reports come out whole.
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "gmock/gmock.h"
#include "nlohmann/json.hpp"
#include "tools/partition_tool/partition_command.h"

namespace tandem::tools {
namespace {

using ::testing::HasSubstr;

std::string ModelPath(const std::string& name) {
  return std::string(TANDEM_MODELS_DIR) + "/" + name + "/model.onnx";
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(PartitionToolModels, CalibratesSavesAndReloadsACostTable) {
  const std::string table = ::testing::TempDir() + "/resnet18.times.json";
  PartitionArgs args;
  args.model_path = ModelPath("resnet18");
  args.calibrate = true;
  args.cost_table = table;
  args.calibrate_runs = 3;
  args.format = "json";
  std::ostringstream out, err;
  ASSERT_EQ(RunPartition(args, out, err), kExitOk) << err.str();
  auto j = nlohmann::json::parse(out.str());
  ASSERT_TRUE(j.contains("calibration"));
  EXPECT_TRUE(j["calibration"]["cpu_measured"].get<bool>());
  EXPECT_FALSE(j["calibration"]["gpu_measured"].get<bool>());
  EXPECT_GT(j["calibration"]["measured_cpu_nodes_ms"].get<double>(), 0);
  EXPECT_GT(j["calibration"]["roofline_cpu_ms"].get<double>(), 0);
  ASSERT_EQ(j["nodes"].size(), 49u);
  int convs = 0;
  for (const auto& n : j["nodes"]) {
    ASSERT_TRUE(n["measured_cpu_ms"].is_number()) << n["name"];
    if (n["op"] == "Conv") {
      ++convs;
      EXPECT_GT(n["measured_cpu_ms"].get<double>(), 0) << n["name"];
    }
  }
  EXPECT_EQ(convs, 20);
  // The saved table plans again without measuring, and the report compares.
  args.calibrate = false;
  args.format = "text";
  std::ostringstream again, err2;
  ASSERT_EQ(RunPartition(args, again, err2), kExitOk) << err2.str();
  EXPECT_THAT(again.str(), HasSubstr("calibration: cost table " + table));
  EXPECT_THAT(again.str(), HasSubstr("predicted vs measured cpu time, by op"));
  EXPECT_THAT(again.str(), HasSubstr("  Conv                  20"));
  // Another model's table is refused, saying why.
  args.model_path = ModelPath("mobilenet_v2");
  std::ostringstream refused, why;
  EXPECT_EQ(RunPartition(args, refused, why), kExitFailed);
  EXPECT_THAT(why.str(), HasSubstr("measured on a model with 49 nodes"));
}

TEST(PartitionToolModels, DotAndHtmlReportsForResnet18) {
  PartitionArgs args;
  args.model_path = ModelPath("resnet18");
  args.gpu_mem = "25%";
  args.format = "dot";
  std::ostringstream dot, err;
  ASSERT_EQ(RunPartition(args, dot, err), kExitOk) << err.str();
  args.format = "json";
  std::ostringstream json_text;
  ASSERT_EQ(RunPartition(args, json_text, err), kExitOk) << err.str();
  auto j = nlohmann::json::parse(json_text.str());
  int copies = 0;
  for (const auto& t : j["transfers"]) copies += !t["streamed_weight"].get<bool>();
  EXPECT_GT(copies, 0);
  // Every copy shows on at least one red edge, and every node is in a cluster.
  EXPECT_GE(Count(dot.str(), "penwidth=2.5"), copies);
  for (const auto& t : j["transfers"]) {
    if (!t["streamed_weight"].get<bool>()) EXPECT_THAT(dot.str(), HasSubstr(t["name"].get<std::string>()));
  }
  EXPECT_EQ(Count(dot.str(), "fillcolor=\"#cfe2f3\"") + Count(dot.str(), "fillcolor=\"#d9ead3\"") +
                Count(dot.str(), "fillcolor=\"#fff2cc\""),
            49);
  args.format = "html";
  std::ostringstream html;
  ASSERT_EQ(RunPartition(args, html, err), kExitOk) << err.str();
  EXPECT_EQ(Count(html.str(), "<svg"), 3);
  EXPECT_EQ(Count(html.str(), "<g class=\"node "), 49);
  EXPECT_EQ(Count(html.str(), "<circle "), 11);  // the sweep: every budget fits (all-CPU does)
  EXPECT_EQ(html.str().find("<script"), std::string::npos);
}

}  // namespace
}  // namespace tandem::tools
