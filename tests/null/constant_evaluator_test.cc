#include "ir/passes/constant_evaluator.h"

#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/null/test_util.h"

namespace tandem::ir {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using Dims = std::vector<int64_t>;

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();

Tensor I64(Dims dims, const std::vector<int64_t>& v) {
  return Tensor::FromValues(DType::kInt64, dims, v);
}
Tensor I32(Dims dims, const std::vector<int32_t>& v) {
  return Tensor::FromValues(DType::kInt32, dims, v);
}
Tensor F32(Dims dims, const std::vector<float>& v) {
  return Tensor::FromValues(DType::kFloat32, dims, v);
}
Tensor F64(Dims dims, const std::vector<double>& v) {
  return Tensor::FromValues(DType::kFloat64, dims, v);
}
Tensor Bool(Dims dims, const std::vector<uint8_t>& v) {
  return Tensor::FromValues(DType::kBool, dims, v);
}
Tensor U8(Dims dims, const std::vector<uint8_t>& v) {
  return Tensor::FromValues(DType::kUInt8, dims, v);
}
Tensor I64Scalar(int64_t v) { return I64({}, {v}); }

// A node of `op` with `outputs` outputs (ids are placeholders: the evaluator only counts them).
Node MakeNode(std::string op, std::map<std::string, Attribute, std::less<>> attrs = {},
              int outputs = 1) {
  Node n;
  n.op_type = std::move(op);
  n.attributes = std::move(attrs);
  for (int i = 0; i < outputs; ++i) n.outputs.push_back(ValueId(i));
  return n;
}

Attribute Int(int64_t v) { return Attribute(v); }
Attribute Ints(std::vector<int64_t> v) { return Attribute(std::move(v)); }

// Evaluates with `inputs`; an input with dtype kUndefined stands for an omitted one.
std::optional<std::vector<Tensor>> Eval(const Node& node, const std::vector<Tensor>& inputs) {
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : inputs) ptrs.push_back(t.dtype == DType::kUndefined ? nullptr : &t);
  return EvaluateConstantNode(node, ptrs);
}
std::optional<std::vector<Tensor>> Eval(const std::string& op, const std::vector<Tensor>& inputs) {
  return Eval(MakeNode(op), inputs);
}

// The single result; fails the test (and returns an empty tensor) when evaluation declined.
Tensor One(const std::optional<std::vector<Tensor>>& r) {
  EXPECT_TRUE(r.has_value()) << "evaluation declined";
  if (!r || r->size() != 1) return Tensor{};
  return (*r)[0];
}

template <typename T>
std::vector<T> Vals(const Tensor& t) {
  auto s = t.values<T>();
  return std::vector<T>(s.begin(), s.end());
}

#define EXPECT_TENSOR(T, tensor, dtype_, dims_, ...)                                \
  do {                                                                              \
    const Tensor tandem_t_ = (tensor);                                              \
    EXPECT_EQ(tandem_t_.dtype, dtype_);                                             \
    EXPECT_EQ(tandem_t_.dims, Dims dims_);                                          \
    EXPECT_THAT(Vals<T>(tandem_t_), ElementsAreArray(std::vector<T>{__VA_ARGS__})); \
  } while (false)

// ---- layout ops

TEST(ConstantEvaluator, IdentitySharesBytes) {
  Tensor x = I64({2}, {4, 5});
  Tensor y = One(Eval("Identity", {x}));
  EXPECT_EQ(y.data.data(), x.data.data());
  EXPECT_EQ(y.dims, x.dims);
}

TEST(ConstantEvaluator, ShapeAndSizeOfConstant) {
  Tensor x = F32({2, 3, 4}, std::vector<float>(24, 1.0f));
  EXPECT_TENSOR(int64_t, One(Eval("Shape", {x})), DType::kInt64, ({3}), 2, 3, 4);
  EXPECT_TENSOR(int64_t, One(Eval(MakeNode("Shape", {{"start", Int(-2)}}), {x})), DType::kInt64,
                ({2}), 3, 4);
  EXPECT_TENSOR(int64_t, One(Eval(MakeNode("Shape", {{"start", Int(1)}, {"end", Int(-1)}}), {x})),
                DType::kInt64, ({1}), 3);
  EXPECT_TENSOR(int64_t, One(Eval(MakeNode("Shape", {{"start", Int(5)}, {"end", Int(-9)}}), {x})),
                DType::kInt64, ({0}));
  EXPECT_TENSOR(int64_t, One(Eval("Size", {x})), DType::kInt64, ({}), 24);
}

TEST(ConstantEvaluator, GatherScalarIndexDropsTheAxis) {
  Tensor shape = I64({3}, {2, 3, 4});
  EXPECT_TENSOR(int64_t, One(Eval("Gather", {shape, I64Scalar(0)})), DType::kInt64, ({}), 2);
  EXPECT_TENSOR(int64_t, One(Eval("Gather", {shape, I64Scalar(-1)})), DType::kInt64, ({}), 4);
  EXPECT_TENSOR(int64_t, One(Eval("Gather", {shape, I32({2}, {2, 0})})), DType::kInt64, ({2}), 4,
                2);
}

TEST(ConstantEvaluator, GatherOnInnerAxisWithMatrixIndices) {
  Tensor data = F32({2, 3}, {0, 1, 2, 10, 11, 12});
  Node node = MakeNode("Gather", {{"axis", Int(1)}});
  EXPECT_TENSOR(float, One(Eval(node, {data, I64({2, 2}, {2, -3, 1, 1})})), DType::kFloat32,
                ({2, 2, 2}), 2, 0, 1, 1, 12, 10, 11, 11);
}

