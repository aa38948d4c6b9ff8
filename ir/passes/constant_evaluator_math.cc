// Constant evaluation of ops that compute on elements: Cast, element-wise arithmetic and
// comparisons with numpy broadcasting, Where, Range and the Reduce* family.
//
// Integer arithmetic is checked: an overflow, a division by zero or INT_MIN / -1 declines the
// fold (the executor reports it at run time) rather than producing a wrapped value. Integer
// division truncates toward zero, as C and ONNX Runtime do. A float→integer Cast whose value is
// NaN or out of range declines too, since C++ leaves that conversion undefined.
#include <cmath>
#include <limits>
#include <type_traits>

#include "ir/passes/constant_evaluator_internal.h"

namespace tandem::ir::const_eval {
namespace {

using std::nullopt;

// ---- scalar kernels

enum class BinOp { kAdd, kSub, kMul, kDiv, kMin, kMax, kEqual, kLess, kGreater };
enum class UnOp { kNeg, kAbs, kFloor, kCeil, kSqrt, kNot };

constexpr bool IsCompare(BinOp op) {
  return op == BinOp::kEqual || op == BinOp::kLess || op == BinOp::kGreater;
}

template <typename T>
uint8_t Compare(BinOp op, T a, T b) {
  switch (op) {
    case BinOp::kEqual:
      return a == b;
    case BinOp::kLess:
      return a < b;
    default:
      return a > b;
  }
}

// Min/Max propagate NaN, as numpy does.
template <typename T>
T MinMax(BinOp op, T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  }
  return (op == BinOp::kMin) == (b < a) ? b : a;
}

template <typename T>
std::optional<T> Arith(BinOp op, T a, T b) {
  if (op == BinOp::kMin || op == BinOp::kMax) return MinMax(op, a, b);
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinOp::kAdd:
        return a + b;
      case BinOp::kSub:
        return a - b;
      case BinOp::kMul:
        return a * b;
      default:
        return a / b;
    }
  } else {
    T r{};
    bool overflow = false;
    switch (op) {
      case BinOp::kAdd:
        overflow = __builtin_add_overflow(a, b, &r);
        break;
      case BinOp::kSub:
        overflow = __builtin_sub_overflow(a, b, &r);
        break;
      case BinOp::kMul:
        overflow = __builtin_mul_overflow(a, b, &r);
        break;
      default:
        if (b == 0) return nullopt;
        if (std::is_signed_v<T> && a == std::numeric_limits<T>::min() && b == static_cast<T>(-1)) {
          return nullopt;
        }
        r = static_cast<T>(a / b);
    }
    if (overflow) return nullopt;
    return r;
  }
}

template <typename T>
std::optional<T> Apply(UnOp op, T x) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case UnOp::kNeg:
        return -x;
      case UnOp::kAbs:
        return std::fabs(x);
      case UnOp::kFloor:
        return std::floor(x);
      case UnOp::kCeil:
        return std::ceil(x);
      case UnOp::kSqrt:
        return std::sqrt(x);
      default:
        return nullopt;
    }
  } else {
    const bool min = std::is_signed_v<T> && x == std::numeric_limits<T>::min();
    switch (op) {
      case UnOp::kNeg:
        return min ? std::optional<T>() : static_cast<T>(-x);
      case UnOp::kAbs:
        return min ? std::optional<T>() : static_cast<T>(x < 0 ? -x : x);
      case UnOp::kNot:
        return static_cast<T>(!x);
      default:
        return nullopt;
    }
  }
}

// One element converted for Cast; nullopt when C++ would leave the conversion undefined.
template <typename To, typename From>
std::optional<To> Convert(From v, bool to_bool) {
  if (to_bool) return static_cast<To>(v != 0);
  if constexpr (std::is_floating_point_v<To>) {
    if (std::is_same_v<To, float> && std::isfinite(v) &&
        std::fabs(static_cast<double>(v)) > std::numeric_limits<float>::max()) {
      return v > 0 ? std::numeric_limits<To>::infinity() : -std::numeric_limits<To>::infinity();
    }
    return static_cast<To>(v);
  } else if constexpr (std::is_floating_point_v<From>) {
    const double t = std::trunc(static_cast<double>(v));
    // [min, max + 1) is exact in double for every integer type here (powers of two).
    if (!(t >= static_cast<double>(std::numeric_limits<To>::min()) &&
          t < static_cast<double>(std::numeric_limits<To>::max()) + 1.0)) {
      return nullopt;
    }
    return static_cast<To>(t);
  } else {
    return static_cast<To>(v);  // integer narrowing wraps, as in numpy and ONNX Runtime
  }
}

