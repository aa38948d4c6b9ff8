// Constant evaluation of ops that move elements without computing on them: shape queries,
// dims-only changes (which share the input's bytes) and index mappings (which copy bytes with
// Gathered, whatever the dtype). Inputs are in the importer's canonical form: axes, starts, shapes
// and split sizes are tensors, not attributes.
#include <algorithm>

#include "ir/passes/constant_evaluator_internal.h"

namespace tandem::ir::const_eval {
namespace {

using std::nullopt;

// Input i, or null when it is omitted or beyond the inputs given.
const Tensor* Opt(Inputs in, size_t i) { return i < in.size() ? in[i] : nullptr; }

int64_t Clamp(int64_t v, int64_t lo, int64_t hi) { return std::min(std::max(v, lo), hi); }

Outputs Identity(const Node&, Inputs in) { return One(*in[0]); }

// Shape with opset-15 start/end, which clamp like Python slices.
Outputs ShapeOf(const Node& node, Inputs in) {
  const Dims& dims = in[0]->dims;
  const int64_t rank = static_cast<int64_t>(dims.size());
  auto clamp = [rank](int64_t i) { return Clamp(i < 0 ? i + rank : i, 0, rank); };
  const int64_t start = clamp(node.GetInt("start", 0));
  const int64_t end = std::max(start, clamp(node.GetInt("end", rank)));
  Dims out(dims.begin() + start, dims.begin() + end);
  return One(Make<int64_t>(DType::kInt64, {end - start}, out));
}

Outputs Size(const Node&, Inputs in) {
  return One(Make<int64_t>(DType::kInt64, {}, {in[0]->num_elements()}));
}

Outputs Gather(const Node& node, Inputs in) {
  const Tensor& data = *in[0];
  const Tensor& indices = *in[1];
  if (indices.dtype != DType::kInt64 && indices.dtype != DType::kInt32) return nullopt;
  auto axis_or = NormalizeAxis(node.GetInt("axis", 0), Rank(data));
  if (!axis_or) return nullopt;
  const size_t axis = static_cast<size_t>(*axis_or);
  Dims out(data.dims.begin(), data.dims.begin() + axis);
  out.insert(out.end(), indices.dims.begin(), indices.dims.end());
  out.insert(out.end(), data.dims.begin() + axis + 1, data.dims.end());
  if (!FitsFold(out) || indices.num_elements() > kMaxFoldedElements) return nullopt;
  const int64_t dim = data.dims[axis];
  Dims ids(static_cast<size_t>(indices.num_elements()));
  for (size_t i = 0; i < ids.size(); ++i) {
    const int64_t v = indices.IntAt(static_cast<int64_t>(i));
    if (v < -dim || v >= dim) return nullopt;
    ids[i] = v < 0 ? v + dim : v;
  }
  const Dims strides = Strides(data.dims);
  const Dims index_strides = Strides(indices.dims);
  const size_t q = indices.dims.size();
  return One(Gathered(data, out, [&](const Dims& o, int64_t) {
    int64_t k = 0;
    for (size_t a = 0; a < q; ++a) k += o[axis + a] * index_strides[a];
    int64_t from = ids[static_cast<size_t>(k)] * strides[axis];
    for (size_t a = 0; a < axis; ++a) from += o[a] * strides[a];
    for (size_t a = axis + 1; a < data.dims.size(); ++a) from += o[a + q - 1] * strides[a];
    return from;
  }));
}

Outputs Unsqueeze(const Node&, Inputs in) {
  const Tensor& x = *in[0];
  auto axes = IntList(*in[1]);
  if (!axes || static_cast<int64_t>(axes->size()) > kMaxRank) return nullopt;
  const int64_t rank = Rank(x) + static_cast<int64_t>(axes->size());
  std::vector<bool> inserted(static_cast<size_t>(rank), false);
  for (int64_t a : *axes) {
    auto n = NormalizeAxis(a, rank);
    if (!n || inserted[*n]) return nullopt;
    inserted[*n] = true;
  }
  Dims dims;
  auto next = x.dims.begin();
  for (bool one : inserted) dims.push_back(one ? 1 : *next++);
  return One(WithDims(x, std::move(dims)));
}

// Squeezes the given axes (each must be 1), or every 1 when the axes input is omitted.
Outputs Squeeze(const Node&, Inputs in) {
  const Tensor& x = *in[0];
  std::vector<bool> drop(x.dims.size(), false);
  if (const Tensor* axes_t = Opt(in, 1)) {
    auto axes = IntList(*axes_t);
    if (!axes) return nullopt;
    for (int64_t a : *axes) {
      auto n = NormalizeAxis(a, Rank(x));
      if (!n || drop[*n] || x.dims[*n] != 1) return nullopt;
      drop[*n] = true;
    }
  } else {
    for (size_t a = 0; a < drop.size(); ++a) drop[a] = x.dims[a] == 1;
  }
  Dims dims;
  for (size_t a = 0; a < drop.size(); ++a) {
    if (!drop[a]) dims.push_back(x.dims[a]);
  }
  return One(WithDims(x, std::move(dims)));
}

Outputs Concat(const Node& node, Inputs in) {
  const Attribute* attr = node.attr("axis");
  if (!attr || attr->kind() != AttrKind::kInt) return nullopt;
  const Tensor& first = *in[0];
  auto axis = NormalizeAxis(attr->i(), Rank(first));
  if (!axis) return nullopt;
  Dims out = first.dims;
  out[*axis] = 0;
  for (const Tensor* t : in) {
    if (!t || t->dtype != first.dtype || Rank(*t) != Rank(first)) return nullopt;
    for (size_t a = 0; a < out.size(); ++a) {
      if (static_cast<int64_t>(a) != *axis && t->dims[a] != first.dims[a]) return nullopt;
    }
    if (__builtin_add_overflow(out[*axis], t->dims[*axis], &out[*axis])) return nullopt;
  }
  if (!FitsFold(out)) return nullopt;
  // Per index of the dims before `axis`, each input contributes one contiguous block.
  const int64_t outer = *CheckedNumElements(Dims(out.begin(), out.begin() + *axis));
  const int64_t inner = *CheckedNumElements(Dims(out.begin() + *axis + 1, out.end()));
  const int64_t size = DTypeSize(first.dtype);
  std::vector<uint8_t> bytes;
  bytes.reserve(static_cast<size_t>(*CheckedNumElements(out) * size));
  for (int64_t o = 0; o < outer; ++o) {
    for (const Tensor* t : in) {
      const int64_t block = t->dims[*axis] * inner * size;
      const uint8_t* begin = t->data.data() + o * block;
      bytes.insert(bytes.end(), begin, begin + block);
    }
  }
  return One(Tensor{first.dtype, std::move(out), TensorData::Owned(std::move(bytes)), {}});
}

// 0 copies the input's dim (unless allowzero), -1 is inferred from the element count.
Outputs Reshape(const Node& node, Inputs in) {
  const Tensor& x = *in[0];
  auto shape = IntList(*in[1]);
  if (Rank(*in[1]) != 1 || !shape || static_cast<int64_t>(shape->size()) > kMaxRank) return nullopt;
  const bool allow_zero = node.GetInt("allowzero", 0) != 0;
  Dims dims = *shape;
  std::optional<size_t> infer;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 0 && !allow_zero) {
      if (i >= x.dims.size()) return nullopt;
      dims[i] = x.dims[i];
    } else if (dims[i] == -1 && !infer) {
      infer = i;
    } else if (dims[i] < 0) {
      return nullopt;
    }
  }
  if (infer) {
    dims[*infer] = 1;
    auto known = CheckedNumElements(dims);
    if (!known || *known == 0 || x.num_elements() % *known != 0) return nullopt;
    dims[*infer] = x.num_elements() / *known;
  }
  auto n = CheckedNumElements(dims);
  if (!n || *n != x.num_elements()) return nullopt;
  return One(WithDims(x, std::move(dims)));
}

