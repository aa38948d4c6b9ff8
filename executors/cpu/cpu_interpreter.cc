#include "executors/cpu/cpu_interpreter.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "executors/cpu/cpu_interpreter_internal.h"
#include "executors/cpu/tensor_axis.h"

namespace tandem::executors {

using kernels::cpu::Dims;
using kernels::cpu::TensorView;

namespace {

absl::Status NamedError(const absl::Status& s, const ir::Node& node) {
  std::string msg(s.message());
  if (msg.find(node.Describe()) == std::string::npos) msg = absl::StrCat(node.Describe(), ": ", msg);
  return absl::Status(s.code(), msg);
}

TensorView ViewOf(const ir::Tensor& t) {
  TensorView v;
  v.dtype = t.dtype;
  v.dims.assign(t.dims.begin(), t.dims.end());
  v.data = t.dtype == ir::DType::kString ? static_cast<void*>(const_cast<std::string*>(t.strings.data()))
                                         : static_cast<void*>(const_cast<uint8_t*>(t.data.data()));
  return v;
}

// Allocates outputs whose sizes a kernel finds while running (NonZero, Unique...).
class DeferredOutputs : public kernels::cpu::OutputAllocator {
 public:
  DeferredOutputs(std::vector<ir::Tensor>& outputs, const std::vector<ir::DType>& dtypes)
      : outputs_(outputs), dtypes_(dtypes) {}
  absl::StatusOr<void*> Allocate(size_t i, const Dims& dims) override {
    outputs_[i] = NewTensor(dtypes_[i], std::vector<int64_t>(dims.begin(), dims.end()));
    ir::Tensor& t = outputs_[i];
    return t.dtype == ir::DType::kString ? static_cast<void*>(t.strings.data())
                                         : static_cast<void*>(MutableBytes(t));
  }

 private:
  std::vector<ir::Tensor>& outputs_;
  const std::vector<ir::DType>& dtypes_;
};

}  // namespace

std::string RuntimeValue::Describe() const {
  auto tensor = [](const ir::Tensor& t) {
    return absl::StrCat(ir::DTypeName(t.dtype), "[", absl::StrJoin(t.dims, ","), "]");
  };
  switch (type) {
    case ir::ValueType::kTensor: return tensors.empty() ? "tensor(missing)" : tensor(tensors[0]);
    case ir::ValueType::kSequence: return absl::StrCat("seq(", tensors.size(), " tensors)");
    case ir::ValueType::kOptional:
      return has_value && !tensors.empty() ? absl::StrCat("opt(", tensor(tensors[0]), ")") : "opt(none)";
    case ir::ValueType::kOptionalSequence:
      return has_value ? absl::StrCat("opt(seq(", tensors.size(), " tensors))") : "opt(none)";
    case ir::ValueType::kOther: return "unsupported value";
  }
  return "";
}

absl::StatusOr<const RuntimeValue*> CpuInterpreter::Scope::Get(ir::ValueId id) const {
  std::optional<RuntimeValue>& slot = values[id.value];
  if (slot) return &*slot;
  const ir::Value& v = graph->value(id);
  if (v.initializer) {
    slot = RuntimeValue::Tensor(*v.initializer);  // shares the bytes, no copy
    return &*slot;
  }
  if (v.kind == ir::ValueKind::kOuterScope) {
    for (const Scope* s = parent; s != nullptr; s = s->parent) {
      if (auto outer = s->graph->FindValue(v.name)) return s->Get(*outer);
    }
    return absl::InvalidArgumentError(absl::StrCat("outer-scope value '", v.name, "' is not defined"));
  }
  return absl::InternalError(absl::StrCat("value '", v.name, "' was not computed before its use"));
}

absl::StatusOr<const ir::Tensor*> CpuInterpreter::Scope::GetTensor(const ir::Node& node, size_t i) const {
  TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* v, Get(node.inputs[i]));
  if (!v->holds_one_tensor()) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": input ", i, " ('",
                                                   graph->value(node.inputs[i]).name,
                                                   "') must be a tensor, got ", v->Describe()));
  }
  return &v->tensors[0];
}

