// Dispatch for the constant evaluator, and the helpers its op files share.
//
// EvaluateConstantNode trusts nothing about its inputs: the dispatcher checks that every tensor's
// dims, dtype and byte size agree before an op sees it, and that every result fits the folding
// limits afterwards. Ops use checked arithmetic, and decline (nullopt) instead of guessing.
#include "ir/passes/constant_evaluator.h"

#include "ir/passes/constant_evaluator_internal.h"

namespace tandem::ir {
namespace const_eval {

std::optional<int64_t> IndexSpace(const Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || __builtin_mul_overflow(n, d == 0 ? 1 : d, &n)) return std::nullopt;
  }
  return n;
}

bool FitsFold(const Dims& dims) {
  if (static_cast<int64_t>(dims.size()) > kMaxRank || !IndexSpace(dims)) return false;
  auto n = CheckedNumElements(dims);
  return n && *n <= kMaxFoldedElements;
}

Dims Strides(const Dims& dims) {
  Dims strides(dims.size(), 1);
  for (size_t a = dims.size(); a-- > 1;) {
    strides[a - 1] = strides[a] * (dims[a] == 0 ? 1 : dims[a]);
  }
  return strides;
}

int64_t Rank(const Tensor& t) { return static_cast<int64_t>(t.dims.size()); }

std::optional<int64_t> NormalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::optional<Dims> IntList(const Tensor& t) {
  if ((t.dtype != DType::kInt64 && t.dtype != DType::kInt32) || Rank(t) > 1) return std::nullopt;
  Dims out(static_cast<size_t>(t.num_elements()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = t.IntAt(static_cast<int64_t>(i));
  return out;
}

std::optional<Dims> SizeList(const Tensor& t) {
  if (Rank(t) != 1) return std::nullopt;
  auto list = IntList(t);
  if (!list) return std::nullopt;
  for (int64_t d : *list) {
    if (d < 0) return std::nullopt;
  }
  return list;
}

std::optional<int64_t> IntScalar(const Tensor& t) {
  if ((t.dtype != DType::kInt64 && t.dtype != DType::kInt32) || t.num_elements() != 1) {
    return std::nullopt;
  }
  return t.IntAt(0);
}

std::optional<Dims> BroadcastDims(const std::vector<const Dims*>& shapes) {
  size_t rank = 0;
  for (const Dims* s : shapes) rank = std::max(rank, s->size());
  Dims out(rank, 1);
  for (const Dims* s : shapes) {
    const size_t offset = rank - s->size();
    for (size_t a = 0; a < s->size(); ++a) {
      int64_t& o = out[offset + a];
      const int64_t d = (*s)[a];
      if (d == o || d == 1) continue;
      if (o != 1) return std::nullopt;
      o = d;
    }
  }
  return out;
}

std::vector<int64_t> BroadcastMap(const Dims& out, const Dims& in) {
  const size_t offset = out.size() - in.size();
  Dims in_strides = Strides(in);
  std::vector<int64_t> map;
  map.reserve(static_cast<size_t>(CheckedNumElements(out).value_or(0)));
  ForEachIndex(out, [&](const Dims& index, int64_t) {
    int64_t from = 0;
    for (size_t a = 0; a < in.size(); ++a) {
      if (in[a] != 1) from += index[offset + a] * in_strides[a];
    }
    map.push_back(from);
  });
  return map;
}

bool IsNumeric(DType dtype) {
  return dtype == DType::kInt64 || dtype == DType::kInt32 || dtype == DType::kFloat32 ||
         dtype == DType::kFloat64;
}

bool WellFormed(const Tensor& t) {
  const int size = DTypeSize(t.dtype);
  if (size == 0 || static_cast<int64_t>(t.dims.size()) > kMaxRank) return false;
  if (!IndexSpace(t.dims)) return false;
  auto n = CheckedNumElements(t.dims);
  int64_t bytes = 0;
  return n && !__builtin_mul_overflow(*n, size, &bytes) &&
         static_cast<uint64_t>(bytes) == t.data.size();
}

Tensor WithDims(const Tensor& t, Dims dims) { return Tensor{t.dtype, std::move(dims), t.data, {}}; }

Outputs One(std::optional<Tensor> t) {
  if (!t) return std::nullopt;
  std::vector<Tensor> out;
  out.push_back(std::move(*t));
  return out;
}

}  // namespace const_eval

namespace {

using const_eval::OpEntry;

const OpEntry* FindOp(const std::string& op_type) {
  for (auto table : {const_eval::LayoutOps(), const_eval::MathOps()}) {
    for (const OpEntry& e : table) {
      if (e.op_type == op_type) return &e;
    }
  }
  return nullptr;
}

// The dtypes the evaluator computes on; Cast also converts from int8/uint8.
bool Evaluable(DType dtype, const Node& node) {
  switch (dtype) {
    case DType::kInt64:
    case DType::kInt32:
    case DType::kFloat32:
    case DType::kFloat64:
    case DType::kBool:
      return true;
    case DType::kInt8:
    case DType::kUInt8:
      return node.op_type == "Cast";
    default:
      return false;
  }
}

bool InputsOk(const Node& node, const OpEntry& op, const std::vector<const Tensor*>& inputs) {
  if (static_cast<int>(inputs.size()) > op.max_inputs) return false;
  if (static_cast<int>(inputs.size()) < op.min_inputs) return false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor* t = inputs[i];
    if (!t) {
      if (static_cast<int>(i) < op.min_inputs) return false;
      continue;
    }
    if (!Evaluable(t->dtype, node) || !const_eval::WellFormed(*t)) return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<Tensor>> EvaluateConstantNode(const Node& node,
                                                        const std::vector<const Tensor*>& inputs) {
  if (!node.domain.empty() && node.domain != "ai.onnx") return std::nullopt;
  const OpEntry* op = FindOp(node.op_type);
  if (!op || !InputsOk(node, *op, inputs)) return std::nullopt;
  std::optional<std::vector<Tensor>> results = op->fn(node, inputs);
  if (!results || results->size() != node.outputs.size()) return std::nullopt;
  for (const Tensor& t : *results) {
    if (!const_eval::WellFormed(t) || !const_eval::FitsFold(t.dims)) return std::nullopt;
  }
  return results;
}

}  // namespace tandem::ir
