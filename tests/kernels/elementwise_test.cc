// Elementwise kernels: the corners the ONNX backend suite does not reach (broadcasting shapes,
// integer edges, run-time errors, the multithreaded path, fast float32 math).
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "common/float16.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/broadcast.h"
#include "kernels/cpu/elementwise_fast_math.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/null/test_util.h"

namespace tandem::kernels::cpu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ir::Attribute;
using ir::DType;
using ir::Tensor;

template <typename T>
Tensor T1(DType dtype, std::vector<int64_t> dims, std::vector<T> values) {
  return Tensor::FromValues<T>(dtype, std::move(dims), values);
}
Tensor F32(std::vector<int64_t> dims, std::vector<float> v) { return T1(DType::kFloat32, dims, v); }
Tensor I32(std::vector<int64_t> dims, std::vector<int32_t> v) { return T1(DType::kInt32, dims, v); }
Tensor Bool(std::vector<int64_t> dims, std::vector<uint8_t> v) { return T1(DType::kBool, dims, v); }

std::vector<float> Iota(int64_t n, float start = 0.0f) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

// Reference: the broadcast output element i of `in` (right-aligned numpy rules).
int64_t RefOffset(const std::vector<int64_t>& in, const std::vector<int64_t>& out, int64_t i) {
  int64_t off = 0, stride = 1;
  for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
    int64_t idx = i % out[d];
    i /= out[d];
    int k = d - static_cast<int>(out.size() - in.size());
    if (k >= 0) {
      if (in[k] != 1) off += idx * stride;
      stride *= in[k];
    }
  }
  return off;
}

