// Matrix-product kernels against naive references: Gemm, MatMul (batched, broadcasting),
// RNN/GRU/LSTM and Einsum, on every path (XNNPACK, blocked, packed, naive) and thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/nn_test_util.h"
#include "tests/null/test_util.h"

namespace tandem::kernels::cpu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ir::Attribute;
using ir::DType;
using ir::Tensor;
using nn_test::ConvCase;
using nn_test::ExpectNear;
using nn_test::Ints;
using nn_test::RandomF32;
using nn_test::ToDouble;

// ---- Gemm

struct GemmConfig {
  int64_t m, n, k;
  bool trans_a, trans_b;
  float alpha, beta;
  std::vector<int64_t> c_dims;  // empty: no C
};

void CheckGemm(const GemmConfig& g, bool constant_b, int threads, DType dtype) {
  SCOPED_TRACE(::testing::Message() << "m" << g.m << " n" << g.n << " k" << g.k << " tA" << g.trans_a << " tB"
                                    << g.trans_b << " C" << g.c_dims.size() << (constant_b ? " const-B" : "")
                                    << " threads " << threads << " " << ir::DTypeName(dtype));
  std::mt19937 rng(static_cast<uint32_t>(g.m * 31 + g.n));
  Tensor a = RandomF32(g.trans_a ? std::vector<int64_t>{g.k, g.m} : std::vector<int64_t>{g.m, g.k}, rng);
  Tensor b = RandomF32(g.trans_b ? std::vector<int64_t>{g.n, g.k} : std::vector<int64_t>{g.k, g.n}, rng);
  Tensor c = RandomF32(g.c_dims, rng);
  std::vector<double> expected = nn_test::RefMatMul(g.m, g.n, g.k, ToDouble(a), g.trans_a, ToDouble(b), g.trans_b);
  std::vector<double> cv = ToDouble(c);
  const int64_t c_rows = g.c_dims.size() == 2 ? g.c_dims[0] : 1, c_cols = g.c_dims.empty() ? 1 : g.c_dims.back();
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      double& y = expected[i * g.n + j];
      y *= g.alpha;
      if (!g.c_dims.empty()) y += g.beta * cv[(c_rows == 1 ? 0 : i) * c_cols + (c_cols == 1 ? 0 : j)];
    }
  if (dtype == DType::kFloat64) a = nn_test::ToF64(a), b = nn_test::ToF64(b), c = nn_test::ToF64(c);
  NodeTest t("Gemm");
  t.Input(a);
  constant_b ? t.ConstantInput(b) : t.Input(b);
  // A constant one-row C becomes XNNPACK's bias; a run-time C is added after the product.
  if (!g.c_dims.empty()) threads == 1 ? t.ConstantInput(c) : t.Input(c);
  t.Attr("transA", Attribute(int64_t{g.trans_a})).Attr("transB", Attribute(int64_t{g.trans_b}));
  t.Attr("alpha", Attribute(g.alpha)).Attr("beta", Attribute(g.beta));
  t.Output(dtype, {g.m, g.n});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run(threads));
  ExpectNear(outs[0], expected, 1e-4);
}

TEST(NnGemm, MatchesReferenceForTransposesAndEveryCBroadcast) {
  const std::vector<GemmConfig> configs = {
      {5, 7, 3, false, false, 1.0f, 1.0f, {7}},
      {4, 9, 6, true, false, 0.5f, 2.0f, {4, 1}},
      {13, 17, 19, false, true, -1.5f, 0.25f, {13, 17}},
      {3, 2, 5, true, true, 1.0f, 1.0f, {}},
      {2, 70, 33, false, true, 1.0f, 3.0f, {1}},  // scalar-like C, the small-m path
      {100, 40, 300, false, false, 1.0f, 1.0f, {1, 40}},  // several K slices
      {6, 5, 4, false, false, 2.0f, 0.0f, {6, 5}},        // beta = 0 ignores C
  };
  for (const GemmConfig& g : configs) {
    for (bool constant_b : {true, false}) {
      for (int threads : {1, 2}) {
        CheckGemm(g, constant_b, threads, DType::kFloat32);
        CheckGemm(g, constant_b, threads, DType::kFloat64);
      }
    }
  }
}

