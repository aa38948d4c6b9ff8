// partition-tool MODEL.onnx [--profile NAME|FILE] [--gpu-mem SIZE] [--cpu-mem SIZE]
//                [--strategy optimal|greedy|gpu|cpu] [--format text|json|plan|dot|html]
//                [--out FILE] [--sweep] [--strict]
//                [--calibrate [--threads N] [--calibrate-runs K]] [--cost-table FILE]
// partition-tool summary MODEL.onnx [--format text|json] [--print-graph]
//
// The first form partitions the model for a machine profile and reports the plan
// (tools/partition_tool/partition_command.h); the second describes the model
// (tools/partition_tool/model_summary.h). Exit status: 0 on success, 1 when the model does not
// import or no placement fits, 2 for a usage error, 3 when --strict finds a node that cannot run
// on its preferred device.
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
#include "tools/partition_tool/partition_command.h"

ABSL_FLAG(std::string, format, "text",
          "output format: text | json (| plan | dot | html when partitioning)");
ABSL_FLAG(std::string, profile, "laptop-6gb",
          "machine profile: laptop-6gb | desktop-24gb | h100 | cpu-only, or a JSON file");
ABSL_FLAG(std::string, gpu_mem, "", "GPU budget: 6GiB, 512MiB, 1.5GB, or 25% of the weights");
ABSL_FLAG(std::string, cpu_mem, "", "host budget, same forms as --gpu-mem");
ABSL_FLAG(std::string, strategy, "optimal", "optimal | greedy | gpu | cpu");
ABSL_FLAG(std::string, out, "", "write the report to this file instead of stdout");
ABSL_FLAG(bool, sweep, false, "add predicted latency for GPU budgets of 0..100% of the weights");
ABSL_FLAG(bool, strict, false, "exit 3 when a node cannot run on its preferred device");
ABSL_FLAG(bool, calibrate, false,
          "measure every node on this machine's CPU (and GPU, when tandem can run one) and plan "
          "with the measured times; saved to --cost-table FILE when given");
ABSL_FLAG(std::string, cost_table, "",
          "a cost table written by --calibrate: plan with its measured times (with --calibrate: "
          "where to write it)");
ABSL_FLAG(int, threads, 1, "CPU executor threads for --calibrate");
ABSL_FLAG(int, calibrate_runs, 10, "timed runs for --calibrate (each node: the median)");
ABSL_FLAG(bool, print_graph, false,
          "append the imported graph as text (in JSON: the field \"graph_text\")");

namespace {

constexpr char kUsage[] =
    "partition-tool MODEL.onnx [--profile NAME|FILE] [--gpu-mem SIZE] [--cpu-mem SIZE]\n"
    "               [--strategy optimal|greedy|gpu|cpu] [--format text|json|plan|dot|html]\n"
    "               [--out FILE] [--sweep] [--strict]\n"
    "               [--calibrate [--threads N] [--calibrate-runs K]] [--cost-table FILE]\n"
    "partition-tool summary MODEL.onnx [--format text|json] [--print-graph]";

int Summary(const std::string& path) {
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
    return 0;
  }
  std::cout << tandem::tools::RenderText(summary);
  if (print_graph) std::cout << "\n" << tandem::ir::PrintGraph(*model->graph);
  return 0;
}

std::string CommandLine(int argc, char** argv) {
  std::string line = "partition-tool";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool quote = a.empty() || a.find_first_of(" \t'\"") != std::string::npos;
    line += " " + (quote ? "'" + a + "'" : a);
  }
  return line;
}

int Partition(const std::string& path, int argc, char** argv) {
  tandem::tools::PartitionArgs args;
  args.command_line = CommandLine(argc, argv);
  args.model_path = path;
  args.profile = absl::GetFlag(FLAGS_profile);
  args.gpu_mem = absl::GetFlag(FLAGS_gpu_mem);
  args.cpu_mem = absl::GetFlag(FLAGS_cpu_mem);
  args.strategy = absl::GetFlag(FLAGS_strategy);
  args.format = absl::GetFlag(FLAGS_format);
  args.out_path = absl::GetFlag(FLAGS_out);
  args.sweep = absl::GetFlag(FLAGS_sweep);
  args.strict = absl::GetFlag(FLAGS_strict);
  args.calibrate = absl::GetFlag(FLAGS_calibrate);
  args.cost_table = absl::GetFlag(FLAGS_cost_table);
  args.threads = absl::GetFlag(FLAGS_threads);
  args.calibrate_runs = absl::GetFlag(FLAGS_calibrate_runs);
  return tandem::tools::RunPartition(args, std::cout, std::cerr);
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
    return Summary(positional[1]);
  }
  if (positional.size() == 1) return Partition(positional[0], argc, argv);
  if (positional.empty()) {
    std::cerr << "usage:\n" << kUsage << "\n";
  } else {
    std::cerr << "partition-tool: expected one MODEL.onnx (or 'summary MODEL.onnx'), got "
              << positional.size() << " arguments\nusage:\n"
              << kUsage << "\n";
  }
  return 2;
}