Outputs Flatten(const Node& node, Inputs in) {
  const Tensor& x = *in[0];
  int64_t axis = node.GetInt("axis", 1);
  if (axis < -Rank(x) || axis > Rank(x)) return nullopt;
  if (axis < 0) axis += Rank(x);
  auto outer = CheckedNumElements(Dims(x.dims.begin(), x.dims.begin() + axis));
  auto inner = CheckedNumElements(Dims(x.dims.begin() + axis, x.dims.end()));
  if (!outer || !inner) return nullopt;
  return One(WithDims(x, {*outer, *inner}));
}

// One axis of a Slice: the first index taken and how many, after ONNX's clamping rules.
struct SliceRange {
  int64_t first = 0;
  int64_t count = 0;
};

std::optional<SliceRange> ClampSlice(int64_t start, int64_t end, int64_t step, int64_t dim) {
  if (step == 0) return nullopt;
  if (start < 0) start += dim;  // cannot overflow: dim >= 0
  if (end < 0) end += dim;
  SliceRange r;
  if (step > 0) {
    r.first = Clamp(start, 0, dim);
    end = Clamp(end, 0, dim);
    r.count = end > r.first ? (end - r.first - 1) / step + 1 : 0;
  } else {
    r.first = Clamp(start, 0, dim - 1);
    end = Clamp(end, -1, dim - 1);
    const int64_t stride = step == INT64_MIN ? INT64_MAX : -step;  // same count: span < 2^62
    r.count = r.first > end ? (r.first - end - 1) / stride + 1 : 0;
  }
  return r;
}