TEST(NnGemm, Int32WrapsAroundLikeTheElementType) {
  NodeTest t("Gemm");
  t.Input(Tensor::FromValues<int32_t>(DType::kInt32, {1, 2}, {2147483647, 1}));
  t.Input(Tensor::FromValues<int32_t>(DType::kInt32, {2, 1}, {1, 1}));
  t.Output(DType::kInt32, {1, 1});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<int32_t>(outs[0]), ElementsAre(-2147483647 - 1));
}

TEST(NnGemm, RejectsCThatDoesNotBroadcast) {
  NodeTest t("Gemm");
  t.Input(Tensor::FromValues<float>(DType::kFloat32, {2, 3}, std::vector<float>(6, 1)));
  t.ConstantInput(Tensor::FromValues<float>(DType::kFloat32, {3, 4}, std::vector<float>(12, 1)));
  t.ConstantInput(Tensor::FromValues<float>(DType::kFloat32, {3}, {1, 2, 3}));
  t.Output(DType::kFloat32, {2, 4});
  EXPECT_EQ(t.Run().status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- MatMul

std::vector<double> RefBatchedMatMul(const std::vector<int64_t>& a_dims, const std::vector<double>& a,
                                     const std::vector<int64_t>& b_dims, const std::vector<double>& b,
                                     std::vector<int64_t>* y_dims) {
  std::vector<int64_t> ad = a_dims, bd = b_dims;
  if (ad.size() == 1) ad.insert(ad.begin(), 1);
  if (bd.size() == 1) bd.push_back(1);
  const int64_t m = ad[ad.size() - 2], k = ad.back(), n = bd.back();
  const size_t rank = std::max(ad.size(), bd.size()) - 2;
  std::vector<int64_t> ab(rank, 1), bb(rank, 1), out(rank);
  std::copy(ad.begin(), ad.end() - 2, ab.begin() + (rank - (ad.size() - 2)));
  std::copy(bd.begin(), bd.end() - 2, bb.begin() + (rank - (bd.size() - 2)));
  int64_t items = 1;
  for (size_t i = 0; i < rank; ++i) items *= (out[i] = std::max(ab[i], bb[i]));
  std::vector<double> y;
  for (int64_t item = 0; item < items; ++item) {
    int64_t rest = item, ai = 0, bi = 0, as = 1, bs = 1;
    for (size_t i = rank; i-- > 0;) {
      const int64_t idx = rest % out[i];
      rest /= out[i];
      ai += (ab[i] == 1 ? 0 : idx) * as;
      bi += (bb[i] == 1 ? 0 : idx) * bs;
      as *= ab[i];
      bs *= bb[i];
    }
    std::vector<double> am(a.begin() + ai * m * k, a.begin() + (ai + 1) * m * k);
    std::vector<double> bm(b.begin() + bi * k * n, b.begin() + (bi + 1) * k * n);
    std::vector<double> c = nn_test::RefMatMul(m, n, k, am, false, bm, false);
    y.insert(y.end(), c.begin(), c.end());
  }
  *y_dims = out;
  if (a_dims.size() > 1) y_dims->push_back(m);
  if (b_dims.size() > 1) y_dims->push_back(n);
  return y;
}

TEST(NnMatMul, BroadcastsBatchesAndHandlesVectorsOnEveryPath) {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> shapes = {
      {{2, 1, 3, 4}, {5, 4, 2}},  // batch broadcast both ways
      {{3, 5, 7}, {7, 6}},        // 2-D B: batch folded into M (XNNPACK when constant)
      {{7}, {7, 6}},              // 1-D A
      {{2, 3, 7}, {7}},           // 1-D B
      {{7}, {7}},                 // dot product → scalar
      {{1, 4, 3}, {6, 3, 2}},     // A broadcast against B's batch
      {{2, 2, 70, 40}, {2, 2, 40, 50}},  // bigger: blocked kernel, parallel across items
      {{1, 130, 300}, {1, 300, 20}},     // one item, several K slices, parallel inside
  };
  for (const auto& [a_dims, b_dims] : shapes) {
    for (bool constant_b : {true, false}) {
      for (int threads : {1, 2}) {
        for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
          SCOPED_TRACE(::testing::Message() << "A " << ::testing::PrintToString(a_dims) << " B "
                                            << ::testing::PrintToString(b_dims) << (constant_b ? " const-B" : "")
                                            << " threads " << threads << " " << ir::DTypeName(dtype));
          std::mt19937 rng(5);
          Tensor a = RandomF32(a_dims, rng), b = RandomF32(b_dims, rng);
          std::vector<int64_t> y_dims;
          std::vector<double> expected = RefBatchedMatMul(a_dims, ToDouble(a), b_dims, ToDouble(b), &y_dims);
          if (dtype == DType::kFloat64) a = nn_test::ToF64(a), b = nn_test::ToF64(b);
          NodeTest t("MatMul");
          t.Input(a);
          constant_b ? t.ConstantInput(b) : t.Input(b);
          t.Output(dtype, y_dims);
          ASSERT_OK_AND_ASSIGN(auto outs, t.Run(threads));
          ExpectNear(outs[0], expected, 1e-4);
        }
      }
    }
  }
}

TEST(NnMatMul, Int64AndMismatchedInnerDims) {
  NodeTest t("MatMul");
  t.Input(Tensor::FromValues<int64_t>(DType::kInt64, {2, 2}, {1, 2, 3, 4}));
  t.Input(Tensor::FromValues<int64_t>(DType::kInt64, {2, 1}, {int64_t{1} << 40, -1}));
  t.Output(DType::kInt64, {2, 1});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<int64_t>(outs[0]), ElementsAre((int64_t{1} << 40) - 2, 3 * (int64_t{1} << 40) - 4));

  NodeTest bad("MatMul");
  bad.Input(Tensor::FromValues<float>(DType::kFloat32, {2, 3}, std::vector<float>(6, 1)));
  bad.Input(Tensor::FromValues<float>(DType::kFloat32, {2, 3}, std::vector<float>(6, 1)));
  bad.Output(DType::kFloat32, {2, 3});
  EXPECT_EQ(bad.Run().status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- RNN / GRU / LSTM

struct RecurrentConfig {
  nn_test::RecurrentCase c;
  bool bias, seq_lens, initial, peepholes;
};

void CheckRecurrent(const RecurrentConfig& cfg, int threads) {
  const nn_test::RecurrentCase& c = cfg.c;
  const char* op = c.gates == 1 ? "RNN" : c.gates == 3 ? "GRU" : "LSTM";
  SCOPED_TRACE(::testing::Message() << op << " dirs " << c.dirs << " reverse " << c.reverse << " batch_first "
                                    << c.batch_first << " lbr " << c.linear_before_reset << " clip " << c.clip
                                    << " threads " << threads);
  std::mt19937 rng(static_cast<uint32_t>(c.gates * 10 + c.dirs));
  const int64_t g = c.gates * c.hidden;
  const std::vector<int64_t> state = c.batch_first ? std::vector<int64_t>{c.batch, c.dirs, c.hidden}
                                                   : std::vector<int64_t>{c.dirs, c.batch, c.hidden};
  Tensor x = RandomF32(c.batch_first ? std::vector<int64_t>{c.batch, c.seq, c.input}
                                     : std::vector<int64_t>{c.seq, c.batch, c.input}, rng);
  Tensor w = RandomF32({c.dirs, g, c.input}, rng), r = RandomF32({c.dirs, g, c.hidden}, rng);
  Tensor b = RandomF32({c.dirs, 2 * g}, rng), h0 = RandomF32(state, rng), c0 = RandomF32(state, rng);
  Tensor p = RandomF32({c.dirs, 3 * c.hidden}, rng);
  std::vector<int32_t> lens;
  for (int64_t i = 0; i < c.batch; ++i) lens.push_back(static_cast<int32_t>(std::max<int64_t>(0, c.seq - i)));
  nn_test::RecurrentResult ref = nn_test::RefRecurrent(
      c, ToDouble(x), ToDouble(w), ToDouble(r), cfg.bias ? ToDouble(b) : std::vector<double>{},
      cfg.seq_lens ? lens : std::vector<int32_t>{}, cfg.initial ? ToDouble(h0) : std::vector<double>{},
      cfg.initial ? ToDouble(c0) : std::vector<double>{}, cfg.peepholes ? ToDouble(p) : std::vector<double>{});
  NodeTest t(op);
  t.Input(x).ConstantInput(w).Input(r);
  cfg.bias ? t.Input(b) : t.OmittedInput();
  cfg.seq_lens ? t.Input(Tensor::FromValues<int32_t>(DType::kInt32, {c.batch}, lens)) : t.OmittedInput();
  cfg.initial ? t.Input(h0) : t.OmittedInput();
  if (c.gates == 4) {
    cfg.initial ? t.Input(c0) : t.OmittedInput();
    if (cfg.peepholes) t.Input(p);
    t.Attr("input_forget", Attribute(int64_t{c.input_forget}));
  }
  t.Attr("hidden_size", Attribute(c.hidden)).Attr("layout", Attribute(int64_t{c.batch_first}));
  t.Attr("direction", Attribute(std::string(c.dirs == 2 ? "bidirectional" : c.reverse ? "reverse" : "forward")));
  if (c.clip > 0) t.Attr("clip", Attribute(static_cast<float>(c.clip)));
  if (c.gates == 3) t.Attr("linear_before_reset", Attribute(int64_t{c.linear_before_reset}));
  t.Output(DType::kFloat32, c.batch_first ? std::vector<int64_t>{c.batch, c.seq, c.dirs, c.hidden}
                                          : std::vector<int64_t>{c.seq, c.dirs, c.batch, c.hidden});
  t.Output(DType::kFloat32, state);
  if (c.gates == 4) t.Output(DType::kFloat32, state);
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run(threads));
  ExpectNear(outs[0], ref.y, 1e-4);
  ExpectNear(outs[1], ref.y_h, 1e-4);
  if (c.gates == 4) ExpectNear(outs[2], ref.y_c, 1e-4);
}

TEST(NnRecurrent, MatchesTheOnnxEquations) {
  std::vector<RecurrentConfig> configs;
  for (int gates : {1, 3, 4}) {
    //                  gates  seq batch input hidden dirs
    configs.push_back({{gates, 4, 3, 5, 6, 2}, true, true, true, true});                 // bidirectional, lens
    configs.push_back({{gates, 5, 2, 3, 4, 1, /*reverse=*/true}, false, false, false, false});
    configs.push_back({{gates, 3, 5, 7, 20, 1, false, /*batch_first=*/true}, true, false, true, false});
    configs.push_back({{gates, 6, 4, 4, 8, 2, false, true, /*lbr=*/true, /*input_forget=*/true, /*clip=*/0.5},
                       true, true, true, true});
    configs.push_back({{gates, 3, 3, 4, 5, 1, false, false, /*lbr=*/false, false, /*clip=*/0.3}, true, true, true, false});
  }
  for (const RecurrentConfig& cfg : configs) {
    for (int threads : {1, 2}) CheckRecurrent(cfg, threads);
  }
}

TEST(NnRecurrent, RejectsSequenceLengthBeyondTheInput) {
  NodeTest t("RNN");
  t.Input(Tensor::FromValues<float>(DType::kFloat32, {2, 1, 1}, {1, 2}));
  t.Input(Tensor::FromValues<float>(DType::kFloat32, {1, 1, 1}, {1}));
  t.Input(Tensor::FromValues<float>(DType::kFloat32, {1, 1, 1}, {1}));
  t.OmittedInput().Input(Tensor::FromValues<int32_t>(DType::kInt32, {1}, {3}));
  t.Attr("hidden_size", Attribute(int64_t{1}));
  t.Output(DType::kFloat32, {2, 1, 1, 1});
  auto result = t.Run();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("sequence_lens"));
}

