// The per-ISA float32 loops (kernels/cpu/vector_f32.h): every table this CPU can run (SSE2,
// AVX2, AVX-512) against libm and a double reference, at sizes around each vector width so both
// full vectors and the padded tail are checked, with special values in each; and the Exp, Erf,
// Tanh, Softmax and LogSoftmax nodes that use the best table.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/vector_f32.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/null/test_util.h"

namespace tandem::kernels::cpu {
namespace {

using ir::Attribute;
using ir::DType;
using ir::Tensor;

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::nanf("");

Tensor F32(std::vector<int64_t> dims, std::vector<float> v) { return Tensor::FromValues<float>(DType::kFloat32, dims, v); }

std::vector<float> Random(int64_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<float> Grid(float lo, float hi, float step) {
  std::vector<float> x;
  for (float v = lo; v < hi; v += step) x.push_back(v);
  return x;
}

// Every table this CPU runs; SSE2 always.
std::vector<const VectorF32Kernels*> Tables() {
  std::vector<const VectorF32Kernels*> tables;
  for (VectorIsa isa : {VectorIsa::kSse2, VectorIsa::kAvx2, VectorIsa::kAvx512}) {
    if (const VectorF32Kernels* t = VectorF32For(isa)) tables.push_back(t);
  }
  return tables;
}

using UnaryFn = void (*)(const float*, float*, int64_t);
std::vector<float> Apply(UnaryFn f, const std::vector<float>& x) {
  std::vector<float> y(x.size());
  f(x.data(), y.data(), static_cast<int64_t>(x.size()));
  return y;
}

// Worst |got - want| / max(|want|, floor) over x.
double WorstError(const std::vector<float>& x, const std::vector<float>& got, double (*ref)(double), double floor) {
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = ref(x[i]);
    worst = std::max(worst, std::fabs(got[i] - want) / std::max(std::fabs(want), floor));
  }
  return worst;
}

TEST(VectorF32, SseAlwaysAvailableAndBestIsOneOfThem) {
  ASSERT_NE(VectorF32For(VectorIsa::kSse2), nullptr);
  const std::string best = VectorF32().isa;
  EXPECT_TRUE(best == "sse2" || best == "avx2" || best == "avx512") << best;
}

TEST(VectorF32, ExpErfTanhMatchLibmOnEveryIsa) {
  const std::vector<float> exp_x = Grid(-87.0f, 88.5f, 0.00731f);
  std::vector<float> x = Grid(-12.0f, 12.0f, 0.000913f);
  for (float v = 1e-30f; v < 1.0f; v *= 1.37f) {  // tiny values, where relative error matters
    x.push_back(v);
    x.push_back(-v);
  }
  for (const VectorF32Kernels* t : Tables()) {
    SCOPED_TRACE(t->isa);
    EXPECT_LT(WorstError(exp_x, Apply(t->exp, exp_x), [](double v) { return std::exp(v); }, 0), 3e-7);
    EXPECT_LT(WorstError(x, Apply(t->tanh, x), [](double v) { return std::tanh(v); }, 1e-30), 1e-6);
    EXPECT_LT(WorstError(x, Apply(t->erf, x), [](double v) { return std::erf(v); }, 1e-30), 5e-7);
  }
}

// SiLU as Mul(x, Sigmoid(x)) computes it in double, down to where e^x underflows.
TEST(VectorF32, SiluMatchesTheUnfusedProductOnEveryIsa) {
  std::vector<float> x = Grid(-110.0f, 110.0f, 0.00731f);
  for (float v = 1e-30f; v < 1.0f; v *= 1.37f) {
    x.push_back(v);
    x.push_back(-v);
  }
  const auto silu = [](double v) { return v / (1.0 + std::exp(-v)); };
  for (const VectorF32Kernels* t : Tables()) {
    SCOPED_TRACE(t->isa);
    std::vector<float> y = Apply(t->silu, x);
    // Relative error where the value is a normal float; below, the absolute error is tiny.
    EXPECT_LT(WorstError(x, y, silu, 1e-36), 4e-7);
    // Special values, in a full vector and in the tail: x * sigmoid(x) of each, as the two
    // unfused ops give it (-inf * 0 is NaN).
    const std::vector<float> special = {kInf, -kInf, kNaN, -0.0f, 0.0f, 100.0f, -100.0f, 1e-30f, -1e-30f};
    for (size_t pos : {3, 17}) {
      for (float v : special) {
        std::vector<float> in(19, 0.5f);
        in[pos] = v;
        const float got = Apply(t->silu, in)[pos];
        SCOPED_TRACE(testing::Message() << "silu(" << v << ") at " << pos << " = " << got);
        if (std::isnan(v) || v == -kInf) {
          EXPECT_TRUE(std::isnan(got));
        } else if (v == kInf || v == 100.0f) {
          EXPECT_EQ(got, v);
        } else if (v == 0.0f) {
          EXPECT_EQ(got, 0.0f);
        } else {
          EXPECT_NEAR(got, silu(v), std::fabs(silu(v)) * 1e-6 + 1e-40);  // e^-100 is subnormal
        }
      }
    }
  }
}

TEST(VectorF32, SpecialValuesInFullVectorsAndTails) {
  const std::vector<float> special = {kInf, -kInf, kNaN, -0.0f, 0.0f, 10.0f, -10.0f, 1e-30f};
  for (const VectorF32Kernels* t : Tables()) {
    // Each value at every position of a 16-lane vector and of a 3-element tail.
    for (size_t pos : {0, 5, 15, 16, 18}) {
      for (size_t k = 0; k < special.size(); ++k) {
        SCOPED_TRACE(testing::Message() << t->isa << " x = " << special[k] << " at " << pos);
        std::vector<float> x(19, 0.5f);
        x[pos] = special[k];
        const float erf = Apply(t->erf, x)[pos], tanh = Apply(t->tanh, x)[pos], exp = Apply(t->exp, x)[pos];
        const float want_erf = std::erf(special[k]), want_tanh = std::tanh(special[k]);
        if (std::isnan(special[k])) {
          EXPECT_TRUE(std::isnan(erf) && std::isnan(tanh) && std::isnan(exp));
        } else if (k == 7) {  // 1e-30
          EXPECT_NEAR(erf, want_erf, 1e-37f);
          EXPECT_EQ(tanh, want_tanh);
          EXPECT_EQ(exp, 1.0f);
        } else {
          EXPECT_EQ(erf, want_erf);
          EXPECT_EQ(tanh, want_tanh);
          EXPECT_EQ(std::signbit(erf), std::signbit(want_erf));
          EXPECT_EQ(std::signbit(tanh), std::signbit(want_tanh));
          EXPECT_FLOAT_EQ(exp, std::exp(special[k]));
        }
      }
    }
  }
}

// Softmax / LogSoftmax of each row of x ([rows, n]) in double.
std::vector<double> SoftmaxReference(const std::vector<float>& x, int64_t n, bool log) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / n; ++r) {
    const float* row = &x[r * n];
    double max = -INFINITY, sum = 0;
    for (int64_t i = 0; i < n; ++i) max = std::max<double>(max, row[i]);
    for (int64_t i = 0; i < n; ++i) sum += std::exp(row[i] - max);
    for (int64_t i = 0; i < n; ++i) y[r * n + i] = log ? row[i] - max - std::log(sum) : std::exp(row[i] - max) / sum;
  }
  return y;
}

