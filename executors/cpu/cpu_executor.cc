#include "executors/cpu/cpu_executor.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/mapped_file.h"
#include "common/status_macros.h"
#include "executors/cpu/tensor_axis.h"
#include "executors/memory_planner.h"
#include "kernels/cpu/fused_kernels.h"

namespace tandem::executors {
namespace {

using kernels::cpu::Dims;
using kernels::cpu::TensorView;

// XNNPACK may read up to 16 bytes past the end of an input; every arena buffer gets that slack.
constexpr int64_t kReadPastEndBytes = 16;

// No single CPU tensor tandem runs is larger (the partitioner's budget refuses far smaller ones).
constexpr int64_t kMaxTensorBytes = int64_t{1} << 40;

absl::StatusOr<Dims> StaticDims(const ir::Graph& g, ir::ValueId id) {
  const ir::Value& v = g.value(id);
  auto sizes = v.info.shape.static_sizes();
  if (v.info.type != ir::ValueType::kTensor) {
    return absl::UnimplementedError(absl::StrCat("value '", v.name, "' is a ", v.info.ToString(),
                                                 "; the CPU executor runs tensors only"));
  }
  if (!sizes || v.info.dtype == ir::DType::kUndefined) {
    return absl::UnimplementedError(absl::StrCat("value '", v.name, "' has no static shape (",
                                                 v.info.ToString(), "); dynamic shapes are not supported yet"));
  }
  // Refused before any kernel is built: some kernels size tables by their output (Resize), and a
  // hostile model's 2^80-byte output must be an answer here, not a bad_alloc there.
  const auto count = ir::CheckedNumElements(*sizes);
  if (!count || *count > kMaxTensorBytes / std::max(1, ir::DTypeSize(v.info.dtype))) {
    return absl::ResourceExhaustedError(absl::StrCat("value '", v.name, "' ", v.info.ToString(),
                                                     " would need more than ", kMaxTensorBytes >> 40, " TiB"));
  }
  return Dims(sizes->begin(), sizes->end());
}

// Whether a static plan is impossible: control flow, sequences/optionals, strings, or shapes that
// are not all static.
bool NeedsInterpreter(const ir::Graph& g) {
  for (const ir::Value& v : g.values()) {
    if (v.info.type != ir::ValueType::kTensor || !v.info.shape.is_static() ||
        v.info.dtype == ir::DType::kUndefined || v.info.dtype == ir::DType::kString) {
      return true;
    }
  }
  for (const ir::Node& n : g.nodes()) {
    if (IsInterpreterOp(n) && n.op_type != "Identity") return true;
  }
  return false;
}

}  // namespace

std::string CpuExecutor::UnsupportedReason(const ir::Graph& graph, const ir::Node& node,
                                           int64_t* scratch_bytes) {
  if (scratch_bytes) *scratch_bytes = 0;
  bool dynamic = IsInterpreterOp(node) && node.op_type != "Identity";
  for (ir::ValueId id : node.outputs) dynamic = dynamic || (id.valid() && !StaticDims(graph, id).ok());
  if (dynamic) return CpuInterpreter::UnsupportedReason(graph, node);
  for (ir::ValueId id : node.outputs) {
    if (!id.valid()) continue;
    auto dims = StaticDims(graph, id);
    if (!dims.ok()) return std::string(dims.status().message());
  }
  auto kernel = kernels::cpu::KernelRegistry::Default().Create(graph, node);
  if (!kernel.ok()) return std::string(kernel.status().message());
  if (scratch_bytes) *scratch_bytes = (*kernel)->ScratchBytes();
  return "";
}

int64_t CpuExecutor::scratch_bytes() const {
  int64_t bytes = 0;
  for (const Step& step : steps_) bytes += step.kernel->ScratchBytes();
  return bytes;
}

CpuExecutor::~CpuExecutor() {
  if (pool_) pthreadpool_destroy(pool_);
}

absl::StatusOr<std::unique_ptr<CpuExecutor>> CpuExecutor::Create(const ir::Graph& graph,
                                                                  const CpuExecutorOptions& options) {
  std::unique_ptr<CpuExecutor> ex(new CpuExecutor(graph));
  if (options.threads > 1) ex->pool_ = pthreadpool_create(static_cast<size_t>(options.threads));
  if (NeedsInterpreter(graph)) {
    for (const ir::Node& node : graph.nodes()) {
      std::string reason = CpuInterpreter::UnsupportedReason(graph, node);
      if (!reason.empty()) return absl::UnimplementedError(reason);
    }
    ex->interpreter_ = std::make_unique<CpuInterpreter>(graph, options.infer, ex->pool_);
    return ex;
  }
  TANDEM_ASSIGN_OR_RETURN(std::vector<ir::NodeId> order, graph.TopologicalOrder());
  const auto& registry = kernels::cpu::KernelRegistry::Default();
  std::vector<bool> fused_away(graph.num_nodes(), false);
  for (ir::NodeId id : order) {
    if (fused_away[id.value]) continue;
    const ir::Node& node = graph.node(id);
    for (ir::ValueId out : node.outputs) {
      if (!out.valid()) continue;
      auto dims = StaticDims(graph, out);
      if (!dims.ok()) {
        return absl::Status(dims.status().code(),
                            absl::StrCat(node.Describe(), ": ", dims.status().message()));
      }
    }
    ir::NodeId mul_node;
    if (options.fuse && FusableSilu(graph, node, &mul_node)) {
      const ir::ValueId out = graph.node(mul_node).outputs[0];
      Step step{kernels::cpu::MakeSiluKernel(*graph.value(out).info.shape.num_elements()), id, node.inputs, {out}};
      fused_away[mul_node.value] = true;
      ex->steps_.push_back(std::move(step));
      continue;
    }
    ir::NodeId clamp_node;
    std::optional<kernels::cpu::FusedClamp> clamp;
    if (options.fuse) clamp = FusableClamp(graph, node, &clamp_node);
    TANDEM_ASSIGN_OR_RETURN(auto kernel, registry.Create(graph, node, clamp));
    Step step{std::move(kernel), id, node.inputs, node.outputs};
    // Weights the kernel packed and never reads again need not stay resident in the mapped model
    // file: released right away, they never count twice towards peak memory. (Safe whatever
    // else reads them: a later reader faults the pages back in.)
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (!node.inputs[i].valid() || step.kernel->ReadsInputAtRun(i)) continue;
      const ir::Value& w = graph.value(node.inputs[i]);
      if (w.kind == ir::ValueKind::kInitializer && w.initializer->data.is_borrowed()) {
        MappedFile::ReleasePagesOf(w.initializer->data.data(), w.initializer->byte_size());
      }
    }
    if (clamp && step.kernel->fused_clamp()) {
      fused_away[clamp_node.value] = true;
      step.outputs[0] = graph.node(clamp_node).outputs[0];
    }
    ex->steps_.push_back(std::move(step));
  }
  if (options.channels_last) ex->AssignLayouts();
  TANDEM_RETURN_IF_ERROR(ex->Plan());
  return ex;
}