void CpuInterpreter::Scope::Set(ir::ValueId id, RuntimeValue v) {
  if (id.valid()) values[id.value] = std::move(v);
}

CpuInterpreter::CpuInterpreter(const ir::Graph& graph, NodeInferenceFn infer, pthreadpool_t pool)
    : graph_(graph), infer_(std::move(infer)), pool_(pool) {}

std::string CpuInterpreter::UnsupportedReason(const ir::Graph& graph, const ir::Node& node) {
  if (IsInterpreterOp(node)) {
    for (const auto& [name, attr] : node.attributes) {
      for (const ir::Graph* body : attr.subgraphs()) {
        for (const ir::Node& inner : body->nodes()) {
          std::string reason = UnsupportedReason(*body, inner);
          if (!reason.empty()) return reason;
        }
      }
    }
    return "";
  }
  const auto& registry = kernels::cpu::KernelRegistry::Default();
  if (node.domain.empty() && !registry.HasOp(node.op_type)) {
    return absl::StrCat(node.Describe(), ": no CPU kernel for op ", node.op_type);
  }
  return "";
}

absl::StatusOr<std::vector<RuntimeValue>> CpuInterpreter::Run(std::vector<RuntimeValue> inputs) const {
  return RunGraph(graph_, std::move(inputs), nullptr);
}

