#include "executors/host_segment.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "ir/passes/graph_rebuild.h"

namespace tandem::executors {
namespace {

// The graph with every input that carries a default (a streamed weight) turned into an
// initializer: the CPU executor builds its fast kernels (XNNPACK packs weights at build time)
// only from constant weights, and the bytes are the same ones the run copies in.
absl::StatusOr<std::unique_ptr<ir::Graph>> InlineStreamedWeights(const ir::Graph& g) {
  auto out = std::make_unique<ir::Graph>(g.name());
  for (const auto& [domain, version] : g.opsets()) out->set_opset(domain, version);
  std::vector<ir::ValueId> remap(g.num_values());
  for (ir::ValueId v : g.inputs()) {
    const ir::Value& val = g.value(v);
    if (!val.initializer) {
      TANDEM_ASSIGN_OR_RETURN(remap[v.value], out->AddInput(val.name, val.info));
    }
  }
  for (int i = 0; i < g.num_values(); ++i) {
    const ir::Value& val = g.value(ir::ValueId(i));
    if (remap[i].valid()) continue;
    switch (val.kind) {
      case ir::ValueKind::kGraphInput:
      case ir::ValueKind::kInitializer: {
        TANDEM_ASSIGN_OR_RETURN(remap[i], out->AddInitializer(val.name, *val.initializer));
        break;
      }
      case ir::ValueKind::kOuterScope: {
        TANDEM_ASSIGN_OR_RETURN(remap[i], out->AddOuterScopeValue(val.name, val.info));
        break;
      }
      case ir::ValueKind::kNodeOutput: {
        TANDEM_ASSIGN_OR_RETURN(remap[i], out->AddNodeOutput(val.name, val.info));
        break;
      }
    }
  }
  for (const ir::Node& n : g.nodes()) {
    ir::Node node = n;
    for (ir::ValueId& v : node.inputs) v = v.valid() ? remap[v.value] : ir::ValueId();
    for (ir::ValueId& v : node.outputs) v = v.valid() ? remap[v.value] : ir::ValueId();
    TANDEM_RETURN_IF_ERROR(out->AddNode(std::move(node)).status());
  }
  for (ir::ValueId v : g.outputs()) out->AddOutput(remap[v.value]);
  return out;
}

class HostSegment final : public CompiledSegment {
 public:
  HostSegment(HostSegmentConfig config, std::unique_ptr<ir::Graph> relocated,
              std::vector<std::shared_ptr<const void>> weights)
      : config_(std::move(config)), relocated_(std::move(relocated)), weights_(std::move(weights)) {}

