// Runtime::Create: from a Plan to a list of steps.
//
// Overview.
// 1. Units. Every plan segment becomes one unit, compiled on its device. A GPU segment is split
//    around each node with streamed weights, which runs as a unit of its own: its weights become
//    inputs of that unit, copied in just before it and released just after, so at most the
//    weights of the running node and of the next one are on the device (the plan's double buffer).
// 2. Locations. A value lives in slots, one per device that holds it. Its home slot is where it
//    is produced: the host for graph inputs (and streamed weights), the producing unit's device
//    otherwise. Initializers that are not streamed are not slots: each device keeps its own
//    resident copy (device.h, ResidentWeights).
// 3. Reads. A unit reads each input on its own device, except an operand its device reads on the
//    host (Device::InputOnHost: shape and scalar operands), which it reads from the host slot.
// 4. Copies. A read away from the value's home needs the plan's transfer of that value to that
//    device; it becomes a copy step placed just before the first unit that reads it. The runtime
//    never invents a copy: with check_transfers, a missing one fails Create, naming the value and
//    the reader; without, the reader is handed the home slot, and the device refuses the run.
//    A copy of a graph output to the host follows its producer; any other transfer nobody reads
//    comes after the last unit.
// 5. Prefetch depth. A copy depends on the unit two places before its reader, so it may overlap
//    the unit just before its reader (hiding its time) but not run further ahead, where it would
//    hold device memory the plan does not count.
// 6. Graph outputs are read from their host slot; each counts as a reader, so it stays alive.
// 7. Steps are listed in a topological order; each queue runs its steps in that order, which
//    cannot deadlock: the earliest unfinished step always has its dependencies met.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "executors/runtime_internal.h"

namespace tandem::executors {

namespace pt = partitioner;

class Runtime::Builder {
 public:
  explicit Builder(Runtime& rt) : rt_(rt), g_(rt.graph_) {}

  absl::Status Build() {
    TANDEM_RETURN_IF_ERROR(MakeUnits());
    TANDEM_RETURN_IF_ERROR(IndexTransfers());
    for (size_t u = 0; u < rt_.units_.size(); ++u) {
      TANDEM_RETURN_IF_ERROR(EmitUnit(static_cast<int>(u)));
      TANDEM_RETURN_IF_ERROR(EmitOutputCopies(*rt_.units_[u]));
    }
    for (const pt::Transfer& t : rt_.plan_.transfers) {
      if (t.streamed_weight || slot_of_.count({t.value.value, static_cast<int>(t.to)})) continue;
      TANDEM_ASSIGN_OR_RETURN(int src, HomeSlot(t.value, t.name));
      TANDEM_RETURN_IF_ERROR(EmitTransfer(t, src).status());
    }
    TANDEM_RETURN_IF_ERROR(BindOutputs());
    for (const Step& s : rt_.steps_) {
      for (int r : s.reads) rt_.slots_[r].readers++;
    }
    return absl::OkStatus();
  }

 private:
  Device* DeviceFor(DeviceKind kind) const {
    return kind == DeviceKind::kCpu ? rt_.devices_.cpu : rt_.devices_.gpu;
  }

