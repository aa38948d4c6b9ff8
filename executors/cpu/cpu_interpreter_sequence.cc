// The sequence and optional ops, and Identity, which the interpreter runs on RuntimeValues
// directly (no kernel: they only move tensors around, sharing their bytes).
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "executors/cpu/cpu_interpreter.h"
#include "executors/cpu/cpu_interpreter_internal.h"
#include "executors/cpu/tensor_axis.h"

namespace tandem::executors {
namespace {

RuntimeValue Sequence(std::vector<ir::Tensor> elements, ir::DType elem_dtype) {
  RuntimeValue v;
  v.type = ir::ValueType::kSequence;
  v.tensors = std::move(elements);
  v.elem_dtype = elem_dtype;
  return v;
}

RuntimeValue ScalarInt64(int64_t x) {
  return RuntimeValue::Tensor(ir::Tensor::FromValues<int64_t>(ir::DType::kInt64, {}, {x}));
}

absl::StatusOr<const RuntimeValue*> GetSequence(const CpuInterpreter::Scope& scope, const ir::Node& node, size_t i) {
  TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* v, scope.Get(node.inputs[i]));
  if (v->type != ir::ValueType::kSequence) {
    return absl::InvalidArgumentError(absl::StrCat("input ", i, " must be a sequence, got ", v->Describe()));
  }
  return v;
}

// A position input (scalar) checked against [-size, size) or, when inserting, [-size, size].
absl::StatusOr<int64_t> Position(const ir::Tensor& t, int64_t size, bool inserting) {
  if (t.num_elements() != 1) return absl::InvalidArgumentError("position must be a scalar");
  int64_t pos = t.IntAt(0);
  const int64_t hi = inserting ? size : size - 1;
  if (pos < -size || pos > hi) {
    return absl::OutOfRangeError(absl::StrCat("position ", pos, " is out of range for a sequence of ", size));
  }
  return pos < 0 ? pos + size : pos;
}

absl::StatusOr<RuntimeValue> SplitToSequence(const ir::Node& node, const ir::Tensor& input, const ir::Tensor* split) {
  const int rank = static_cast<int>(input.dims.size());
  TANDEM_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node.GetInt("axis", 0), rank));
  const int64_t extent = input.dims[axis];
  std::vector<int64_t> sizes;
  bool squeeze = false;
  if (!split) {
    sizes.assign(static_cast<size_t>(extent), 1);
    squeeze = node.GetInt("keepdims", 1) == 0;
  } else if (split->dims.empty()) {
    const int64_t chunk = split->IntAt(0);
    if (chunk <= 0) return absl::InvalidArgumentError(absl::StrCat("split size ", chunk, " must be positive"));
    for (int64_t at = 0; at < extent; at += chunk) sizes.push_back(std::min(chunk, extent - at));
  } else {
    int64_t total = 0;
    for (int64_t i = 0; i < split->num_elements(); ++i) {
      if (split->IntAt(i) < 0) return absl::InvalidArgumentError("negative split size");
      sizes.push_back(split->IntAt(i));
      total += sizes.back();
    }
    if (total != extent) {
      return absl::InvalidArgumentError(absl::StrCat("split sizes sum to ", total, ", axis ", axis, " has ", extent));
    }
  }
  std::vector<ir::Tensor> parts;
  int64_t start = 0;
  for (int64_t s : sizes) {
    TANDEM_ASSIGN_OR_RETURN(ir::Tensor part, SliceAxis(input, axis, start, s));
    parts.push_back(squeeze ? WithAxisRemoved(std::move(part), axis) : std::move(part));
    start += s;
  }
  return Sequence(std::move(parts), input.dtype);
}

absl::StatusOr<RuntimeValue> ConcatFromSequence(const ir::Node& node, const RuntimeValue& seq) {
  if (seq.tensors.empty()) return absl::InvalidArgumentError("cannot concatenate an empty sequence");
  const bool new_axis = node.GetInt("new_axis", 0) != 0;
  const int rank = static_cast<int>(seq.tensors[0].dims.size());
  const ir::Attribute* axis_attr = node.attr("axis");
  if (!axis_attr) return absl::InvalidArgumentError("missing attribute 'axis'");
  TANDEM_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr->i(), rank, new_axis));
  TANDEM_ASSIGN_OR_RETURN(ir::Tensor out, new_axis ? StackAxis(seq.tensors, axis) : ConcatAxis(seq.tensors, axis));
  return RuntimeValue::Tensor(std::move(out));
}

