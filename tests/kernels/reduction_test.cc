// Reduction and normalization kernels: the corners the ONNX backend suite does not reach (every
// axis subset against a naive reference, empty reductions, integer wrap-around, run-time axes,
// NaN handling, the chunked and multithreaded paths, precision of long sums, float16).
#include <cmath>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "common/float16.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/reduction_math.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/null/test_util.h"

namespace tandem::kernels::cpu {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::Pointwise;
using ir::Attribute;
using ir::DType;
using ir::Tensor;

template <typename T>
Tensor T1(DType dtype, std::vector<int64_t> dims, std::vector<T> values) {
  return Tensor::FromValues<T>(dtype, std::move(dims), values);
}
Tensor F32(std::vector<int64_t> dims, std::vector<float> v) { return T1(DType::kFloat32, dims, v); }
Tensor I64(std::vector<int64_t> dims, std::vector<int64_t> v) { return T1(DType::kInt64, dims, v); }
Tensor I32(std::vector<int64_t> dims, std::vector<int32_t> v) { return T1(DType::kInt32, dims, v); }
Attribute Int(int64_t v) { return Attribute(v); }

std::vector<float> Random(int64_t n, uint32_t seed, float lo = -2.0f, float hi = 2.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

// Naive reference: reduces `x` of shape `dims` over `mask` with (init, combine, map, finalize).
template <typename Map, typename Combine, typename Fin>
std::vector<double> RefReduce(const std::vector<float>& x, const std::vector<int64_t>& dims,
                              const std::vector<bool>& mask, double init, Map map, Combine combine,
                              Fin fin) {
  const int rank = static_cast<int>(dims.size());
  int64_t outs = 1, count = 1;
  for (int i = 0; i < rank; ++i) (mask[i] ? count : outs) *= dims[i];
  std::vector<double> acc(outs, init);
  for (int64_t e = 0; e < static_cast<int64_t>(x.size()); ++e) {
    int64_t rest = e, o = 0, scale = 1;
    for (int i = rank - 1; i >= 0; --i) {
      int64_t idx = rest % dims[i];
      rest /= dims[i];
      if (!mask[i]) {
        o += idx * scale;
        scale *= dims[i];
      }
    }
    acc[o] = combine(acc[o], map(static_cast<double>(x[e])));
  }
  for (double& a : acc) a = fin(a, count);
  return acc;
}

struct ReduceCase {
  const char* op;
  double init;
  double (*map)(double);
  double (*combine)(double, double);
  double (*fin)(double, int64_t);
};

const ReduceCase kCases[] = {
    {"ReduceSum", 0, [](double v) { return v; }, [](double a, double b) { return a + b; },
     [](double a, int64_t) { return a; }},
    {"ReduceMean", 0, [](double v) { return v; }, [](double a, double b) { return a + b; },
     [](double a, int64_t n) { return a / n; }},
    {"ReduceMax", -INFINITY, [](double v) { return v; }, [](double a, double b) { return std::max(a, b); },
     [](double a, int64_t) { return a; }},
    {"ReduceMin", INFINITY, [](double v) { return v; }, [](double a, double b) { return std::min(a, b); },
     [](double a, int64_t) { return a; }},
    {"ReduceProd", 1, [](double v) { return v; }, [](double a, double b) { return a * b; },
     [](double a, int64_t) { return a; }},
    {"ReduceL1", 0, [](double v) { return std::fabs(v); }, [](double a, double b) { return a + b; },
     [](double a, int64_t) { return a; }},
    {"ReduceL2", 0, [](double v) { return v * v; }, [](double a, double b) { return a + b; },
     [](double a, int64_t) { return std::sqrt(a); }},
    {"ReduceSumSquare", 0, [](double v) { return v * v; }, [](double a, double b) { return a + b; },
     [](double a, int64_t) { return a; }},
    {"ReduceLogSum", 0, [](double v) { return v; }, [](double a, double b) { return a + b; },
     [](double a, int64_t) { return std::log(a); }},
    {"ReduceLogSumExp", 0, [](double v) { return std::exp(v); }, [](double a, double b) { return a + b; },
     [](double a, int64_t) { return std::log(a); }},
};

// Every op over every subset of the axes of a [3,4,5,6] tensor (and negative axis spellings),
// keepdims on and off, against the naive reference.
TEST(Reduce, EveryAxisSubsetMatchesReference) {
  const std::vector<int64_t> dims = {3, 4, 5, 6};
  for (const ReduceCase& c : kCases) {
    // LogSum needs positive inputs; Prod stays finite on [0.5, 1.5].
    const bool positive = std::string(c.op) == "ReduceLogSum" || std::string(c.op) == "ReduceProd";
    std::vector<float> x = Random(360, 7, positive ? 0.5f : -2.0f, positive ? 1.5f : 2.0f);
    for (int subset = 1; subset < 16; ++subset) {
      for (int keepdims = 0; keepdims < 2; ++keepdims) {
        std::vector<bool> mask(4);
        std::vector<int64_t> axes, out_dims;
        for (int i = 0; i < 4; ++i) {
          mask[i] = (subset >> i) & 1;
          if (mask[i]) axes.push_back(i % 2 ? i - 4 : i);  // mix negative spellings in
          if (!mask[i]) out_dims.push_back(dims[i]);
          else if (keepdims) out_dims.push_back(1);
        }
        NodeTest t(c.op);
        t.Input(F32(dims, x)).ConstantInput(I64({static_cast<int64_t>(axes.size())}, axes));
        t.Attr("keepdims", Int(keepdims)).Output(DType::kFloat32, out_dims);
        ASSERT_OK_AND_ASSIGN(auto out, t.Run());
        std::vector<double> want = RefReduce(x, dims, mask, c.init, c.map, c.combine, c.fin);
        std::vector<float> got = Values<float>(out[0]);
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 1e-4 * std::max(1.0, std::fabs(want[i])))
              << c.op << " subset " << subset << " keepdims " << keepdims << " at " << i;
        }
      }
    }
  }
}

