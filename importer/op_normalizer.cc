#include "importer/op_normalizer.h"

#include <cfloat>
#include <functional>
#include "absl/strings/string_view.h"

#include "absl/strings/str_cat.h"
#include "common/float16.h"
#include "common/status_macros.h"

namespace tandem::importer {
namespace {

using ir::AttrKind;
using ir::DType;
using ir::Node;
using ir::Tensor;
using ir::ValueId;

Tensor Int64Vector(const std::vector<int64_t>& v) {
  return Tensor::FromValues<int64_t>(DType::kInt64, {static_cast<int64_t>(v.size())}, v);
}

// A scalar of `dtype` holding `x` (for Clip bounds and Pad values taken from float attributes).
absl::StatusOr<Tensor> Scalar(DType dtype, double x, const Node& node) {
  switch (dtype) {
    case DType::kFloat32: return Tensor::FromValues<float>(dtype, {}, {static_cast<float>(x)});
    case DType::kFloat64: return Tensor::FromValues<double>(dtype, {}, {x});
    case DType::kFloat16:
      return Tensor::FromValues<uint16_t>(dtype, {}, {FloatToHalfBits(static_cast<float>(x))});
    case DType::kBFloat16:
      return Tensor::FromValues<uint16_t>(dtype, {}, {FloatToBFloat16Bits(static_cast<float>(x))});
    case DType::kInt32: return Tensor::FromValues<int32_t>(dtype, {}, {static_cast<int32_t>(x)});
    case DType::kInt64: return Tensor::FromValues<int64_t>(dtype, {}, {static_cast<int64_t>(x)});
    case DType::kInt8: return Tensor::FromValues<int8_t>(dtype, {}, {static_cast<int8_t>(x)});
    case DType::kUInt8: return Tensor::FromValues<uint8_t>(dtype, {}, {static_cast<uint8_t>(x)});
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "node ", node.Describe(), ": cannot turn its attribute into a ", ir::DTypeName(dtype),
          " input (the input's dtype is unknown or unsupported)"));
  }
}

// Takes the ints attribute `attr` out of `node` and appends it as constant input number `index`
// (padding skipped optional inputs). Absent attribute: nothing happens.
absl::Status MoveIntsToInput(Node& node, absl::string_view attr, size_t index, NodeSink& sink) {
  const ir::Attribute* a = node.attr(attr);
  if (a == nullptr) return absl::OkStatus();
  if (a->kind() != AttrKind::kInts) {
    return absl::InvalidArgumentError(absl::StrCat("node ", node.Describe(), ": attribute '", attr,
                                                   "' must be ints, got ", AttrKindName(a->kind())));
  }
  TANDEM_ASSIGN_OR_RETURN(ValueId id,
                          sink.AddConstant(absl::StrCat(node.name.empty() ? node.op_type : node.name,
                                                        "_", attr),
                                           Int64Vector(a->ints())));
  node.attributes.erase(node.attributes.find(attr));
  if (node.inputs.size() < index + 1) node.inputs.resize(index + 1);
  node.inputs[index] = id;
  return absl::OkStatus();
}

absl::Status MoveFloatToInput(Node& node, absl::string_view attr, double default_value, size_t index,
                              NodeSink& sink) {
  const ir::Attribute* a = node.attr(attr);
  double x = a && a->kind() == AttrKind::kFloat ? a->f() : default_value;
  if (a) node.attributes.erase(node.attributes.find(attr));
  DType dtype = node.inputs.empty() || !node.inputs[0].valid() ? DType::kUndefined
                                                               : sink.Info(node.inputs[0]).dtype;
  TANDEM_ASSIGN_OR_RETURN(Tensor t, Scalar(dtype, x, node));
  TANDEM_ASSIGN_OR_RETURN(ValueId id, sink.AddConstant(absl::StrCat(node.name.empty() ? node.op_type : node.name,
                                                                    "_", attr), std::move(t)));
  if (node.inputs.size() < index + 1) node.inputs.resize(index + 1);
  node.inputs[index] = id;
  return absl::OkStatus();
}

void DropAttrs(Node& node, std::initializer_list<absl::string_view> names) {
  for (absl::string_view n : names) {
    auto it = node.attributes.find(n);
    if (it != node.attributes.end()) node.attributes.erase(it);
  }
}

