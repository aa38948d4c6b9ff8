// partition-tool's report: the text has every section the issue asks for, memory as explicit
// sums, and the JSON carries the documented fields.
#include "tools/partition_tool/partition_report.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"

#include "tests/null/test_util.h"
#include "tests/partitioner/partitioner_test_util.h"

namespace tandem::tools {
namespace {

using partitioner::testing::GraphBuilder;
using ::testing::HasSubstr;
namespace pt = partitioner;

constexpr int64_t kMiB = int64_t{1} << 20;

struct Fixture {
  std::unique_ptr<ir::Graph> graph;
  PartitionReport report;
};

// x → mm1 (1 MiB) → custom (GPU refuses) → mm2 (1 MiB) → y, 1.5 MiB of GPU.
Fixture Make() {
  GraphBuilder b;
  auto h = b.Node("MatMul", "mm1", {b.Input("x", {1, 512}), b.Weight("w1", {512, 512})}, {1, 512});
  h = b.Node("Custom", "custom", {h}, {1, 512});
  b.Output(b.Node("MatMul", "mm2", {h, b.Weight("w2", {512, 512})}, {1, 512}));
  Fixture f;
  f.graph = b.Build();
  static auto* cpu = new pt::FunctionCapability(
      [](const ir::Graph&, const ir::Node&) { return std::string(); });
  static auto* gpu = new pt::FunctionCapability([](const ir::Graph&, const ir::Node& n) {
    return n.op_type == "Custom" ? std::string("no GPU kernel for Custom") : std::string();
  });
  static auto* cost = [] {
    auto* c = new pt::TableCostModel;
    c->by_op["MatMul"] = {10, 1};
    c->by_op["Custom"] = {1, 0.1};
    c->transfer_latency_ms = 0.01;
    c->transfer_ms_per_byte = 1e-6;
    return c;
  }();
  pt::PartitionOptions options;
  options.cpu_budget_bytes = 64 * kMiB;
  options.gpu_budget_bytes = 3 * kMiB / 2;
  options.allow_streaming = false;
  auto p = pt::Partitioner::Create(*f.graph, {cpu, gpu}, *cost, options);
  f.report.command = "partition-tool m.onnx --gpu-mem 1.5MiB";
  f.report.model_path = "m.onnx";
  f.report.num_nodes = 3;
  f.report.weight_bytes = pt::ModelWeightBytes(*f.graph);
  f.report.profile = *pt::BuiltinProfile("laptop-6gb");
  f.report.gpu_budget_source = "--gpu-mem 1.5MiB";
  f.report.cpu_budget_source = "profile";
  f.report.plan = *p->RunOptimal(&f.report.stats);
  f.report.baselines = p->ComputeBaselines();
  f.report.notes = p->Explain(f.report.plan);
  f.report.sweep = SweepBudgets(*p, options.cpu_budget_bytes, f.report.weight_bytes);
  return f;
}

TEST(PartitionReport, TextHasEverySection) {
  Fixture f = Make();
  std::string text = RenderReportText(*f.graph, f.report);
  EXPECT_THAT(text, HasSubstr("$ partition-tool m.onnx --gpu-mem 1.5MiB\n"));
  EXPECT_THAT(text, HasSubstr("segments (execution order)"));
  EXPECT_THAT(text, HasSubstr("memory per device"));
  EXPECT_THAT(text, HasSubstr("transfers: "));
  EXPECT_THAT(text, HasSubstr("baselines all-cpu 21.000 ms"));
  EXPECT_THAT(text, HasSubstr("all-gpu does not fit"));
  EXPECT_THAT(text, HasSubstr("nodes not on their preferred device"));
  EXPECT_THAT(text, HasSubstr("gpu cannot run it: no GPU kernel for Custom"));
  EXPECT_THAT(text, HasSubstr("sweep: optimal plan by GPU budget"));
  EXPECT_THAT(text, HasSubstr("\nverdict: fits; "));
  EXPECT_THAT(text, HasSubstr("1 node(s) cannot run on their preferred device"));
  EXPECT_EQ(CountRefused(f.report), 1);
  // Memory rows are explicit sums: weights + activations + workspace + staging = total <= budget.
  const pt::DeviceMemory* gpu = f.report.plan.Memory(pt::DeviceKind::kGpu);
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->weight_bytes, kMiB);  // one of the two matmuls fits
  EXPECT_THAT(text, HasSubstr("gpu     1.00  +"));
  EXPECT_THAT(text, HasSubstr("<=    1.50  ok"));
}

TEST(PartitionReport, JsonHasTheDocumentedFields) {
  Fixture f = Make();
  nlohmann::ordered_json j = RenderReportJson(*f.graph, f.report);
  for (const char* key : {"model", "strategy", "predicted_ms", "devices", "nodes", "transfers",
                          "baselines", "sweep"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  ASSERT_EQ(j["devices"].size(), 2u);
  for (const auto& d : j["devices"]) {
    for (const char* key : {"name", "kind", "budget_bytes", "peak_bytes", "weight_bytes",
                            "activation_bytes", "workspace_bytes"}) {
      EXPECT_TRUE(d.contains(key)) << key;
    }
  }
  ASSERT_EQ(j["nodes"].size(), 3u);
  for (const auto& n : j["nodes"]) {
    for (const char* key : {"name", "op", "device", "predicted_ms", "reason"}) {
      EXPECT_TRUE(n.contains(key)) << key;
    }
  }
  EXPECT_EQ(j["nodes"][1]["device"], "cpu");
  EXPECT_EQ(j["nodes"][1]["reason"], "gpu cannot run it: no GPU kernel for Custom");
  for (const auto& t : j["transfers"]) {
    for (const char* key : {"value", "from", "to", "bytes", "predicted_ms"}) {
      EXPECT_TRUE(t.contains(key)) << key;
    }
  }
  EXPECT_EQ(j["baselines"]["all_cpu_ms"], 21.0);
  EXPECT_TRUE(j["baselines"]["all_gpu_ms"].is_null());
  EXPECT_TRUE(j["baselines"].contains("greedy_ms"));
  EXPECT_EQ(j["sweep"].size(), 11u);
}

}  // namespace
}  // namespace tandem::tools

// ---- dot and html

namespace tandem::tools {
namespace {

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(PartitionReport, DotColoursNodesByDeviceAndMarksCopies) {
  Fixture f = Make();
  const std::string dot = RenderReportDot(*f.graph, f.report);
  EXPECT_EQ(dot.rfind("digraph plan {\n", 0), 0u);
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
  // One cluster per segment, in the segment's device colour.
  ASSERT_EQ(Count(dot, "subgraph cluster_s"), static_cast<int>(f.report.plan.segments.size()));
  EXPECT_EQ(f.report.plan.segments.size(), 2u);  // one matmul on the GPU, the rest on the CPU
  // Every node is filled by its placement: cpu blue, gpu green.
  for (const auto& s : f.report.plan.segments) {
    for (const auto& n : s.nodes) {
      const char* fill = n.placement == pt::Placement::kCpu ? "#cfe2f3" : "#d9ead3";
      EXPECT_THAT(dot, HasSubstr(absl::StrCat("n", n.node.value, " [label=\"",
                                              f.graph->node(n.node).name, "\\n",
                                              f.graph->node(n.node).op_type, ", ",
                                              pt::PlacementName(n.placement))))
          << dot;
      EXPECT_THAT(dot, HasSubstr(absl::StrCat("fillcolor=\"", fill, "\"")));
    }
  }
  // The refused Custom node (it prefers the GPU) has the red double border.
  EXPECT_THAT(dot, HasSubstr("tooltip=\"gpu cannot run it: no GPU kernel for Custom\", "
                             "color=\"#cc0000\", peripheries=2"));
  // Each activation copy is one red edge labelled with its name, bytes and time.
  int copies = 0;
  for (const pt::Transfer& t : f.report.plan.transfers) {
    if (t.streamed_weight) continue;
    ++copies;
    EXPECT_THAT(dot, HasSubstr(absl::StrCat("[label=\"", t.name, "\\n2.0 KiB, ")));
  }
  EXPECT_EQ(copies, 2);
  EXPECT_EQ(Count(dot, "penwidth=2.5"), copies);
  // Graph input and output terminals and the edges to them.
  EXPECT_THAT(dot, HasSubstr("[label=\"input x\", shape=ellipse"));
  EXPECT_THAT(dot, HasSubstr("[label=\"output mm2_out\", shape=ellipse"));
  EXPECT_THAT(dot, HasSubstr(" -> out"));
}

// A small XML well-formedness check: every tag closes in order, attributes are quoted, text has
// no bare '<' or '&'. Enough to catch broken markup in the generated page.
std::string CheckWellFormed(const std::string& html) {
  std::vector<std::string> open;
  size_t i = html.find("<html");
  if (html.rfind("<!DOCTYPE html>", 0) != 0 || i == std::string::npos) return "no doctype/html";
  while (i < html.size()) {
    if (html[i] == '&') {
      size_t semi = html.find(';', i);
      if (semi == std::string::npos || semi - i > 6) return "bare & at " + std::to_string(i);
      i = semi + 1;
      continue;
    }
    if (html[i] != '<') {
      ++i;
      continue;
    }
    size_t end = i + 1;
    char quote = 0;
    while (end < html.size() && (quote || html[end] != '>')) {
      if (html[end] == '<' && !quote) return "'<' inside a tag at " + std::to_string(i);
      if (html[end] == '"' || html[end] == '\'') quote = quote == html[end] ? 0 : quote ? quote : html[end];
      ++end;
    }
    if (end >= html.size()) return "unterminated tag at " + std::to_string(i);
    std::string tag = html.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1)) return "mismatched </" + tag.substr(1) + ">";
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

TEST(PartitionReport, HtmlIsOneWellFormedSelfContainedPage) {
  Fixture f = Make();
  const std::string html = RenderReportHtml(*f.graph, f.report);
  EXPECT_EQ(CheckWellFormed(html), "");
  for (const char* external : {"<script", "http:", "https:", "src=", "href=", "@import"}) {
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  }
  EXPECT_EQ(Count(html, "<svg"), 3);  // graph, memory bars, sweep curve
  EXPECT_THAT(html, HasSubstr("<pre>$ partition-tool m.onnx --gpu-mem 1.5MiB</pre>"));
  EXPECT_THAT(html, HasSubstr("<p class=\"verdict\">verdict: fits; 1 of 3 nodes on the gpu"));
  // The graph: a box per node filled by placement, copies as red dashed edges with titles.
  EXPECT_EQ(Count(html, "<g class=\"node cpu\">"), 2);
  EXPECT_EQ(Count(html, "<g class=\"node gpu\">"), 1);
  EXPECT_EQ(Count(html, "<path class=\"copy\""), 2);
  EXPECT_THAT(html, HasSubstr("fill=\"#d9ead3\""));
  // Memory bars: the budget line and the labelled parts.
  EXPECT_THAT(html, HasSubstr(">budget 1.50 MiB</text>"));
  EXPECT_THAT(html, HasSubstr("<title>weights 1.00 MiB</title>"));
  EXPECT_THAT(html, HasSubstr("workspace 0.00 MiB (estimate: profile)"));
  // The node table carries the reasons.
  EXPECT_THAT(html, HasSubstr("<td>gpu cannot run it: no GPU kernel for Custom</td>"));
}

TEST(PartitionReport, HtmlCurveHasOnePointPerFittingSweepRow) {
  Fixture f = Make();
  const std::string html = RenderReportHtml(*f.graph, f.report);
  // The curve's geometry: x = 64 + 426 · percent / 100, y = 20 + 256 · (1 - ms / (1.1 · max)).
  double y_max = 0;
  for (const SweepRow& s : f.report.sweep) y_max = std::max(y_max, s.predicted_ms.value_or(0));
  y_max = std::max(y_max, f.report.baselines.all_cpu_ms.value_or(0)) * 1.1;
  std::string points;
  int fitting = 0;
  for (const SweepRow& s : f.report.sweep) {
    if (!s.predicted_ms) continue;
    ++fitting;
    char point[64];
    std::snprintf(point, sizeof(point), "%.1f,%.1f", 64 + 426.0 * s.percent / 100,
                  20 + 256 * (1 - *s.predicted_ms / y_max));
    absl::StrAppend(&points, points.empty() ? "" : " ", point);
    char title[96];
    std::snprintf(title, sizeof(title), "<title>%d%% of the weights (", s.percent);
    EXPECT_THAT(html, HasSubstr(title));
  }
  EXPECT_EQ(fitting, 11);  // all-CPU fits at every GPU budget
  EXPECT_THAT(html, HasSubstr("<polyline points=\"" + points + "\""));
  EXPECT_EQ(Count(html, "<circle "), fitting);
  EXPECT_THAT(html, HasSubstr(">all-cpu 21.000 ms</text>"));
  // 0%: everything on the CPU, 21 ms.
  EXPECT_THAT(html, HasSubstr("<title>0% of the weights (0.00 MiB): 21.000 ms, 0 gpu nodes"));
}

}  // namespace
}  // namespace tandem::tools