TEST(ConstantEvaluator, GatherRejectsOutOfRangeIndicesAndAxis) {
  Tensor shape = I64({3}, {2, 3, 4});
  EXPECT_FALSE(Eval("Gather", {shape, I64Scalar(3)}));
  EXPECT_FALSE(Eval("Gather", {shape, I64Scalar(-4)}));
  EXPECT_FALSE(Eval("Gather", {shape, I64Scalar(kI64Min)}));
  EXPECT_FALSE(Eval(MakeNode("Gather", {{"axis", Int(1)}}), {shape, I64Scalar(0)}));
  EXPECT_FALSE(Eval("Gather", {I64Scalar(1), I64Scalar(0)}));  // a scalar has no axis 0
  EXPECT_FALSE(Eval("Gather", {shape, F32({}, {0})}));
}

TEST(ConstantEvaluator, UnsqueezeAndSqueeze) {
  Tensor s = I64Scalar(7);
  Tensor u = One(Eval("Unsqueeze", {s, I64({1}, {0})}));
  EXPECT_TENSOR(int64_t, u, DType::kInt64, ({1}), 7);
  EXPECT_EQ(u.data.data(), s.data.data());  // dims change only
  Tensor x = I32({3}, {1, 2, 3});
  EXPECT_EQ(One(Eval("Unsqueeze", {x, I64({2}, {-1, 0})})).dims, (Dims{1, 3, 1}));
  EXPECT_FALSE(Eval("Unsqueeze", {x, I64({2}, {0, -3})}));  // the same axis twice
  EXPECT_FALSE(Eval("Unsqueeze", {x, I64({1}, {2})}));

  Tensor y = I32({1, 3, 1}, {1, 2, 3});
  EXPECT_EQ(One(Eval("Squeeze", {y})).dims, (Dims{3}));
  EXPECT_EQ(One(Eval("Squeeze", {y, I64({1}, {-1})})).dims, (Dims{1, 3}));
  EXPECT_FALSE(Eval("Squeeze", {y, I64({1}, {1})}));  // dim 1 is 3, not 1
  EXPECT_FALSE(Eval("Squeeze", {y, I64({1}, {3})}));
}

TEST(ConstantEvaluator, ConcatJoinsAlongTheAxis) {
  Node axis0 = MakeNode("Concat", {{"axis", Int(0)}});
  EXPECT_TENSOR(int64_t, One(Eval(axis0, {I64({1}, {2}), I64({1}, {-1})})), DType::kInt64, ({2}), 2,
                -1);
  Node axis1 = MakeNode("Concat", {{"axis", Int(-1)}});
  EXPECT_TENSOR(float, One(Eval(axis1, {F32({2, 1}, {1, 2}), F32({2, 2}, {3, 4, 5, 6})})),
                DType::kFloat32, ({2, 3}), 1, 3, 4, 2, 5, 6);
  EXPECT_TENSOR(int64_t, One(Eval(axis0, {I64({0}, {}), I64({1}, {9})})), DType::kInt64, ({1}), 9);
  EXPECT_FALSE(Eval(axis0, {I64({1}, {2}), I32({1}, {3})}));           // dtypes differ
  EXPECT_FALSE(Eval(axis1, {F32({2, 1}, {1, 2}), F32({1, 1}, {3})}));  // other dims differ
  EXPECT_FALSE(Eval("Concat", {I64({1}, {2})}));                       // axis is required
  EXPECT_FALSE(Eval(axis0, {I64Scalar(1), I64Scalar(2)}));             // scalars have no axis
}

TEST(ConstantEvaluator, ReshapeCopiesZerosAndInfersMinusOne) {
  Tensor x = F32({2, 3, 4}, std::vector<float>(24, 0.5f));
  Tensor y = One(Eval("Reshape", {x, I64({2}, {2, -1})}));
  EXPECT_EQ(y.dims, (Dims{2, 12}));
  EXPECT_EQ(y.data.data(), x.data.data());
  EXPECT_EQ(One(Eval("Reshape", {x, I64({3}, {0, -1, 2})})).dims, (Dims{2, 6, 2}));
  EXPECT_EQ(One(Eval("Reshape", {x, I64({1}, {-1})})).dims, (Dims{24}));
  EXPECT_FALSE(Eval("Reshape", {x, I64({2}, {-1, -1})}));
  EXPECT_FALSE(Eval("Reshape", {x, I64({2}, {5, -1})}));  // 24 is not a multiple of 5
  EXPECT_FALSE(Eval("Reshape", {x, I64({2}, {4, 5})}));
  EXPECT_FALSE(Eval("Reshape", {x, I64({2}, {-2, 12})}));
  EXPECT_FALSE(Eval("Reshape", {x, I64({4}, {0, 0, 0, 0})}));  // no input dim 3 to copy
  EXPECT_FALSE(Eval("Reshape", {x, I64Scalar(24)}));           // the shape must be 1-D
  EXPECT_FALSE(Eval("Reshape", {x, I64({3}, {kI64Max, kI64Max, 0})}));

  Tensor empty = F32({0, 3}, {});
  Node allow_zero = MakeNode("Reshape", {{"allowzero", Int(1)}});
  EXPECT_EQ(One(Eval(allow_zero, {empty, I64({2}, {3, 0})})).dims, (Dims{3, 0}));
  EXPECT_EQ(One(Eval("Reshape", {empty, I64({2}, {0, 3})})).dims, (Dims{0, 3}));
  EXPECT_FALSE(Eval(allow_zero, {empty, I64({2}, {0, -1})}));  // -1 is ambiguous
}

