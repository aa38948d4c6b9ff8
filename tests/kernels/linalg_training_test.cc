// Det and the ai.onnx.preview.training optimizers (Adagrad, Momentum, Adam), against values
// computed by hand or from the ONNX spec's pseudo code in double.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/null/test_util.h"

namespace tandem::kernels::cpu {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;
using ir::Attribute;
using ir::DType;
using ir::Tensor;

constexpr char kTraining[] = "ai.onnx.preview.training";

Tensor F32(std::vector<int64_t> dims, std::vector<float> v) {
  return Tensor::FromValues<float>(DType::kFloat32, std::move(dims), v);
}
Tensor F64(std::vector<int64_t> dims, std::vector<double> v) {
  return Tensor::FromValues<double>(DType::kFloat64, std::move(dims), v);
}
Tensor I64Scalar(int64_t v) { return Tensor::FromValues<int64_t>(DType::kInt64, {}, {v}); }
Attribute Float(float v) { return Attribute(v); }

// ---- Det

TEST(DetTest, TwoByTwoAndPivotingThreeByThree) {
  NodeTest t("Det");
  t.Input(F32({2, 3, 3}, {0, 1, 2, 1, 0, 3, 4, -3, 8,     // needs a row swap: det -2
                          2, 0, 0, 0, 3, 0, 0, 0, 4}));  // diagonal: 24
  t.Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<float>(outs[0]), Pointwise(FloatNear(1e-5f), std::vector<float>{-2.0f, 24.0f}));

  NodeTest two("Det");
  two.Input(F32({2, 2}, {1, 2, 3, 4})).Output(DType::kFloat32, {});
  ASSERT_OK_AND_ASSIGN(auto o2, two.Run());
  EXPECT_THAT(Values<float>(o2[0]), Pointwise(FloatNear(1e-6f), std::vector<float>{-2.0f}));
}

TEST(DetTest, SingularAndEmptyMatrices) {
  NodeTest singular("Det");
  singular.Input(F64({3, 3}, {1, 2, 3, 2, 4, 6, 7, 8, 9})).Output(DType::kFloat64, {});
  ASSERT_OK_AND_ASSIGN(auto s, singular.Run());
  EXPECT_THAT(Values<double>(s[0]), ElementsAre(0.0));

  NodeTest empty("Det");
  empty.Input(F32({2, 0, 0}, {})).Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(auto e, empty.Run());
  EXPECT_THAT(Values<float>(e[0]), ElementsAre(1.0f, 1.0f));
}

TEST(DetTest, ThreadedBatchOfPermutedTriangularMatrices) {
  // Matrix b: upper triangular with diagonal (b+1, 2, 1, 1), rows 0 and 1 swapped: det -2(b+1).
  const int64_t batch = 200, m = 4;
  std::vector<double> x;
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<double> a(m * m, 0.0);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = i; j < m; ++j) a[i * m + j] = i == j ? (i == 0 ? b + 1.0 : i == 1 ? 2.0 : 1.0) : 0.5 * (j - i);
    for (int64_t j = 0; j < m; ++j) std::swap(a[j], a[m + j]);
    x.insert(x.end(), a.begin(), a.end());
  }
  NodeTest t("Det");
  t.Input(F64({batch, m, m}, x)).Output(DType::kFloat64, {batch});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run(/*threads=*/4));
  auto y = Values<double>(outs[0]);
  for (int64_t b = 0; b < batch; ++b) EXPECT_NEAR(y[b], -2.0 * (b + 1), 1e-9) << b;
}

TEST(DetTest, NonSquareIsInvalid) {
  NodeTest t("Det");
  t.Input(F32({2, 3}, {1, 2, 3, 4, 5, 6})).Output(DType::kFloat32, {});
  EXPECT_THAT(t.Run().status().message(), HasSubstr("Det"));
}

// ---- optimizers