  absl::Status MakeUnits() {
    std::vector<bool> seen(g_.num_nodes(), false);
    const auto& segments = rt_.plan_.segments;
    for (size_t s = 0; s < segments.size(); ++s) {
      const pt::Segment& seg = segments[s];
      const std::string name = absl::StrCat("segment ", s, " (", pt::DeviceKindName(seg.device), ")");
      if (DeviceFor(seg.device) == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("the plan puts ", name, " on the GPU, but no GPU device was given"));
      }
      std::vector<std::unique_ptr<Unit>> parts;
      for (const pt::PlacedNode& pn : seg.nodes) {
        if (!pn.node.valid() || pn.node.value >= g_.num_nodes()) {
          return absl::InvalidArgumentError(
              absl::StrCat(name, " names node ", pn.node.value, ", but the graph has ", g_.num_nodes()));
        }
        if (seen[pn.node.value]) {
          return absl::InvalidArgumentError(
              absl::StrCat("the plan places ", g_.node(pn.node).Describe(), " twice"));
        }
        seen[pn.node.value] = true;
        const bool streamed = pn.placement == pt::Placement::kGpuStreamed;
        if (parts.empty() || streamed || !parts.back()->streamed.empty()) {
          parts.push_back(std::make_unique<Unit>());
          parts.back()->device = seg.device;
        }
        Unit& unit = *parts.back();
        unit.nodes.push_back(pn.node);
        unit.predicted_ms += pn.predicted_ms;
        if (streamed) {
          for (ir::ValueId in : g_.node(pn.node).inputs) {
            if (in.valid() && g_.value(in).kind == ir::ValueKind::kInitializer) unit.streamed.push_back(in);
          }
          // A streamed node whose weights the plan does not copy reads them resident instead.
          if (unit.streamed.empty()) unit.streamed.push_back(ir::ValueId());
        }
      }
      for (size_t p = 0; p < parts.size(); ++p) {
        parts[p]->name = parts.size() == 1 ? name : absl::StrCat(name, " part ", p);
        rt_.units_.push_back(std::move(parts[p]));
      }
    }
    return absl::OkStatus();
  }

