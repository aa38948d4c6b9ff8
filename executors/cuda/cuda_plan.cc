#include "executors/cuda/cuda_plan.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/float16.h"
#include "common/status_macros.h"
#include "executors/memory_planner.h"

namespace tandem::executors::cuda {
namespace {

int64_t AlignUp(int64_t n) { return (n + kDeviceAlignment - 1) / kDeviceAlignment * kDeviceAlignment; }

int64_t ValueBytes(const ir::Value& v) {
  auto n = v.info.shape.num_elements();
  return n ? *n * ir::DTypeSize(v.info.dtype) : 0;
}

// The scalar of a constant Clip bound, if it is one.
std::optional<float> ConstantScalar(const ir::Graph& g, ir::ValueId id) {
  const ir::Value& v = g.value(id);
  if (v.kind != ir::ValueKind::kInitializer || v.initializer->num_elements() != 1) return std::nullopt;
  const ir::Tensor& t = *v.initializer;
  if (t.dtype == ir::DType::kFloat16) return HalfBitsToFloat(t.values<uint16_t>()[0]);
  if (t.dtype == ir::DType::kFloat32 || t.dtype == ir::DType::kFloat64) return static_cast<float>(t.DoubleAt(0));
  return std::nullopt;
}

// The clamp of `node` when it is a Relu or a float Clip with constant (or absent) bounds.
std::optional<FusedClamp> ClampOf(const ir::Graph& g, const ir::Node& node) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  if (!node.domain.empty() && node.domain != "ai.onnx") return std::nullopt;
  if (node.op_type == "Relu") return FusedClamp{0.0f, kInf};
  if (node.op_type != "Clip") return std::nullopt;
  FusedClamp c{-kInf, kInf};
  for (size_t i = 1; i <= 2; ++i) {
    ir::ValueId id = node.input(i);
    if (!id.valid()) continue;
    auto bound = ConstantScalar(g, id);
    if (!bound) return std::nullopt;
    (i == 1 ? c.min : c.max) = *bound;
  }
  return c;
}

// The Relu/Clip node that could be fused into `node`: its output 0 has exactly that one consumer,
// is not a graph output, and the node has no other outputs.
std::optional<ir::NodeId> FusableClamp(const ir::Graph& g, const ir::Node& node, const std::vector<bool>& is_output) {
  if (node.outputs.empty() || !node.outputs[0].valid()) return std::nullopt;
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    if (node.outputs[i].valid()) return std::nullopt;
  }
  const ir::Value& v = g.value(node.outputs[0]);
  if (is_output[node.outputs[0].value] || v.consumers.size() != 1) return std::nullopt;
  const ir::Node& next = g.node(v.consumers[0]);
  if (next.inputs.empty() || next.inputs[0] != node.outputs[0] || !ClampOf(g, next)) return std::nullopt;
  if (!ir::IsFloatingPoint(v.info.dtype)) return std::nullopt;
  return v.consumers[0];
}

