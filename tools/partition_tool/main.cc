// partition-tool summary MODEL.onnx [--format text|json] [--print-graph]
// partition-tool MODEL.onnx
//
// Imports an ONNX model and describes it (tools/partition_tool/model_summary.h). Partitioning
// arrives with the partitioner (issue 5); until then the bare form prints the summary and says
// that no plan is made. Exit status: 0 on success, 1 when the model does not import (the
// importer's message is printed), 2 for a usage error.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "importer/onnx_importer.h"
#include "ir/graph_printer.h"
#include "tools/partition_tool/model_summary.h"

ABSL_FLAG(std::string, format, "text", "output format: text | json");
ABSL_FLAG(bool, print_graph, false,
          "append the imported graph as text (in JSON: the field \"graph_text\")");

namespace {

constexpr char kUsage[] =
    "partition-tool summary MODEL.onnx [--format text|json] [--print-graph]\n"
    "partition-tool MODEL.onnx   (summary; partitioning arrives with the partitioner, issue 5)";
constexpr char kNoPartitioner[] =
    "partitioning: not available yet; it arrives with the partitioner (issue 5). "
    "Only the import and summary above were done.";

int Summary(const std::string& path, bool say_no_partitioner) {
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format != "text" && format != "json") {
    std::cerr << "partition-tool: unknown --format '" << format << "' (text | json)\n";
    return 2;
  }
  auto model = tandem::importer::ImportModel(path);
  if (!model.ok()) {
    std::cerr << "partition-tool: " << model.status().message() << "\n";
    return 1;
  }
  tandem::tools::ModelSummary summary = tandem::tools::Summarize(*model);
  const bool print_graph = absl::GetFlag(FLAGS_print_graph);
  if (format == "json") {
    auto json = tandem::tools::ToJson(summary);
    if (print_graph) json["graph_text"] = tandem::ir::PrintGraph(*model->graph);
    std::cout << json.dump(2) << "\n";
    // stdout stays valid JSON; the notice goes to stderr.
    if (say_no_partitioner) std::cerr << kNoPartitioner << "\n";
    return 0;
  }
  std::cout << tandem::tools::RenderText(summary);
  if (print_graph) std::cout << "\n" << tandem::ir::PrintGraph(*model->graph);
  if (say_no_partitioner) std::cout << "\n" << kNoPartitioner << "\n";
  return 0;
}

// Abseil spells flags with underscores; accept the dashed spelling (--print-graph) too.
std::vector<std::string> DashesToUnderscores(int argc, char** argv) {
  std::vector<std::string> out(argv, argv + argc);
  for (size_t i = 1; i < out.size(); ++i) {
    std::string& a = out[i];
    if (a == "--") break;
    if (a.size() < 3 || a.compare(0, 2, "--") != 0) continue;
    size_t end = std::min(a.find('='), a.size());
    for (size_t c = 2; c < end; ++c) {
      if (a[c] == '-') a[c] = '_';
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<std::string> normalized = DashesToUnderscores(argc, argv);
  std::vector<char*> argv_normalized;
  for (std::string& a : normalized) argv_normalized.push_back(a.data());
  std::vector<char*> args = absl::ParseCommandLine(argc, argv_normalized.data());
  std::vector<std::string> positional(args.begin() + 1, args.end());
  if (!positional.empty() && positional[0] == "summary") {
    if (positional.size() != 2) {
      std::cerr << "partition-tool: summary takes one MODEL.onnx\nusage:\n" << kUsage << "\n";
      return 2;
    }
    return Summary(positional[1], /*say_no_partitioner=*/false);
  }
  if (positional.size() == 1) return Summary(positional[0], /*say_no_partitioner=*/true);
  if (positional.empty()) {
    std::cerr << "usage:\n" << kUsage << "\n";
  } else {
    std::cerr << "partition-tool: unknown subcommand '" << positional[0]
              << "' (only 'summary' exists so far)\nusage:\n"
              << kUsage << "\n";
  }
  return 2;
}