TEST(NnRecurrent, ReadsActivationAlphasInOrder) {
  // One-step RNN with hidden 1, W = R = 1, x = -2: LeakyRelu(alpha 0.5) gives -1.
  NodeTest t("RNN");
  t.Input(Tensor::FromValues<float>(DType::kFloat32, {1, 1, 1}, {-2}));
  t.Input(Tensor::FromValues<float>(DType::kFloat32, {1, 1, 1}, {1}));
  t.Input(Tensor::FromValues<float>(DType::kFloat32, {1, 1, 1}, {1}));
  t.Attr("hidden_size", Attribute(int64_t{1}));
  t.Attr("activations", Attribute(std::vector<std::string>{"LeakyRelu"}));
  t.Attr("activation_alpha", Attribute(std::vector<float>{0.5f}));
  t.Output(DType::kFloat32, {1, 1, 1, 1});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<float>(outs[0]), ElementsAre(-1.0f));
}

// ---- Einsum

void CheckEinsum(const std::string& equation, const std::vector<std::vector<int64_t>>& shapes,
                 const std::vector<int64_t>& out_dims, const std::vector<double>& expected_or_empty,
                 std::vector<double> (*ref)(const std::vector<std::vector<double>>&)) {
  SCOPED_TRACE(equation);
  std::mt19937 rng(3);
  std::vector<Tensor> inputs;
  std::vector<std::vector<double>> values;
  for (const auto& s : shapes) {
    inputs.push_back(RandomF32(s, rng));
    values.push_back(ToDouble(inputs.back()));
  }
  for (int threads : {1, 2}) {
    NodeTest t("Einsum");
    for (const Tensor& in : inputs) t.Input(in);
    t.Attr("equation", Attribute(equation));
    t.Output(DType::kFloat32, out_dims);
    ASSERT_OK_AND_ASSIGN(auto outs, t.Run(threads));
    ExpectNear(outs[0], expected_or_empty.empty() ? ref(values) : expected_or_empty, 1e-4);
  }
}