absl::Status Lower(const ir::Graph& g, const std::vector<ir::NodeId>& order, bool fuse, CudaPlan& plan) {
  std::vector<bool> is_output(g.num_values(), false);
  for (ir::ValueId id : g.outputs()) is_output[id.value] = true;
  std::vector<bool> fused(g.num_nodes(), false);
  const CudaOpRegistry& registry = CudaOpRegistry::Default();
  for (ir::NodeId id : order) {
    const ir::Node& node = g.node(id);
    PlanStep step;
    step.node = id;
    if (fused[id.value]) {  // a Relu/Clip its producer applied: output aliases input
      plan.steps.push_back(std::move(step));
      continue;
    }
    std::optional<ir::NodeId> clamp_node = fuse ? FusableClamp(g, node, is_output) : std::nullopt;
    std::optional<FusedClamp> clamp;
    if (clamp_node) clamp = ClampOf(g, g.node(*clamp_node));
    TANDEM_ASSIGN_OR_RETURN(step.op, registry.Lower(g, node, clamp));
    if (clamp_node && step.op->fused_clamp()) {
      fused[clamp_node->value] = true;
      ++plan.fused_activations;
    }
    if (step.op->is_alias()) step.op.reset();
    plan.steps.push_back(std::move(step));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CudaPlan> BuildCudaPlan(const ir::Graph& g, bool fuse_activations) {
  CudaPlan plan;
  TANDEM_ASSIGN_OR_RETURN(std::vector<ir::NodeId> order, g.TopologicalOrder());
  TANDEM_RETURN_IF_ERROR(Lower(g, order, fuse_activations, plan));

  // Roots: an alias step's output shares its input's storage.
  const int num_values = g.num_values();
  std::vector<int> root(num_values);
  for (int v = 0; v < num_values; ++v) root[v] = v;
  for (const PlanStep& step : plan.steps) {
    if (step.op) continue;
    const ir::Node& node = g.node(step.node);
    root[node.outputs[0].value] = root[node.inputs[0].value];
  }

  // Which roots some op reads on the device, and each root's live range over steps.
  std::vector<bool> read_on_device(num_values, false);
  std::vector<int> first(num_values, -1), last(num_values, -1);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const PlanStep& step = plan.steps[s];
    const ir::Node& node = g.node(step.node);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (!node.inputs[i].valid()) continue;
      int r = root[node.inputs[i].value];
      last[r] = std::max(last[r], static_cast<int>(s));
      // An alias passes input 0's storage on; its other inputs (shapes) are host-only.
      if (step.op ? step.op->ReadsInputAtRun(i) : i == 0) read_on_device[r] = true;
    }
    for (ir::ValueId out : node.outputs) {
      if (!out.valid()) continue;
      int r = root[out.value];
      if (first[r] < 0) first[r] = static_cast<int>(s);
      last[r] = std::max(last[r], static_cast<int>(s));
    }
  }

  plan.slots.assign(num_values, ValueSlot{});
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    int r = g.inputs()[i].value;
    if (g.value(g.inputs()[i]).kind == ir::ValueKind::kGraphInput)
      plan.slots[r] = {ValueSlot::kInput, static_cast<int>(i), 0};
  }
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    int r = root[g.outputs()[i].value];
    read_on_device[r] = true;  // copied out at the end, or written in place
    if (plan.slots[r].kind == ValueSlot::kNone && g.value(ir::ValueId(r)).kind == ir::ValueKind::kNodeOutput) {
      plan.slots[r] = {ValueSlot::kOutput, static_cast<int>(i), 0};
    }
  }
  // Weights: initializers read on the device, then op constants.
  for (int v = 0; v < num_values; ++v) {
    const ir::Value& value = g.value(ir::ValueId(v));
    if (value.kind != ir::ValueKind::kInitializer || root[v] != v || !read_on_device[v]) continue;
    plan.slots[v] = {ValueSlot::kWeight, 0, plan.weight_bytes};
    plan.uploads.push_back(
        {value.initializer->data.data(), static_cast<int64_t>(value.initializer->byte_size()), plan.weight_bytes});
    plan.weight_bytes += AlignUp(static_cast<int64_t>(value.initializer->byte_size()));
  }
  for (PlanStep& step : plan.steps) {
    if (!step.op) continue;
    for (const std::vector<uint8_t>& c : step.op->constants()) {
      step.constant_offsets.push_back(plan.weight_bytes);
      plan.uploads.push_back({c.data(), static_cast<int64_t>(c.size()), plan.weight_bytes});
      plan.weight_bytes += AlignUp(static_cast<int64_t>(c.size()));
    }
  }
  // Activations.
  std::vector<BufferRequest> requests;
  std::vector<int> request_value;
  for (int v = 0; v < num_values; ++v) {
    if (root[v] != v || plan.slots[v].kind != ValueSlot::kNone || first[v] < 0) continue;
    requests.push_back({ValueBytes(g.value(ir::ValueId(v))), first[v], last[v]});
    request_value.push_back(v);
  }
  MemoryPlan arena = PlanMemory(requests, kDeviceAlignment);
  for (size_t i = 0; i < requests.size(); ++i) plan.slots[request_value[i]] = {ValueSlot::kArena, 0, arena.offsets[i]};
  plan.arena_bytes = arena.peak_bytes;
  // Every value takes its root's slot.
  for (int v = 0; v < num_values; ++v) plan.slots[v] = plan.slots[root[v]];

  for (ir::ValueId id : g.inputs()) {
    plan.input_bytes.push_back(ValueBytes(g.value(id)));
    plan.input_read_on_device.push_back(read_on_device[id.value]);
  }
  for (ir::ValueId id : g.outputs()) plan.output_bytes.push_back(ValueBytes(g.value(id)));
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    const ValueSlot& slot = plan.slots[g.outputs()[i].value];
    if (slot.kind == ValueSlot::kOutput && slot.index == static_cast<int>(i)) continue;
    if (slot.kind == ValueSlot::kNone) {
      return absl::UnimplementedError(
          absl::StrCat("output '", g.value(g.outputs()[i]).name, "' has no storage on the GPU"));
    }
    plan.output_copies.push_back({static_cast<int>(i), slot, plan.output_bytes[i]});
  }
  // Every operand an op reads on the device must have storage (a planning bug otherwise).
  for (const PlanStep& step : plan.steps) {
    if (!step.op) continue;
    const ir::Node& node = g.node(step.node);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i].valid() && step.op->ReadsInputAtRun(i) &&
          plan.slots[node.inputs[i].value].kind == ValueSlot::kNone) {
        return absl::InternalError(
            absl::StrCat(node.Describe(), ": input '", g.value(node.inputs[i]).name, "' has no device storage"));
      }
    }
  }
  for (int64_t bytes : plan.input_bytes) {
    plan.input_staging.push_back(plan.staging_bytes);
    plan.staging_bytes += AlignUp(bytes);
  }
  for (int64_t bytes : plan.output_bytes) {
    plan.output_staging.push_back(plan.staging_bytes);
    plan.staging_bytes += AlignUp(bytes);
  }
  return plan;
}