// Before opset 13, Softmax-like ops flattened the input to 2-D around `axis` (default 1). The
// canonical op works on one axis, so the old form becomes Flatten → op(axis=-1) → Reshape.
absl::Status NormalizeLegacySoftmax(Node& node, NodeSink& sink) {
  int64_t axis = node.GetInt("axis", 1);
  ValueId x = node.input(0);
  const ir::TensorInfo info = sink.Info(x);  // a copy: AddTemp below may move the values
  if (info.shape.has_rank()) {
    int64_t rank = info.shape.rank();
    if (axis < 0) axis += rank;
    if (axis == rank - 1) {  // already a single-axis reduction over the last axis
      node.attributes["axis"] = ir::Attribute(int64_t{-1});
      return absl::OkStatus();
    }
  }
  std::string base = node.name.empty() ? node.op_type : node.name;
  TANDEM_ASSIGN_OR_RETURN(ValueId flat, sink.AddTemp(base + "_flat", {info.dtype, {}}));
  TANDEM_ASSIGN_OR_RETURN(ValueId soft, sink.AddTemp(base + "_2d", {info.dtype, {}}));
  TANDEM_ASSIGN_OR_RETURN(ValueId shape, sink.AddTemp(base + "_shape", {DType::kInt64, {}}));
  Node flatten{base + "_flatten", "Flatten", "", {x}, {flat}, {}};
  flatten.attributes["axis"] = ir::Attribute(axis);
  Node op{base + "_2d", node.op_type, "", {flat}, {soft}, {}};
  op.attributes["axis"] = ir::Attribute(int64_t{-1});
  Node shape_of{base + "_shape", "Shape", "", {x}, {shape}, {}};
  TANDEM_RETURN_IF_ERROR(sink.EmitNode(std::move(flatten)));
  TANDEM_RETURN_IF_ERROR(sink.EmitNode(std::move(op)));
  TANDEM_RETURN_IF_ERROR(sink.EmitNode(std::move(shape_of)));
  node.op_type = "Reshape";
  node.inputs = {soft, shape};
  node.attributes.clear();
  return absl::OkStatus();
}

// Upsample (opset 7-9) and Resize-10 become the Resize-13 form (X, roi, scales).
absl::Status NormalizeResize(Node& node, int64_t opset, NodeSink& sink) {
  std::string mode = node.GetString("mode", "nearest");
  if (node.op_type == "Upsample" && opset < 9) {
    const ir::Attribute* s = node.attr("scales");
    if (!s || s->kind() != AttrKind::kFloats) {
      return absl::InvalidArgumentError(
          absl::StrCat("node ", node.Describe(), ": attribute 'scales' (floats) is required"));
    }
    Tensor t = Tensor::FromValues<float>(DType::kFloat32, {static_cast<int64_t>(s->floats().size())},
                                         s->floats());
    TANDEM_ASSIGN_OR_RETURN(ValueId id, sink.AddConstant(node.name + "_scales", std::move(t)));
    node.inputs.resize(1);
    node.inputs.push_back(id);
  }
  // Upsample and Resize-10: (X, scales) → (X, roi = none, scales).
  if (node.inputs.size() == 2) node.inputs.insert(node.inputs.begin() + 1, ValueId());
  node.op_type = "Resize";
  node.attributes.clear();
  node.attributes["mode"] = ir::Attribute(std::string(mode == "bilinear" ? "linear" : mode));
  node.attributes["coordinate_transformation_mode"] = ir::Attribute(std::string("asymmetric"));
  node.attributes["nearest_mode"] = ir::Attribute(std::string("floor"));
  return absl::OkStatus();
}

// Constant's value_* attributes (opset 12+) become the one `value` tensor.
absl::Status NormalizeConstant(Node& node) {
  if (node.attributes.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("node ", node.Describe(),
                                                   ": Constant needs exactly one value attribute"));
  }
  auto& [name, a] = *node.attributes.begin();
  Tensor t;
  if (name == "value" && a.kind() == AttrKind::kTensor) return absl::OkStatus();
  if (name == "value_float" && a.kind() == AttrKind::kFloat) {
    t = Tensor::FromValues<float>(DType::kFloat32, {}, {a.f()});
  } else if (name == "value_floats" && a.kind() == AttrKind::kFloats) {
    t = Tensor::FromValues<float>(DType::kFloat32, {static_cast<int64_t>(a.floats().size())}, a.floats());
  } else if (name == "value_int" && a.kind() == AttrKind::kInt) {
    t = Tensor::FromValues<int64_t>(DType::kInt64, {}, {a.i()});
  } else if (name == "value_ints" && a.kind() == AttrKind::kInts) {
    t = Int64Vector(a.ints());
  } else if ((name == "value_string" && a.kind() == AttrKind::kString) ||
             (name == "value_strings" && a.kind() == AttrKind::kStrings)) {
    t.dtype = DType::kString;
    t.strings = name == "value_string" ? std::vector<std::string>{a.s()} : a.strings();
    if (name == "value_strings") t.dims = {static_cast<int64_t>(t.strings.size())};
  } else {
    return absl::UnimplementedError(absl::StrCat("node ", node.Describe(), ": Constant attribute '",
                                                 name, "' of kind ", AttrKindName(a.kind())));
  }
  node.attributes.clear();
  node.attributes["value"] = ir::Attribute(std::move(t));
  return absl::OkStatus();
}

