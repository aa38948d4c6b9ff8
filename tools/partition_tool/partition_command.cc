#include "tools/partition_tool/partition_command.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "importer/onnx_importer.h"
#include "partitioner/capability.h"
#include "partitioner/cost_model.h"
#include "partitioner/partitioner.h"
#include "tools/partition_tool/partition_report.h"

namespace tandem::tools {
namespace {

namespace pt = partitioner;

// Applies --gpu-mem / --cpu-mem to `options`; returns "" or a usage error.
std::string ApplyBudgets(const PartitionArgs& args, int64_t weight_bytes,
                         pt::PartitionOptions* options, PartitionReport* report) {
  report->gpu_budget_source = "profile";
  report->cpu_budget_source = "profile";
  struct Flag {
    const std::string& text;
    const char* name;
    int64_t* budget;
    std::string* source;
  } flags[] = {{args.gpu_mem, "--gpu-mem", &options->gpu_budget_bytes, &report->gpu_budget_source},
               {args.cpu_mem, "--cpu-mem", &options->cpu_budget_bytes, &report->cpu_budget_source}};
  for (const Flag& f : flags) {
    if (f.text.empty()) continue;
    auto bytes = pt::ParseSize(f.text, weight_bytes);
    if (!bytes.ok()) return absl::StrCat(f.name, ": ", bytes.status().message());
    *f.budget = *bytes;
    *f.source = absl::StrCat(f.name, " ", f.text,
                             f.text.back() == '%' ? " of the weights" : "");
  }
  return "";
}

int Write(const PartitionArgs& args, const std::string& text, std::ostream& out,
          std::ostream& err) {
  if (args.out_path.empty()) {
    out << text;
    return kExitOk;
  }
  std::ofstream file(args.out_path);
  file << text;
  if (!file) {
    err << "partition-tool: cannot write " << args.out_path << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

int RunPartition(const PartitionArgs& args, std::ostream& out, std::ostream& err) {
  if (args.format == "dot" || args.format == "html") {
    err << "partition-tool: --format " << args.format
        << " is not implemented yet (text | json | plan)\n";
    return kExitUsage;
  }
  if (args.format != "text" && args.format != "json" && args.format != "plan") {
    err << "partition-tool: unknown --format '" << args.format << "' (text | json | plan)\n";
    return kExitUsage;
  }
  auto strategy = pt::ParseStrategy(args.strategy);
  if (!strategy) {
    err << "partition-tool: unknown --strategy '" << args.strategy
        << "' (optimal | greedy | gpu | cpu)\n";
    return kExitUsage;
  }
  auto profile = pt::LoadProfile(args.profile);
  if (!profile.ok()) {
    err << "partition-tool: " << profile.status().message() << "\n";
    return kExitUsage;
  }
  auto model = importer::ImportModel(args.model_path);
  if (!model.ok()) {
    err << "partition-tool: " << model.status().message() << "\n";
    return kExitFailed;
  }
  const ir::Graph& graph = *model->graph;
  PartitionReport report;
  report.command = args.command_line;
  report.model_path = args.model_path;
  report.num_nodes = graph.num_nodes();
  report.weight_bytes = pt::ModelWeightBytes(graph);
  report.profile = *profile;
  pt::PartitionOptions options = pt::OptionsForProfile(*profile);
  std::string usage = ApplyBudgets(args, report.weight_bytes, &options, &report);
  if (!usage.empty()) {
    err << "partition-tool: " << usage << "\n";
    return kExitUsage;
  }
  pt::CpuCapability cpu;
  pt::PlannedGpuCapability gpu;
  pt::RooflineCostModel cost(*profile);
  pt::DeviceSet devices{&cpu, profile->gpu ? &gpu : nullptr};
  auto partitioner = pt::Partitioner::Create(graph, devices, cost, options);
  if (!partitioner.ok()) {
    err << "partition-tool: " << partitioner.status().message() << "\n";
    return kExitFailed;
  }
  auto plan = *strategy == pt::Strategy::kOptimal ? partitioner->RunOptimal(&report.stats)
                                                  : partitioner->Run(*strategy);
  if (!plan.ok()) {
    err << "partition-tool: " << plan.status().message() << "\n";
    return kExitFailed;
  }
  report.plan = *std::move(plan);
  report.baselines = partitioner->ComputeBaselines();
  report.notes = partitioner->Explain(report.plan);
  if (args.sweep) {
    report.sweep = SweepBudgets(*partitioner, options.cpu_budget_bytes, report.weight_bytes);
  }
  std::string text = args.format == "json"   ? RenderReportJson(graph, report).dump(2) + "\n"
                     : args.format == "plan" ? pt::PrintPlan(graph, report.plan)
                                             : RenderReportText(graph, report);
  int status = Write(args, text, out, err);
  if (status != kExitOk) return status;
  if (args.strict && CountRefused(report) > 0) {
    err << "partition-tool: --strict: " << CountRefused(report)
        << " node(s) cannot run on their preferred device\n";
    return kExitStrict;
  }
  return kExitOk;
}

}  // namespace tandem::tools