// ---- element-wise over broadcast inputs

struct Broadcast {
  Dims dims;
  std::vector<std::vector<int64_t>> maps;  // per input: output element → input element
};

std::optional<Broadcast> BroadcastAll(std::vector<const Tensor*> tensors) {
  std::vector<const Dims*> shapes;
  for (const Tensor* t : tensors) shapes.push_back(&t->dims);
  auto dims = BroadcastDims(shapes);
  if (!dims || !FitsFold(*dims)) return nullopt;
  Broadcast b{*dims, {}};
  for (const Tensor* t : tensors) b.maps.push_back(BroadcastMap(*dims, t->dims));
  return b;
}

// out[i] = f(a[i], b[i]) with broadcasting; f returns std::optional<R>.
template <typename R, typename T, typename F>
std::optional<Tensor> ZipWith(const Tensor& a, const Tensor& b, DType out_dtype, F f) {
  auto bc = BroadcastAll({&a, &b});
  if (!bc) return nullopt;
  const std::vector<T> va = Load<T>(a), vb = Load<T>(b);
  std::vector<R> out(bc->maps[0].size());
  for (size_t i = 0; i < out.size(); ++i) {
    std::optional<R> r = f(va[bc->maps[0][i]], vb[bc->maps[1][i]]);
    if (!r) return nullopt;
    out[i] = *r;
  }
  return Make<R>(out_dtype, bc->dims, out);
}

template <BinOp kOp>
std::optional<Tensor> BinaryOf(const Tensor& a, const Tensor& b) {
  const bool bool_equal = kOp == BinOp::kEqual && a.dtype == DType::kBool;
  if (a.dtype != b.dtype || !(IsNumeric(a.dtype) || bool_equal)) return nullopt;
  return VisitType(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (IsCompare(kOp)) {
      return ZipWith<uint8_t, T>(
          a, b, DType::kBool, [](T x, T y) { return std::optional<uint8_t>(Compare(kOp, x, y)); });
    } else {
      return ZipWith<T, T>(a, b, a.dtype, [](T x, T y) { return Arith(kOp, x, y); });
    }
  });
}

template <BinOp kOp>
Outputs Binary(const Node&, Inputs in) {
  return One(BinaryOf<kOp>(*in[0], *in[1]));
}

// Min and Max take any number of inputs, broadcast together.
template <BinOp kOp>
Outputs Variadic(const Node&, Inputs in) {
  std::optional<Tensor> acc = *in[0];
  if (!IsNumeric(acc->dtype)) return nullopt;
  for (size_t i = 1; i < in.size() && acc; ++i) {
    if (!in[i]) return nullopt;
    acc = BinaryOf<kOp>(*acc, *in[i]);
  }
  return One(std::move(acc));
}

template <UnOp kOp>
Outputs Unary(const Node&, Inputs in) {
  const Tensor& x = *in[0];
  const bool float_only = kOp == UnOp::kFloor || kOp == UnOp::kCeil || kOp == UnOp::kSqrt;
  const bool ok = kOp == UnOp::kNot ? x.dtype == DType::kBool
                  : float_only      ? IsFloatingPoint(x.dtype) && IsNumeric(x.dtype)
                                    : IsNumeric(x.dtype);
  if (!ok || !FitsFold(x.dims)) return nullopt;
  return One(VisitType(x.dtype, [&](auto tag) -> std::optional<Tensor> {
    using T = decltype(tag);
    std::vector<T> v = Load<T>(x);
    for (T& e : v) {
      std::optional<T> r = Apply(kOp, e);
      if (!r) return nullopt;
      e = *r;
    }
    return Make<T>(x.dtype, x.dims, v);
  }));
}