absl::StatusOr<std::vector<RuntimeValue>> CpuInterpreter::RunGraph(const ir::Graph& g,
                                                                   std::vector<RuntimeValue> inputs,
                                                                   const Scope* outer) const {
  Scope scope;
  scope.graph = &g;
  scope.parent = outer;
  scope.values.resize(g.num_values());
  if (inputs.size() > g.inputs().size()) {
    return absl::InvalidArgumentError(absl::StrCat("graph '", g.name(), "' takes ", g.inputs().size(),
                                                   " inputs, got ", inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) scope.Set(g.inputs()[i], std::move(inputs[i]));
  TANDEM_ASSIGN_OR_RETURN(std::vector<ir::NodeId> order, g.TopologicalOrder());
  for (ir::NodeId id : order) {
    const ir::Node& node = g.node(id);
    absl::Status s = RunNode(node, scope);
    if (!s.ok()) return NamedError(s, node);
  }
  std::vector<RuntimeValue> outputs;
  outputs.reserve(g.outputs().size());
  for (ir::ValueId out : g.outputs()) {
    TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* v, scope.Get(out));
    outputs.push_back(*v);
  }
  return outputs;
}

absl::Status CpuInterpreter::RunNode(const ir::Node& node, Scope& scope) const {
  const std::string& op = node.op_type;
  if (!node.domain.empty() || !IsInterpreterOp(node)) return RunKernelNode(node, scope);
  if (op == "If") return RunIf(node, scope);
  if (op == "Loop") return RunLoop(node, scope);
  if (op == "Scan") return RunScan(node, scope);
  if (op == "SequenceMap") return RunSequenceMap(node, scope);
  return RunSequenceOrOptionalOp(node, scope);
}

absl::Status CpuInterpreter::RunKernelNode(const ir::Node& node, Scope& scope) const {
  const ir::Graph& g = *scope.graph;
  const size_t n_in = node.inputs.size(), n_out = node.outputs.size();
  std::vector<const ir::Tensor*> in_tensors(n_in, nullptr);
  std::vector<ir::TensorInfo> in_infos(n_in);
  bool graph_types_hold = true;  // the graph's static output types are valid for these inputs
  for (size_t i = 0; i < n_in; ++i) {
    if (!node.inputs[i].valid()) continue;
    TANDEM_ASSIGN_OR_RETURN(in_tensors[i], scope.GetTensor(node, i));
    in_infos[i] = ir::TensorInfo{in_tensors[i]->dtype, ir::Shape::Static(in_tensors[i]->dims)};
    auto declared = g.value(node.inputs[i]).info.shape.static_sizes();
    if (!declared || *declared != in_tensors[i]->dims) graph_types_hold = false;
  }
  std::vector<ir::TensorInfo> out_infos(n_out);
  for (size_t i = 0; i < n_out; ++i) {
    if (!node.outputs[i].valid()) continue;
    out_infos[i] = g.value(node.outputs[i]).info;
    if (!out_infos[i].shape.is_static() || out_infos[i].dtype == ir::DType::kUndefined) graph_types_hold = false;
  }
  if (!graph_types_hold) {
    if (!infer_) {
      return absl::UnimplementedError("its output shapes depend on run-time values and no shape inference was given");
    }
    TANDEM_ASSIGN_OR_RETURN(out_infos, infer_(node, in_infos, in_tensors));
    out_infos.resize(n_out);
  }

  // A one-node graph in which every input is a constant of its real shape.
  ir::Graph scratch(g.name());
  for (const auto& [domain, version] : graph_.opsets()) scratch.set_opset(domain, version);
  ir::Node copy;
  copy.name = node.name;
  copy.op_type = node.op_type;
  copy.domain = node.domain;
  copy.attributes = node.attributes;
  for (size_t i = 0; i < n_in; ++i) {
    if (!in_tensors[i]) {
      copy.inputs.push_back(ir::ValueId());
      continue;
    }
    TANDEM_ASSIGN_OR_RETURN(ir::ValueId id, scratch.AddInitializer(absl::StrCat(g.value(node.inputs[i]).name, "#", i),
                                                                  *in_tensors[i]));
    copy.inputs.push_back(id);
  }
  std::vector<ir::DType> out_dtypes(n_out, ir::DType::kUndefined);
  for (size_t i = 0; i < n_out; ++i) {
    if (!node.outputs[i].valid()) {
      copy.outputs.push_back(ir::ValueId());
      continue;
    }
    out_dtypes[i] = out_infos[i].dtype;
    TANDEM_ASSIGN_OR_RETURN(ir::ValueId id, scratch.AddNodeOutput(g.value(node.outputs[i]).name, out_infos[i]));
    copy.outputs.push_back(id);
  }
  TANDEM_RETURN_IF_ERROR(scratch.AddNode(std::move(copy)).status());
  TANDEM_ASSIGN_OR_RETURN(auto kernel,
                          kernels::cpu::KernelRegistry::Default().Create(scratch, scratch.node(ir::NodeId(0))));

  std::vector<ir::Tensor> outputs(n_out);
  std::vector<TensorView> in_views(n_in), out_views(n_out);
  for (size_t i = 0; i < n_in; ++i) {
    if (in_tensors[i]) in_views[i] = ViewOf(*in_tensors[i]);
  }
  for (size_t i = 0; i < n_out; ++i) {
    if (!node.outputs[i].valid()) continue;
    out_views[i].dtype = out_dtypes[i];
    if (auto sizes = out_infos[i].shape.static_sizes()) {
      outputs[i] = NewTensor(out_dtypes[i], *sizes);
      out_views[i] = ViewOf(outputs[i]);
    }
  }
  DeferredOutputs deferred(outputs, out_dtypes);
  kernels::cpu::KernelContext ctx{in_views, absl::MakeSpan(out_views), pool_, &deferred};
  TANDEM_RETURN_IF_ERROR(kernel->Run(ctx));
  for (size_t i = 0; i < n_out; ++i) {
    if (!node.outputs[i].valid()) continue;
    if (outputs[i].dtype == ir::DType::kUndefined) {
      return absl::InternalError(absl::StrCat("output ", i, " ('", g.value(node.outputs[i]).name,
                                              "') has no inferable shape and its kernel did not size it"));
    }
    scope.Set(node.outputs[i], RuntimeValue::Tensor(std::move(outputs[i])));
  }
  return absl::OkStatus();
}

absl::Status CpuInterpreter::RunIf(const ir::Node& node, Scope& scope) const {
  TANDEM_ASSIGN_OR_RETURN(const ir::Tensor* cond, scope.GetTensor(node, 0));
  if (cond->num_elements() != 1) return absl::InvalidArgumentError("the condition must hold one element");
  const char* branch_name = cond->IntAt(0) != 0 ? "then_branch" : "else_branch";
  const ir::Attribute* branch = node.attr(branch_name);
  if (!branch || branch->kind() != ir::AttrKind::kGraph) {
    return absl::InvalidArgumentError(absl::StrCat("missing graph attribute ", branch_name));
  }
  TANDEM_ASSIGN_OR_RETURN(auto outs, RunGraph(branch->g(), {}, &scope));
  if (outs.size() != node.outputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat(branch_name, " produced ", outs.size(), " outputs, the node has ",
                                                   node.outputs.size()));
  }
  for (size_t i = 0; i < outs.size(); ++i) scope.Set(node.outputs[i], std::move(outs[i]));
  return absl::OkStatus();
}