  absl::Status IndexTransfers() {
    for (const pt::Transfer& t : rt_.plan_.transfers) {
      if (!t.value.valid() || t.value.value >= g_.num_values() || t.from == t.to) {
        return absl::InvalidArgumentError(absl::StrCat("the plan's transfer '", t.name, "' is malformed"));
      }
      if (DeviceFor(t.to) == nullptr || DeviceFor(t.from) == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("the plan's transfer '", t.name, "' needs a GPU, but no GPU device was given"));
      }
      transfers_[{t.value.value, static_cast<int>(t.to)}] = &t;
    }
    // Streamed weights the plan copies: only those become unit inputs.
    for (auto& unit : rt_.units_) {
      std::vector<ir::ValueId> kept;
      for (ir::ValueId w : unit->streamed) {
        auto it = w.valid() ? transfers_.find({w.value, static_cast<int>(DeviceKind::kGpu)}) : transfers_.end();
        if (it != transfers_.end() && it->second->streamed_weight) kept.push_back(w);
      }
      unit->streamed = std::move(kept);
    }
    return absl::OkStatus();
  }

  int NewSlot(ir::ValueId v, DeviceKind d, int producer) {
    Slot s;
    s.value = v;
    s.device = d;
    s.producer = producer;
    rt_.slots_.push_back(s);
    const int id = static_cast<int>(rt_.slots_.size()) - 1;
    slot_of_[{v.value, static_cast<int>(d)}] = id;
    return id;
  }

  // The slot where `v` is produced (rule 2).
  absl::StatusOr<int> HomeSlot(ir::ValueId v, const std::string& reader) {
    if (auto it = home_.find(v.value); it != home_.end()) return it->second;
    const ir::Value& val = g_.value(v);
    if (val.kind == ir::ValueKind::kNodeOutput) {
      return absl::InvalidArgumentError(absl::StrCat(reader, " reads '", val.name,
                                                     "' before any segment of the plan produces it"));
    }
    const int slot = NewSlot(v, DeviceKind::kCpu, -1);
    if (val.kind == ir::ValueKind::kGraphInput) {
      for (size_t i = 0; i < g_.inputs().size(); ++i) {
        if (g_.inputs()[i] == v) rt_.slots_[slot].graph_input = static_cast<int>(i);
      }
    } else if (val.initializer) {
      rt_.slots_[slot].constant = val.initializer.get();
    }
    home_[v.value] = slot;
    return slot;
  }

  // A slot holding `v` on `d` for `reader` (rules 3 and 4).
  absl::StatusOr<int> SlotOn(ir::ValueId v, DeviceKind d, const std::string& reader) {
    TANDEM_ASSIGN_OR_RETURN(int home, HomeSlot(v, reader));
    if (rt_.slots_[home].device == d) return home;
    if (auto it = slot_of_.find({v.value, static_cast<int>(d)}); it != slot_of_.end()) return it->second;
    auto t = transfers_.find({v.value, static_cast<int>(d)});
    if (t == transfers_.end()) {
      if (!rt_.options_.check_transfers) return home;
      return absl::InvalidArgumentError(absl::StrCat(
          "the plan has no transfer of '", g_.value(v).name, "' to ", pt::DeviceKindName(d), ", which ",
          reader, " reads there (it is produced on ", pt::DeviceKindName(rt_.slots_[home].device), ")"));
    }
    return EmitTransfer(*t->second, home);
  }

  absl::StatusOr<int> EmitTransfer(const pt::Transfer& t, int src) {
    const Slot& from = rt_.slots_[src];
    if (from.device != t.from) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the plan's transfer '", t.name, "' copies from ", pt::DeviceKindName(t.from), ", but '",
          g_.value(t.value).name, "' is on ", pt::DeviceKindName(from.device)));
    }
    Device* gpu = rt_.devices_.gpu;
    DataTransfer* via = gpu ? gpu->transfer() : nullptr;
    Device* dst = DeviceFor(t.to);
    if (via == nullptr || !via->CanCopy(DeviceFor(t.from)->space(), dst->space())) {
      return absl::InvalidArgumentError(absl::StrCat("no device can copy '", t.name, "' from ",
                                                     DeviceFor(t.from)->name(), " to ", dst->name()));
    }
    Step step;
    step.kind = StepProfile::Kind::kTransfer;
    step.name = t.name;
    step.queue = kCopyQueue;
    step.device = dst;
    step.via = via;
    step.bytes = t.bytes;
    step.predicted_ms = t.predicted_ms;
    step.reads = {src};
    if (from.producer >= 0) step.deps.push_back(from.producer);
    // Rule 5: no further ahead than one unit before its reader.
    if (unit_steps_.size() >= 2) step.deps.push_back(unit_steps_[unit_steps_.size() - 2]);
    const int index = static_cast<int>(rt_.steps_.size());
    step.writes = {NewSlot(t.value, t.to, index)};
    rt_.steps_.push_back(std::move(step));
    return rt_.steps_.back().writes[0];
  }

  absl::Status EmitUnit(int u) {
    Unit& unit = *rt_.units_[u];
    std::vector<ir::ValueId> extra;
    for (ir::NodeId n : unit.nodes) {
      for (ir::ValueId out : g_.node(n).outputs) {
        if (!out.valid()) continue;
        for (int d = 0; d < pt::kNumDeviceKinds; ++d) {
          if (d != static_cast<int>(unit.device) && transfers_.count({out.value, d})) extra.push_back(out);
        }
      }
    }
    auto extracted = ir::ExtractSegment(g_, unit.nodes, extra, unit.streamed);
    if (!extracted.ok()) return Prefixed(unit.name, extracted.status());
    unit.extracted = *std::move(extracted);
    Device* device = DeviceFor(unit.device);
    Step step;
    step.kind = StepProfile::Kind::kSegment;
    step.name = unit.name;
    step.queue = static_cast<int>(unit.device);
    step.unit = u;
    step.device = device;
    step.predicted_ms = unit.predicted_ms;
    std::vector<bool> on_host;
    for (ir::ValueId v : unit.extracted.inputs) {
      const bool host = unit.device != DeviceKind::kCpu && ReadOnlyOnHost(unit, *device, v);
      on_host.push_back(host);
      TANDEM_ASSIGN_OR_RETURN(int slot, SlotOn(v, host ? DeviceKind::kCpu : unit.device, unit.name));
      step.reads.push_back(slot);
      const int producer = rt_.slots_[slot].producer;
      if (producer >= 0) step.deps.push_back(producer);
    }
    auto compiled = device->Compile(*unit.extracted.graph, unit.name, on_host);
    if (!compiled.ok()) return Prefixed(unit.name, compiled.status());
    unit.compiled = *std::move(compiled);
    const int index = static_cast<int>(rt_.steps_.size());
    for (ir::ValueId v : unit.extracted.outputs) {
      const int slot = NewSlot(v, unit.device, index);
      home_[v.value] = slot;
      step.writes.push_back(slot);
    }
    rt_.steps_.push_back(std::move(step));
    unit_steps_.push_back(index);
    return absl::OkStatus();
  }

  // Copies of graph outputs the unit produced away from the host, right after it (rule 4), so
  // its buffer is released as early as the plan assumes.
  absl::Status EmitOutputCopies(const Unit& unit) {
    if (unit.device == DeviceKind::kCpu) return absl::OkStatus();
    for (const pt::Transfer& t : rt_.plan_.transfers) {
      if (t.streamed_weight || t.to != DeviceKind::kCpu) continue;
      if (slot_of_.count({t.value.value, static_cast<int>(t.to)})) continue;
      auto home = home_.find(t.value.value);
      if (home == home_.end() || rt_.slots_[home->second].producer != unit_steps_.back()) continue;
      if (std::find(g_.outputs().begin(), g_.outputs().end(), t.value) == g_.outputs().end()) continue;
      TANDEM_RETURN_IF_ERROR(EmitTransfer(t, home->second).status());
    }
    return absl::OkStatus();
  }

  // Whether every use of `v` inside `unit` is an operand its device reads on the host.
  bool ReadOnlyOnHost(const Unit& unit, const Device& device, ir::ValueId v) const {
    bool any = false;
    for (ir::NodeId n : unit.nodes) {
      const ir::Node& node = g_.node(n);
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        if (node.inputs[i] != v) continue;
        if (!device.InputOnHost(g_, node, static_cast<int>(i))) return false;
        any = true;
      }
    }
    return any;  // a value only captured by a body is read on the device
  }

  absl::Status BindOutputs() {
    for (ir::ValueId v : g_.outputs()) {
      const ir::Value& val = g_.value(v);
      if (val.kind == ir::ValueKind::kInitializer) {
        rt_.output_slots_.push_back(-1);
        continue;
      }
      const std::string reader = absl::StrCat("graph output '", val.name, "'");
      TANDEM_ASSIGN_OR_RETURN(int home, HomeSlot(v, reader));
      int slot = home;
      if (rt_.slots_[home].device != DeviceKind::kCpu) {
        auto it = slot_of_.find({v.value, static_cast<int>(DeviceKind::kCpu)});
        if (it != slot_of_.end()) {
          slot = it->second;
        } else if (rt_.options_.check_transfers) {
          return absl::InvalidArgumentError(
              absl::StrCat(reader, " is produced on the GPU, and the plan has no transfer of it to the host"));
        }
      }
      rt_.slots_[slot].readers++;
      rt_.output_slots_.push_back(slot);
    }
    return absl::OkStatus();
  }

  static absl::Status Prefixed(const std::string& name, const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat(name, ": ", s.message()));
  }

  Runtime& rt_;
  const ir::Graph& g_;
  std::map<std::pair<int, int>, const pt::Transfer*> transfers_;  // (value, to) → transfer
  std::map<std::pair<int, int>, int> slot_of_;                     // (value, device) → slot
  std::map<int, int> home_;                                        // value → home slot
  std::vector<int> unit_steps_;                                    // segment steps so far
};

Runtime::Runtime(const ir::Graph& graph, partitioner::Plan plan, RuntimeDevices devices,
                 RuntimeOptions options)
    : graph_(graph), plan_(std::move(plan)), devices_(devices), options_(options) {}

Runtime::~Runtime() = default;

int Runtime::num_transfers() const {
  int n = 0;
  for (const Step& s : steps_) n += s.kind == StepProfile::Kind::kTransfer;
  return n;
}

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Create(const ir::Graph& graph,
                                                         const partitioner::Plan& plan,
                                                         RuntimeDevices devices,
                                                         RuntimeOptions options) {
  if (devices.cpu == nullptr || devices.cpu->kind() != DeviceKind::kCpu) {
    return absl::InvalidArgumentError("the runtime needs a CPU device");
  }
  if (devices.gpu != nullptr && devices.gpu->kind() != DeviceKind::kGpu) {
    return absl::InvalidArgumentError(
        absl::StrCat("device '", devices.gpu->name(), "' cannot play the GPU's side of a plan"));
  }
  std::unique_ptr<Runtime> rt(new Runtime(graph, plan, devices, options));
  Builder builder(*rt);
  TANDEM_RETURN_IF_ERROR(builder.Build());
  return rt;
}

}  // namespace tandem::executors