Outputs Slice(const Node&, Inputs in) {
  const Tensor& x = *in[0];
  const int64_t rank = Rank(x);
  auto starts = IntList(*in[1]);
  auto ends = IntList(*in[2]);
  if (!starts || !ends || starts->size() != ends->size()) return nullopt;
  Dims axes(starts->size()), steps(starts->size(), 1);
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
  if (const Tensor* t = Opt(in, 3)) {
    auto list = IntList(*t);
    if (!list) return nullopt;
    axes = *list;
  }
  if (const Tensor* t = Opt(in, 4)) {
    auto list = IntList(*t);
    if (!list) return nullopt;
    steps = *list;
  }
  if (axes.size() != starts->size() || steps.size() != starts->size()) return nullopt;
  Dims out = x.dims, first(x.dims.size(), 0), step(x.dims.size(), 1);
  std::vector<bool> seen(x.dims.size(), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    auto a = NormalizeAxis(axes[i], rank);
    if (!a || seen[*a]) return nullopt;
    seen[*a] = true;
    auto range = ClampSlice((*starts)[i], (*ends)[i], steps[i], x.dims[*a]);
    if (!range) return nullopt;
    first[*a] = range->first;
    step[*a] = steps[i];
    out[*a] = range->count;
  }
  const Dims strides = Strides(x.dims);
  return One(Gathered(x, out, [&](const Dims& o, int64_t) {
    int64_t from = 0;  // first + o * step stays inside the axis, so nothing overflows
    for (size_t a = 0; a < o.size(); ++a) from += (first[a] + o[a] * step[a]) * strides[a];
    return from;
  }));
}

Outputs Expand(const Node&, Inputs in) {
  const Tensor& x = *in[0];
  auto shape = SizeList(*in[1]);
  if (!shape || static_cast<int64_t>(shape->size()) > kMaxRank) return nullopt;
  auto out = BroadcastDims({&x.dims, &*shape});
  if (!out || !FitsFold(*out)) return nullopt;
  const std::vector<int64_t> map = BroadcastMap(*out, x.dims);
  return One(Gathered(x, *out, [&](const Dims&, int64_t flat) { return map[flat]; }));
}

Outputs Tile(const Node&, Inputs in) {
  const Tensor& x = *in[0];
  auto repeats = SizeList(*in[1]);
  if (!repeats || repeats->size() != x.dims.size()) return nullopt;
  Dims out(x.dims.size());
  for (size_t a = 0; a < out.size(); ++a) {
    if (__builtin_mul_overflow(x.dims[a], (*repeats)[a], &out[a])) return nullopt;
  }
  const Dims strides = Strides(x.dims);
  return One(Gathered(x, out, [&](const Dims& o, int64_t) {
    int64_t from = 0;
    for (size_t a = 0; a < o.size(); ++a) from += (o[a] % x.dims[a]) * strides[a];
    return from;
  }));
}