absl::Status CpuExecutor::Plan() {
  const ir::Graph& g = graph_;
  const int num_slots = g.num_values() + static_cast<int>(extra_values_.size());
  slots_.assign(num_slots, Slot{});
  // Constants that some kernel reads while running (not only when it was built).
  std::vector<bool> read_at_run(num_slots, false);
  for (const Step& step : steps_) {
    for (size_t i = 0; i < step.inputs.size(); ++i) {
      if (step.inputs[i].valid() && step.kernel->ReadsInputAtRun(i)) read_at_run[step.inputs[i].value] = true;
    }
  }
  for (ir::ValueId out : g.outputs()) read_at_run[out.value] = true;
  for (int i = 0; i < g.num_values(); ++i) {
    const ir::Value& v = g.value(ir::ValueId(i));
    Slot& s = slots_[i];
    s.dtype = v.info.dtype;
    if (v.kind == ir::ValueKind::kInitializer) {
      s.kind = Slot::kConstant;
      s.constant = read_at_run[i] ? AlignedConstant(*v.initializer) : v.initializer->data.data();

      s.dims.assign(v.initializer->dims.begin(), v.initializer->dims.end());
      s.dtype = v.initializer->dtype;
    } else if (v.info.shape.is_static()) {
      auto sizes = *v.info.shape.static_sizes();
      s.dims.assign(sizes.begin(), sizes.end());
    }
  }
  for (size_t e = 0; e < extra_values_.size(); ++e) {
    Slot& s = slots_[g.num_values() + e];
    s.dtype = slots_[extra_values_[e].value].dtype;
    s.dims = slots_[extra_values_[e].value].dims;
  }
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    Slot& s = slots_[g.outputs()[i].value];
    if (s.kind == Slot::kNone) {
      s.kind = Slot::kOutput;
      s.output_index = static_cast<int>(i);
    }
  }
  // Lifetimes: graph inputs from step 0; others from their producer's step to their last use.
  std::vector<int> first(num_slots, -1), last(num_slots, -1);
  for (ir::ValueId in : g.inputs()) first[in.value] = last[in.value] = 0;
  for (size_t step = 0; step < steps_.size(); ++step) {
    for (ir::ValueId v : steps_[step].inputs) {
      if (v.valid()) last[v.value] = static_cast<int>(step);
    }
    for (ir::ValueId v : steps_[step].outputs) {
      if (v.valid() && first[v.value] < 0) first[v.value] = last[v.value] = static_cast<int>(step);
    }
  }
  std::vector<BufferRequest> requests;
  std::vector<int> request_value;
  for (int i = 0; i < num_slots; ++i) {
    Slot& s = slots_[i];
    if (s.kind != Slot::kNone || first[i] < 0) continue;
    TensorView probe{s.dtype, s.dims, nullptr};
    requests.push_back({probe.byte_size() + kReadPastEndBytes, first[i], last[i]});
    request_value.push_back(i);
    s.kind = Slot::kArena;
  }
  MemoryPlan plan = PlanMemory(requests);
  for (size_t r = 0; r < requests.size(); ++r) slots_[request_value[r]].offset = plan.offsets[r];
  arena_bytes_ = plan.peak_bytes;
  void* arena = nullptr;
  if (arena_bytes_ > 0 && posix_memalign(&arena, 64, static_cast<size_t>(arena_bytes_)) != 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate the CPU arena of ", arena_bytes_, " bytes"));
  }
  arena_ = std::unique_ptr<uint8_t, void (*)(void*)>(static_cast<uint8_t*>(arena), std::free);
  return absl::OkStatus();
}