TEST(ConstantEvaluator, FlattenSplitsAtTheAxis) {
  Tensor x = I32({2, 3, 4}, std::vector<int32_t>(24, 1));
  EXPECT_EQ(One(Eval("Flatten", {x})).dims, (Dims{2, 12}));
  EXPECT_EQ(One(Eval(MakeNode("Flatten", {{"axis", Int(0)}}), {x})).dims, (Dims{1, 24}));
  EXPECT_EQ(One(Eval(MakeNode("Flatten", {{"axis", Int(-1)}}), {x})).dims, (Dims{6, 4}));
  EXPECT_EQ(One(Eval(MakeNode("Flatten", {{"axis", Int(3)}}), {x})).dims, (Dims{24, 1}));
  EXPECT_FALSE(Eval(MakeNode("Flatten", {{"axis", Int(4)}}), {x}));
}

TEST(ConstantEvaluator, SliceClampsLikePython) {
  Tensor x = I64({5}, {0, 1, 2, 3, 4});
  auto slice = [&](int64_t start, int64_t end, int64_t step) {
    return One(
        Eval("Slice", {x, I64({1}, {start}), I64({1}, {end}), I64({1}, {0}), I64({1}, {step})}));
  };
  EXPECT_TENSOR(int64_t, slice(1, 3, 1), DType::kInt64, ({2}), 1, 2);
  EXPECT_TENSOR(int64_t, slice(-2, kI64Max, 1), DType::kInt64, ({2}), 3, 4);
  EXPECT_TENSOR(int64_t, slice(-100, 100, 2), DType::kInt64, ({3}), 0, 2, 4);
  EXPECT_TENSOR(int64_t, slice(-1, kI64Min, -1), DType::kInt64, ({5}), 4, 3, 2, 1, 0);
  EXPECT_TENSOR(int64_t, slice(100, 0, -2), DType::kInt64, ({2}), 4, 2);
  EXPECT_TENSOR(int64_t, slice(3, 1, 1), DType::kInt64, ({0}));
  EXPECT_TENSOR(int64_t, slice(4, -100, kI64Min), DType::kInt64, ({1}), 4);
  EXPECT_TENSOR(int64_t, slice(0, 5, kI64Max), DType::kInt64, ({1}), 0);
  EXPECT_FALSE(Eval("Slice", {x, I64({1}, {0}), I64({1}, {5}), I64({1}, {0}), I64({1}, {0})}));
}

TEST(ConstantEvaluator, SliceWithAxesAndDefaults) {
  Tensor x = F32({2, 3}, {0, 1, 2, 10, 11, 12});
  // Only starts and ends: axes 0..n-1, steps 1.
  EXPECT_TENSOR(float, One(Eval("Slice", {x, I64({1}, {1}), I64({1}, {2})})), DType::kFloat32,
                ({1, 3}), 10, 11, 12);
  Tensor omitted;  // dtype kUndefined: an omitted optional input
  EXPECT_TENSOR(
      float, One(Eval("Slice", {x, I64({1}, {-1}), I64({1}, {kI64Min}), I64({1}, {-1}), omitted})),
      DType::kFloat32, ({2, 0}));
  EXPECT_TENSOR(float,
                One(Eval("Slice", {x, I64({2}, {2, 1}), I64({2}, {0, -10}), I64({2}, {1, 0}),
                                   I64({2}, {-2, -1})})),
                DType::kFloat32, ({2, 1}), 12, 2);
  EXPECT_FALSE(Eval("Slice", {x, I64({2}, {0, 0}), I64({1}, {1})}));  // lengths differ
  EXPECT_FALSE(Eval("Slice", {x, I64({2}, {0, 0}), I64({2}, {1, 1}), I64({2}, {1, -1})}));
  EXPECT_FALSE(Eval("Slice", {x, I64({1}, {0}), I64({1}, {1}), I64({1}, {2})}));
}

TEST(ConstantEvaluator, ExpandBroadcastsBothWays) {
  Tensor x = I64({3, 1}, {1, 2, 3});
  EXPECT_TENSOR(int64_t, One(Eval("Expand", {x, I64({3}, {2, 1, 2})})), DType::kInt64, ({2, 3, 2}),
                1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3);
  EXPECT_EQ(One(Eval("Expand", {x, I64({1}, {1})})).dims, (Dims{3, 1}));
  EXPECT_EQ(One(Eval("Expand", {x, I64({1}, {2})})).dims, (Dims{3, 2}));
  EXPECT_FALSE(Eval("Expand", {x, I64({2}, {4, 1})}));  // 3 vs 4
  EXPECT_FALSE(Eval("Expand", {x, I64({1}, {-1})}));
}

TEST(ConstantEvaluator, TileRepeatsEachAxis) {
  Tensor x = I32({1, 2}, {1, 2});
  EXPECT_TENSOR(int32_t, One(Eval("Tile", {x, I64({2}, {2, 2})})), DType::kInt32, ({2, 4}), 1, 2, 1,
                2, 1, 2, 1, 2);
  EXPECT_EQ(One(Eval("Tile", {x, I64({2}, {0, 3})})).dims, (Dims{0, 6}));
  EXPECT_FALSE(Eval("Tile", {x, I64({1}, {2})}));
  EXPECT_FALSE(Eval("Tile", {x, I64({2}, {-1, 1})}));
}

