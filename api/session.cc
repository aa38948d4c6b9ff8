#include "tandem/session.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/session_internal.h"
#include "common/status_macros.h"
#include "executors/cpu_device.h"
#include "executors/device_capability.h"
#include "executors/device_registry.h"
#include "executors/runtime.h"
#include "importer/node_inference.h"
#include "importer/onnx_importer.h"
#include "partitioner/partitioner.h"

namespace tandem {

namespace pt = partitioner;

struct Session::Impl {
  ir::Model model;
  std::vector<TensorSpec> inputs, outputs;
  pt::Plan plan;
  std::string plan_text;
  std::vector<std::string> warnings;
  std::unique_ptr<executors::CpuDevice> cpu;
  std::unique_ptr<executors::Device> gpu;
  std::unique_ptr<executors::Runtime> runtime;
};

namespace {

TensorSpec SpecOf(const ir::Value& v) {
  TensorSpec spec{v.name, static_cast<DType>(v.info.dtype), {}};
  if (v.info.shape.has_rank()) {
    for (const ir::Dim& d : v.info.shape.dims()) spec.shape.push_back(d.is_static() ? d.size() : -1);
  }
  return spec;
}

// Every node on the CPU in one segment: the plan when there is no GPU to share the work with,
// and the only one possible for graphs the partitioner cannot price (dynamic shapes).
absl::StatusOr<pt::Plan> WholeGraphOnCpu(const ir::Graph& g) {
  TANDEM_ASSIGN_OR_RETURN(std::vector<ir::NodeId> order, g.TopologicalOrder());
  pt::Plan plan;
  plan.strategy = "cpu";
  pt::Segment segment;
  segment.device = pt::DeviceKind::kCpu;
  for (ir::NodeId n : order) segment.nodes.push_back(pt::PlacedNode{n, pt::Placement::kCpu, 0});
  if (!segment.nodes.empty()) plan.segments.push_back(std::move(segment));
  return plan;
}

bool PlanUsesGpu(const pt::Plan& plan) {
  for (const pt::Segment& s : plan.segments) {
    if (s.device == pt::DeviceKind::kGpu) return true;
  }
  return false;
}

// Fills `options` budgets from the session options. InvalidArgument naming the option.
absl::Status ApplyBudgets(const SessionOptions& o, int64_t weights, pt::PartitionOptions* options) {
  struct {
    const std::string& text;
    const char* name;
    int64_t* budget;
  } budgets[] = {{o.gpu_memory, "gpu_memory", &options->gpu_budget_bytes},
                 {o.cpu_memory, "cpu_memory", &options->cpu_budget_bytes}};
  for (const auto& b : budgets) {
    if (b.text.empty()) continue;
    auto bytes = pt::ParseSize(b.text, weights);
    if (!bytes.ok()) return absl::InvalidArgumentError(absl::StrCat(b.name, ": ", bytes.status().message()));
    *b.budget = *bytes;
  }
  return absl::OkStatus();
}

absl::StatusOr<pt::Plan> ChoosePlan(const ir::Graph& g, const SessionOptions& o,
                                    const pt::MachineProfile& profile,
                                    const pt::PartitionOptions& options, executors::Device* gpu) {
  if (!o.plan_text.empty()) return pt::ParsePlan(g, o.plan_text);
  auto strategy = pt::ParseStrategy(o.strategy);
  if (!strategy) {
    return absl::InvalidArgumentError(
        absl::StrCat("strategy '", o.strategy, "' is not one of optimal, greedy, gpu, cpu"));
  }
  pt::CpuCapability cpu;
  std::unique_ptr<executors::DeviceCapability> gpu_capability;
  if (gpu) gpu_capability = std::make_unique<executors::DeviceCapability>(*gpu);
  pt::RooflineCostModel cost(profile);
  auto partitioner = pt::Partitioner::Create(g, {&cpu, gpu_capability.get()}, cost, options);
  if (!partitioner.ok() && partitioner.status().code() == absl::StatusCode::kUnimplemented && !gpu) {
    return WholeGraphOnCpu(g);
  }
  if (!partitioner.ok()) return partitioner.status();
  return partitioner->Run(*strategy);
}

// A value larger than the budgets together can never be held, whatever the plan. Refused
// before planning, which builds kernels for every node, some with tables sized by their output
// (a hostile Resize to [1, 1, 2^40, 2^40] would exhaust memory there first).
absl::Status CheckValuesFitBudgets(const ir::Graph& g, const pt::PartitionOptions& p) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t total = p.cpu_budget_bytes > kMax - p.gpu_budget_bytes
                            ? kMax
                            : p.cpu_budget_bytes + p.gpu_budget_bytes;
  for (const ir::Value& v : g.values()) {
    const std::optional<int64_t> n = v.info.shape.num_elements();
    const int64_t size = ir::DTypeSize(v.info.dtype);
    if (v.info.type != ir::ValueType::kTensor || !n || size == 0 || *n <= total / size) continue;
    const int64_t bytes = *n > kMax / size ? kMax : *n * size;
    return absl::ResourceExhaustedError(absl::StrCat(
        "value '", v.name, "' ", v.info.ToString(),
        v.producer.valid() ? absl::StrCat(" (written by ", g.node(v.producer).Describe(), ")") : "",
        " needs ", pt::FormatMiB(bytes), ", more than the CPU and GPU budgets together (",
        pt::FormatMiB(total), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

std::unique_ptr<executors::Device> DiscoverGpuDevice(const executors::GpuDeviceOptions& request,
                                                     std::string* why_not) {
  std::vector<std::string> notes;
  for (const executors::DeviceInfo& d : executors::ListDevices(&notes)) {
    if (d.kind != "cuda") continue;
    executors::GpuDeviceOptions options = request;
    options.ordinal = d.ordinal;
    absl::StatusOr<std::unique_ptr<executors::Device>> gpu = executors::CreateGpuDevice(options);
    if (gpu.ok()) return *std::move(gpu);
    *why_not = absl::StrCat("GPU '", d.name, "': ", gpu.status().message());
    return nullptr;
  }
  // The session's warning already says "no usable GPU (...)".
  for (std::string& note : notes) {
    if (absl::StartsWith(note, "no usable GPU: ")) note = note.substr(15);
  }
  *why_not = notes.empty() ? "no GPU found" : absl::StrJoin(notes, "; ");
  return nullptr;
}

StatusOr<std::unique_ptr<Session>> SessionFactory::Create(ir::Model model,
                                                          const SessionOptions& options,
                                                          const GpuDeviceFactory& gpu_factory) {
  auto impl = std::make_unique<Session::Impl>();
  impl->model = std::move(model);
  const ir::Graph& g = *impl->model.graph;
  TANDEM_ASSIGN_OR_RETURN(pt::MachineProfile profile, pt::LoadProfile(options.profile));
  pt::PartitionOptions partition = pt::OptionsForProfile(profile);
  TANDEM_RETURN_IF_ERROR(ApplyBudgets(options, pt::ModelWeightBytes(g), &partition));
  if (!profile.gpu) partition.gpu_budget_bytes = 0;

  if (partition.gpu_budget_bytes > 0) {
    std::string why;
    executors::GpuDeviceOptions request;
    request.budget_bytes = partition.gpu_budget_bytes;
    request.workspace_limit = partition.gpu_workspace_bytes;
    impl->gpu = gpu_factory(request, &why);
    if (!impl->gpu) {
      if (options.strict) {
        return absl::FailedPreconditionError(absl::StrCat(
            "strict: a GPU budget was given, but no GPU is usable (", why, ")"));
      }
      impl->warnings.push_back(absl::StrCat("warning: no usable GPU (", why,
                                            "); running every node on the CPU"));
    }
  }
  if (!impl->gpu) {
    // Planned as a CPU-only machine: the partitioner then places nothing on a GPU.
    profile.gpu.reset();
    partition.gpu_budget_bytes = 0;
  }
  TANDEM_RETURN_IF_ERROR(CheckValuesFitBudgets(g, partition));
  TANDEM_ASSIGN_OR_RETURN(impl->plan, ChoosePlan(g, options, profile, partition, impl->gpu.get()));
  if (PlanUsesGpu(impl->plan) && !impl->gpu) {
    if (options.strict) {
      return absl::FailedPreconditionError("strict: the given plan uses the GPU, but no GPU is usable");
    }
    impl->warnings.push_back("warning: the given plan uses the GPU, which is not usable; running every node on the CPU");
    TANDEM_ASSIGN_OR_RETURN(impl->plan, WholeGraphOnCpu(g));
  }
  impl->plan_text = pt::PrintPlan(g, impl->plan);

  executors::CpuDeviceOptions cpu_options;
  cpu_options.budget_bytes = partition.cpu_budget_bytes;
  cpu_options.executor.threads = std::max(1, options.threads);
  cpu_options.executor.infer = importer::MakeNodeInference(g.opsets());
  impl->cpu = std::make_unique<executors::CpuDevice>(std::move(cpu_options));
  TANDEM_ASSIGN_OR_RETURN(impl->runtime,
                          executors::Runtime::Create(g, impl->plan, {impl->cpu.get(), impl->gpu.get()}));
  for (ir::ValueId v : g.inputs()) impl->inputs.push_back(SpecOf(g.value(v)));
  for (ir::ValueId v : g.outputs()) impl->outputs.push_back(SpecOf(g.value(v)));
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

StatusOr<std::unique_ptr<Session>> Session::Create(const std::string& model_path,
                                                   const SessionOptions& options) {
  TANDEM_ASSIGN_OR_RETURN(ir::Model model, importer::ImportModel(model_path));
  return SessionFactory::Create(std::move(model), options, DiscoverGpuDevice);
}

StatusOr<std::unique_ptr<Session>> Session::CreateFromBytes(const std::string& model_bytes,
                                                            const SessionOptions& options) {
  TANDEM_ASSIGN_OR_RETURN(ir::Model model, importer::ImportModelFromBytes(model_bytes, "<bytes>"));
  return SessionFactory::Create(std::move(model), options, DiscoverGpuDevice);
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

const std::vector<TensorSpec>& Session::inputs() const { return impl_->inputs; }
const std::vector<TensorSpec>& Session::outputs() const { return impl_->outputs; }
const std::string& Session::plan() const { return impl_->plan_text; }
bool Session::uses_gpu() const { return PlanUsesGpu(impl_->plan); }
const std::vector<std::string>& Session::warnings() const { return impl_->warnings; }

std::vector<std::string> Session::devices() const {
  std::vector<std::string> names = {impl_->cpu->name()};
  if (impl_->gpu && uses_gpu()) names.push_back(impl_->gpu->name());
  return names;
}

StatusOr<std::map<std::string, Tensor>> Session::Run(const std::map<std::string, Tensor>& inputs,
                                                     RunStats* stats) {
  const ir::Graph& g = *impl_->model.graph;
  // Unknown names first: a misspelt input is reported as such, not as the input it replaced.
  for (const auto& [name, tensor] : inputs) {
    if (!g.FindValue(name) || std::none_of(impl_->inputs.begin(), impl_->inputs.end(),
                                           [&](const TensorSpec& s) { return s.name == name; })) {
      std::vector<std::string> names;
      for (const TensorSpec& s : impl_->inputs) names.push_back(s.name);
      return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not an input of the model (inputs: ",
                                                     absl::StrJoin(names, ", "), ")"));
    }
  }
  std::vector<ir::Tensor> feed;
  for (const TensorSpec& spec : impl_->inputs) {
    auto it = inputs.find(spec.name);
    if (it == inputs.end()) {
      return absl::InvalidArgumentError(absl::StrCat("input '", spec.name, "' is missing"));
    }
    const Tensor& t = it->second;
    feed.push_back(ir::Tensor{static_cast<ir::DType>(t.dtype()), t.shape(),
                              ir::TensorData::Borrowed(t.keep_alive(),
                                                       static_cast<const uint8_t*>(t.data()), t.byte_size()),
                              {}});
  }
  executors::RunProfile profile;
  TANDEM_ASSIGN_OR_RETURN(std::vector<ir::Tensor> outs,
                          impl_->runtime->Run(feed, stats ? &profile : nullptr));
  std::map<std::string, Tensor> result;
  for (size_t i = 0; i < outs.size(); ++i) {
    ir::Tensor& t = outs[i];
    if (t.dtype == ir::DType::kString || ir::DTypeSize(t.dtype) == 0) {
      return absl::UnimplementedError(absl::StrCat("output '", impl_->outputs[i].name, "' is a ",
                                                   ir::DTypeName(t.dtype), " tensor, which the API does not carry"));
    }
    auto keep = std::make_shared<ir::TensorData>(t.data);
    TANDEM_ASSIGN_OR_RETURN(Tensor out, Tensor::Wrap(static_cast<DType>(t.dtype), t.dims, keep,
                                                     keep->data(), keep->size(), false));
    result[impl_->outputs[i].name] = std::move(out);
  }
  if (stats) {
    stats->total_ms = profile.total_ms;
    stats->predicted_ms = impl_->plan.predicted_ms;
    stats->steps.clear();
    for (const executors::StepProfile& s : profile.steps) {
      stats->steps.push_back(StepStats{s.kind == executors::StepProfile::Kind::kSegment ? "segment" : "transfer",
                                       s.name, s.device, s.bytes, s.predicted_ms, s.start_ms, s.measured_ms});
    }
  }
  return result;
}

}  // namespace tandem