absl::Status CpuInterpreter::RunLoop(const ir::Node& node, Scope& scope) const {
  const ir::Attribute* body_attr = node.attr("body");
  if (!body_attr || body_attr->kind() != ir::AttrKind::kGraph) return absl::InvalidArgumentError("missing body");
  const ir::Graph& body = body_attr->g();
  int64_t max_trips = std::numeric_limits<int64_t>::max();
  bool cond = true;
  if (node.input(0).valid()) {
    TANDEM_ASSIGN_OR_RETURN(const ir::Tensor* m, scope.GetTensor(node, 0));
    max_trips = m->IntAt(0);
  }
  if (node.input(1).valid()) {
    TANDEM_ASSIGN_OR_RETURN(const ir::Tensor* c, scope.GetTensor(node, 1));
    cond = c->IntAt(0) != 0;
  }
  const size_t n_carried = node.inputs.size() - 2;
  if (body.inputs().size() != n_carried + 2 || body.outputs().size() < n_carried + 1) {
    return absl::InvalidArgumentError(absl::StrCat("body takes ", body.inputs().size(), " inputs and gives ",
                                                   body.outputs().size(), " outputs for ", n_carried,
                                                   " loop-carried values"));
  }
  const size_t n_scan = body.outputs().size() - 1 - n_carried;
  std::vector<RuntimeValue> carried;
  for (size_t i = 0; i < n_carried; ++i) {
    TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* v, scope.Get(node.inputs[2 + i]));
    carried.push_back(*v);
  }
  std::vector<std::vector<ir::Tensor>> scans(n_scan);
  for (int64_t trip = 0; trip < max_trips && cond; ++trip) {
    std::vector<RuntimeValue> in;
    in.push_back(RuntimeValue::Tensor(ir::Tensor::FromValues<int64_t>(ir::DType::kInt64, {}, {trip})));
    in.push_back(RuntimeValue::Tensor(ir::Tensor::FromValues<uint8_t>(ir::DType::kBool, {}, {1})));
    for (RuntimeValue& v : carried) in.push_back(std::move(v));
    TANDEM_ASSIGN_OR_RETURN(auto outs, RunGraph(body, std::move(in), &scope));
    if (!outs[0].holds_one_tensor()) return absl::InvalidArgumentError("the body's condition is not a tensor");
    cond = outs[0].tensors[0].IntAt(0) != 0;
    carried.assign(std::make_move_iterator(outs.begin() + 1), std::make_move_iterator(outs.begin() + 1 + n_carried));
    for (size_t k = 0; k < n_scan; ++k) {
      RuntimeValue& s = outs[1 + n_carried + k];
      if (!s.holds_one_tensor()) return absl::UnimplementedError("scan outputs must be tensors");
      scans[k].push_back(std::move(s.tensors[0]));
    }
  }
  for (size_t i = 0; i < n_carried; ++i) scope.Set(node.outputs[i], std::move(carried[i]));
  for (size_t k = 0; k < n_scan; ++k) {
    ir::ValueId out = node.outputs[n_carried + k];
    if (!out.valid()) continue;
    if (scans[k].empty()) {
      const ir::TensorInfo& info = body.value(body.outputs()[1 + n_carried + k]).info;
      std::vector<int64_t> dims{0};
      if (auto sizes = info.shape.static_sizes()) dims.insert(dims.end(), sizes->begin(), sizes->end());
      scope.Set(out, RuntimeValue::Tensor(NewTensor(info.dtype, dims)));
      continue;
    }
    absl::StatusOr<ir::Tensor> stacked = StackAxis(scans[k], 0);
    if (!stacked.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("scan output ", k, ": ", stacked.status().message()));
    }
    scope.Set(out, RuntimeValue::Tensor(*std::move(stacked)));
  }
  return absl::OkStatus();
}