TEST(VectorF32, SoftmaxRowsAroundEachVectorWidthWithMaskedEntries) {
  for (const VectorF32Kernels* t : Tables()) {
    for (int64_t n : {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 128, 197, 600}) {  // 600: several sum blocks
      for (bool log : {false, true}) {
        SCOPED_TRACE(testing::Message() << t->isa << " n " << n << (log ? " LogSoftmax" : " Softmax"));
        std::vector<float> x = Random(n, static_cast<uint32_t>(n), -30, 30);
        if (n > 1) x[n - 1] = -kInf;   // an attention mask: weight 0, in the tail or the last vector
        if (n > 2) x[1] = -1e4f;       // a finite mask, whose exp underflows
        std::vector<float> y(n);
        t->softmax_row(x.data(), y.data(), n, log);
        const std::vector<double> want = SoftmaxReference(x, n, log);
        for (int64_t i = 0; i < n; ++i) {
          if (std::isinf(want[i])) {
            EXPECT_EQ(y[i], want[i]) << "at " << i;
          } else {
            EXPECT_NEAR(y[i], want[i], 2e-6 * std::max(1.0, std::fabs(want[i]))) << "at " << i;
          }
        }
        if (n > 2 && !log) {
          EXPECT_EQ(y[n - 1], 0.0f);
          EXPECT_EQ(y[1], 0.0f);  // exactly 0, never a subnormal
        }
      }
    }
  }
}