TEST(AdagradTest, SpecFormula) {
  const double r = 0.1, decay = 0.1, eps = 1e-5, norm = 0.001;
  const int64_t t_count = 2;
  const std::vector<double> x = {1.0, -2.0}, g = {-1.0, 0.5}, h = {2.0, 0.0};
  NodeTest t("Adagrad");
  t.Domain(kTraining)
      .Input(F64({}, {r})).Input(I64Scalar(t_count))
      .Input(F64({2}, x)).Input(F64({2}, g)).Input(F64({2}, h))
      .Attr("decay_factor", Float(decay)).Attr("epsilon", Float(eps)).Attr("norm_coefficient", Float(norm));
  t.Output(DType::kFloat64, {2}).Output(DType::kFloat64, {2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  std::vector<double> x_new, h_new;
  const double rate = r / (1 + t_count * static_cast<double>(static_cast<float>(decay)));
  for (int i = 0; i < 2; ++i) {
    const double gr = static_cast<double>(static_cast<float>(norm)) * x[i] + g[i];
    h_new.push_back(h[i] + gr * gr);
    x_new.push_back(x[i] - rate * gr / (std::sqrt(h_new[i]) + static_cast<double>(static_cast<float>(eps))));
  }
  EXPECT_THAT(Values<double>(outs[0]), Pointwise(DoubleNear(1e-12), x_new));
  EXPECT_THAT(Values<double>(outs[1]), Pointwise(DoubleNear(1e-12), h_new));
}

std::vector<float> RunMomentum(const std::string& mode, int64_t t_count, std::vector<float>* v_new) {
  NodeTest t("Momentum");
  t.Domain(kTraining)
      .Input(F32({}, {0.5f})).Input(I64Scalar(t_count))
      .Input(F32({1}, {1.0f})).Input(F32({2}, {2.0f, 4.0f}))     // X1, X2
      .Input(F32({1}, {-1.0f})).Input(F32({2}, {1.0f, 2.0f}))    // G1, G2
      .Input(F32({1}, {2.0f})).Input(F32({2}, {0.0f, -4.0f}))    // V1, V2
      .Attr("alpha", Float(0.5f)).Attr("beta", Float(0.25f)).Attr("norm_coefficient", Float(0.0f))
      .Attr("mode", Attribute(mode));
  t.Output(DType::kFloat32, {1}).Output(DType::kFloat32, {2});
  t.Output(DType::kFloat32, {1}).Output(DType::kFloat32, {2});
  auto outs = t.Run();
  EXPECT_OK(outs.status());
  if (!outs.ok()) return {};
  *v_new = Values<float>((*outs)[2]);
  for (float v : Values<float>((*outs)[3])) v_new->push_back(v);
  std::vector<float> x = Values<float>((*outs)[0]);
  for (float v : Values<float>((*outs)[1])) x.push_back(v);
  return x;
}

TEST(MomentumTest, StandardFirstStepUsesBetaOne) {
  std::vector<float> v;
  // T = 0: V' = 0.5·V + G = {0, 1, 0}; X' = X - 0.5·V'.
  EXPECT_THAT(RunMomentum("standard", 0, &v), ElementsAre(1.0f, 1.5f, 4.0f));
  EXPECT_THAT(v, ElementsAre(0.0f, 1.0f, 0.0f));
  // T = 3: V' = 0.5·V + 0.25·G = {0.75, 0.25, -1.5}.
  EXPECT_THAT(RunMomentum("standard", 3, &v), ElementsAre(0.625f, 1.875f, 4.75f));
  EXPECT_THAT(v, ElementsAre(0.75f, 0.25f, -1.5f));
}

TEST(MomentumTest, Nesterov) {
  std::vector<float> v;
  // T = 3: X' = X - 0.5·(G + 0.5·V') with V' = {0.75, 0.25, -1.5}.
  EXPECT_THAT(RunMomentum("nesterov", 3, &v), ElementsAre(1.3125f, 1.4375f, 3.375f));
  EXPECT_THAT(v, ElementsAre(0.75f, 0.25f, -1.5f));
}

TEST(MomentumTest, BadModeAndMissingAttributeAreInvalid) {
  std::vector<float> v;
  NodeTest t("Momentum");
  t.Domain(kTraining).Input(F32({}, {0.5f})).Input(I64Scalar(1));
  t.Input(F32({1}, {1})).Input(F32({1}, {1})).Input(F32({1}, {1}));
  t.Attr("alpha", Float(0.5f)).Attr("beta", Float(0.5f)).Attr("norm_coefficient", Float(0.0f));
  t.Output(DType::kFloat32, {1}).Output(DType::kFloat32, {1});
  EXPECT_THAT(t.Run().status().message(), HasSubstr("mode"));
  t.Attr("mode", Attribute(std::string("fast")));
  EXPECT_EQ(t.Run().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AdamTest, SpecFormulaWithBiasCorrectionAndPostNorm) {
  const double r = 0.1, alpha = 0.9, beta = 0.99, eps = 1e-3, norm = 0.01, post = 0.1;
  const int64_t t_count = 4;
  const std::vector<double> x = {1.0, -1.0, 0.5}, g = {0.2, -0.4, 3.0}, v = {0.1, 0.0, -1.0},
                            h = {0.5, 0.25, 0.0};
  NodeTest t("Adam");
  t.Domain(kTraining)
      .Input(F32({}, {static_cast<float>(r)})).Input(I64Scalar(t_count))
      .Input(F64({3}, x)).Input(F64({3}, g)).Input(F64({3}, v)).Input(F64({3}, h))
      .Attr("alpha", Float(alpha)).Attr("beta", Float(beta)).Attr("epsilon", Float(eps))
      .Attr("norm_coefficient", Float(norm)).Attr("norm_coefficient_post", Float(post));
  t.Output(DType::kFloat64, {3}).Output(DType::kFloat64, {3}).Output(DType::kFloat64, {3});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  auto f = [](double d) { return static_cast<double>(static_cast<float>(d)); };  // attrs are float
  const double ra = f(r) * std::sqrt(1 - std::pow(f(beta), 4)) / (1 - std::pow(f(alpha), 4));
  std::vector<double> x_new, v_new, h_new;
  for (int i = 0; i < 3; ++i) {
    const double gr = f(norm) * x[i] + g[i];
    v_new.push_back(f(alpha) * v[i] + (1 - f(alpha)) * gr);
    h_new.push_back(f(beta) * h[i] + (1 - f(beta)) * gr * gr);
    x_new.push_back((1 - f(post)) * (x[i] - ra * v_new[i] / (std::sqrt(h_new[i]) + f(eps))));
  }
  EXPECT_THAT(Values<double>(outs[0]), Pointwise(DoubleNear(1e-12), x_new));
  EXPECT_THAT(Values<double>(outs[1]), Pointwise(DoubleNear(1e-12), v_new));
  EXPECT_THAT(Values<double>(outs[2]), Pointwise(DoubleNear(1e-12), h_new));
}

TEST(AdamTest, FirstStepHasNoBiasCorrection) {
  NodeTest t("Adam");
  t.Domain(kTraining).Input(F32({}, {0.5f})).Input(I64Scalar(0));
  t.Input(F32({1}, {1.0f})).Input(F32({1}, {2.0f})).Input(F32({1}, {0.0f})).Input(F32({1}, {0.0f}));
  t.Attr("alpha", Float(0.5f)).Attr("beta", Float(0.75f)).Attr("epsilon", Float(0.0f));
  t.Output(DType::kFloat32, {1}).Output(DType::kFloat32, {1}).Output(DType::kFloat32, {1});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  // V' = 1, H' = 1, X' = 1 - 0.5·1/1.
  EXPECT_THAT(Values<float>(outs[0]), ElementsAre(0.5f));
  EXPECT_THAT(Values<float>(outs[1]), ElementsAre(1.0f));
  EXPECT_THAT(Values<float>(outs[2]), ElementsAre(1.0f));
}

TEST(TrainingTest, WrongArityIsInvalidAndDefaultDomainHasNoKernel) {
  NodeTest arity("Adam");
  arity.Domain(kTraining).Input(F32({}, {0.5f})).Input(I64Scalar(0));
  arity.Input(F32({1}, {1})).Input(F32({1}, {1})).Input(F32({1}, {1}));
  arity.Output(DType::kFloat32, {1});
  EXPECT_EQ(arity.Run().status().code(), absl::StatusCode::kInvalidArgument);

  NodeTest plain("Adagrad");
  plain.Input(F32({}, {0.5f})).Input(I64Scalar(0));
  plain.Input(F32({1}, {1})).Input(F32({1}, {1})).Input(F32({1}, {1}));
  plain.Output(DType::kFloat32, {1}).Output(DType::kFloat32, {1});
  EXPECT_EQ(plain.Run().status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace tandem::kernels::cpu