TEST(BroadcastDims, MultidirectionalAndErrors) {
  auto d = BroadcastDims({Dims{2, 1, 4}, Dims{3, 1}, Dims{}});
  ASSERT_TRUE(d.ok());
  EXPECT_THAT(*d, ElementsAre(2, 3, 4));
  auto bad = BroadcastDims({Dims{2, 3}, Dims{4}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("[2,3], [4]"));
  auto zero = BroadcastDims({Dims{0, 3}, Dims{1, 3}});
  ASSERT_TRUE(zero.ok());
  EXPECT_THAT(*zero, ElementsAre(0, 3));
}

// Every pair of shapes of rank <= 3 with dims in {1, 2, 3} that broadcast: the indexer's runs
// visit each output element once with the reference input offsets, from any start.
TEST(BroadcastIndexer, MatchesReferenceOnAllSmallShapes) {
  std::vector<std::vector<int64_t>> shapes = {{}};
  for (int rank = 1; rank <= 3; ++rank) {
    std::vector<std::vector<int64_t>> next;
    for (const auto& s : shapes) {
      if (static_cast<int>(s.size()) != rank - 1) continue;
      for (int64_t d : {1, 2, 3}) {
        auto t = s;
        t.push_back(d);
        next.push_back(t);
      }
    }
    shapes.insert(shapes.end(), next.begin(), next.end());
  }
  int checked = 0;
  for (const auto& a : shapes) {
    for (const auto& b : shapes) {
      Dims da(a.begin(), a.end()), db(b.begin(), b.end());
      auto out = BroadcastDims({da, db});
      if (!out.ok()) continue;
      std::vector<int64_t> o(out->begin(), out->end());
      BroadcastIndexer idx({da, db}, *out);
      for (int64_t begin = 0; begin < idx.size(); begin += 5) {
        int64_t expect_next = begin;
        idx.ForEachRun(begin, idx.size(), [&](int64_t at, int64_t n, const int64_t* off) {
          ASSERT_EQ(at, expect_next);
          for (int64_t i = 0; i < n; ++i) {
            ASSERT_EQ(off[0] + i * idx.inner_stride(0), RefOffset(a, o, at + i));
            ASSERT_EQ(off[1] + i * idx.inner_stride(1), RefOffset(b, o, at + i));
          }
          expect_next = at + n;
        });
        ASSERT_EQ(expect_next, idx.size());
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 300);
}

TEST(BroadcastIndexer, MergesDimsIntoLongRuns) {
  BroadcastIndexer same({Dims{4, 5, 6}, Dims{4, 5, 6}}, Dims{4, 5, 6});
  EXPECT_TRUE(same.all_contiguous());
  // [N,C,H,W] + [C,1,1] → [N, C, H*W]: the bias is one repeated value along each run.
  BroadcastIndexer bias({Dims{2, 3, 4, 5}, Dims{3, 1, 1}}, Dims{2, 3, 4, 5});
  EXPECT_EQ(bias.rank(), 3);
  EXPECT_EQ(bias.inner_stride(0), 1);
  EXPECT_EQ(bias.inner_stride(1), 0);
  int runs = 0;
  bias.ForEachRun(0, bias.size(), [&](int64_t, int64_t n, const int64_t*) {
    EXPECT_EQ(n, 20);
    ++runs;
  });
  EXPECT_EQ(runs, 6);
}

TEST(Elementwise, AddBroadcastsRowColumnAndScalar) {
  NodeTest t("Add");
  t.Input(F32({2, 1}, {10, 20})).Input(F32({3}, {1, 2, 3})).Output(DType::kFloat32, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(11, 12, 13, 21, 22, 23));

  NodeTest s("Sub");
  s.Input(F32({}, {1})).Input(F32({2, 2}, {1, 2, 3, 4})).Output(DType::kFloat32, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto out2, s.Run());
  EXPECT_THAT(Values<float>(out2[0]), ElementsAre(0, -1, -2, -3));
}

TEST(Elementwise, LegacyBroadcastAlignsAtAxis) {
  // Opset-6 Add: B [3] is aligned with A's axis 1, not its last axis.
  NodeTest t("Add");
  t.Input(F32({2, 3, 2}, std::vector<float>(12, 0))).Input(F32({3}, {1, 2, 3}));
  t.Attr("broadcast", Attribute(int64_t{1})).Attr("axis", Attribute(int64_t{1}));
  t.Output(DType::kFloat32, {2, 3, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3));
}

TEST(Elementwise, IncompatibleShapesAreInvalid) {
  NodeTest t("Mul");
  t.Input(F32({2, 3}, Iota(6))).Input(F32({4}, Iota(4))).Output(DType::kFloat32, {2, 3});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "do not broadcast"));
}

TEST(Elementwise, IntegerArithmeticWraps) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  NodeTest add("Add");
  add.Input(I32({2}, {kMax, kMin})).Input(I32({2}, {1, -1})).Output(DType::kInt32, {2});
  ASSERT_OK_AND_ASSIGN(auto a, add.Run());
  EXPECT_THAT(Values<int32_t>(a[0]), ElementsAre(kMin, kMax));
  NodeTest mul("Mul");
  mul.Input(T1<int8_t>(DType::kInt8, {2}, {100, -128}))
      .Input(T1<int8_t>(DType::kInt8, {2}, {3, -1}));
  mul.Output(DType::kInt8, {2});
  ASSERT_OK_AND_ASSIGN(auto m, mul.Run());
  EXPECT_THAT(Values<int8_t>(m[0]), ElementsAre(44, -128));  // 300 mod 256; -(-128) wraps
}

TEST(Elementwise, IntegerDivTruncatesAndRejectsZero) {
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  NodeTest div("Div");
  div.Input(I32({4}, {7, -7, 7, kMin})).Input(I32({4}, {2, 2, -2, -1})).Output(DType::kInt32, {4});
  ASSERT_OK_AND_ASSIGN(auto d, div.Run());
  EXPECT_THAT(Values<int32_t>(d[0]), ElementsAre(3, -3, -3, kMin));

  NodeTest zero("Div");
  zero.Input(I32({2}, {1, 2})).Input(I32({2}, {1, 0})).Output(DType::kInt32, {2});
  EXPECT_THAT(zero.Run().status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "integer division by zero"));

  NodeTest mod_zero("Mod");
  mod_zero.Input(I32({1}, {1})).Input(I32({1}, {0})).Output(DType::kInt32, {1});
  EXPECT_EQ(mod_zero.Run().status().code(), absl::StatusCode::kInvalidArgument);

  NodeTest fdiv("Div");  // float division by zero is IEEE, not an error
  fdiv.Input(F32({2}, {1, -1})).Input(F32({2}, {0, 0})).Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(auto f, fdiv.Run());
  EXPECT_THAT(Values<float>(f[0]), ElementsAre(INFINITY, -INFINITY));
}