// One row of a depthwise convolution, summed in double from DepthwiseRow's contract.
std::vector<double> RefDepthwiseRow(const DepthwiseRow& r) {
  std::vector<double> out(static_cast<size_t>(r.out_w * r.channels));
  for (int64_t ow = 0; ow < r.out_w; ++ow) {
    for (int64_t c = r.channel_begin; c < r.channel_end; ++c) {
      double sum = r.bias ? r.bias[c] : 0.0;
      for (int64_t kh = 0; kh < r.kernel_h; ++kh) {
        for (int64_t kw = 0; kw < r.kernel_w; ++kw) {
          const int64_t iw = ow * r.stride - r.pad_left + kw * r.dilation;
          if (r.input_rows[kh] == nullptr || iw < 0 || iw >= r.in_w) continue;
          const float w = r.weights[(kh * r.kernel_w + kw) * r.channels + c];
          sum += static_cast<double>(r.input_rows[kh][iw * r.channels + c]) * w;
        }
      }
      out[ow * r.channels + c] = std::min<double>(r.hi, std::max<double>(r.lo, sum));
    }
  }
  return out;
}

// A depthwise-convolution row on every ISA: channel counts around each channel block and vector
// width, widths around each column block and narrower than the window, strides, dilations,
// left and right padding (also wider than the image), a row in the padding, a channel range
// (the rest of the row untouched), no bias, and the clamp.
TEST(VectorF32, DepthwiseRowMatchesReferenceOnEveryBlockingEdge) {
  struct Geometry {
    int64_t in_w, kernel_w, stride, dilation, pad_left, pad_right;
  };
  const std::vector<Geometry> geometries = {
      {7, 7, 1, 1, 3, 3},   {14, 7, 1, 1, 3, 3},  {56, 7, 1, 1, 3, 3},  {23, 7, 1, 1, 3, 3}, {1, 7, 1, 1, 3, 3},
      {2, 9, 1, 1, 4, 4},   {13, 7, 2, 1, 3, 2},  {20, 5, 3, 2, 1, 4},  {17, 3, 1, 3, 0, 0}, {9, 7, 1, 1, 0, 6},
      {9, 7, 1, 1, 6, 0},   {4, 3, 1, 1, 5, 5},   {30, 1, 2, 1, 0, 0},  {40, 11, 1, 1, 5, 5}};
  constexpr int64_t kKernelH = 3;
  for (const VectorF32Kernels* t : Tables()) {
    SCOPED_TRACE(t->isa);
    for (const Geometry& g : geometries) {
      const int64_t out_w = (g.in_w + g.pad_left + g.pad_right - (g.kernel_w - 1) * g.dilation - 1) / g.stride + 1;
      for (int64_t channels : {1, 5, 8, 16, 17, 32, 48, 50, 64, 96, 131}) {
        SCOPED_TRACE("in_w " + std::to_string(g.in_w) + " kernel_w " + std::to_string(g.kernel_w) + " stride " +
                     std::to_string(g.stride) + " dilation " + std::to_string(g.dilation) + " pads " +
                     std::to_string(g.pad_left) + "," + std::to_string(g.pad_right) + " channels " +
                     std::to_string(channels));
        const std::vector<float> input = Random(kKernelH * g.in_w * channels, 7, -2.0f, 2.0f);
        const std::vector<float> weights = Random(kKernelH * g.kernel_w * channels, 11, -1.0f, 1.0f);
        const std::vector<float> bias = Random(channels, 13, -1.0f, 1.0f);
        // The middle row lies in the padding.
        const std::vector<const float*> rows = {input.data(), nullptr, input.data() + 2 * g.in_w * channels};
        const int64_t begin = channels > 40 ? 3 : 0, end = channels > 40 ? channels - 2 : channels;
        for (bool with_bias : {true, false}) {
          const float lo = with_bias ? -kInf : -1.5f, hi = with_bias ? kInf : 2.0f;
          std::vector<float> out(out_w * channels + 1, -7.0f);
          const DepthwiseRow r{rows.data(), weights.data(), with_bias ? bias.data() : nullptr, out.data(),
                               channels, begin, end, g.in_w, out_w, kKernelH, g.kernel_w, g.stride, g.dilation,
                               g.pad_left, lo, hi};
          t->depthwise_row(r);
          const std::vector<double> want = RefDepthwiseRow(r);
          for (int64_t ow = 0; ow < out_w; ++ow) {
            for (int64_t c = 0; c < channels; ++c) {
              const float got = out[ow * channels + c];
              if (c < begin || c >= end) {
                ASSERT_EQ(got, -7.0f) << "wrote column " << ow << " channel " << c << " outside the range";
              } else {
                ASSERT_NEAR(got, want[ow * channels + c], 1e-5 * (1 + std::abs(want[ow * channels + c])))
                    << "column " << ow << " channel " << c;
              }
            }
          }
          ASSERT_EQ(out[out_w * channels], -7.0f) << "wrote past the row";
        }
      }
    }
  }
}