TEST(ConstantEvaluator, TransposeDefaultsToReversed) {
  Tensor x = I64({2, 3}, {0, 1, 2, 3, 4, 5});
  EXPECT_TENSOR(int64_t, One(Eval("Transpose", {x})), DType::kInt64, ({3, 2}), 0, 3, 1, 4, 2, 5);
  Tensor y = I64({1, 2, 3}, {0, 1, 2, 3, 4, 5});
  EXPECT_TENSOR(int64_t, One(Eval(MakeNode("Transpose", {{"perm", Ints({2, 0, 1})}}), {y})),
                DType::kInt64, ({3, 1, 2}), 0, 3, 1, 4, 2, 5);
  EXPECT_FALSE(Eval(MakeNode("Transpose", {{"perm", Ints({0, 0, 1})}}), {y}));
  EXPECT_FALSE(Eval(MakeNode("Transpose", {{"perm", Ints({0, 1})}}), {y}));
  EXPECT_FALSE(Eval(MakeNode("Transpose", {{"perm", Ints({0, 1, -1})}}), {y}));
}

TEST(ConstantEvaluator, SplitBySizesOrEqually) {
  Tensor x = I64({5}, {0, 1, 2, 3, 4});
  auto r = Eval(MakeNode("Split", {}, 3), {x});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_TENSOR(int64_t, (*r)[0], DType::kInt64, ({2}), 0, 1);
  EXPECT_TENSOR(int64_t, (*r)[1], DType::kInt64, ({2}), 2, 3);
  EXPECT_TENSOR(int64_t, (*r)[2], DType::kInt64, ({1}), 4);

  Tensor m = F32({2, 3}, {0, 1, 2, 10, 11, 12});
  r = Eval(MakeNode("Split", {{"axis", Int(1)}}, 2), {m, I64({2}, {1, 2})});
  ASSERT_TRUE(r);
  EXPECT_TENSOR(float, (*r)[0], DType::kFloat32, ({2, 1}), 0, 10);
  EXPECT_TENSOR(float, (*r)[1], DType::kFloat32, ({2, 2}), 1, 2, 11, 12);

  EXPECT_FALSE(Eval(MakeNode("Split", {}, 2), {x, I64({2}, {1, 2})}));  // sums to 3, not 5
  EXPECT_FALSE(Eval(MakeNode("Split", {}, 2), {x, I64({2}, {6, -1})}));
  EXPECT_FALSE(Eval(MakeNode("Split", {}, 3), {x, I64({2}, {2, 3})}));  // 2 sizes, 3 outputs
  EXPECT_FALSE(Eval(MakeNode("Split", {}, 4), {x}));                    // 2,2,2 > 5
  EXPECT_FALSE(Eval(MakeNode("Split", {}, 0), {x}));
}

TEST(ConstantEvaluator, ConstantOfShape) {
  EXPECT_TENSOR(float, One(Eval("ConstantOfShape", {I64({2}, {2, 2})})), DType::kFloat32, ({2, 2}),
                0, 0, 0, 0);
  Node ones = MakeNode("ConstantOfShape", {{"value", Attribute(I64({1}, {1}))}});
  EXPECT_TENSOR(int64_t, One(Eval(ones, {I64({1}, {3})})), DType::kInt64, ({3}), 1, 1, 1);
  EXPECT_TENSOR(int64_t, One(Eval(ones, {I64({0}, {})})), DType::kInt64, ({}), 1);
  EXPECT_TENSOR(int64_t, One(Eval(ones, {I64({2}, {0, 7})})), DType::kInt64, ({0, 7}));
  EXPECT_FALSE(Eval(ones, {I64({1}, {-1})}));
  EXPECT_FALSE(Eval(ones, {I64({1}, {kMaxFoldedElements + 1})}));
  Node two = MakeNode("ConstantOfShape", {{"value", Attribute(I64({2}, {1, 2}))}});
  EXPECT_FALSE(Eval(two, {I64({1}, {3})}));
}

// ---- math ops

TEST(ConstantEvaluator, CastBetweenTypes) {
  auto cast = [](DType to) { return MakeNode("Cast", {{"to", Int(static_cast<int64_t>(to))}}); };
  EXPECT_TENSOR(float, One(Eval(cast(DType::kFloat32), {I64({2}, {-3, 1 << 20})})), DType::kFloat32,
                ({2}), -3.0f, 1048576.0f);
  EXPECT_TENSOR(int32_t, One(Eval(cast(DType::kInt32), {F32({3}, {-2.7f, 2.7f, 0.0f})})),
                DType::kInt32, ({3}), -2, 2, 0);
  EXPECT_TENSOR(int32_t, One(Eval(cast(DType::kInt32), {I64({2}, {(int64_t{1} << 32) + 5, -1})})),
                DType::kInt32, ({2}), 5, -1);
  EXPECT_TENSOR(uint8_t, One(Eval(cast(DType::kBool), {F32({3}, {0.0f, -0.5f, NAN})})),
                DType::kBool, ({3}), 0, 1, 1);
  EXPECT_TENSOR(double, One(Eval(cast(DType::kFloat64), {Bool({2}, {1, 0})})), DType::kFloat64,
                ({2}), 1.0, 0.0);
  EXPECT_TENSOR(uint8_t, One(Eval(cast(DType::kUInt8), {I64({2}, {-1, 256 + 7})})), DType::kUInt8,
                ({2}), 255, 7);
  EXPECT_TENSOR(int8_t, One(Eval(cast(DType::kInt8), {F64({2}, {-128.9, 127.5})})), DType::kInt8,
                ({2}), -128, 127);
  EXPECT_TENSOR(int64_t, One(Eval(cast(DType::kInt64), {U8({2}, {200, 3})})), DType::kInt64, ({2}),
                200, 3);
  Tensor big = One(Eval(cast(DType::kFloat32), {F64({2}, {1e300, -1e300})}));
  EXPECT_THAT(Vals<float>(big), ElementsAre(INFINITY, -INFINITY));
}