TEST(Elementwise, ModSignFollowsDivisorOrDividend) {
  NodeTest py("Mod");
  py.Input(I32({4}, {-7, 7, -7, 6})).Input(I32({4}, {3, -3, -3, 3})).Output(DType::kInt32, {4});
  ASSERT_OK_AND_ASSIGN(auto p, py.Run());
  EXPECT_THAT(Values<int32_t>(p[0]), ElementsAre(2, -2, -1, 0));
  NodeTest c("Mod");
  c.Input(I32({2}, {-7, 7})).Input(I32({2}, {3, -3})).Attr("fmod", Attribute(int64_t{1}));
  c.Output(DType::kInt32, {2});
  ASSERT_OK_AND_ASSIGN(auto r, c.Run());
  EXPECT_THAT(Values<int32_t>(r[0]), ElementsAre(-1, 1));
  NodeTest f("Mod");
  f.Input(F32({2}, {-4.5f, 4.5f})).Input(F32({2}, {2, -2})).Attr("fmod", Attribute(int64_t{1}));
  f.Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(auto fr, f.Run());
  EXPECT_THAT(Values<float>(fr[0]), ElementsAre(-0.5f, 0.5f));
}

TEST(Elementwise, PowMixedDtypesAndIntegerExponents) {
  NodeTest mixed("Pow");
  mixed.Input(I32({3}, {2, -3, 4})).Input(F32({3}, {3, 2, 0.5f})).Output(DType::kInt32, {3});
  ASSERT_OK_AND_ASSIGN(auto m, mixed.Run());
  EXPECT_THAT(Values<int32_t>(m[0]), ElementsAre(8, 9, 2));

  NodeTest ints("Pow");
  ints.Input(I32({4}, {2, 2, -1, 1})).Input(I32({4}, {10, -1, -3, -5})).Output(DType::kInt32, {4});
  ASSERT_OK_AND_ASSIGN(auto i, ints.Run());
  EXPECT_THAT(Values<int32_t>(i[0]), ElementsAre(1024, 0, -1, 1));

  NodeTest f_i64("Pow");  // float base, int64 exponent
  f_i64.Input(F32({2}, {1.5f, 2})).Input(T1<int64_t>(DType::kInt64, {2}, {2, -1}));
  f_i64.Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(auto fi, f_i64.Run());
  EXPECT_THAT(Values<float>(fi[0]), ElementsAre(2.25f, 0.5f));

  NodeTest sq("Pow");  // constant scalar exponent 2 takes the x*x path
  sq.Input(F32({3}, {-3, 0.5f, 4})).ConstantInput(F32({}, {2})).Output(DType::kFloat32, {3});
  ASSERT_OK_AND_ASSIGN(auto s, sq.Run());
  EXPECT_THAT(Values<float>(s[0]), ElementsAre(9, 0.25f, 16));
}

TEST(Elementwise, WhereBroadcastsThreeWays) {
  NodeTest t("Where");
  t.Input(Bool({2, 1}, {1, 0})).Input(F32({1, 3}, {1, 2, 3})).Input(F32({}, {-1}));
  t.Output(DType::kFloat32, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 2, 3, -1, -1, -1));

  NodeTest i64("Where");
  i64.Input(Bool({3}, {0, 1, 0})).Input(T1<int64_t>(DType::kInt64, {3}, {1, 2, 3}));
  i64.Input(T1<int64_t>(DType::kInt64, {1}, {int64_t{1} << 40})).Output(DType::kInt64, {3});
  ASSERT_OK_AND_ASSIGN(auto o, i64.Run());
  EXPECT_THAT(Values<int64_t>(o[0]), ElementsAre(int64_t{1} << 40, 2, int64_t{1} << 40));
}