TEST(Reduce, NoAxesReducesAllUnlessNoop) {
  NodeTest all("ReduceSum");
  all.Input(F32({2, 2}, {1, 2, 3, 4})).Output(DType::kFloat32, {1, 1});
  ASSERT_OK_AND_ASSIGN(auto a, all.Run());
  EXPECT_THAT(Values<float>(a[0]), ElementsAre(10));

  NodeTest noop("ReduceL1");  // noop_with_empty_axes: the input unchanged, sign included
  noop.Input(F32({2, 2}, {1, -2, 3, 4})).ConstantInput(I64({0}, {}));
  noop.Attr("noop_with_empty_axes", Int(1)).Output(DType::kFloat32, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto n, noop.Run());
  EXPECT_THAT(Values<float>(n[0]), ElementsAre(1, -2, 3, 4));
}

TEST(Reduce, EmptyReductionsGiveTheIdentity) {
  const std::vector<std::pair<const char*, float>> cases = {
      {"ReduceSum", 0.0f},  {"ReduceProd", 1.0f},          {"ReduceMax", -INFINITY},
      {"ReduceMin", INFINITY}, {"ReduceLogSumExp", -INFINITY}, {"ReduceLogSum", -INFINITY},
      {"ReduceL2", 0.0f},   {"ReduceSumSquare", 0.0f}};
  for (const auto& [op, want] : cases) {
    NodeTest t(op);
    t.Input(F32({2, 0, 3}, {})).ConstantInput(I64({1}, {1})).Output(DType::kFloat32, {2, 1, 3});
    ASSERT_OK_AND_ASSIGN(auto out, t.Run());
    EXPECT_THAT(Values<float>(out[0]), ::testing::Each(want)) << op;
  }
  NodeTest mean("ReduceMean");
  mean.Input(F32({0, 2}, {})).ConstantInput(I64({1}, {0})).Output(DType::kFloat32, {1, 2});
  ASSERT_OK_AND_ASSIGN(auto m, mean.Run());
  EXPECT_TRUE(std::isnan(Values<float>(m[0])[0]));
  NodeTest imin("ReduceMin");  // integers have no infinity: the largest value
  imin.Input(I32({0}, {})).ConstantInput(I64({1}, {0})).Output(DType::kInt32, {1});
  ASSERT_OK_AND_ASSIGN(auto i, imin.Run());
  EXPECT_THAT(Values<int32_t>(i[0]), ElementsAre(std::numeric_limits<int32_t>::max()));
}