TEST(ConstantEvaluator, CastDeclinesUndefinedConversions) {
  auto cast = [](int64_t to) { return MakeNode("Cast", {{"to", Int(to)}}); };
  const int64_t i32 = static_cast<int64_t>(DType::kInt32);
  EXPECT_FALSE(Eval(cast(i32), {F32({1}, {NAN})}));
  EXPECT_FALSE(Eval(cast(i32), {F32({1}, {3e9f})}));
  EXPECT_FALSE(Eval(cast(static_cast<int64_t>(DType::kInt64)), {F64({1}, {9.3e18})}));
  EXPECT_FALSE(Eval(cast(static_cast<int64_t>(DType::kUInt8)), {F32({1}, {-1.0f})}));
  EXPECT_FALSE(Eval(cast(static_cast<int64_t>(DType::kFloat16)), {F32({1}, {1.0f})}));
  EXPECT_FALSE(Eval(cast(static_cast<int64_t>(DType::kString)), {F32({1}, {1.0f})}));
  EXPECT_FALSE(Eval(cast(99), {F32({1}, {1.0f})}));
  EXPECT_FALSE(Eval("Cast", {F32({1}, {1.0f})}));  // no `to`
}

TEST(ConstantEvaluator, ArithmeticBroadcasts) {
  Tensor col = I64({2, 1}, {10, 20});
  Tensor row = I64({3}, {1, 2, 3});
  EXPECT_TENSOR(int64_t, One(Eval("Add", {col, row})), DType::kInt64, ({2, 3}), 11, 12, 13, 21, 22,
                23);
  EXPECT_TENSOR(int64_t, One(Eval("Sub", {row, col})), DType::kInt64, ({2, 3}), -9, -8, -7, -19,
                -18, -17);
  EXPECT_TENSOR(int64_t, One(Eval("Mul", {row, I64Scalar(-2)})), DType::kInt64, ({3}), -2, -4, -6);
  EXPECT_TENSOR(float, One(Eval("Div", {F32({2}, {1, -3}), F32({}, {2})})), DType::kFloat32, ({2}),
                0.5f, -1.5f);
  EXPECT_EQ(One(Eval("Add", {F32({0, 1}, {}), F32({4}, {1, 2, 3, 4})})).dims, (Dims{0, 4}));
  EXPECT_FALSE(Eval("Add", {I64({2}, {1, 2}), I64({3}, {1, 2, 3})}));
  EXPECT_FALSE(Eval("Add", {I64({1}, {1}), I32({1}, {1})}));
  EXPECT_FALSE(Eval("Add", {Bool({1}, {1}), Bool({1}, {1})}));
}

TEST(ConstantEvaluator, IntegerDivisionTruncatesAndOverflowDeclines) {
  EXPECT_TENSOR(int64_t, One(Eval("Div", {I64({4}, {7, -7, 7, -7}), I64({4}, {2, 2, -2, -2})})),
                DType::kInt64, ({4}), 3, -3, -3, 3);
  EXPECT_TENSOR(int32_t, One(Eval("Div", {I32({1}, {-9}), I32({1}, {4})})), DType::kInt32, ({1}),
                -2);
  EXPECT_FALSE(Eval("Div", {I64Scalar(1), I64Scalar(0)}));
  EXPECT_FALSE(Eval("Div", {I64Scalar(kI64Min), I64Scalar(-1)}));
  EXPECT_FALSE(Eval("Add", {I64Scalar(kI64Max), I64Scalar(1)}));
  EXPECT_FALSE(Eval("Sub", {I64Scalar(kI64Min), I64Scalar(1)}));
  EXPECT_FALSE(Eval("Mul", {I32({1}, {1 << 20}), I32({1}, {1 << 12})}));
  EXPECT_FALSE(Eval("Neg", {I64Scalar(kI64Min)}));
  EXPECT_FALSE(Eval("Abs", {I32({1}, {std::numeric_limits<int32_t>::min()})}));
  Tensor inf = One(Eval("Div", {F32({1}, {1}), F32({1}, {0})}));  // IEEE: no decline
  EXPECT_THAT(Vals<float>(inf), ElementsAre(INFINITY));
}

TEST(ConstantEvaluator, UnaryOps) {
  EXPECT_TENSOR(int64_t, One(Eval("Neg", {I64({2}, {3, -4})})), DType::kInt64, ({2}), -3, 4);
  EXPECT_TENSOR(int32_t, One(Eval("Abs", {I32({2}, {3, -4})})), DType::kInt32, ({2}), 3, 4);
  EXPECT_TENSOR(float, One(Eval("Floor", {F32({3}, {1.5f, -1.5f, 2.0f})})), DType::kFloat32, ({3}),
                1.0f, -2.0f, 2.0f);
  EXPECT_TENSOR(double, One(Eval("Ceil", {F64({2}, {1.5, -1.5})})), DType::kFloat64, ({2}), 2.0,
                -1.0);
  EXPECT_TENSOR(float, One(Eval("Sqrt", {F32({2}, {4.0f, 2.25f})})), DType::kFloat32, ({2}), 2.0f,
                1.5f);
  EXPECT_TENSOR(uint8_t, One(Eval("Not", {Bool({3}, {1, 0, 2})})), DType::kBool, ({3}), 0, 1, 0);
  EXPECT_FALSE(Eval("Floor", {I64Scalar(1)}));
  EXPECT_FALSE(Eval("Sqrt", {I32({1}, {4})}));
  EXPECT_FALSE(Eval("Not", {I64Scalar(1)}));
  EXPECT_FALSE(Eval("Neg", {Bool({1}, {1})}));
}

