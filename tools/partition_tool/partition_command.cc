#include "tools/partition_tool/partition_command.h"

#include <fstream>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "importer/onnx_importer.h"
#include "partitioner/capability.h"
#include "partitioner/cost_model.h"
#include "partitioner/cost_table.h"
#include "partitioner/partitioner.h"
#include "tools/partition_tool/calibrate.h"
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

// (node, input) pairs that `gpu` reads in host memory.
std::set<std::pair<int, int>> HostOperands(const ir::Graph& graph, const pt::Capability& gpu) {
  std::set<std::pair<int, int>> operands;
  for (int id = 0; id < graph.num_nodes(); ++id) {
    const ir::Node& node = graph.node(ir::NodeId(id));
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i].valid() && gpu.InputOnHost(graph, node, static_cast<int>(i))) {
        operands.insert({id, static_cast<int>(i)});
      }
    }
  }
  return operands;
}

// --calibrate (measure now, save to --cost-table when given) or --cost-table (load), with the
// roofline's CPU estimate of every node for the report's comparison.
absl::StatusOr<Calibration> MeasureOrLoad(const PartitionArgs& args, const ir::Graph& graph,
                                          const pt::CostModel& roofline, std::ostream& err) {
  Calibration c;
  if (args.calibrate) {
    CalibrateOptions options;
    options.threads = args.threads;
    options.runs = args.calibrate_runs;
    auto table = Calibrate(graph, args.model_path, options);
    if (!table.ok()) return table.status();
    c.table = *std::move(table);
    c.source = "measured by this run";
    if (!args.cost_table.empty()) {
      absl::Status saved = pt::SaveCostTable(c.table, args.cost_table);
      if (!saved.ok()) return saved;
      c.saved_to = args.cost_table;
    } else {
      err << "partition-tool: the measured times are not saved; add --cost-table FILE to keep "
             "them\n";
    }
  } else {
    auto table = pt::LoadCostTable(args.cost_table);
    if (!table.ok()) return table.status();
    c.table = *std::move(table);
    c.source = "cost table " + args.cost_table;
  }
  c.roofline_cpu_ms.resize(graph.num_nodes());
  for (int id = 0; id < graph.num_nodes(); ++id) {
    c.roofline_cpu_ms[id] = roofline.NodeTime(graph, graph.node(ir::NodeId(id)), pt::DeviceKind::kCpu);
  }
  if (c.table.gpu.measured) {
    c.roofline_gpu_ms.resize(graph.num_nodes());
    for (int id = 0; id < graph.num_nodes(); ++id) {
      c.roofline_gpu_ms[id] = roofline.NodeTime(graph, graph.node(ir::NodeId(id)), pt::DeviceKind::kGpu);
    }
  }
  return c;
}

}  // namespace

int RunPartition(const PartitionArgs& args, std::ostream& out, std::ostream& err) {
  if (args.format != "text" && args.format != "json" && args.format != "plan" &&
      args.format != "dot" && args.format != "html") {
    err << "partition-tool: unknown --format '" << args.format
        << "' (text | json | plan | dot | html)\n";
    return kExitUsage;
  }
  if (args.threads < 1 || args.calibrate_runs < 1) {
    err << "partition-tool: --threads and --calibrate-runs must be at least 1\n";
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
  pt::GpuCapability gpu;
  pt::RooflineCostModel roofline(*profile);
  pt::DeviceSet devices{&cpu, profile->gpu ? &gpu : nullptr};
  if (devices.gpu) report.host_operands = HostOperands(graph, gpu);
  std::optional<pt::TableCostModel> measured;
  if (args.calibrate || !args.cost_table.empty()) {
    auto calibration = MeasureOrLoad(args, graph, roofline, err);
    if (!calibration.ok()) {
      err << "partition-tool: " << calibration.status().message() << "\n";
      return kExitFailed;
    }
    auto model = pt::MeasuredCostModel(graph, calibration->table, roofline);
    if (!model.ok()) {
      err << "partition-tool: " << (args.cost_table.empty() ? "" : args.cost_table + ": ")
          << model.status().message() << "\n";
      return kExitFailed;
    }
    measured = *std::move(model);
    report.calibration = *std::move(calibration);
  }
  const pt::CostModel& cost = measured ? static_cast<const pt::CostModel&>(*measured) : roofline;
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
  if (args.sweep || args.format == "html") {
    report.sweep = SweepBudgets(*partitioner, options.cpu_budget_bytes, report.weight_bytes);
  }
  std::string text = args.format == "json"   ? RenderReportJson(graph, report).dump(2) + "\n"
                     : args.format == "plan" ? pt::PrintPlan(graph, report.plan)
                     : args.format == "dot"  ? RenderReportDot(graph, report)
                     : args.format == "html" ? RenderReportHtml(graph, report)
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