void* SlotPointer(const ValueSlot& slot, const PlanBuffers& buffers) {
  switch (slot.kind) {
    case ValueSlot::kInput: return const_cast<void*>(buffers.inputs[slot.index]);
    case ValueSlot::kOutput: return buffers.outputs[slot.index];
    case ValueSlot::kWeight: return buffers.weights + slot.offset;
    case ValueSlot::kArena: return buffers.arena + slot.offset;
    case ValueSlot::kNone: return nullptr;
  }
  return nullptr;
}

absl::Status RunPlanSteps(const ir::Graph& g, CudaPlan& plan, const PlanBuffers& buffers, cudaStream_t stream,
                          const CudaLibraries* libs, absl::Span<const cudaEvent_t> step_events) {
  std::vector<const void*> ins, constants;
  std::vector<void*> outs;
  const bool timed = step_events.size() == plan.steps.size() + 1;
  auto mark = [&](size_t s) -> absl::Status {
    if (!timed) return absl::OkStatus();
    cudaError_t err = cudaEventRecord(step_events[s], stream);
    return err == cudaSuccess ? absl::OkStatus()
                              : absl::InternalError(absl::StrCat("cudaEventRecord: ", cudaGetErrorString(err)));
  };
  for (size_t index = 0; index < plan.steps.size(); ++index) {
    TANDEM_RETURN_IF_ERROR(mark(index));
    PlanStep& step = plan.steps[index];
    if (!step.op) continue;
    const ir::Node& node = g.node(step.node);
    ins.assign(node.inputs.size(), nullptr);
    outs.assign(node.outputs.size(), nullptr);
    constants.clear();
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i].valid()) ins[i] = SlotPointer(plan.slots[node.inputs[i].value], buffers);
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i].valid()) outs[i] = SlotPointer(plan.slots[node.outputs[i].value], buffers);
    }
    for (int64_t offset : step.constant_offsets) constants.push_back(buffers.weights + offset);
    CudaRunContext ctx;
    ctx.inputs = ins;
    ctx.outputs = outs;
    ctx.constants = constants;
    ctx.workspace = buffers.workspace;
    ctx.stream = stream;
    ctx.libs = libs;
    absl::Status s = step.op->Run(ctx);
    if (!s.ok()) {
      std::string d = node.Describe();
      if (std::string(s.message()).find(d) != std::string::npos) return s;
      return absl::Status(s.code(), absl::StrCat(d, ": ", s.message()));
    }
  }
  return mark(plan.steps.size());
}

}  // namespace tandem::executors::cuda