TEST(Reduce, IntegersWrapAndMeanTruncates) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  NodeTest sum("ReduceSum");
  sum.Input(I32({2, 2}, {kMax, -7, 1, 2})).ConstantInput(I64({1}, {0})).Attr("keepdims", Int(0));
  sum.Output(DType::kInt32, {2});
  ASSERT_OK_AND_ASSIGN(auto s, sum.Run());
  EXPECT_THAT(Values<int32_t>(s[0]), ElementsAre(std::numeric_limits<int32_t>::min(), -5));

  NodeTest mean("ReduceMean");
  mean.Input(I32({2, 2}, {1, 2, -1, -2})).ConstantInput(I64({1}, {1})).Attr("keepdims", Int(0));
  mean.Output(DType::kInt32, {2});
  ASSERT_OK_AND_ASSIGN(auto m, mean.Run());
  EXPECT_THAT(Values<int32_t>(m[0]), ElementsAre(1, -1));  // toward zero, like numpy's astype

  NodeTest l1("ReduceL1");
  l1.Input(I64({2}, {std::numeric_limits<int64_t>::min() + 1, -1})).Output(DType::kInt64, {1});
  ASSERT_OK_AND_ASSIGN(auto l, l1.Run());
  // |MIN + 1| = MAX, plus 1 wraps to MIN, like numpy's int64 arithmetic
  EXPECT_THAT(Values<int64_t>(l[0]), ElementsAre(std::numeric_limits<int64_t>::min()));
}

TEST(Reduce, AxesFedAtRunTime) {
  NodeTest t("ReduceSum");
  t.Input(F32({2, 3}, {1, 2, 3, 4, 5, 6})).Input(I64({1}, {-1})).Output(DType::kFloat32, {2, 1});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(6, 15));

  NodeTest bad("ReduceSum");  // axes disagree with the declared output shape
  bad.Input(F32({2, 3}, {1, 2, 3, 4, 5, 6})).Input(I64({1}, {0})).Output(DType::kFloat32, {2, 1});
  EXPECT_THAT(bad.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "output shape"));

  NodeTest range("ReduceSum");
  range.Input(F32({2, 3}, {1, 2, 3, 4, 5, 6})).Input(I64({1}, {2})).Output(DType::kFloat32, {2, 1});
  EXPECT_THAT(range.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "out of range"));
}

TEST(Reduce, BadConstantAxesAreInvalid) {
  NodeTest rep("ReduceMax");
  rep.Input(F32({2, 3}, Random(6, 1))).ConstantInput(I64({2}, {1, -1})).Output(DType::kFloat32, {2, 1});
  EXPECT_THAT(rep.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "repeated"));
  NodeTest shape("ReduceMax");  // the declared output does not match the axes
  shape.Input(F32({2, 3}, Random(6, 1))).ConstantInput(I64({1}, {1})).Output(DType::kFloat32, {3});
  EXPECT_THAT(shape.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "expected [2,1]"));
}