  absl::Status Init(const ir::Graph& graph) {
    graph_ = relocated_ ? relocated_.get() : &graph;
    const ir::Graph* compute = graph_;
    for (ir::ValueId v : graph_->inputs()) streamed_.push_back(graph_->value(v).initializer != nullptr);
    if (std::find(streamed_.begin(), streamed_.end(), true) != streamed_.end()) {
      TANDEM_ASSIGN_OR_RETURN(inlined_, InlineStreamedWeights(*graph_));
      compute = inlined_.get();
    }
    TANDEM_ASSIGN_OR_RETURN(executor_, CpuExecutor::Create(*compute, config_.executor));
    if (!config_.arena_per_run) {
      TANDEM_ASSIGN_OR_RETURN(arena_, ReserveArena());
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::shared_ptr<Reservation>> ReserveArena() {
    return config_.allocator->Reserve(executor_->arena_bytes() + executor_->aligned_constant_bytes(),
                                      absl::StrCat("the arena of ", config_.label));
  }

  absl::StatusOr<std::vector<DeviceTensor>> Run(absl::Span<const DeviceTensor> inputs) override {
    const ir::Graph& g = *graph_;
    if (inputs.size() != g.inputs().size()) {
      return absl::InvalidArgumentError(absl::StrCat(config_.label, " takes ", g.inputs().size(),
                                                     " inputs, got ", inputs.size()));
    }
    std::vector<ir::Tensor> tensors;
    tensors.reserve(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      const bool on_host = i < config_.input_on_host.size() && config_.input_on_host[i];
      const MemorySpace* want = on_host ? &HostMemory() : config_.space;
      if (inputs[i].space != want) {
        return absl::FailedPreconditionError(absl::StrCat(
            config_.label, " reads '", g.value(g.inputs()[i]).name, "' from ",
            inputs[i].space ? inputs[i].space->name() : "no", " memory, but it must be in ",
            want->name(), " memory: no transfer brought it there"));
      }
      if (!streamed_[i]) {
        tensors.push_back(inputs[i].tensor);
        continue;
      }
      // A streamed weight: the kernels were built on its bytes; the copy must hold exactly them.
      const ir::Tensor& weight = *g.value(g.inputs()[i]).initializer;
      if (config_.check_streamed_bytes &&
          (inputs[i].tensor.byte_size() != weight.byte_size() ||
           std::memcmp(inputs[i].tensor.data.data(), weight.data.data(), weight.byte_size()) != 0)) {
        return absl::FailedPreconditionError(absl::StrCat(
            config_.label, ": the copy of weight '", g.value(g.inputs()[i]).name,
            "' does not hold the weight's bytes"));
      }
    }
    std::shared_ptr<Reservation> arena;  // released when this run of the segment returns
    if (config_.arena_per_run) {
      TANDEM_ASSIGN_OR_RETURN(arena, ReserveArena());
    }
    TANDEM_ASSIGN_OR_RETURN(std::vector<ir::Tensor> outs, executor_->Run(tensors));
    std::vector<DeviceTensor> result;
    result.reserve(outs.size());
    for (size_t i = 0; i < outs.size(); ++i) {
      TANDEM_ASSIGN_OR_RETURN(
          auto reservation,
          config_.allocator->Reserve(static_cast<int64_t>(outs[i].byte_size()),
                                     absl::StrCat("output '", g.value(g.outputs()[i]).name,
                                                  "' of ", config_.label)));
      result.push_back(DeviceTensor{std::move(outs[i]), config_.space, std::move(reservation)});
    }
    return result;
  }

  int64_t resident_bytes() const override { return arena_ ? arena_->bytes() : 0; }

 private:
  HostSegmentConfig config_;
  std::unique_ptr<ir::Graph> relocated_;
  std::vector<std::shared_ptr<const void>> weights_;
  const ir::Graph* graph_ = nullptr;
  std::vector<bool> streamed_;            // by input: a streamed weight
  std::unique_ptr<ir::Graph> inlined_;    // graph_ with streamed weights as constants
  std::unique_ptr<CpuExecutor> executor_;
  std::shared_ptr<Reservation> arena_;
};

}  // namespace

absl::StatusOr<std::pair<ir::Tensor, std::shared_ptr<const void>>> ResidentWeights::Hold(
    const ir::Tensor& t, const std::string& name, Allocator& allocator, bool copy) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto key = std::make_pair(t.data.data(), t.data.size());
  ir::Tensor resident = t;
  std::shared_ptr<Resident> held = held_[key].lock();
  if (!held) {
    const std::string what = absl::StrCat("weight '", name, "'");
    held = std::make_shared<Resident>();
    if (copy) {
      TANDEM_ASSIGN_OR_RETURN(Buffer buffer,
                              allocator.Allocate(static_cast<int64_t>(t.byte_size()), what));
      if (t.byte_size() > 0) std::memcpy(buffer.data(), t.data.data(), t.byte_size());
      held->data = AsTensorData(buffer);  // owns the memory and its reservation
    } else {
      held->data = t.data;
      TANDEM_ASSIGN_OR_RETURN(held->reservation,
                              allocator.Reserve(static_cast<int64_t>(t.byte_size()), what));
    }
    held_[key] = held;
  }
  resident.data = held->data;
  return std::make_pair(std::move(resident), std::shared_ptr<const void>(std::move(held)));
}

absl::StatusOr<std::unique_ptr<CompiledSegment>> CompileHostSegment(const ir::Graph& segment_graph,
                                                                    HostSegmentConfig config) {
  const ir::Graph& g = segment_graph;
  std::vector<std::shared_ptr<const ir::Tensor>> constants(g.num_values());
  std::vector<std::shared_ptr<const void>> holders;
  for (int i = 0; i < g.num_values(); ++i) {
    const ir::Value& v = g.value(ir::ValueId(i));
    if (v.kind != ir::ValueKind::kInitializer || !v.initializer) continue;
    if (v.initializer->dtype == ir::DType::kString) continue;  // host objects, never device bytes
    TANDEM_ASSIGN_OR_RETURN(auto held, config.weights->Hold(*v.initializer, v.name,
                                                            *config.allocator, config.copy_weights));
    holders.push_back(std::move(held.second));
    if (config.copy_weights) constants[i] = std::make_shared<const ir::Tensor>(std::move(held.first));
  }
  std::unique_ptr<ir::Graph> relocated;
  if (config.copy_weights) {
    // The same graph with every initializer's bytes in the device's memory.
    TANDEM_ASSIGN_OR_RETURN(relocated,
                            ir::RebuildGraph(g, std::vector<bool>(g.num_nodes(), true), constants));
  }
  auto segment = std::make_unique<HostSegment>(std::move(config), std::move(relocated),
                                               std::move(holders));
  TANDEM_RETURN_IF_ERROR(segment->Init(g));
  return std::unique_ptr<CompiledSegment>(std::move(segment));
}

}  // namespace tandem::executors