const void* CpuExecutor::AlignedConstant(const ir::Tensor& t) {
  const uint8_t* data = t.data.data();
  const size_t element = static_cast<size_t>(std::max(1, ir::DTypeSize(t.dtype)));
  // Weights borrowed from a file sit wherever the file put them; kernels read them as typed
  // arrays, and a float* that is not 4-byte aligned is undefined behaviour (and breaks
  // vectorised loops that peel to alignment). Such constants get an aligned copy.
  if (reinterpret_cast<uintptr_t>(data) % element == 0 || t.byte_size() == 0) return data;
  void* copy = nullptr;
  if (posix_memalign(&copy, 64, t.byte_size() + kReadPastEndBytes) != 0) return data;
  std::memcpy(copy, data, t.byte_size());
  aligned_constants_.emplace_back(static_cast<uint8_t*>(copy), std::free);
  aligned_constant_bytes_ += static_cast<int64_t>(t.byte_size());
  return copy;
}

TensorView CpuExecutor::View(ir::ValueId id, std::vector<ir::Tensor>& outputs) {
  if (!id.valid()) return TensorView{};
  const Slot& s = slots_[id.value];
  TensorView v{s.dtype, s.dims, nullptr};
  switch (s.kind) {
    case Slot::kArena: v.data = arena_.get() + s.offset; break;
    case Slot::kConstant: v.data = const_cast<void*>(s.constant); break;
    case Slot::kOutput: v.data = const_cast<uint8_t*>(outputs[s.output_index].data.data()); break;
    case Slot::kNone: break;
  }
  return v;
}

absl::Status CpuExecutor::CheckInput(size_t i, const ir::Tensor& t) const {
  const ir::Value& v = graph_.value(graph_.inputs()[i]);
  bool ok = t.dtype == v.info.dtype;
  if (ok && v.info.shape.has_rank()) {
    ok = static_cast<int>(t.dims.size()) == v.info.shape.rank();
    for (int d = 0; ok && d < v.info.shape.rank(); ++d) {
      const ir::Dim& dim = v.info.shape.dims()[d];
      ok = !dim.is_static() || dim.size() == t.dims[d];
    }
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("input '", v.name, "' must be ", v.info.ToString(), ", got ",
                                                 ir::DTypeName(t.dtype), ir::Shape::Static(t.dims).ToString()));
}

absl::StatusOr<std::vector<RuntimeValue>> CpuExecutor::RunValues(std::vector<RuntimeValue> inputs) {
  const ir::Graph& g = graph_;
  if (inputs.size() != g.inputs().size()) {
    return absl::InvalidArgumentError(absl::StrCat("the model takes ", g.inputs().size(),
                                                   " inputs, got ", inputs.size()));
  }
  if (interpreter_) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      const ir::Value& v = g.value(g.inputs()[i]);
      if (inputs[i].type != v.info.type) {
        return absl::InvalidArgumentError(absl::StrCat("input '", v.name, "' must be ", v.info.ToString(),
                                                       ", got ", inputs[i].Describe()));
      }
      if (inputs[i].is_tensor()) TANDEM_RETURN_IF_ERROR(CheckInput(i, inputs[i].tensors.at(0)));
      // Kernels may read 16 bytes past a tensor (XNNPACK): give them buffers with that slack.
      for (ir::Tensor& t : inputs[i].tensors) {
        if (t.dtype == ir::DType::kString || t.byte_size() == 0) continue;
        ir::Tensor copy = NewTensor(t.dtype, t.dims);
        std::memcpy(MutableBytes(copy), t.data.data(), t.byte_size());
        t = std::move(copy);
      }
    }
    return interpreter_->Run(std::move(inputs));
  }
  std::vector<ir::Tensor> tensors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].holds_one_tensor()) {
      return absl::InvalidArgumentError(absl::StrCat("input '", g.value(g.inputs()[i]).name,
                                                     "' must be a tensor, got ", inputs[i].Describe()));
    }
    tensors.push_back(std::move(inputs[i].tensors[0]));
  }
  TANDEM_ASSIGN_OR_RETURN(std::vector<ir::Tensor> outs, Run(tensors));
  std::vector<RuntimeValue> values;
  for (ir::Tensor& t : outs) values.push_back(RuntimeValue::Tensor(std::move(t)));
  return values;
}