TEST(Elementwise, ClipOptionalAndRuntimeBounds) {
  NodeTest max_only("Clip");
  max_only.Input(F32({3}, {-5, 0, 5})).OmittedInput().ConstantInput(F32({}, {1}));
  max_only.Output(DType::kFloat32, {3});
  ASSERT_OK_AND_ASSIGN(auto a, max_only.Run());
  EXPECT_THAT(Values<float>(a[0]), ElementsAre(-5, 0, 1));

  NodeTest runtime("Clip");  // min is a graph input, read at run time
  runtime.Input(I32({3}, {-5, 0, 5})).Input(I32({}, {-1})).Output(DType::kInt32, {3});
  ASSERT_OK_AND_ASSIGN(auto b, runtime.Run());
  EXPECT_THAT(Values<int32_t>(b[0]), ElementsAre(-1, 0, 5));

  NodeTest inverted("Clip");  // min > max: every value becomes max
  inverted.Input(F32({2}, {-5, 5})).ConstantInput(F32({}, {2})).ConstantInput(F32({}, {1}));
  inverted.Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(auto c, inverted.Run());
  EXPECT_THAT(Values<float>(c[0]), ElementsAre(1, 1));
}

TEST(Elementwise, CastSaturatesWrapsAndRounds) {
  const float nan = std::nanf("");
  NodeTest to_i32("Cast");
  to_i32.Input(F32({5}, {3.9f, -3.9f, 1e20f, -1e20f, nan}));
  to_i32.Attr("to", Attribute(int64_t{6})).Output(DType::kInt32, {5});
  ASSERT_OK_AND_ASSIGN(auto a, to_i32.Run());
  EXPECT_THAT(Values<int32_t>(a[0]), ElementsAre(3, -3, std::numeric_limits<int32_t>::max(),
                                                 std::numeric_limits<int32_t>::min(), 0));

  NodeTest to_i8("Cast");
  to_i8.Input(T1<int64_t>(DType::kInt64, {2}, {300, -129})).Attr("to", Attribute(int64_t{3}));
  to_i8.Output(DType::kInt8, {2});
  ASSERT_OK_AND_ASSIGN(auto b, to_i8.Run());
  EXPECT_THAT(Values<int8_t>(b[0]), ElementsAre(44, 127));

  NodeTest to_bool("Cast");
  to_bool.Input(F32({3}, {0, -0.0f, nan})).Attr("to", Attribute(int64_t{9}));
  to_bool.Output(DType::kBool, {3});
  ASSERT_OK_AND_ASSIGN(auto c, to_bool.Run());
  EXPECT_THAT(Values<uint8_t>(c[0]), ElementsAre(0, 0, 1));

  // 1 + 2^-11 is halfway between two halves: rounds to even (1.0).
  NodeTest to_f16("Cast");
  to_f16.Input(F32({2}, {1.0f + 1.0f / 2048, 65520.0f})).Attr("to", Attribute(int64_t{10}));
  to_f16.Output(DType::kFloat16, {2});
  ASSERT_OK_AND_ASSIGN(auto d, to_f16.Run());
  EXPECT_THAT(Values<uint16_t>(d[0]), ElementsAre(FloatToHalfBits(1.0f), 0x7c00));

  NodeTest like("CastLike");
  like.Input(T1<uint16_t>(DType::kFloat16, {1}, {FloatToHalfBits(-2.5f)}));
  like.Input(T1<uint8_t>(DType::kUInt8, {1}, {0})).Output(DType::kUInt8, {1});
  ASSERT_OK_AND_ASSIGN(auto e, like.Run());
  EXPECT_THAT(Values<uint8_t>(e[0]), ElementsAre(0));  // negative saturates to 0

  // Strings are string_cast.cc's (tests/kernels/string_test.cc); complex is declined.
  NodeTest complex("Cast");
  complex.Input(F32({1}, {1})).Attr("to", Attribute(int64_t{14})).Output(DType::kComplex64, {1});
  EXPECT_EQ(complex.Run().status().code(), absl::StatusCode::kUnimplemented);
}