// Constant nodes left in bodies (the importer folds the main graph's away).
absl::StatusOr<ir::Tensor> ConstantValue(const ir::Node& node) {
  if (const ir::Attribute* a = node.attr("value"); a && a->kind() == ir::AttrKind::kTensor) return a->t();
  if (const ir::Attribute* a = node.attr("value_float")) return ir::Tensor::FromValues<float>(ir::DType::kFloat32, {}, {a->f()});
  if (const ir::Attribute* a = node.attr("value_int")) return ir::Tensor::FromValues<int64_t>(ir::DType::kInt64, {}, {a->i()});
  if (const ir::Attribute* a = node.attr("value_floats")) {
    return ir::Tensor::FromValues<float>(ir::DType::kFloat32, {static_cast<int64_t>(a->floats().size())}, a->floats());
  }
  if (const ir::Attribute* a = node.attr("value_ints")) {
    return ir::Tensor::FromValues<int64_t>(ir::DType::kInt64, {static_cast<int64_t>(a->ints().size())}, a->ints());
  }
  ir::Tensor t;
  t.dtype = ir::DType::kString;
  if (const ir::Attribute* a = node.attr("value_string")) {
    t.strings = {a->s()};
    return t;
  }
  if (const ir::Attribute* a = node.attr("value_strings")) {
    t.strings = a->strings();
    t.dims = {static_cast<int64_t>(t.strings.size())};
    return t;
  }
  return absl::InvalidArgumentError("Constant without a value attribute");
}

}  // namespace

bool IsInterpreterOp(const ir::Node& node) {
  static const absl::flat_hash_set<std::string> kOps = {
      "If", "Loop", "Scan", "SequenceMap", "SequenceEmpty", "SequenceConstruct", "SequenceInsert",
      "SequenceAt", "SequenceErase", "SequenceLength", "SplitToSequence", "ConcatFromSequence",
      "Optional", "OptionalHasElement", "OptionalGetElement", "Identity", "Constant"};
  return node.domain.empty() && kOps.contains(node.op_type);
}