absl::Status CpuInterpreter::RunScan(const ir::Node& node, Scope& scope) const {
  if (graph_.opset("") > 0 && graph_.opset("") < 9) {
    return absl::UnimplementedError("Scan before opset 9 (batched, with sequence_lens) is not supported");
  }
  const ir::Attribute* body_attr = node.attr("body");
  if (!body_attr || body_attr->kind() != ir::AttrKind::kGraph) return absl::InvalidArgumentError("missing body");
  const ir::Graph& body = body_attr->g();
  const int64_t m = node.GetInt("num_scan_inputs", 0);
  const int64_t n_states = static_cast<int64_t>(node.inputs.size()) - m;
  const int64_t k_outs = static_cast<int64_t>(node.outputs.size()) - n_states;
  if (m <= 0 || n_states < 0 || k_outs < 0) return absl::InvalidArgumentError("bad num_scan_inputs");
  auto attr_or_zero = [&](const char* name, int64_t count) {
    std::vector<int64_t> v = node.GetInts(name);
    v.resize(static_cast<size_t>(count), 0);
    return v;
  };
  const auto in_axes = attr_or_zero("scan_input_axes", m);
  const auto in_dirs = attr_or_zero("scan_input_directions", m);
  const auto out_axes = attr_or_zero("scan_output_axes", k_outs);
  const auto out_dirs = attr_or_zero("scan_output_directions", k_outs);

  std::vector<RuntimeValue> states;
  for (int64_t i = 0; i < n_states; ++i) {
    TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* v, scope.Get(node.inputs[i]));
    states.push_back(*v);
  }
  std::vector<const ir::Tensor*> scan_in(m);
  std::vector<int> scan_axis(m);
  int64_t length = -1;
  for (int64_t j = 0; j < m; ++j) {
    TANDEM_ASSIGN_OR_RETURN(scan_in[j], scope.GetTensor(node, n_states + j));
    TANDEM_ASSIGN_OR_RETURN(scan_axis[j], NormalizeAxis(in_axes[j], static_cast<int>(scan_in[j]->dims.size())));
    const int64_t len = scan_in[j]->dims[scan_axis[j]];
    if (length >= 0 && len != length) {
      return absl::InvalidArgumentError(absl::StrCat("scan inputs have different lengths (", length, " and ", len, ")"));
    }
    length = len;
  }
  std::vector<std::vector<ir::Tensor>> collected(k_outs);
  for (int64_t t = 0; t < length; ++t) {
    std::vector<RuntimeValue> in = states;
    for (int64_t j = 0; j < m; ++j) {
      const int64_t index = in_dirs[j] ? length - 1 - t : t;
      TANDEM_ASSIGN_OR_RETURN(ir::Tensor slice, SliceAxis(*scan_in[j], scan_axis[j], index, 1));
      in.push_back(RuntimeValue::Tensor(WithAxisRemoved(std::move(slice), scan_axis[j])));
    }
    TANDEM_ASSIGN_OR_RETURN(auto outs, RunGraph(body, std::move(in), &scope));
    if (outs.size() != static_cast<size_t>(n_states + k_outs)) {
      return absl::InvalidArgumentError(absl::StrCat("the body gives ", outs.size(), " outputs, expected ",
                                                     n_states + k_outs));
    }
    for (int64_t i = 0; i < n_states; ++i) states[i] = std::move(outs[i]);
    for (int64_t k = 0; k < k_outs; ++k) {
      if (!outs[n_states + k].holds_one_tensor()) return absl::UnimplementedError("scan outputs must be tensors");
      collected[k].push_back(std::move(outs[n_states + k].tensors[0]));
    }
  }
  for (int64_t i = 0; i < n_states; ++i) scope.Set(node.outputs[i], std::move(states[i]));
  for (int64_t k = 0; k < k_outs; ++k) {
    if (!node.outputs[n_states + k].valid()) continue;
    if (collected[k].empty()) return absl::UnimplementedError("Scan over an empty sequence");
    if (out_dirs[k]) std::reverse(collected[k].begin(), collected[k].end());
    TANDEM_ASSIGN_OR_RETURN(int axis, NormalizeAxis(out_axes[k], static_cast<int>(collected[k][0].dims.size()), true));
    TANDEM_ASSIGN_OR_RETURN(ir::Tensor stacked, StackAxis(collected[k], axis));
    scope.Set(node.outputs[n_states + k], RuntimeValue::Tensor(std::move(stacked)));
  }
  return absl::OkStatus();
}