// Copies bytes from X or Y by the condition, whatever their dtype.
Outputs Where(const Node&, Inputs in) {
  const Tensor &cond = *in[0], &x = *in[1], &y = *in[2];
  if (cond.dtype != DType::kBool || x.dtype != y.dtype) return nullopt;
  auto bc = BroadcastAll({&cond, &x, &y});
  if (!bc) return nullopt;
  const std::vector<uint8_t> c = Load<uint8_t>(cond);
  const size_t size = static_cast<size_t>(DTypeSize(x.dtype));
  std::vector<uint8_t> bytes(bc->maps[0].size() * size);
  for (size_t i = 0; i < bc->maps[0].size(); ++i) {
    const bool pick_x = c[bc->maps[0][i]] != 0;
    const Tensor& src = pick_x ? x : y;
    const int64_t from = pick_x ? bc->maps[1][i] : bc->maps[2][i];
    std::memcpy(bytes.data() + i * size, src.data.data() + from * size, size);
  }
  return One(Tensor{x.dtype, bc->dims, TensorData::Owned(std::move(bytes)), {}});
}

Outputs Cast(const Node& node, Inputs in) {
  const Tensor& x = *in[0];
  auto to = DTypeFromInt(node.GetInt("to", -1));
  if (!to || !FitsFold(x.dims)) return nullopt;
  const bool to_bool = *to == DType::kBool;
  return One(VisitType(x.dtype, [&](auto from_tag) {
    using From = decltype(from_tag);
    const std::vector<From> src = Load<From>(x);
    return VisitType(*to, [&](auto to_tag) -> std::optional<Tensor> {
      using To = decltype(to_tag);
      std::vector<To> out(src.size());
      for (size_t i = 0; i < src.size(); ++i) {
        std::optional<To> v = Convert<To>(src[i], to_bool);
        if (!v) return nullopt;
        out[i] = *v;
      }
      return Make<To>(*to, x.dims, out);
    });
  }));
}

// ---- Range and reductions

// ceil((limit - start) / delta) clamped at 0; nullopt when delta is 0 or the count is too big.
template <typename T>
std::optional<int64_t> RangeCount(T start, T limit, T delta) {
  if (delta == 0) return nullopt;
  if constexpr (std::is_floating_point_v<T>) {
    const double n = std::ceil((static_cast<double>(limit) - start) / delta);
    if (!(n <= static_cast<double>(kMaxFoldedElements))) return nullopt;  // also NaN
    return n > 0 ? static_cast<int64_t>(n) : 0;
  } else {
    int64_t diff = 0;
    if (__builtin_sub_overflow(int64_t{limit}, int64_t{start}, &diff)) return nullopt;
    if (diff == std::numeric_limits<int64_t>::min() && delta == -1) return nullopt;
    int64_t n = diff / delta;
    if (diff % delta != 0 && (diff < 0) == (delta < 0)) ++n;
    if (n > kMaxFoldedElements) return nullopt;
    return n > 0 ? n : 0;
  }
}

Outputs Range(const Node&, Inputs in) {
  const DType dtype = in[0]->dtype;
  for (const Tensor* t : in) {
    if (t->dtype != dtype || t->num_elements() != 1 || Rank(*t) > 1) return nullopt;
  }
  if (!IsNumeric(dtype)) return nullopt;
  return One(VisitType(dtype, [&](auto tag) -> std::optional<Tensor> {
    using T = decltype(tag);
    const T start = Load<T>(*in[0])[0], limit = Load<T>(*in[1])[0], delta = Load<T>(*in[2])[0];
    auto n = RangeCount(start, limit, delta);
    if (!n) return nullopt;
    std::vector<T> out(static_cast<size_t>(*n));
    for (size_t i = 0; i < out.size(); ++i) {
      // Every element lies between start and limit, so the sums cannot overflow.
      if constexpr (std::is_floating_point_v<T>) {
        out[i] = static_cast<T>(start + static_cast<T>(i) * delta);
      } else {
        out[i] = i == 0 ? start : static_cast<T>(out[i - 1] + delta);
      }
    }
    return Make<T>(dtype, {*n}, out);
  }));
}

// Which axes a Reduce* node reduces: its axes input, or all of them when that is omitted or
// empty (unless noop_with_empty_axes, which reduces none).
std::optional<std::vector<bool>> ReducedAxes(const Node& node, const Tensor* axes_t, int64_t rank) {
  Dims axes;
  if (axes_t) {
    auto list = IntList(*axes_t);
    if (!list) return nullopt;
    axes = *list;
  }
  const bool all = axes.empty() && node.GetInt("noop_with_empty_axes", 0) == 0;
  std::vector<bool> reduce(static_cast<size_t>(rank), all);
  for (int64_t a : axes) {
    auto n = NormalizeAxis(a, rank);
    if (!n) return nullopt;
    reduce[*n] = true;
  }
  return reduce;
}