TEST(Elementwise, RoundHalfToEven) {
  NodeTest t("Round");
  t.Input(F32({8}, {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 2.6f, 1e30f, -8388609.0f}));
  t.Output(DType::kFloat32, {8});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  auto v = Values<float>(out[0]);
  EXPECT_THAT(v, ElementsAre(0, 2, 2, 0, -2, 3, 1e30f, -8388609.0f));
  EXPECT_TRUE(std::signbit(v[3]));  // -0.5 rounds to -0
}

TEST(Elementwise, FastMathMatchesLibm) {
  double exp_err = 0, tanh_err = 0, sig_err = 0;
  for (float x = -87.0f; x < 88.0f; x += 0.0173f) {
    double e = std::exp(static_cast<double>(x));
    exp_err = std::max(exp_err, std::fabs(elementwise::FastExp(x) - e) / e);
    double t = std::tanh(static_cast<double>(x));
    if (t != 0) {
      tanh_err = std::max(tanh_err, std::fabs(elementwise::FastTanh(x) - t) / std::fabs(t));
    }
    double s = 1 / (1 + std::exp(-static_cast<double>(x)));
    sig_err = std::max(sig_err, std::fabs(elementwise::FastSigmoid(x) - s) / s);
  }
  EXPECT_LT(exp_err, 3e-7);
  EXPECT_LT(tanh_err, 1e-6);
  EXPECT_LT(sig_err, 1e-6);
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(elementwise::FastExp(inf), inf);
  EXPECT_EQ(elementwise::FastExp(-inf), 0.0f);
  EXPECT_EQ(elementwise::FastExp(100.0f), inf);
  EXPECT_TRUE(std::isnan(elementwise::FastExp(std::nanf(""))));
  EXPECT_EQ(elementwise::FastTanh(-inf), -1.0f);
  EXPECT_EQ(elementwise::FastTanh(1e-30f), 1e-30f);
  EXPECT_EQ(elementwise::FastSigmoid(-inf), 0.0f);
}

TEST(Elementwise, MaxMinPropagateNaNAndMeanAverages) {
  const float nan = std::nanf("");
  NodeTest mx("Max");
  mx.Input(F32({3}, {nan, 1, 2})).Input(F32({3}, {0, nan, 1})).Input(F32({1}, {1.5f}));
  mx.Output(DType::kFloat32, {3});
  ASSERT_OK_AND_ASSIGN(auto a, mx.Run());
  auto v = Values<float>(a[0]);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_TRUE(std::isnan(v[1]));
  EXPECT_EQ(v[2], 2);

  NodeTest mean("Mean");
  mean.Input(F32({2}, {1, 2})).Input(F32({1}, {3})).Input(F32({2, 1}, {5, 8}));
  mean.Output(DType::kFloat32, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto m, mean.Run());
  EXPECT_THAT(Values<float>(m[0]), ElementsAre(3, 10.0f / 3, 4, 13.0f / 3));

  NodeTest one("Sum");  // a single input is copied (and broadcast to the output)
  one.Input(F32({2}, {1, 2})).Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(auto o, one.Run());
  EXPECT_THAT(Values<float>(o[0]), ElementsAre(1, 2));
}