TEST(ConstantEvaluator, ComparisonsYieldBool) {
  Tensor a = I64({3}, {1, 2, 3});
  EXPECT_TENSOR(uint8_t, One(Eval("Equal", {a, I64Scalar(2)})), DType::kBool, ({3}), 0, 1, 0);
  EXPECT_TENSOR(uint8_t, One(Eval("Less", {a, I64Scalar(2)})), DType::kBool, ({3}), 1, 0, 0);
  EXPECT_TENSOR(uint8_t, One(Eval("Greater", {a, I64Scalar(2)})), DType::kBool, ({3}), 0, 0, 1);
  EXPECT_TENSOR(uint8_t, One(Eval("Equal", {Bool({2}, {1, 0}), Bool({2}, {2, 0})})), DType::kBool,
                ({2}), 1, 1);
  EXPECT_TENSOR(uint8_t, One(Eval("Less", {F32({2}, {NAN, 1}), F32({2}, {1, 2})})), DType::kBool,
                ({2}), 0, 1);
  EXPECT_FALSE(Eval("Less", {Bool({1}, {0}), Bool({1}, {1})}));
}

TEST(ConstantEvaluator, WhereSelectsWithBroadcasting) {
  Tensor cond = Bool({2, 1}, {1, 0});
  EXPECT_TENSOR(int64_t, One(Eval("Where", {cond, I64({2}, {1, 2}), I64Scalar(-1)})), DType::kInt64,
                ({2, 2}), 1, 2, -1, -1);
  EXPECT_FALSE(Eval("Where", {I64({1}, {1}), I64Scalar(1), I64Scalar(2)}));
  EXPECT_FALSE(Eval("Where", {cond, I64Scalar(1), I32({1}, {2})}));
}

TEST(ConstantEvaluator, MinMaxAreVariadic) {
  EXPECT_TENSOR(int64_t, One(Eval("Min", {I64({3}, {5, 1, 9}), I64Scalar(4), I64({1}, {6})})),
                DType::kInt64, ({3}), 4, 1, 4);
  EXPECT_TENSOR(int32_t, One(Eval("Max", {I32({2}, {5, -1}), I32({2, 1}, {0, 7})})), DType::kInt32,
                ({2, 2}), 5, 0, 7, 7);
  EXPECT_TENSOR(int64_t, One(Eval("Max", {I64({1}, {3})})), DType::kInt64, ({1}), 3);
  Tensor nan = One(Eval("Max", {F32({2}, {NAN, 1}), F32({2}, {1, NAN})}));
  EXPECT_TRUE(std::isnan(Vals<float>(nan)[0]) && std::isnan(Vals<float>(nan)[1]));
  EXPECT_FALSE(Eval("Min", {I64Scalar(1), I32({}, {1})}));
}

TEST(ConstantEvaluator, RangeCountsLikeCeil) {
  EXPECT_TENSOR(int64_t, One(Eval("Range", {I64Scalar(0), I64Scalar(10), I64Scalar(3)})),
                DType::kInt64, ({4}), 0, 3, 6, 9);
  EXPECT_TENSOR(int32_t, One(Eval("Range", {I32({}, {10}), I32({}, {0}), I32({}, {-3})})),
                DType::kInt32, ({4}), 10, 7, 4, 1);
  EXPECT_TENSOR(int64_t, One(Eval("Range", {I64Scalar(5), I64Scalar(1), I64Scalar(1)})),
                DType::kInt64, ({0}));
  EXPECT_TENSOR(float, One(Eval("Range", {F32({}, {0}), F32({}, {1}), F32({}, {0.25f})})),
                DType::kFloat32, ({4}), 0.0f, 0.25f, 0.5f, 0.75f);
  EXPECT_TENSOR(
      int64_t, One(Eval("Range", {I64Scalar(kI64Max - 2), I64Scalar(kI64Max), I64Scalar(kI64Max)})),
      DType::kInt64, ({1}), kI64Max - 2);
  EXPECT_FALSE(Eval("Range", {I64Scalar(0), I64Scalar(10), I64Scalar(0)}));
  EXPECT_FALSE(Eval("Range", {I64Scalar(0), I64Scalar(kMaxFoldedElements + 1), I64Scalar(1)}));
  EXPECT_FALSE(Eval("Range", {I64Scalar(kI64Min), I64Scalar(kI64Max), I64Scalar(1)}));
  EXPECT_FALSE(Eval("Range", {I64Scalar(kI64Max), I64Scalar(kI64Min), I64Scalar(-1)}));
  EXPECT_FALSE(Eval("Range", {F32({}, {0}), F32({}, {INFINITY}), F32({}, {1})}));
  EXPECT_FALSE(Eval("Range", {I64Scalar(0), I32({}, {3}), I64Scalar(1)}));
}