// The result of reducing an empty set: 0, 1, or the lowest/highest value (-inf/+inf for floats).
template <typename T>
T ReduceInit(BinOp op) {
  using L = std::numeric_limits<T>;
  switch (op) {
    case BinOp::kMul:
      return T{1};
    case BinOp::kMax:
      return L::has_infinity ? -L::infinity() : L::lowest();
    case BinOp::kMin:
      return L::has_infinity ? L::infinity() : L::max();
    default:
      return T{0};
  }
}

template <BinOp kOp>
Outputs Reduce(const Node& node, Inputs in) {
  const Tensor& x = *in[0];
  if (!IsNumeric(x.dtype) || !FitsFold(x.dims)) return nullopt;
  auto reduce = ReducedAxes(node, in.size() > 1 ? in[1] : nullptr, Rank(x));
  if (!reduce) return nullopt;
  Dims kept = x.dims, out_dims;  // kept: reduced axes as 1, so both forms share flat indices
  for (size_t a = 0; a < kept.size(); ++a) {
    if ((*reduce)[a]) kept[a] = 1;
    if (!(*reduce)[a] || node.GetInt("keepdims", 1) != 0) out_dims.push_back(kept[a]);
  }
  if (!FitsFold(kept)) return nullopt;
  const Dims out_strides = Strides(kept);
  return One(VisitType(x.dtype, [&](auto tag) -> std::optional<Tensor> {
    using T = decltype(tag);
    const std::vector<T> v = Load<T>(x);
    std::vector<T> acc(static_cast<size_t>(*CheckedNumElements(kept)), ReduceInit<T>(kOp));
    bool ok = true;
    ForEachIndex(x.dims, [&](const Dims& index, int64_t flat) {
      int64_t o = 0;
      for (size_t a = 0; a < index.size(); ++a) o += (*reduce)[a] ? 0 : index[a] * out_strides[a];
      std::optional<T> r = ok ? Arith(kOp, acc[o], v[flat]) : std::nullopt;
      if (r)
        acc[o] = *r;
      else
        ok = false;
    });
    if (!ok) return nullopt;
    return Make<T>(x.dtype, out_dims, acc);
  }));
}

constexpr OpEntry kMathOps[] = {
    {"Cast", Cast, 1, 1},
    {"Add", Binary<BinOp::kAdd>, 2, 2},
    {"Sub", Binary<BinOp::kSub>, 2, 2},
    {"Mul", Binary<BinOp::kMul>, 2, 2},
    {"Div", Binary<BinOp::kDiv>, 2, 2},
    {"Equal", Binary<BinOp::kEqual>, 2, 2},
    {"Less", Binary<BinOp::kLess>, 2, 2},
    {"Greater", Binary<BinOp::kGreater>, 2, 2},
    {"Min", Variadic<BinOp::kMin>, 1, kVariadic},
    {"Max", Variadic<BinOp::kMax>, 1, kVariadic},
    {"Neg", Unary<UnOp::kNeg>, 1, 1},
    {"Abs", Unary<UnOp::kAbs>, 1, 1},
    {"Floor", Unary<UnOp::kFloor>, 1, 1},
    {"Ceil", Unary<UnOp::kCeil>, 1, 1},
    {"Sqrt", Unary<UnOp::kSqrt>, 1, 1},
    {"Not", Unary<UnOp::kNot>, 1, 1},
    {"Where", Where, 3, 3},
    {"Range", Range, 3, 3},
    {"ReduceSum", Reduce<BinOp::kAdd>, 1, 2},
    {"ReduceProd", Reduce<BinOp::kMul>, 1, 2},
    {"ReduceMax", Reduce<BinOp::kMax>, 1, 2},
    {"ReduceMin", Reduce<BinOp::kMin>, 1, 2},
};

}  // namespace

absl::Span<const OpEntry> MathOps() { return kMathOps; }

}  // namespace tandem::ir::const_eval