TEST(Reduce, MaxMinPropagateNanAndSupportBool) {
  NodeTest t("ReduceMax");
  t.Input(F32({2, 3}, {1, NAN, 3, 4, 5, 6})).ConstantInput(I64({1}, {1})).Output(DType::kFloat32, {2, 1});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_TRUE(std::isnan(Values<float>(out[0])[0]));
  EXPECT_EQ(Values<float>(out[0])[1], 6);

  // Long rows take the SIMD path, which tracks NaN on the side.
  std::vector<float> row = Random(2 * 40, 21);
  row[21] = NAN;
  row[40 + 37] = 9.0f;  // the max of row 1, in the scalar tail
  for (const char* op : {"ReduceMax", "ReduceMin"}) {
    NodeTest l(op);
    l.Input(F32({2, 40}, row)).ConstantInput(I64({1}, {1})).Output(DType::kFloat32, {2, 1});
    ASSERT_OK_AND_ASSIGN(auto lo, l.Run());
    EXPECT_TRUE(std::isnan(Values<float>(lo[0])[0])) << op;
    EXPECT_EQ(Values<float>(lo[0])[1], std::string(op) == "ReduceMax" ? 9.0f
                                           : *std::min_element(row.begin() + 40, row.end()));
  }

  NodeTest b("ReduceMin");
  b.Input(T1<uint8_t>(DType::kBool, {2, 2}, {1, 0, 1, 1})).ConstantInput(I64({1}, {1}));
  b.Output(DType::kBool, {2, 1});
  ASSERT_OK_AND_ASSIGN(auto bo, b.Run());
  EXPECT_THAT(Values<uint8_t>(bo[0]), ElementsAre(0, 1));
}

TEST(Reduce, LogSumExpIsStable) {
  NodeTest t("ReduceLogSumExp");
  t.Input(F32({3, 2}, {1000, 1000, -INFINITY, -INFINITY, -1000, 0})).ConstantInput(I64({1}, {1}));
  t.Output(DType::kFloat32, {3, 1});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]),
              ElementsAre(FloatNear(1000 + std::log(2.0f), 1e-3), -INFINITY, FloatNear(0, 1e-6)));
}

// A reduce-all of 3M elements takes the chunked path: accurate (a float accumulator would be off
// by ~1e-3 relative) and bit-identical with 1 and 2 threads, with or without a large outlier.
TEST(Reduce, LongSumIsAccurateAndThreadIndependent) {
  const int64_t n = 3'000'001;
  for (float outlier : {0.1f, 1e6f}) {
    std::vector<float> x(n, 0.1f);
    x[5] = outlier;
    double want = 0;
    for (float v : x) want += v;
    std::vector<float> results;
    for (int threads : {1, 2}) {
      NodeTest t("ReduceSum");
      t.Input(F32({n}, x)).Attr("keepdims", Int(0)).Output(DType::kFloat32, {});
      ASSERT_OK_AND_ASSIGN(auto out, t.Run(threads));
      results.push_back(Values<float>(out[0])[0]);
    }
    EXPECT_EQ(results[0], results[1]);
    EXPECT_NEAR(results[0], want, 1e-6 * want) << "outlier " << outlier;
  }
}

// Outer-axis reductions with wide rows use column blocks; many small slices use slice ranges;
// few long slices ([4, 300000] over axis 1) are cut into chunks.
TEST(Reduce, MultithreadedMatchesSingleThreaded) {
  const std::vector<std::vector<int64_t>> cases = {{1000, 3000}, {3000, 1000}, {7, 500, 9}, {4, 300000}};
  for (const auto& dims : cases) {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    std::vector<float> x = Random(n, 3);
    for (int64_t axis = 0; axis < static_cast<int64_t>(dims.size()); ++axis) {
      std::vector<int64_t> out_dims = dims;
      out_dims[axis] = 1;
      std::vector<std::vector<float>> got;
      for (int threads : {1, 2}) {
        NodeTest t("ReduceMean");
        t.Input(F32(dims, x)).ConstantInput(I64({1}, {axis})).Output(DType::kFloat32, out_dims);
        ASSERT_OK_AND_ASSIGN(auto out, t.Run(threads));
        got.push_back(Values<float>(out[0]));
      }
      EXPECT_EQ(got[0], got[1]);
      std::vector<bool> mask(dims.size(), false);
      mask[axis] = true;
      std::vector<double> want = RefReduce(
          x, dims, mask, 0.0, [](double v) { return v; }, [](double a, double b) { return a + b; },
          [](double a, int64_t c) { return a / c; });
      for (size_t i = 0; i < want.size(); i += 97) ASSERT_NEAR(got[0][i], want[i], 1e-6);
    }
  }
}