absl::Status CpuInterpreter::RunSequenceMap(const ir::Node& node, Scope& scope) const {
  const ir::Attribute* body_attr = node.attr("body");
  if (!body_attr || body_attr->kind() != ir::AttrKind::kGraph) return absl::InvalidArgumentError("missing body");
  std::vector<const RuntimeValue*> ins;
  for (ir::ValueId id : node.inputs) {
    TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* v, scope.Get(id));
    ins.push_back(v);
  }
  if (ins.empty() || ins[0]->type != ir::ValueType::kSequence) {
    return absl::InvalidArgumentError("the first input must be a sequence");
  }
  const size_t length = ins[0]->tensors.size();
  std::vector<RuntimeValue> results(node.outputs.size());
  for (RuntimeValue& r : results) r.type = ir::ValueType::kSequence;
  for (size_t e = 0; e < length; ++e) {
    std::vector<RuntimeValue> in;
    for (const RuntimeValue* v : ins) {
      if (v->type == ir::ValueType::kSequence) {
        if (v->tensors.size() != length) return absl::InvalidArgumentError("sequence inputs differ in length");
        in.push_back(RuntimeValue::Tensor(v->tensors[e]));
      } else {
        in.push_back(*v);
      }
    }
    TANDEM_ASSIGN_OR_RETURN(auto outs, RunGraph(body_attr->g(), std::move(in), &scope));
    for (size_t k = 0; k < outs.size() && k < results.size(); ++k) {
      if (!outs[k].holds_one_tensor()) return absl::InvalidArgumentError("body outputs must be tensors");
      results[k].elem_dtype = outs[k].tensors[0].dtype;
      results[k].tensors.push_back(std::move(outs[k].tensors[0]));
    }
  }
  const ir::Graph& body = body_attr->g();
  for (size_t k = 0; k < results.size(); ++k) {
    if (results[k].tensors.empty() && k < body.outputs().size()) {
      results[k].elem_dtype = body.value(body.outputs()[k]).info.dtype;
    }
    scope.Set(node.outputs[k], std::move(results[k]));
  }
  return absl::OkStatus();
}

}  // namespace tandem::executors