TEST(NnEinsum, GemmPatternsWithPermutedOperandsAndOutput) {
  // "kbi,bjk->jbi": A needs [b, i, k] (permuted), B [b, k, j] (permuted), output permuted too.
  CheckEinsum("kbi,bjk->jbi", {{4, 3, 5}, {3, 6, 4}}, {6, 3, 5}, {}, [](const std::vector<std::vector<double>>& v) {
    std::vector<double> y(6 * 3 * 5);
    for (int j = 0; j < 6; ++j)
      for (int b = 0; b < 3; ++b)
        for (int i = 0; i < 5; ++i)
          for (int k = 0; k < 4; ++k) y[(j * 3 + b) * 5 + i] += v[0][(k * 3 + b) * 5 + i] * v[1][(b * 6 + j) * 4 + k];
    return y;
  });
  // Outer product (no K) and an implicit output ("ij,jk" → "ik").
  CheckEinsum("i,j->ij", {{3}, {4}}, {3, 4}, {}, [](const std::vector<std::vector<double>>& v) {
    std::vector<double> y;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j) y.push_back(v[0][i] * v[1][j]);
    return y;
  });
  CheckEinsum("ij,jk", {{2, 3}, {3, 4}}, {2, 4}, {}, [](const std::vector<std::vector<double>>& v) {
    return nn_test::RefMatMul(2, 4, 3, v[0], false, v[1], false);
  });
}