// NaN passes through the clamp, as in an unfused Clip.
TEST(VectorF32, DepthwiseRowPropagatesNaNThroughTheClamp) {
  for (const VectorF32Kernels* t : Tables()) {
    SCOPED_TRACE(t->isa);
    for (int64_t channels : {2, 16, 48}) {
      std::vector<float> x(channels, 1.0f), w(channels, 1.0f), y(channels);
      x[0] = kNaN;
      const float* row = x.data();
      t->depthwise_row({&row, w.data(), nullptr, y.data(), channels, 0, channels, 1, 1, 1, 1, 1, 1, 0, 0.0f, 6.0f});
      EXPECT_TRUE(std::isnan(y[0]));
      EXPECT_EQ(y[channels - 1], 1.0f);
    }
  }
}

TEST(VectorF32, ChannelAffineScalesEachChannelOfEveryPixel) {
  for (const VectorF32Kernels* t : Tables()) {
    SCOPED_TRACE(t->isa);
    for (int64_t channels : {1, 7, 8, 16, 17, 33, 64, 70}) {
      constexpr int64_t kPixels = 5;
      std::vector<float> x(kPixels * channels), y(x.size() + 1, -9.0f), scale(channels), shift(channels);
      for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 29) % 13) - 6.0f;
      for (int64_t c = 0; c < channels; ++c) scale[c] = 0.5f + 0.25f * (c % 3), shift[c] = static_cast<float>(c % 4) - 1.5f;
      t->channel_affine(x.data(), y.data(), kPixels, channels, scale.data(), shift.data());
      for (int64_t p = 0; p < kPixels; ++p) {
        for (int64_t c = 0; c < channels; ++c) {
          ASSERT_FLOAT_EQ(y[p * channels + c], x[p * channels + c] * scale[c] + shift[c]) << channels << " " << p << " " << c;
        }
      }
      EXPECT_EQ(y[x.size()], -9.0f) << "wrote past the end";
    }
  }
}

TEST(VectorF32, BinaryRunsForEveryStridePairAndLength) {
  for (const VectorF32Kernels* t : Tables()) {
    SCOPED_TRACE(t->isa);
    for (int64_t n : {1, 3, 15, 16, 17, 40}) {
      std::vector<float> a(n), b(n), y(n + 1);
      for (int64_t i = 0; i < n; ++i) a[i] = static_cast<float>(i % 7) - 3.0f, b[i] = 0.5f + static_cast<float>(i % 5);
      for (int op = kVectorAdd; op <= kVectorDiv; ++op) {
        for (int64_t sa : {0, 1}) {
          for (int64_t sb : {0, 1}) {
            y[n] = -9.0f;
            t->binary[op](a.data(), sa, b.data(), sb, y.data(), n);
            for (int64_t i = 0; i < n; ++i) {
              const float x = a[sa * i], z = b[sb * i];
              const float want = op == kVectorAdd ? x + z : op == kVectorSub ? x - z : op == kVectorMul ? x * z : x / z;
              ASSERT_FLOAT_EQ(y[i], want) << "op " << op << " sa " << sa << " sb " << sb << " n " << n << " i " << i;
            }
            ASSERT_EQ(y[n], -9.0f) << "wrote past the end";
          }
        }
      }
    }
  }
}

