#include "tools/partition_tool/calibrate.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/float16.h"
#include "common/status_macros.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/device_registry.h"
#include "ir/passes/extract_segment.h"

namespace tandem::tools {
namespace {

using ir::DType;

// Seeded values in [-1, 1) for floats and 0..9 for integers (valid indices for small tables).
absl::StatusOr<ir::Tensor> RandomInput(const ir::Value& v, std::mt19937& rng) {
  auto sizes = v.info.shape.static_sizes();
  if (!sizes) {
    return absl::FailedPreconditionError(
        absl::StrCat("input '", v.name, "' (", v.info.ToString(), ") has no static shape"));
  }
  std::vector<int64_t> dims(sizes->begin(), sizes->end());
  const int64_t n = ir::CheckedNumElements(dims).value_or(0);
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::uniform_int_distribution<int> small(0, 9);
  switch (v.info.dtype) {
    case DType::kFloat32: {
      std::vector<float> x(n);
      for (float& f : x) f = real(rng);
      return ir::Tensor::FromValues(DType::kFloat32, dims, x);
    }
    case DType::kFloat16: {
      std::vector<uint16_t> x(n);
      for (auto& h : x) h = FloatToHalfBits(real(rng));
      return ir::Tensor::FromValues(DType::kFloat16, dims, x);
    }
    case DType::kInt64: {
      std::vector<int64_t> x(n);
      for (auto& i : x) i = small(rng);
      return ir::Tensor::FromValues(DType::kInt64, dims, x);
    }
    case DType::kInt32: {
      std::vector<int32_t> x(n);
      for (auto& i : x) i = small(rng);
      return ir::Tensor::FromValues(DType::kInt32, dims, x);
    }
    default: {
      std::vector<uint8_t> x(n * ir::DTypeSize(v.info.dtype));
      for (auto& b : x) b = small(rng) & 1;
      return ir::Tensor::FromValues(v.info.dtype, dims, x);
    }
  }
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// Times the nodes the GPU executor runs on GPU `gpu` and fills t.gpu and each such node's
// gpu_ms. They are cut out as one graph (ir::ExtractSegment) whose inputs, graph inputs or values
// of nodes the GPU does not run, get seeded random values like the CPU's; the per-node times
// come from CUDA events around each node's kernels (CudaExecutor::RunProfiled). On failure
// t.gpu.note says why, and the GPU keeps the roofline's times.
void CalibrateGpu(const ir::Graph& graph, const executors::DeviceInfo& gpu, const CalibrateOptions& options,
                  partitioner::CostTable& t) {
  std::vector<ir::NodeId> nodes;
  auto order = graph.TopologicalOrder();
  if (!order.ok()) {
    t.gpu.note = std::string(order.status().message());
    return;
  }
  for (ir::NodeId id : *order) {
    if (executors::GpuUnsupportedReason(graph, graph.node(id)).empty()) nodes.push_back(id);
  }
  if (nodes.empty()) {
    t.gpu.note = absl::StrCat(gpu.name, " runs none of the nodes; GPU times are the roofline's");
    return;
  }
  auto fail = [&](const absl::Status& s) {
    t.gpu.note = absl::StrCat(gpu.name, " not measured: ", s.message(), "; GPU times are the roofline's");
  };
  auto segment = ir::ExtractSegment(graph, nodes);
  if (!segment.ok()) return fail(segment.status());
  const ir::Graph& g = *segment->graph;
  executors::GpuRunnerOptions runner_options;
  runner_options.device = gpu.ordinal;
  auto runner = executors::CreateGpuRunner(g, runner_options);
  if (!runner.ok()) return fail(runner.status());
  std::mt19937 rng(options.seed + 1);
  std::vector<ir::Tensor> inputs;
  for (ir::ValueId id : g.inputs()) {
    auto input = RandomInput(g.value(id), rng);
    if (!input.ok()) return fail(input.status());
    inputs.push_back(*std::move(input));
  }
  for (int w = 0; w < std::max(1, options.warmup); ++w) {  // cuDNN and cuBLASLt load on first use
    if (auto r = (*runner)->Run(inputs); !r.ok()) return fail(r.status());
  }
  const int runs = std::max(1, options.runs);
  std::vector<std::vector<double>> per_node(nodes.size());
  std::vector<double> whole, node_ms;
  for (int r = 0; r < runs; ++r) {
    if (auto out = (*runner)->RunProfiled(inputs, &node_ms); !out.ok()) return fail(out.status());
    double sum = 0;
    for (size_t i = 0; i < nodes.size(); ++i) {
      per_node[i].push_back(node_ms[i]);  // segment node i is nodes[i]
      sum += node_ms[i];
    }
    whole.push_back(sum);
  }
  t.gpu.measured = true;
  t.gpu.name = gpu.name;
  t.gpu.runs = runs;
  t.gpu.warmup = std::max(1, options.warmup);
  t.gpu.run_ms = Median(whole);
  t.gpu.note = absl::StrCat("GPU executor (cuDNN, cuBLASLt and tandem's kernels), CUDA events per node; ",
                            nodes.size(), " of ", graph.num_nodes(), " nodes run there");
  for (size_t i = 0; i < nodes.size(); ++i) t.nodes[nodes[i].value].gpu_ms = Median(per_node[i]);
}

}  // namespace

absl::StatusOr<partitioner::CostTable> Calibrate(const ir::Graph& graph,
                                                 const std::string& model_path,
                                                 const CalibrateOptions& options) {
  executors::CpuExecutorOptions exec_options;
  exec_options.threads = std::max(1, options.threads);
  TANDEM_ASSIGN_OR_RETURN(auto executor, executors::CpuExecutor::Create(graph, exec_options));
  if (executor->interpreted()) {
    return absl::FailedPreconditionError(
        "this model runs in the CPU executor's interpreter (dynamic shapes or control flow), "
        "whose nodes cannot be timed one by one");
  }
  std::mt19937 rng(options.seed);
  std::vector<ir::Tensor> inputs;
  for (ir::ValueId id : graph.inputs()) {
    TANDEM_ASSIGN_OR_RETURN(ir::Tensor t, RandomInput(graph.value(id), rng));
    inputs.push_back(std::move(t));
  }
  for (int w = 0; w < options.warmup; ++w) TANDEM_RETURN_IF_ERROR(executor->Run(inputs).status());
  const int runs = std::max(1, options.runs);
  std::vector<std::vector<double>> per_node(graph.num_nodes());
  std::vector<double> whole, node_ms;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    TANDEM_RETURN_IF_ERROR(executor->RunProfiled(inputs, &node_ms).status());
    whole.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    for (int id = 0; id < graph.num_nodes(); ++id) per_node[id].push_back(node_ms[id]);
  }
  std::vector<std::string> notes;
  std::vector<executors::DeviceInfo> devices = executors::ListDevices(&notes);
  partitioner::CostTable t;
  t.model = model_path;
  t.nodes_in_model = graph.num_nodes();
  t.cpu.measured = true;
  t.cpu.name = devices.empty() ? "cpu" : devices.front().name;
  t.cpu.threads = exec_options.threads;
  t.cpu.runs = runs;
  t.cpu.warmup = options.warmup;
  t.cpu.run_ms = Median(whole);
  t.cpu.note = "CPU executor (XNNPACK and tandem's kernels), per-node wall time";
  for (int id = 0; id < graph.num_nodes(); ++id) {
    const ir::Node& node = graph.node(ir::NodeId(id));
    partitioner::CostTableNode n;
    n.id = id;
    n.name = node.name;
    n.op = node.op_type;
    n.cpu_ms = Median(per_node[id]);
    t.nodes.push_back(std::move(n));
  }
  t.gpu.note = absl::StrCat("no GPU to measure (", absl::StrJoin(notes, "; "), "); GPU times are the roofline's");
  for (const executors::DeviceInfo& d : devices) {
    if (d.kind != "cuda") continue;
    CalibrateGpu(graph, d, options, t);
    break;
  }
  return t;
}

}  // namespace tandem::tools