absl::StatusOr<std::vector<ir::Tensor>> CpuExecutor::Run(absl::Span<const ir::Tensor> inputs) {
  return RunProfiled(inputs, nullptr);
}

absl::StatusOr<std::vector<ir::Tensor>> CpuExecutor::RunProfiled(
    absl::Span<const ir::Tensor> inputs, std::vector<double>* node_ms) {
  const ir::Graph& g = graph_;
  if (node_ms != nullptr && interpreter_) {
    return absl::FailedPreconditionError(
        "per-node times need the static plan; this graph runs in the interpreter");
  }
  if (node_ms != nullptr) node_ms->assign(g.num_nodes(), 0.0);
  if (inputs.size() != g.inputs().size()) {
    return absl::InvalidArgumentError(absl::StrCat("the model takes ", g.inputs().size(),
                                                   " inputs, got ", inputs.size()));
  }
  if (interpreter_) {
    std::vector<RuntimeValue> values;
    for (const ir::Tensor& t : inputs) values.push_back(RuntimeValue::Tensor(t));
    TANDEM_ASSIGN_OR_RETURN(values, RunValues(std::move(values)));
    std::vector<ir::Tensor> outs;
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i].holds_one_tensor()) {
        return absl::InvalidArgumentError(absl::StrCat("output '", g.value(g.outputs()[i]).name, "' is a ",
                                                       values[i].Describe(), "; use RunValues"));
      }
      outs.push_back(std::move(values[i].tensors[0]));
    }
    return outs;
  }
  std::lock_guard<std::mutex> lock(run_mutex_);
  std::vector<ir::Tensor> outputs(g.outputs().size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Slot& s = slots_[g.outputs()[i].value];
    TensorView probe{s.dtype, s.dims, nullptr};
    outputs[i].dtype = s.dtype;
    outputs[i].dims.assign(s.dims.begin(), s.dims.end());
    outputs[i].data = ir::TensorData::Owned(std::vector<uint8_t>(probe.byte_size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::Value& v = g.value(g.inputs()[i]);
    const Slot& s = slots_[g.inputs()[i].value];
    const ir::Tensor& t = inputs[i];
    if (t.dtype != s.dtype || !std::equal(t.dims.begin(), t.dims.end(), s.dims.begin(), s.dims.end())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", v.name, "' must be ", v.info.ToString(), ", got ", ir::DTypeName(t.dtype),
          ir::Shape::Static(t.dims).ToString()));
    }
    TensorView dst = View(g.inputs()[i], outputs);
    if (dst.data && t.byte_size() > 0) std::memcpy(dst.data, t.data.data(), t.byte_size());
  }
  std::vector<TensorView> in_views, out_views;
  for (Step& step : steps_) {
    const ir::Node& node = g.node(step.node);
    in_views.clear();
    out_views.clear();
    for (ir::ValueId v : step.inputs) in_views.push_back(View(v, outputs));
    for (ir::ValueId v : step.outputs) out_views.push_back(View(v, outputs));
    kernels::cpu::KernelContext ctx{in_views, absl::MakeSpan(out_views), pool_};
    const auto start = node_ms ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    absl::Status s = step.kernel->Run(ctx);
    if (node_ms != nullptr) {
      (*node_ms)[step.node.value] +=
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    }
    if (!s.ok()) {
      std::string msg(s.message());
      if (msg.find(node.Describe()) == std::string::npos) msg = absl::StrCat(node.Describe(), ": ", msg);
      return absl::Status(s.code(), msg);
    }
  }
  // Outputs that are initializers or graph inputs are copied out.
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Slot& s = slots_[g.outputs()[i].value];
    if (s.kind == Slot::kOutput) continue;
    TensorView src = View(g.outputs()[i], outputs);
    if (src.data && outputs[i].byte_size() > 0) {
      std::memcpy(const_cast<uint8_t*>(outputs[i].data.data()), src.data, outputs[i].byte_size());
    }
  }
  return outputs;
}

}  // namespace tandem::executors