TEST(VectorF32, SoftmaxRowWithNaNOrAllMaskedIsNaN) {
  for (const VectorF32Kernels* t : Tables()) {
    for (int64_t n : {5, 19}) {
      for (bool log : {false, true}) {
        SCOPED_TRACE(testing::Message() << t->isa << " n " << n << (log ? " LogSoftmax" : " Softmax"));
        std::vector<float> nan_row(n, 1.0f), masked(n, -kInf), y(n);
        nan_row[n - 2] = kNaN;
        t->softmax_row(nan_row.data(), y.data(), n, log);
        for (float v : y) EXPECT_TRUE(std::isnan(v));
        t->softmax_row(masked.data(), y.data(), n, log);
        for (float v : y) EXPECT_TRUE(std::isnan(v));  // exp(-inf - -inf), as numpy
        // In place: y may be x.
        std::vector<float> row = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        t->softmax_row(row.data(), row.data(), 5, log);
        for (float v : row) EXPECT_NEAR(v, log ? -std::log(5.0f) : 0.2f, 1e-6);
      }
    }
  }
}

// Runs a one-input float32 op over x with dims {n}.
std::vector<float> RunUnary(const char* op, const std::vector<float>& x, int threads = 1) {
  NodeTest t(op);
  t.Input(F32({static_cast<int64_t>(x.size())}, x)).Output(DType::kFloat32, {static_cast<int64_t>(x.size())});
  auto out = t.Run(threads);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? Values<float>((*out)[0]) : std::vector<float>{};
}

TEST(VectorUnaryNode, ErfTanhExpNodesMatchLibmAndTwoThreadsMatchOne) {
  const std::vector<float> x = Random(100003, 3, -3, 3);  // several tasks, each with a partial tail
  const std::vector<float> erf = RunUnary("Erf", x), tanh = RunUnary("Tanh", x), exp = RunUnary("Exp", x);
  ASSERT_EQ(erf.size(), x.size());
  for (size_t i = 0; i < x.size(); i += 997) {
    EXPECT_NEAR(erf[i], std::erf(x[i]), 5e-7) << "at " << i;
    EXPECT_NEAR(tanh[i], std::tanh(x[i]), 1e-6) << "at " << i;
    EXPECT_NEAR(exp[i], std::exp(x[i]), 3e-7 * std::exp(x[i])) << "at " << i;
  }
  EXPECT_EQ(RunUnary("Erf", x, 2), erf);
  EXPECT_EQ(RunUnary("Tanh", x, 2), tanh);
  EXPECT_EQ(RunUnary("Exp", x, 2), exp);
}

TEST(VectorUnaryNode, OtherDTypesFallThroughToTheGenericKernel) {
  NodeTest d("Erf");
  d.Input(Tensor::FromValues<double>(DType::kFloat64, {2}, {0.5, -1.0})).Output(DType::kFloat64, {2});
  ASSERT_OK_AND_ASSIGN(auto out, d.Run());
  auto v = Values<double>(out[0]);
  EXPECT_DOUBLE_EQ(v[0], std::erf(0.5));
  EXPECT_DOUBLE_EQ(v[1], std::erf(-1.0));
}

TEST(VectorSoftmaxNode, MaskedAttentionScoresOnTwoThreads) {
  // [heads, queries, keys] with the last 3 keys masked by -1e4, as an exported BERT does.
  const int64_t heads = 4, q = 33, k = 37;
  std::vector<float> x = Random(heads * q * k, 11, -8, 8);
  for (int64_t r = 0; r < heads * q; ++r) {
    for (int64_t j = k - 3; j < k; ++j) x[r * k + j] += -1e4f;
  }
  std::vector<std::vector<float>> got;
  for (int threads : {1, 2}) {
    NodeTest t("Softmax");
    t.Input(F32({heads, q, k}, x)).Attr("axis", Attribute(int64_t{-1})).Output(DType::kFloat32, {heads, q, k});
    ASSERT_OK_AND_ASSIGN(auto out, t.Run(threads));
    got.push_back(Values<float>(out[0]));
  }
  EXPECT_EQ(got[0], got[1]);
  const std::vector<double> want = SoftmaxReference(x, k, false);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(got[0][i], want[i], 2e-6) << "at " << i;
}

}  // namespace
}  // namespace tandem::kernels::cpu