TEST(NnEinsum, GeneralPathDiagonalsTracesEllipsisBroadcastAndThreeOperands) {
  CheckEinsum("ii", {{4, 4}}, {}, {}, [](const std::vector<std::vector<double>>& v) {
    return std::vector<double>{v[0][0] + v[0][5] + v[0][10] + v[0][15]};
  });
  // Ellipsis dims broadcast: [2,1,3] with [4,3] → [2,4].
  CheckEinsum("...j,...j->...", {{2, 1, 3}, {4, 3}}, {2, 4}, {}, [](const std::vector<std::vector<double>>& v) {
    std::vector<double> y(8);
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 4; ++b)
        for (int j = 0; j < 3; ++j) y[a * 4 + b] += v[0][a * 3 + j] * v[1][b * 3 + j];
    return y;
  });
  CheckEinsum("ij,jk,k->i", {{2, 3}, {3, 4}, {4}}, {2}, {}, [](const std::vector<std::vector<double>>& v) {
    std::vector<double> y(2);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 4; ++k) y[i] += v[0][i * 3 + j] * v[1][j * 4 + k] * v[2][k];
    return y;
  });
  // A label summed in one operand only ("ij,j->" sums i on its own).
  CheckEinsum("ij,j->", {{3, 2}, {2}}, {}, {}, [](const std::vector<std::vector<double>>& v) {
    double s = 0;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 2; ++j) s += v[0][i * 2 + j] * v[1][j];
    return std::vector<double>{s};
  });
}

TEST(NnEinsum, IntegersAndMalformedEquations) {
  NodeTest t("Einsum");
  t.Input(Tensor::FromValues<int64_t>(DType::kInt64, {2, 2}, {1, 2, 3, 4}));
  t.Attr("equation", Attribute(std::string("ij->ji")));
  t.Output(DType::kInt64, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<int64_t>(outs[0]), ElementsAre(1, 3, 2, 4));

  for (const char* bad : {"ij,jk->ik", "i.j->i", "ij->q", "ij->ii", "ijk->i"}) {
    NodeTest b("Einsum");
    b.Input(Tensor::FromValues<float>(DType::kFloat32, {2, 2}, {1, 2, 3, 4}));
    b.Attr("equation", Attribute(std::string(bad)));
    b.Output(DType::kFloat32, {2});
    EXPECT_EQ(b.Run().status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace tandem::kernels::cpu