TEST(Elementwise, BitShiftPastWidthIsZero) {
  NodeTest t("BitShift");
  t.Input(T1<uint8_t>(DType::kUInt8, {3}, {255, 1, 128}))
      .Input(T1<uint8_t>(DType::kUInt8, {3}, {1, 8, 7}));
  t.Attr("direction", Attribute(std::string("LEFT"))).Output(DType::kUInt8, {3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<uint8_t>(out[0]), ElementsAre(254, 0, 0));
  NodeTest bad("BitShift");
  bad.Input(T1<uint8_t>(DType::kUInt8, {1}, {1})).Input(T1<uint8_t>(DType::kUInt8, {1}, {1}));
  bad.Attr("direction", Attribute(std::string("UP"))).Output(DType::kUInt8, {1});
  EXPECT_EQ(bad.Run().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Elementwise, PReluSlopePerChannel) {
  NodeTest t("PRelu");
  t.Input(F32({1, 2, 2}, {-1, 2, -3, 4})).Input(F32({2, 1}, {0.5f, 0.25f}));
  t.Output(DType::kFloat32, {1, 2, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(-0.5f, 2, -0.75f, 4));
}

TEST(Elementwise, PredicatesAndComparisons) {
  const float inf = std::numeric_limits<float>::infinity();
  NodeTest isinf("IsInf");
  isinf.Input(F32({3}, {inf, -inf, 1})).Attr("detect_negative", Attribute(int64_t{0}));
  isinf.Output(DType::kBool, {3});
  ASSERT_OK_AND_ASSIGN(auto a, isinf.Run());
  EXPECT_THAT(Values<uint8_t>(a[0]), ElementsAre(1, 0, 0));

  NodeTest less("Less");  // float16 compares as float
  less.Input(T1<uint16_t>(DType::kFloat16, {2}, {FloatToHalfBits(1), FloatToHalfBits(-2)}));
  less.Input(T1<uint16_t>(DType::kFloat16, {1}, {FloatToHalfBits(0)})).Output(DType::kBool, {2});
  ASSERT_OK_AND_ASSIGN(auto b, less.Run());
  EXPECT_THAT(Values<uint8_t>(b[0]), ElementsAre(0, 1));

  NodeTest xor_op("Xor");
  xor_op.Input(Bool({2, 1}, {0, 1})).Input(Bool({2}, {0, 1})).Output(DType::kBool, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto c, xor_op.Run());
  EXPECT_THAT(Values<uint8_t>(c[0]), ElementsAre(0, 1, 1, 0));
}

TEST(Elementwise, UnsupportedDTypesAreUnimplemented) {
  NodeTest t("Sin");
  t.Input(I32({1}, {1})).Output(DType::kInt32, {1});
  EXPECT_EQ(t.Run().status().code(), absl::StatusCode::kUnimplemented);
  NodeTest n("Neg");
  n.Input(T1<uint32_t>(DType::kUInt32, {1}, {1})).Output(DType::kUInt32, {1});
  EXPECT_EQ(n.Run().status().code(), absl::StatusCode::kUnimplemented);
}

// Big enough to split into several parallel tasks; 2 threads must equal 1 thread exactly.
TEST(Elementwise, TwoThreadsMatchOneThread) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-4, 4);
  std::vector<float> a(257 * 1031), b(1031), c(257);
  for (float& v : a) v = dist(rng);
  for (float& v : b) v = dist(rng);
  for (float& v : c) v = dist(rng);
  for (const char* op : {"Add", "Div", "Sum", "Tanh", "Where"}) {
    SCOPED_TRACE(op);
    auto make = [&] {
      NodeTest t(op);
      if (std::string(op) == "Where") {
        std::vector<uint8_t> cond(1031);
        for (size_t i = 0; i < cond.size(); ++i) cond[i] = i % 3 == 0;
        t.Input(Bool({1031}, cond));
      }
      t.Input(F32({257, 1031}, a));
      if (std::string(op) != "Tanh") t.Input(F32({1031}, b));
      if (std::string(op) == "Sum") t.Input(F32({257, 1}, c));
      t.Output(DType::kFloat32, {257, 1031});
      return t;
    };
    ASSERT_OK_AND_ASSIGN(auto one, make().Run(1));
    ASSERT_OK_AND_ASSIGN(auto two, make().Run(2));
    EXPECT_EQ(Values<float>(one[0]), Values<float>(two[0]));
    // Spot-check against a scalar reference.
    auto v = Values<float>(one[0]);
    int64_t i = 256 * 1031 + 1030;
    if (std::string(op) == "Add") {
      EXPECT_EQ(v[i], a[i] + b[1030]);
    } else if (std::string(op) == "Sum") {
      EXPECT_EQ(v[i], a[i] + b[1030] + c[256]);
    } else if (std::string(op) == "Tanh") {
      EXPECT_NEAR(v[i], std::tanh(a[i]), 1e-6);
    }
  }
}

}  // namespace
}  // namespace tandem::kernels::cpu