TEST(Reduce, Float16WidensToFloat) {
  std::vector<uint16_t> h;
  for (float v : {1.5f, 2.25f, -0.5f, 1000.0f}) h.push_back(FloatToHalfBits(v));
  NodeTest t("ReduceSum");
  t.Input(T1<uint16_t>(DType::kFloat16, {2, 2}, h)).ConstantInput(I64({1}, {1}));
  t.Attr("keepdims", Int(0)).Output(DType::kFloat16, {2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  auto v = Values<uint16_t>(out[0]);
  EXPECT_EQ(HalfBitsToFloat(v[0]), 3.75f);
  EXPECT_EQ(HalfBitsToFloat(v[1]), 999.5f);
}

// ---- ArgMax / ArgMin
TEST(ArgReduce, TiesNanAndSelectLastIndex) {
  NodeTest first("ArgMax");
  first.Input(F32({2, 4}, {1, 3, 3, 0, 2, NAN, 5, NAN})).Attr("axis", Int(1));
  first.Output(DType::kInt64, {2, 1});
  ASSERT_OK_AND_ASSIGN(auto f, first.Run());
  EXPECT_THAT(Values<int64_t>(f[0]), ElementsAre(1, 1));
  NodeTest last("ArgMax");
  last.Input(F32({2, 4}, {1, 3, 3, 0, 2, NAN, 5, NAN})).Attr("axis", Int(1));
  last.Attr("select_last_index", Int(1)).Output(DType::kInt64, {2, 1});
  ASSERT_OK_AND_ASSIGN(auto l, last.Run());
  EXPECT_THAT(Values<int64_t>(l[0]), ElementsAre(2, 3));
  NodeTest amin("ArgMin");  // axis 0 of [3, 2]: strided columns, negative axis spelling
  amin.Input(I32({3, 2}, {5, -1, 2, -1, 2, 7})).Attr("axis", Int(-2)).Attr("keepdims", Int(0));
  amin.Attr("select_last_index", Int(1)).Output(DType::kInt64, {2});
  ASSERT_OK_AND_ASSIGN(auto m, amin.Run());
  EXPECT_THAT(Values<int64_t>(m[0]), ElementsAre(2, 1));
}

TEST(ArgReduce, MultithreadedMatchesSingleThreaded) {
  std::vector<float> x = Random(300 * 700, 11);
  std::vector<std::vector<int64_t>> got;
  for (int threads : {1, 2}) {
    NodeTest t("ArgMin");
    t.Input(F32({300, 700}, x)).Attr("axis", Int(0)).Output(DType::kInt64, {1, 700});
    ASSERT_OK_AND_ASSIGN(auto out, t.Run(threads));
    got.push_back(Values<int64_t>(out[0]));
  }
  EXPECT_EQ(got[0], got[1]);
  for (int64_t c = 0; c < 700; c += 37) {
    int64_t best = 0;
    for (int64_t r = 1; r < 300; ++r) if (x[r * 700 + c] < x[best * 700 + c]) best = r;
    EXPECT_EQ(got[0][c], best);
  }
}

// ---- Softmax family
TEST(Softmax, FastExpIsAccurate) {
  double worst = 0;
  for (float x = -87.0f; x <= 0.0f; x += 0.00731f) {
    double want = std::exp(static_cast<double>(x));
    worst = std::max(worst, std::fabs(reduction::ExpNonPositive(x) - want) / want);
  }
  EXPECT_LT(worst, 3e-7);  // ~2.5 ulp
  EXPECT_TRUE(std::isnan(reduction::ExpNonPositive(NAN)));
  EXPECT_GE(reduction::ExpNonPositive(-1000.0f), 0.0f);
}

TEST(Softmax, AnyAxisMatchesReference) {
  const std::vector<int64_t> dims = {3, 4, 5};
  std::vector<float> x = Random(60, 5, -50, 50);
  for (int64_t axis = -3; axis < 3; ++axis) {
    for (const char* op : {"Softmax", "LogSoftmax"}) {
      NodeTest t(op);
      t.Input(F32(dims, x)).Attr("axis", Int(axis)).Output(DType::kFloat32, dims);
      ASSERT_OK_AND_ASSIGN(auto out, t.Run());
      std::vector<float> got = Values<float>(out[0]);
      const int a = static_cast<int>(axis < 0 ? axis + 3 : axis);
      int64_t inner = 1;
      for (int i = a + 1; i < 3; ++i) inner *= dims[i];
      for (int64_t e = 0; e < 60; ++e) {
        const int64_t base = e - ((e / inner) % dims[a]) * inner;
        double max = -INFINITY, sum = 0;
        for (int64_t k = 0; k < dims[a]; ++k) max = std::max<double>(max, x[base + k * inner]);
        for (int64_t k = 0; k < dims[a]; ++k) sum += std::exp(x[base + k * inner] - max);
        double want = std::string(op) == "Softmax" ? std::exp(x[e] - max) / sum : x[e] - max - std::log(sum);
        ASSERT_NEAR(got[e], want, 2e-6 * std::max(1.0, std::fabs(want))) << op << " axis " << axis;
      }
    }
  }
}

TEST(Softmax, HardmaxPicksFirstMaxOnAnyAxis) {
  NodeTest t("Hardmax");
  t.Input(F32({2, 3}, {1, 5, 5, 7, 2, 7})).Attr("axis", Int(1)).Output(DType::kFloat32, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(0, 1, 0, 1, 0, 0));
  NodeTest c("Hardmax");
  c.Input(F32({2, 3}, {1, 5, 5, 7, 2, 5})).Attr("axis", Int(0)).Output(DType::kFloat32, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto col, c.Run());
  EXPECT_THAT(Values<float>(col[0]), ElementsAre(0, 1, 1, 1, 0, 0));
}

TEST(Softmax, MultithreadedAndFloat16) {
  std::vector<float> x = Random(64 * 1000, 9, -20, 20);
  std::vector<std::vector<float>> got;
  for (int threads : {1, 2}) {
    NodeTest t("Softmax");
    t.Input(F32({64, 1000}, x)).Output(DType::kFloat32, {64, 1000});
    ASSERT_OK_AND_ASSIGN(auto out, t.Run(threads));
    got.push_back(Values<float>(out[0]));
  }
  EXPECT_EQ(got[0], got[1]);
  double row = 0;
  for (int i = 0; i < 1000; ++i) row += got[0][i];
  EXPECT_NEAR(row, 1.0, 1e-5);

  std::vector<uint16_t> h;
  for (float v : {0.0f, 1.0f, 2.0f}) h.push_back(FloatToHalfBits(v));
  NodeTest f16("Softmax");
  f16.Input(T1<uint16_t>(DType::kFloat16, {3}, h)).Output(DType::kFloat16, {3});
  ASSERT_OK_AND_ASSIGN(auto out, f16.Run());
  auto v = Values<uint16_t>(out[0]);
  EXPECT_NEAR(HalfBitsToFloat(v[2]), 0.66524f, 1e-3);
}

// The generic (non-float32) paths: float64 and bfloat16, innermost and strided axes.
TEST(Softmax, DoubleAndBFloat16MatchFloat) {
  std::vector<float> x = Random(24, 13, -5, 5);
  std::vector<double> xd(x.begin(), x.end());
  std::vector<uint16_t> xb;
  for (float v : x) xb.push_back(FloatToBFloat16Bits(v));
  for (int64_t axis : {0, 1}) {
    for (const char* op : {"Softmax", "LogSoftmax"}) {
      NodeTest f(op), d(op), b(op);
      f.Input(F32({4, 6}, x)).Attr("axis", Int(axis)).Output(DType::kFloat32, {4, 6});
      d.Input(T1(DType::kFloat64, {4, 6}, xd)).Attr("axis", Int(axis)).Output(DType::kFloat64, {4, 6});
      b.Input(T1(DType::kBFloat16, {4, 6}, xb)).Attr("axis", Int(axis)).Output(DType::kBFloat16, {4, 6});
      ASSERT_OK_AND_ASSIGN(auto fo, f.Run());
      ASSERT_OK_AND_ASSIGN(auto dout, d.Run());
      ASSERT_OK_AND_ASSIGN(auto bo, b.Run());
      auto fv = Values<float>(fo[0]);
      auto dv = Values<double>(dout[0]);
      auto bv = Values<uint16_t>(bo[0]);
      for (int i = 0; i < 24; ++i) {
        EXPECT_NEAR(fv[i], dv[i], 2e-6 * std::max(1.0, std::fabs(dv[i]))) << op << " axis " << axis;
        // bfloat16 inputs are rounded to 8 bits of mantissa before the op: compare loosely.
        EXPECT_NEAR(BFloat16BitsToFloat(bv[i]), dv[i], 0.05 * std::max(1.0, std::fabs(dv[i])));
      }
    }
  }
}

// ---- Normalization
TEST(LayerNorm, BroadcastScaleStatsOutputsAndLargeMean) {
  // Rows with mean 1e4 and stddev ~1: a one-pass E[x²]-E[x]² in float would lose the variance.
  std::vector<float> x = {10000, 10001, 10002, 10003, -1, 0, 1, 2};
  NodeTest t("LayerNormalization");
  t.Input(F32({2, 4}, x)).Input(F32({1}, {2.0f})).Attr("epsilon", Attribute(0.0f));
  t.Output(DType::kFloat32, {2, 4}).Output(DType::kFloat32, {2, 1}).Output(DType::kFloat32, {2, 1});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  const float s = 2.0f / std::sqrt(1.25f);
  std::vector<float> want = {-1.5f * s, -0.5f * s, 0.5f * s, 1.5f * s, -1.5f * s, -0.5f * s, 0.5f * s, 1.5f * s};
  EXPECT_THAT(Values<float>(out[0]), Pointwise(FloatNear(1e-5), want));
  EXPECT_THAT(Values<float>(out[1]), ElementsAre(10001.5f, 0.5f));
  EXPECT_THAT(Values<float>(out[2]), Pointwise(FloatNear(1e-6), {1 / std::sqrt(1.25f), 1 / std::sqrt(1.25f)}));
}

TEST(BatchNorm, InferenceAndTrainingStatistics) {
  std::vector<float> x = {1, 2, 3, 4, 10, 20, 30, 40};  // [N=2, C=2, 2]
  NodeTest inf("BatchNormalization");
  inf.Input(F32({2, 2, 2}, x)).Input(F32({2}, {1, 2})).Input(F32({2}, {0, 1}));
  inf.Input(F32({2}, {0, 10})).Input(F32({2}, {1, 4})).Attr("epsilon", Attribute(0.0f));
  inf.Output(DType::kFloat32, {2, 2, 2});
  ASSERT_OK_AND_ASSIGN(auto i, inf.Run());
  EXPECT_THAT(Values<float>(i[0]), ElementsAre(1, 2, -6, -5, 10, 20, 21, 31));

  NodeTest tr("BatchNormalization");
  tr.Input(F32({2, 2, 2}, x)).Input(F32({2}, {1, 1})).Input(F32({2}, {0, 0}));
  tr.Input(F32({2}, {0, 0})).Input(F32({2}, {1, 1})).Attr("epsilon", Attribute(0.0f));
  tr.Attr("training_mode", Int(1)).Attr("momentum", Attribute(0.5f));
  tr.Output(DType::kFloat32, {2, 2, 2}).Output(DType::kFloat32, {2}).Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(auto t, tr.Run());
  // channel 0: {1, 2, 10, 20}: mean 8.25, population variance 58.1875
  EXPECT_THAT(Values<float>(t[1]), Pointwise(FloatNear(1e-5), {8.25f / 2, 19.25f / 2}));
  EXPECT_NEAR(Values<float>(t[2])[0], 0.5 + 58.1875 / 2, 1e-4);
  EXPECT_NEAR(Values<float>(t[0])[0], (1 - 8.25) / std::sqrt(58.1875), 1e-5);
}

TEST(InstanceNormAndLrn, SmallExamples) {
  NodeTest in("InstanceNormalization");
  in.Input(F32({1, 2, 2}, {1, 3, 5, 9})).Input(F32({2}, {2, 1})).Input(F32({2}, {0, 7}));
  in.Attr("epsilon", Attribute(0.0f)).Output(DType::kFloat32, {1, 2, 2});
  ASSERT_OK_AND_ASSIGN(auto o, in.Run());
  EXPECT_THAT(Values<float>(o[0]), ElementsAre(-2, 2, 6, 8));

  NodeTest lrn("LRN");  // size 2: window [c, c+1]
  lrn.Input(F32({1, 3, 1}, {1, 2, 3})).Attr("size", Int(2)).Attr("alpha", Attribute(2.0f));
  lrn.Attr("beta", Attribute(1.0f)).Attr("bias", Attribute(1.0f)).Output(DType::kFloat32, {1, 3, 1});
  ASSERT_OK_AND_ASSIGN(auto l, lrn.Run());
  EXPECT_THAT(Values<float>(l[0]), Pointwise(FloatNear(1e-6), {1.0f / 6, 2.0f / 14, 3.0f / 10}));
}

TEST(Mvn, DefaultAxesNormalizePerChannel) {
  std::vector<float> x = {1, 3, 10, 10, 5, 7, 30, 50};  // [N=2, C=2, 2, 1]
  NodeTest t("MeanVarianceNormalization");
  t.Input(F32({2, 2, 2, 1}, x)).Output(DType::kFloat32, {2, 2, 2, 1});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  // channel 0 = {1, 3, 5, 7}: mean 4, stddev sqrt(5)
  const float s0 = std::sqrt(5.0f);
  EXPECT_NEAR(Values<float>(out[0])[0], -3 / s0, 1e-5);
  EXPECT_NEAR(Values<float>(out[0])[5], 3 / s0, 1e-5);
}

// ---- Losses
TEST(Loss, NllWeightsIgnoreIndexAndRangeErrors) {
  // input [N=2, C=3] log-probs; targets {2, 1}; weights {1, 2, 3}; mean = Σ w·(-x) / Σ w
  Tensor x = F32({2, 3}, {-1, -2, -3, -4, -5, -6});
  NodeTest t("NegativeLogLikelihoodLoss");
  t.Input(x).Input(I64({2}, {2, 1})).Input(F32({3}, {1, 2, 3})).Output(DType::kFloat32, {});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_NEAR(Values<float>(out[0])[0], (3 * 3 + 2 * 5) / 5.0, 1e-6);

  NodeTest ign("NegativeLogLikelihoodLoss");  // ignored targets may lie outside [0, C)
  ign.Input(x).Input(I64({2}, {-100, 0})).Attr("ignore_index", Int(-100));
  ign.Attr("reduction", Attribute(std::string("none"))).Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(auto i, ign.Run());
  EXPECT_THAT(Values<float>(i[0]), ElementsAre(0, 4));

  NodeTest bad("NegativeLogLikelihoodLoss");
  bad.Input(x).Input(I64({2}, {3, 0})).Output(DType::kFloat32, {});
  EXPECT_THAT(bad.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "out of range"));
}

TEST(Loss, SoftmaxCrossEntropyWithLogProb) {
  NodeTest t("SoftmaxCrossEntropyLoss");
  t.Input(F32({1, 2, 2}, {0, 1000, 0, 1000})).Input(I64({1, 2}, {0, 1}));
  t.Attr("reduction", Attribute(std::string("sum")));
  t.Output(DType::kFloat32, {}).Output(DType::kFloat32, {1, 2, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  // position 0: logits {0, 0} → -log(1/2); position 1: {1000, 1000} → same
  EXPECT_NEAR(Values<float>(out[0])[0], 2 * std::log(2.0), 1e-5);
  EXPECT_THAT(Values<float>(out[1]), Pointwise(FloatNear(1e-6), std::vector<float>(4, -std::log(2.0f))));
}

}  // namespace
}  // namespace tandem::kernels::cpu
