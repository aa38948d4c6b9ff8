#include "importer/node_inference.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "importer/graph_converter.h"
#include "importer/inference_guards.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

namespace tandem::importer {
namespace {

// Inputs up to this many elements travel as constants, so data propagation can use them; larger
// ones (activations, weights) never decide a shape and only their type is passed.
constexpr int64_t kMaxConstantElements = 4096;

void FillTensorType(const ir::TensorInfo& info, onnx::TypeProto_Tensor* t) {
  t->set_elem_type(static_cast<int32_t>(info.dtype));
  if (!info.shape.has_rank()) return;
  auto* shape = t->mutable_shape();
  for (const ir::Dim& d : info.shape.dims()) {
    auto* dim = shape->add_dim();
    if (d.is_static()) dim->set_dim_value(d.size());
    else if (d.is_symbolic()) dim->set_dim_param(d.symbol());
  }
}

void FillType(const ir::TensorInfo& info, onnx::TypeProto* type) {
  switch (info.type) {
    case ir::ValueType::kTensor:
    case ir::ValueType::kOther: FillTensorType(info, type->mutable_tensor_type()); break;
    case ir::ValueType::kSequence:
      FillTensorType(info, type->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type());
      break;
    case ir::ValueType::kOptional:
      FillTensorType(info, type->mutable_optional_type()->mutable_elem_type()->mutable_tensor_type());
      break;
    case ir::ValueType::kOptionalSequence:
      FillTensorType(info, type->mutable_optional_type()
                               ->mutable_elem_type()
                               ->mutable_sequence_type()
                               ->mutable_elem_type()
                               ->mutable_tensor_type());
      break;
  }
}

void FillTensor(const ir::Tensor& t, onnx::TensorProto* proto) {
  proto->set_data_type(static_cast<int32_t>(t.dtype));
  for (int64_t d : t.dims) proto->add_dims(d);
  if (t.dtype == ir::DType::kString) {
    for (const auto& s : t.strings) proto->add_string_data(s);
  } else {
    proto->set_raw_data(t.data.data(), t.data.size());
  }
}

// Attributes back to protobuf. Subgraph attributes are left out: the interpreter runs control
// flow itself and never asks for those nodes' types.
absl::Status FillAttribute(const std::string& name, const ir::Attribute& a, onnx::AttributeProto* p) {
  p->set_name(name);
  using onnx::AttributeProto;
  switch (a.kind()) {
    case ir::AttrKind::kFloat: p->set_type(AttributeProto::FLOAT); p->set_f(a.f()); break;
    case ir::AttrKind::kInt: p->set_type(AttributeProto::INT); p->set_i(a.i()); break;
    case ir::AttrKind::kString: p->set_type(AttributeProto::STRING); p->set_s(a.s()); break;
    case ir::AttrKind::kTensor: p->set_type(AttributeProto::TENSOR); FillTensor(a.t(), p->mutable_t()); break;
    case ir::AttrKind::kType:
      p->set_type(AttributeProto::TYPE_PROTO);
      FillType(std::get<ir::TensorInfo>(a.value()), p->mutable_tp());
      break;
    case ir::AttrKind::kFloats:
      p->set_type(AttributeProto::FLOATS);
      for (float f : a.floats()) p->add_floats(f);
      break;
    case ir::AttrKind::kInts:
      p->set_type(AttributeProto::INTS);
      for (int64_t i : a.ints()) p->add_ints(i);
      break;
    case ir::AttrKind::kStrings:
      p->set_type(AttributeProto::STRINGS);
      for (const auto& s : a.strings()) p->add_strings(s);
      break;
    case ir::AttrKind::kTensors:
      p->set_type(AttributeProto::TENSORS);
      for (const auto& t : std::get<std::vector<ir::Tensor>>(a.value())) FillTensor(t, p->add_tensors());
      break;
    case ir::AttrKind::kTypes:
      p->set_type(AttributeProto::TYPE_PROTOS);
      for (const auto& t : std::get<std::vector<ir::TensorInfo>>(a.value())) FillType(t, p->add_type_protos());
      break;
    case ir::AttrKind::kGraph:
    case ir::AttrKind::kGraphs:
      return absl::UnimplementedError(absl::StrCat("attribute '", name, "' holds a subgraph"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ir::TensorInfo>> InferAt(const ir::Node& node, absl::Span<const NodeInput> inputs,
                                                    const std::map<std::string, int64_t>& opsets,
                                                    int64_t default_opset) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  std::map<std::string, int64_t> imports = opsets;
  imports.erase("ai.onnx");
  imports[""] = default_opset;
  for (const auto& [domain, version] : imports) {
    auto* op = model.add_opset_import();
    op->set_domain(domain);
    op->set_version(version);
  }
  onnx::GraphProto* g = model.mutable_graph();
  g->set_name("node");
  onnx::NodeProto* n = g->add_node();
  n->set_op_type(node.op_type);
  n->set_domain(node.domain);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const NodeInput& in = inputs[i];
    if (in.info.dtype == ir::DType::kUndefined && in.info.type == ir::ValueType::kTensor && !in.value) {
      n->add_input("");  // omitted optional input
      continue;
    }
    const std::string name = absl::StrCat("in", i);
    n->add_input(name);
    const bool constant = in.value && in.info.type == ir::ValueType::kTensor &&
                          in.value->num_elements() <= kMaxConstantElements;
    if (constant) {
      onnx::TensorProto* t = g->add_initializer();
      t->set_name(name);
      FillTensor(*in.value, t);
    } else {
      auto* vi = g->add_input();
      vi->set_name(name);
      FillType(in.info, vi->mutable_type());
    }
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) n->add_output(absl::StrCat("out", i));
  for (const auto& [name, attr] : node.attributes) {
    TANDEM_RETURN_IF_ERROR(FillAttribute(name, attr, n->add_attribute()));
  }
  try {
    onnx::ShapeInferenceOptions opts{/*check_type=*/true, /*error_mode=*/1,
                                     /*enable_data_propagation=*/true};
    InstallInferenceGuards();
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), opts);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": ONNX shape inference rejected the inputs: ", e.what()));
  }
  std::vector<ir::TensorInfo> out(node.outputs.size());
  for (const auto& vi : g->value_info()) {
    int index = -1;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (vi.name() == absl::StrCat("out", i)) index = static_cast<int>(i);
    }
    if (index < 0) continue;
    TANDEM_ASSIGN_OR_RETURN(out[index], ConvertType(vi.type(), absl::StrCat(node.Describe(), " output ", index)));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<ir::TensorInfo>> InferNodeOutputs(
    const ir::Node& node, absl::Span<const NodeInput> inputs,
    const std::map<std::string, int64_t>& opsets) {
  auto it = opsets.find("");
  if (it == opsets.end()) it = opsets.find("ai.onnx");
  const int64_t model_opset = it == opsets.end() ? 18 : it->second;
  // The importer rewrote version-specific forms into the opset-18 one (op_normalizer.h); a node
  // that ONNX rejects at the model's own version is retried in that form.
  auto result = InferAt(node, inputs, opsets, model_opset);
  if (!result.ok() && model_opset < 18) {
    auto retry = InferAt(node, inputs, opsets, 18);
    if (retry.ok()) return retry;
  }
  return result;
}

NodeInferenceFn MakeNodeInference(std::map<std::string, int64_t> opsets) {
  return [opsets = std::move(opsets)](const ir::Node& node, absl::Span<const ir::TensorInfo> infos,
                                      absl::Span<const ir::Tensor* const> values)
             -> absl::StatusOr<std::vector<ir::TensorInfo>> {
    std::vector<NodeInput> inputs(infos.size());
    for (size_t i = 0; i < infos.size(); ++i) {
      inputs[i].info = infos[i];
      inputs[i].value = i < values.size() ? values[i] : nullptr;
    }
    return InferNodeOutputs(node, inputs, opsets);
  };
}

}  // namespace tandem::importer