absl::Status CpuInterpreter::RunSequenceOrOptionalOp(const ir::Node& node, Scope& scope) const {
  const std::string& op = node.op_type;
  const ir::ValueId out = node.outputs.empty() ? ir::ValueId() : node.outputs[0];
  if (op == "Identity") {
    TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* v, scope.Get(node.inputs[0]));
    scope.Set(out, *v);
    return absl::OkStatus();
  }
  if (op == "Constant") {
    TANDEM_ASSIGN_OR_RETURN(ir::Tensor t, ConstantValue(node));
    scope.Set(out, RuntimeValue::Tensor(std::move(t)));
    return absl::OkStatus();
  }
  if (op == "SequenceEmpty") {
    scope.Set(out, Sequence({}, static_cast<ir::DType>(node.GetInt("dtype", 1))));
    return absl::OkStatus();
  }
  if (op == "SequenceConstruct") {
    std::vector<ir::Tensor> elements;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      TANDEM_ASSIGN_OR_RETURN(const ir::Tensor* t, scope.GetTensor(node, i));
      if (!elements.empty() && t->dtype != elements[0].dtype) {
        return absl::InvalidArgumentError("sequence elements must share one dtype");
      }
      elements.push_back(*t);
    }
    const ir::DType dtype = elements.empty() ? ir::DType::kUndefined : elements[0].dtype;
    scope.Set(out, Sequence(std::move(elements), dtype));
    return absl::OkStatus();
  }
  if (op == "SequenceInsert" || op == "SequenceAt" || op == "SequenceErase" || op == "SequenceLength") {
    TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* seq, GetSequence(scope, node, 0));
    const int64_t size = static_cast<int64_t>(seq->tensors.size());
    if (op == "SequenceLength") {
      scope.Set(out, ScalarInt64(size));
      return absl::OkStatus();
    }
    if (op == "SequenceAt") {
      TANDEM_ASSIGN_OR_RETURN(const ir::Tensor* p, scope.GetTensor(node, 1));
      TANDEM_ASSIGN_OR_RETURN(int64_t pos, Position(*p, size, false));
      scope.Set(out, RuntimeValue::Tensor(seq->tensors[pos]));
      return absl::OkStatus();
    }
    RuntimeValue result = *seq;
    if (op == "SequenceInsert") {
      TANDEM_ASSIGN_OR_RETURN(const ir::Tensor* t, scope.GetTensor(node, 1));
      if (seq->elem_dtype != ir::DType::kUndefined && t->dtype != seq->elem_dtype) {
        return absl::InvalidArgumentError(absl::StrCat("cannot insert a ", ir::DTypeName(t->dtype),
                                                       " tensor into a sequence of ", ir::DTypeName(seq->elem_dtype)));
      }
      int64_t pos = size;
      if (node.input(2).valid()) {
        TANDEM_ASSIGN_OR_RETURN(const ir::Tensor* p, scope.GetTensor(node, 2));
        TANDEM_ASSIGN_OR_RETURN(pos, Position(*p, size, true));
      }
      result.tensors.insert(result.tensors.begin() + pos, *t);
      result.elem_dtype = t->dtype;
    } else {  // SequenceErase
      if (size == 0) return absl::InvalidArgumentError("cannot erase from an empty sequence");
      int64_t pos = size - 1;
      if (node.input(1).valid()) {
        TANDEM_ASSIGN_OR_RETURN(const ir::Tensor* p, scope.GetTensor(node, 1));
        TANDEM_ASSIGN_OR_RETURN(pos, Position(*p, size, false));
      }
      result.tensors.erase(result.tensors.begin() + pos);
    }
    scope.Set(out, std::move(result));
    return absl::OkStatus();
  }
  if (op == "SplitToSequence") {
    TANDEM_ASSIGN_OR_RETURN(const ir::Tensor* input, scope.GetTensor(node, 0));
    const ir::Tensor* split = nullptr;
    if (node.input(1).valid()) {
      TANDEM_ASSIGN_OR_RETURN(split, scope.GetTensor(node, 1));
    }
    TANDEM_ASSIGN_OR_RETURN(RuntimeValue v, SplitToSequence(node, *input, split));
    scope.Set(out, std::move(v));
    return absl::OkStatus();
  }
  if (op == "ConcatFromSequence") {
    TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* seq, GetSequence(scope, node, 0));
    TANDEM_ASSIGN_OR_RETURN(RuntimeValue v, ConcatFromSequence(node, *seq));
    scope.Set(out, std::move(v));
    return absl::OkStatus();
  }
  if (op == "Optional") {
    RuntimeValue v;
    if (node.input(0).valid()) {
      TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* in, scope.Get(node.inputs[0]));
      v = *in;
      v.type = in->type == ir::ValueType::kSequence ? ir::ValueType::kOptionalSequence : ir::ValueType::kOptional;
      v.has_value = true;
    } else {
      const ir::Attribute* type = node.attr("type");
      const bool is_seq = type && type->kind() == ir::AttrKind::kType &&
                          std::get<ir::TensorInfo>(type->value()).type == ir::ValueType::kSequence;
      v.type = is_seq ? ir::ValueType::kOptionalSequence : ir::ValueType::kOptional;
      v.has_value = false;
    }
    scope.Set(out, std::move(v));
    return absl::OkStatus();
  }
  if (op == "OptionalHasElement") {
    bool has = false;
    if (node.input(0).valid()) {
      TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* in, scope.Get(node.inputs[0]));
      has = in->has_value;
    }
    scope.Set(out, RuntimeValue::Tensor(ir::Tensor::FromValues<uint8_t>(ir::DType::kBool, {}, {has ? uint8_t{1} : uint8_t{0}})));
    return absl::OkStatus();
  }
  if (op == "OptionalGetElement") {
    TANDEM_ASSIGN_OR_RETURN(const RuntimeValue* in, scope.Get(node.inputs[0]));
    if (!in->has_value) return absl::InvalidArgumentError("the optional input is empty");
    RuntimeValue v = *in;
    if (v.type == ir::ValueType::kOptional) v.type = ir::ValueType::kTensor;
    if (v.type == ir::ValueType::kOptionalSequence) v.type = ir::ValueType::kSequence;
    scope.Set(out, std::move(v));
    return absl::OkStatus();
  }
  return absl::UnimplementedError(absl::StrCat("the interpreter has no rule for ", op));
}

}  // namespace tandem::executors