Outputs Transpose(const Node& node, Inputs in) {
  const Tensor& x = *in[0];
  const size_t rank = x.dims.size();
  Dims perm = node.GetInts("perm");
  if (perm.empty()) {
    for (size_t a = rank; a-- > 0;) perm.push_back(static_cast<int64_t>(a));
  }
  if (perm.size() != rank) return nullopt;
  std::vector<bool> seen(rank, false);
  Dims out(rank);
  for (size_t a = 0; a < rank; ++a) {
    if (perm[a] < 0 || perm[a] >= static_cast<int64_t>(rank) || seen[perm[a]]) return nullopt;
    seen[perm[a]] = true;
    out[a] = x.dims[perm[a]];
  }
  const Dims strides = Strides(x.dims);
  return One(Gathered(x, out, [&](const Dims& o, int64_t) {
    int64_t from = 0;
    for (size_t a = 0; a < rank; ++a) from += o[a] * strides[perm[a]];
    return from;
  }));
}

// Sizes of Split's outputs: the `split` input, or equal chunks (the last one smaller, as in
// opset 18) when it is omitted.
std::optional<Dims> SplitSizes(const Tensor* split, int64_t dim, int64_t parts) {
  if (split) {
    auto sizes = IntList(*split);
    int64_t total = 0;
    if (!sizes || static_cast<int64_t>(sizes->size()) != parts) return nullopt;
    for (int64_t s : *sizes) {
      if (s < 0 || __builtin_add_overflow(total, s, &total)) return nullopt;
    }
    return total == dim ? sizes : nullopt;
  }
  const int64_t chunk = dim / parts + (dim % parts != 0 ? 1 : 0);
  int64_t rest = 0;
  if (__builtin_mul_overflow(chunk, parts - 1, &rest) || rest > dim) return nullopt;
  Dims sizes(static_cast<size_t>(parts), chunk);
  sizes.back() = dim - rest;
  return sizes;
}

Outputs Split(const Node& node, Inputs in) {
  const Tensor& x = *in[0];
  auto axis = NormalizeAxis(node.GetInt("axis", 0), Rank(x));
  const int64_t parts = static_cast<int64_t>(node.outputs.size());
  if (!axis || parts == 0) return nullopt;
  auto sizes = SplitSizes(Opt(in, 1), x.dims[*axis], parts);
  if (!sizes) return nullopt;
  const Dims strides = Strides(x.dims);
  std::vector<Tensor> outs;
  int64_t offset = 0;
  for (int64_t size : *sizes) {
    Dims dims = x.dims;
    dims[*axis] = size;
    auto part = Gathered(x, dims, [&](const Dims& o, int64_t) {
      int64_t from = offset * strides[*axis];
      for (size_t a = 0; a < o.size(); ++a) from += o[a] * strides[a];
      return from;
    });
    if (!part) return nullopt;
    outs.push_back(std::move(*part));
    offset += size;
  }
  return outs;
}

Outputs ConstantOfShape(const Node& node, Inputs in) {
  auto shape = SizeList(*in[0]);
  if (!shape || !FitsFold(*shape)) return nullopt;
  Tensor value = Make<float>(DType::kFloat32, {1}, {0.0f});
  if (const Attribute* attr = node.attr("value")) {
    if (attr->kind() != AttrKind::kTensor) return nullopt;
    value = attr->t();
  }
  if ((!IsNumeric(value.dtype) && value.dtype != DType::kBool) || !WellFormed(value) ||
      value.num_elements() != 1) {
    return nullopt;
  }
  return One(Gathered(value, *shape, [](const Dims&, int64_t) { return int64_t{0}; }));
}

constexpr OpEntry kLayoutOps[] = {
    {"Identity", Identity, 1, 1},
    {"Shape", ShapeOf, 1, 1},
    {"Size", Size, 1, 1},
    {"Gather", Gather, 2, 2},
    {"Unsqueeze", Unsqueeze, 2, 2},
    {"Squeeze", Squeeze, 1, 2},
    {"Concat", Concat, 1, kVariadic},
    {"Reshape", Reshape, 2, 2},
    {"Flatten", Flatten, 1, 1},
    {"Slice", Slice, 3, 5},
    {"Expand", Expand, 2, 2},
    {"Tile", Tile, 2, 2},
    {"Transpose", Transpose, 1, 1},
    {"Split", Split, 1, 2},
    {"ConstantOfShape", ConstantOfShape, 1, 1},
};

}  // namespace

absl::Span<const OpEntry> LayoutOps() { return kLayoutOps; }

}  // namespace tandem::ir::const_eval