bool IsReduce(absl::string_view op) {
  return op == "ReduceSum" || op == "ReduceMean" || op == "ReduceMax" || op == "ReduceMin" ||
         op == "ReduceProd" || op == "ReduceL1" || op == "ReduceL2" || op == "ReduceLogSum" ||
         op == "ReduceLogSumExp" || op == "ReduceSumSquare";
}

}  // namespace

absl::Status NormalizeNode(int64_t opset, Node& node, NodeSink& sink) {
  const std::string& op = node.op_type;
  // Opset 1-5 "consumed_inputs" and the pre-7 "is_test" flag carry no meaning for inference.
  DropAttrs(node, {"consumed_inputs"});
  if (op == "Constant") return NormalizeConstant(node);
  if (op == "Reshape" && opset < 5) return MoveIntsToInput(node, "shape", 1, sink);
  if ((op == "Squeeze" || op == "Unsqueeze") && opset < 13) return MoveIntsToInput(node, "axes", 1, sink);
  if (op == "Split" && opset < 13) return MoveIntsToInput(node, "split", 1, sink);
  if (IsReduce(op) && (opset < 18) && !(op == "ReduceSum" && opset >= 13)) {
    return MoveIntsToInput(node, "axes", 1, sink);
  }
  if (op == "Slice" && opset < 10) {
    TANDEM_RETURN_IF_ERROR(MoveIntsToInput(node, "starts", 1, sink));
    TANDEM_RETURN_IF_ERROR(MoveIntsToInput(node, "ends", 2, sink));
    return MoveIntsToInput(node, "axes", 3, sink);
  }
  if (op == "Clip" && opset < 11) {
    TANDEM_RETURN_IF_ERROR(MoveFloatToInput(node, "min", -FLT_MAX, 1, sink));
    return MoveFloatToInput(node, "max", FLT_MAX, 2, sink);
  }
  if (op == "Pad" && opset < 11) {
    if (node.attr("paddings")) {  // Pad-1 spelled it "paddings"
      node.attributes["pads"] = *node.attr("paddings");
      DropAttrs(node, {"paddings"});
    }
    TANDEM_RETURN_IF_ERROR(MoveIntsToInput(node, "pads", 1, sink));
    return MoveFloatToInput(node, "value", 0.0, 2, sink);
  }
  if (op == "TopK" && opset < 10) {
    int64_t k = node.GetInt("k", -1);
    DropAttrs(node, {"k"});
    TANDEM_ASSIGN_OR_RETURN(ValueId id, sink.AddConstant(node.name + "_k", Int64Vector({k})));
    node.inputs.resize(1);
    node.inputs.push_back(id);
    return absl::OkStatus();
  }
  if (op == "Dropout" && opset < 12) {
    DropAttrs(node, {"is_test", "ratio"});  // inference: Dropout is the identity
    return absl::OkStatus();
  }
  if (op == "BatchNormalization" && opset < 9) {
    if (node.GetInt("spatial", 1) != 1) {
      return absl::UnimplementedError(absl::StrCat("node ", node.Describe(), ": spatial=0"));
    }
    DropAttrs(node, {"spatial", "is_test"});
    return absl::OkStatus();
  }
  if (op == "Gemm" && opset < 7) DropAttrs(node, {"broadcast"});
  if ((op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") && opset < 13) {
    return NormalizeLegacySoftmax(node, sink);
  }
  if (op == "Upsample" || (op == "Resize" && opset < 11)) return NormalizeResize(node, opset, sink);
  return absl::OkStatus();
}

}  // namespace tandem::importer