TEST(ConstantEvaluator, Reductions) {
  Tensor x = I64({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_TENSOR(int64_t, One(Eval("ReduceSum", {x, I64({1}, {1})})), DType::kInt64, ({2, 1}), 6,
                15);
  Node no_keep = MakeNode("ReduceProd", {{"keepdims", Int(0)}});
  EXPECT_TENSOR(int64_t, One(Eval(no_keep, {x, I64({1}, {0})})), DType::kInt64, ({3}), 4, 10, 18);
  EXPECT_TENSOR(int64_t, One(Eval(no_keep, {x})), DType::kInt64, ({}), 720);
  EXPECT_TENSOR(int64_t, One(Eval("ReduceMax", {x, I64({1}, {-1})})), DType::kInt64, ({2, 1}), 3,
                6);
  EXPECT_TENSOR(int64_t, One(Eval("ReduceMin", {x})), DType::kInt64, ({1, 1}), 1);
  Node noop = MakeNode("ReduceSum", {{"noop_with_empty_axes", Int(1)}});
  EXPECT_TENSOR(int64_t, One(Eval(noop, {x, I64({0}, {})})), DType::kInt64, ({2, 3}), 1, 2, 3, 4, 5,
                6);
  Tensor empty = F32({0, 2}, {});
  EXPECT_THAT(Vals<float>(One(Eval("ReduceMax", {empty, I64({1}, {0})}))),
              ElementsAre(-INFINITY, -INFINITY));
  EXPECT_TENSOR(float, One(Eval("ReduceSum", {empty, I64({1}, {0})})), DType::kFloat32, ({1, 2}),
                0.0f, 0.0f);
  EXPECT_FALSE(Eval("ReduceProd", {I64({2}, {kI64Max, 2})}));
  EXPECT_FALSE(Eval("ReduceSum", {x, I64({1}, {2})}));
  EXPECT_FALSE(Eval("ReduceSum", {Bool({1}, {1})}));
}

// ---- limits and hostile inputs

TEST(ConstantEvaluator, RejectsResultsOverTheLimit) {
  const int64_t n = kMaxFoldedElements + 1;
  EXPECT_FALSE(Eval("ConstantOfShape", {I64({1}, {n})}));
  EXPECT_FALSE(Eval("Expand", {I64Scalar(1), I64({1}, {n})}));
  EXPECT_FALSE(Eval("Tile", {I64({1}, {1}), I64({1}, {n})}));
  EXPECT_FALSE(Eval("Tile", {I64({1}, {2}), I64({1}, {kI64Max})}));
  Tensor big = I64({n}, std::vector<int64_t>(n, 1));
  EXPECT_FALSE(Eval("Identity", {big}));
  EXPECT_FALSE(Eval("Add", {big, I64Scalar(1)}));
  // A small result of a big input is fine.
  EXPECT_TENSOR(int64_t, One(Eval("Gather", {big, I64Scalar(-1)})), DType::kInt64, ({}), 1);
  EXPECT_TENSOR(int64_t, One(Eval("Shape", {big})), DType::kInt64, ({1}), n);
}

TEST(ConstantEvaluator, RejectsMalformedTensors) {
  Tensor short_bytes = I64({3}, {1, 2});  // 16 bytes for 3 elements
  EXPECT_FALSE(Eval("Identity", {short_bytes}));
  EXPECT_FALSE(Eval("Add", {short_bytes, I64Scalar(1)}));
  Tensor negative_dim = I64({-1}, {});
  EXPECT_FALSE(Eval("Shape", {negative_dim}));
  Tensor overflowing{DType::kInt64, {0, kI64Max, 4}, {}, {}};
  EXPECT_FALSE(Eval("Shape", {overflowing}));
  Tensor strings{DType::kString, {1}, {}, {"a"}};
  EXPECT_FALSE(Eval("Identity", {strings}));
  Tensor half{DType::kFloat16, {1}, TensorData::Owned({0, 0}), {}};
  EXPECT_FALSE(Eval("Identity", {half}));
  EXPECT_FALSE(Eval("Add", {U8({1}, {1}), U8({1}, {1})}));  // uint8 only for Cast
}

TEST(ConstantEvaluator, RejectsMalformedNodes) {
  EXPECT_FALSE(Eval("NonZero", {I64({1}, {1})}));
  EXPECT_FALSE(Eval("Add", {I64Scalar(1)}));
  EXPECT_FALSE(Eval("Add", {I64Scalar(1), I64Scalar(2), I64Scalar(3)}));
  EXPECT_FALSE(Eval("Gather", {I64({1}, {1}), Tensor{}}));  // a required input omitted
  EXPECT_FALSE(Eval(MakeNode("Add", {}, 2), {I64Scalar(1), I64Scalar(2)}));
  EXPECT_FALSE(Eval(MakeNode("Add", {}, 0), {I64Scalar(1), I64Scalar(2)}));
  Node custom = MakeNode("Add");
  custom.domain = "com.example";
  EXPECT_FALSE(Eval(custom, {I64Scalar(1), I64Scalar(2)}));
  EXPECT_FALSE(EvaluateConstantNode(MakeNode("Concat", {{"axis", Int(0)}}), {}));
}

// Every op the evaluator covers, for the robustness tests below.
// clang-format off
const char* const kAllOps[] = {
    "Identity", "Cast", "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Slice", "Add",
    "Sub", "Mul", "Div", "Neg", "Equal", "Less", "Greater", "Where", "Not", "ConstantOfShape",
    "Range", "Expand", "Tile", "Transpose", "Min", "Max", "Abs", "Floor", "Ceil", "Sqrt",
    "ReduceProd", "ReduceSum", "ReduceMax", "ReduceMin", "Split", "Flatten", "Size", "Shape"};
// clang-format on

// Evaluates `node`; when it folds, checks one result per output, each within the limit and with
// bytes that match its dims. Returns whether it folded.
bool FoldsWellFormed(const Node& node, const std::vector<const Tensor*>& in) {
  auto r = EvaluateConstantNode(node, in);
  if (!r) return false;
  EXPECT_EQ(r->size(), node.outputs.size()) << node.op_type;
  for (const Tensor& t : *r) {
    auto count = CheckedNumElements(t.dims);
    EXPECT_TRUE(count.has_value()) << node.op_type;
    if (!count) continue;
    EXPECT_LE(*count, kMaxFoldedElements) << node.op_type;
    EXPECT_EQ(t.data.size(), static_cast<size_t>(*count * DTypeSize(t.dtype))) << node.op_type;
  }
  return true;
}

// Every op over a pool of awkward inputs: nothing may crash (the ASan/UBSan build checks for
// undefined behaviour), and every result is well-formed.
TEST(ConstantEvaluator, SurvivesHostileInputCombinations) {
  const std::vector<Tensor> pool = {
      I64Scalar(kI64Min),
      I64Scalar(kI64Max),
      I64Scalar(-1),
      I64Scalar(0),
      I64({0}, {}),
      I64({2}, {kI64Max, kI64Min}),
      I64({3}, {2, -1, 0}),
      I32({2, 0}, {}),
      F32({2, 1}, {NAN, INFINITY}),
      F64({1}, {-1e300}),
      Bool({2}, {1, 0}),
      I64({1, 1, 1}, {3}),
      Tensor{DType::kInt64, {0, kI64Max}, {}, {}},
  };
  const std::vector<std::map<std::string, Attribute, std::less<>>> attr_sets = {
      {},
      {{"axis", Int(-1)}, {"to", Int(7)}, {"keepdims", Int(0)}, {"perm", Ints({1, 0})}},
      {{"axis", Int(kI64Min)}, {"start", Int(kI64Max)}, {"allowzero", Int(1)}},
  };
  int folded = 0;
  for (const char* op : kAllOps) {
    for (const auto& attrs : attr_sets) {
      for (int outputs = 1; outputs <= 2; ++outputs) {
        Node node = MakeNode(op, attrs, outputs);
        for (size_t n = 1; n <= 3; ++n) {
          // Every n-tuple of the pool would be too many; walk a deterministic subset.
          for (size_t i = 0; i < pool.size() * pool.size(); ++i) {
            std::vector<const Tensor*> in;
            for (size_t k = 0; k < n; ++k) in.push_back(&pool[(i * (k + 1) + k) % pool.size()]);
            folded += FoldsWellFormed(node, in);
          }
        }
      }
    }
  }
  EXPECT_GT(folded, 100);
}

// Small random tensors and attributes (fixed seed), with the same checks.
class RandomNodes {
 public:
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<unsigned>(n)); }
  int64_t Int() {
    static constexpr int64_t kInteresting[] = {0, 1, 2, 3, -1, -2, -3, kI64Max, kI64Min, 1 << 16};
    return kInteresting[Pick(10)];
  }
  // kind 0..4 picks int64, int32, f32, f64 or bool; -1 picks one at random.
  Tensor RandomTensor(int kind) {
    Dims dims(static_cast<size_t>(Pick(4)));
    for (int64_t& d : dims) d = Pick(4);
    const size_t n = static_cast<size_t>(*CheckedNumElements(dims));
    switch (kind >= 0 ? kind : Pick(5)) {
      case 0:
        return I64(dims, Fill<int64_t>(n, [&] { return Int(); }));
      case 1:
        return I32(dims, Fill<int32_t>(n, [&] { return static_cast<int32_t>(Int()); }));
      case 2:
        return F32(dims, Fill<float>(n, [&] { return static_cast<float>(Int()) / 2; }));
      case 3:
        return F64(dims, Fill<double>(n, [&] { return Pick(7) ? Int() * 0.75 : NAN; }));
      default:
        return Bool(dims, Fill<uint8_t>(n, [&] { return static_cast<uint8_t>(Pick(2)); }));
    }
  }
  Node RandomNode() {
    const int num_ops = static_cast<int>(std::size(kAllOps));
    Node node = MakeNode(kAllOps[Pick(num_ops)], {}, Pick(4) == 0 ? 1 + Pick(3) : 1);
    for (const char* a :
         {"axis", "to", "keepdims", "allowzero", "start", "end", "noop_with_empty_axes"}) {
      if (Pick(2)) node.attributes[a] = Attribute(Pick(3) == 0 ? Int() : Pick(12) - 3);
    }
    if (Pick(3) == 0) node.attributes["perm"] = Ints({Pick(3), Pick(3), Pick(3)});
    return node;
  }

 private:
  template <typename T, typename F>
  static std::vector<T> Fill(size_t n, F f) {
    std::vector<T> v(n);
    for (T& e : v) e = static_cast<T>(f());
    return v;
  }
  std::mt19937 rng_{20240601};
};

TEST(ConstantEvaluator, RandomInputsKeepInvariants) {
  RandomNodes random;
  int folded = 0;
  for (int iter = 0; iter < 30000; ++iter) {
    Node node = random.RandomNode();
    std::vector<Tensor> inputs(static_cast<size_t>(random.Pick(6)));
    const int kind = random.Pick(2) ? random.Pick(5) : -1;  // often one dtype for all inputs
    for (Tensor& t : inputs) t = random.RandomTensor(kind);
    std::vector<const Tensor*> ptrs;
    for (const Tensor& t : inputs) ptrs.push_back(random.Pick(8) == 0 ? nullptr : &t);
    folded += FoldsWellFormed(node, ptrs);
  }
  EXPECT_GT(folded, 500);
}

}  // namespace
}  // namespace tandem::ir
