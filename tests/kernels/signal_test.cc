// Signal kernels: windows, MelWeightMatrix, DFT (both opset forms, every FFT path) and STFT,
// against hand-computed values and a naive O(n²) DFT in double.
#include <cmath>
#include <complex>
#include <cstdint>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/null/test_util.h"

namespace tandem::kernels::cpu {
namespace {

using ::testing::DoubleNear;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;
using ir::Attribute;
using ir::DType;
using ir::Tensor;

Tensor F32(std::vector<int64_t> dims, std::vector<float> v) {
  return Tensor::FromValues<float>(DType::kFloat32, std::move(dims), v);
}
Tensor I64(std::vector<int64_t> dims, std::vector<int64_t> v) {
  return Tensor::FromValues<int64_t>(DType::kInt64, std::move(dims), v);
}
Tensor I32(std::vector<int64_t> dims, std::vector<int32_t> v) {
  return Tensor::FromValues<int32_t>(DType::kInt32, std::move(dims), v);
}
Tensor I64Scalar(int64_t v) { return I64({}, {v}); }

std::vector<float> Random(int64_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

// ---- windows

std::vector<float> RunWindow(const char* op, int64_t size, int64_t periodic) {
  NodeTest t(op);
  t.Input(I32({}, {static_cast<int32_t>(size)})).Attr("periodic", Attribute(periodic));
  t.Output(DType::kFloat32, {size});
  auto outs = t.Run();
  EXPECT_OK(outs.status());
  return outs.ok() ? Values<float>((*outs)[0]) : std::vector<float>{};
}

TEST(WindowTest, HannPeriodicAndSymmetric) {
  EXPECT_THAT(RunWindow("HannWindow", 4, 1), Pointwise(FloatNear(1e-6), std::vector<float>{0.0f, 0.5f, 1.0f, 0.5f}));
  EXPECT_THAT(RunWindow("HannWindow", 5, 0), Pointwise(FloatNear(1e-6), std::vector<float>{0.0f, 0.5f, 1.0f, 0.5f, 0.0f}));
}

TEST(WindowTest, Hamming) {
  const float a = 25.0f / 46.0f;
  EXPECT_THAT(RunWindow("HammingWindow", 4, 1),
              Pointwise(FloatNear(1e-6), std::vector<float>{4.0f / 46.0f, a, 1.0f, a}));
}

TEST(WindowTest, BlackmanSymmetric) {
  EXPECT_THAT(RunWindow("BlackmanWindow", 3, 0), Pointwise(FloatNear(1e-6), std::vector<float>{0.0f, 1.0f, 0.0f}));
  // Periodic of 4: 0.42 - 0.5·cos(πn/2) + 0.08·cos(πn).
  EXPECT_THAT(RunWindow("BlackmanWindow", 4, 1),
              Pointwise(FloatNear(1e-6), std::vector<float>{0.0f, 0.34f, 1.0f, 0.34f}));
}

TEST(WindowTest, SymmetricSizeOneIsOne) {
  EXPECT_THAT(RunWindow("HannWindow", 1, 0), Pointwise(FloatNear(1e-6), std::vector<float>{1.0f}));
}

TEST(WindowTest, DoubleOutputAndInt64Size) {
  NodeTest t("HannWindow");
  t.ConstantInput(I64Scalar(2)).Attr("output_datatype", Attribute(int64_t{11}));
  t.Output(DType::kFloat64, {2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<double>(outs[0]), Pointwise(DoubleNear(1e-12), std::vector<double>{0.0, 1.0}));
}

TEST(WindowTest, SizeMismatchIsInvalid) {
  NodeTest run_time("HannWindow");
  run_time.Input(I64Scalar(5)).Output(DType::kFloat32, {4});
  EXPECT_EQ(run_time.Run().status().code(), absl::StatusCode::kInvalidArgument);
  NodeTest constant("HannWindow");
  constant.ConstantInput(I64Scalar(5)).Output(DType::kFloat32, {4});
  EXPECT_THAT(constant.Run().status().message(), HasSubstr("HannWindow"));
}

// ---- MelWeightMatrix

TEST(MelWeightMatrixTest, MatchesReference) {
  NodeTest t("MelWeightMatrix");
  t.Input(I32({}, {3})).Input(I32({}, {32})).Input(I32({}, {16000}));
  t.Input(F32({}, {100.0f})).Input(F32({}, {8000.0f}));
  t.Output(DType::kFloat32, {17, 3});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  // Filter rows 0..1..2, 1..2..5 and 2..5..9 (from the ONNX reference formula).
  const std::vector<std::vector<float>> cols = {
      {0, 1, 0, 0, 0, 0, 0, 0, 0},
      {0, 0, 1, 2.0f / 3, 1.0f / 3, 0, 0, 0, 0},
      {0, 0, 0, 1.0f / 3, 2.0f / 3, 1, 0.75f, 0.5f, 0.25f}};
  std::vector<float> expected(17 * 3, 0.0f);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 9; ++j) expected[j * 3 + i] = cols[i][j];
  }
  EXPECT_THAT(Values<float>(outs[0]), Pointwise(FloatNear(1e-6), expected));
}

TEST(MelWeightMatrixTest, ShapeMismatchIsInvalid) {
  NodeTest t("MelWeightMatrix");
  t.Input(I32({}, {3})).Input(I32({}, {30})).Input(I32({}, {16000}));
  t.Input(F32({}, {0.0f})).Input(F32({}, {8000.0f}));
  t.Output(DType::kFloat32, {17, 3});
  EXPECT_EQ(t.Run().status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- DFT

using Cd = std::complex<double>;

std::vector<Cd> NaiveDft(const std::vector<Cd>& x, int64_t n, bool inverse) {
  std::vector<Cd> y(n);
  const double sign = inverse ? 1.0 : -1.0;
  for (int64_t k = 0; k < n; ++k) {
    Cd sum = 0;
    for (int64_t j = 0; j < n && j < static_cast<int64_t>(x.size()); ++j) {
      sum += x[j] * std::polar(1.0, sign * 2 * M_PI * static_cast<double>((j * k) % n) / n);
    }
    y[k] = inverse ? sum / static_cast<double>(n) : sum;
  }
  return y;
}

// Runs DFT over axis 1 of [batch, n_in, channels] and checks every batch against NaiveDft.
void CheckDft(int64_t batch, int64_t n_in, int64_t channels, int64_t n, bool inverse, bool onesided,
              int threads = 1) {
  SCOPED_TRACE(testing::Message() << "n_in " << n_in << " n " << n << " c " << channels
                                  << " inverse " << inverse << " onesided " << onesided);
  const std::vector<float> x = Random(batch * n_in * channels, static_cast<uint32_t>(n_in * 7 + n));
  const int64_t n_out = onesided ? n / 2 + 1 : n;
  NodeTest t("DFT");
  t.Input(F32({batch, n_in, channels}, x));
  if (n != n_in) t.ConstantInput(I64Scalar(n));
  t.Attr("inverse", Attribute(int64_t{inverse})).Attr("onesided", Attribute(int64_t{onesided}));
  t.Output(DType::kFloat32, {batch, n_out, 2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run(threads));
  std::vector<float> expected;
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<Cd> line(n_in);
    for (int64_t j = 0; j < n_in; ++j) {
      const float* p = &x[(b * n_in + j) * channels];
      line[j] = Cd(p[0], channels == 2 ? p[1] : 0.0f);
    }
    std::vector<Cd> y = NaiveDft(line, n, inverse);
    for (int64_t k = 0; k < n_out; ++k) {
      expected.push_back(static_cast<float>(y[k].real()));
      expected.push_back(static_cast<float>(y[k].imag()));
    }
  }
  EXPECT_THAT(Values<float>(outs[0]), Pointwise(FloatNear(2e-5f * std::sqrt(static_cast<float>(n))), expected));
}

TEST(DftTest, EveryFftPath) {
  for (int64_t n : {1, 2, 8, 64, 3, 10, 31, 37, 100, 257, 1031}) {  // radix-2, direct, Bluestein
    CheckDft(2, n, 1, n, false, false);
    CheckDft(2, n, 2, n, true, false);
  }
}

TEST(DftTest, OnesidedPaddedTruncatedAndThreaded) {
  CheckDft(3, 16, 1, 16, false, true);
  CheckDft(3, 15, 1, 15, false, true);
  CheckDft(2, 10, 1, 16, false, false);  // zero-padded
  CheckDft(2, 40, 2, 33, false, false);  // truncated, Bluestein
  CheckDft(64, 48, 2, 48, false, false, /*threads=*/4);
}

TEST(DftTest, InverseUndoesForward) {
  const std::vector<float> x = Random(2 * 12 * 2, 5);
  NodeTest fwd("DFT");
  fwd.Input(F32({2, 12, 2}, x)).Output(DType::kFloat32, {2, 12, 2});
  ASSERT_OK_AND_ASSIGN(auto y, fwd.Run());
  NodeTest inv("DFT");
  inv.Input(y[0]).Attr("inverse", Attribute(int64_t{1})).Output(DType::kFloat32, {2, 12, 2});
  ASSERT_OK_AND_ASSIGN(auto z, inv.Run());
  EXPECT_THAT(Values<float>(z[0]), Pointwise(FloatNear(1e-5f), x));
}

TEST(DftTest, Opset17AxisAttributeOnInnerDim) {
  // [1, 2, 4, 1] over axis 2: each row of 4 transforms independently.
  NodeTest t("DFT");
  t.Input(F32({1, 2, 4, 1}, {1, 0, 0, 0, 1, 1, 1, 1})).Attr("axis", Attribute(int64_t{2}));
  t.Output(DType::kFloat32, {1, 2, 4, 2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<float>(outs[0]), Pointwise(FloatNear(1e-6f), std::vector<float>{1, 0, 1, 0, 1, 0, 1, 0,  //
                                                                    4, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(DftTest, Opset20AxisInputNegativeAndRunTime) {
  // Opset-20 form: axis -2 (the last signal dim) as a run-time input; dft_length omitted.
  NodeTest t("DFT");
  t.Input(F32({2, 3, 1}, {1, 2, 3, 1, 1, 1})).OmittedInput().Input(I64Scalar(-2));
  t.Output(DType::kFloat32, {2, 3, 2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  const double s = std::sqrt(3.0) / 2;
  EXPECT_THAT(Values<float>(outs[0]),
              Pointwise(FloatNear(1e-5f), std::vector<float>{6, 0, -1.5f, static_cast<float>(s), -1.5f,
                                           static_cast<float>(-s), 3, 0, 0, 0, 0, 0}));
}

TEST(DftTest, RunTimeDftLength) {
  NodeTest t("DFT");
  t.Input(F32({1, 2, 1}, {1, 2})).Input(I64Scalar(4));
  t.Output(DType::kFloat32, {1, 4, 2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<float>(outs[0]), Pointwise(FloatNear(1e-6f), std::vector<float>{3, 0, 1, -2, -1, 0, 1, 2}));
  NodeTest bad("DFT");
  bad.Input(F32({1, 2, 1}, {1, 2})).Input(I64Scalar(5)).Output(DType::kFloat32, {1, 4, 2});
  EXPECT_EQ(bad.Run().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DftTest, BadShapesAreInvalid) {
  NodeTest wrong_out("DFT");
  wrong_out.Input(F32({1, 4, 1}, {1, 2, 3, 4})).Output(DType::kFloat32, {1, 4, 1});
  EXPECT_EQ(wrong_out.Run().status().code(), absl::StatusCode::kInvalidArgument);
  NodeTest bad_axis("DFT");
  bad_axis.Input(F32({1, 4, 1}, {1, 2, 3, 4})).Attr("axis", Attribute(int64_t{2}));
  bad_axis.Output(DType::kFloat32, {1, 4, 2});
  EXPECT_THAT(bad_axis.Run().status().message(), HasSubstr("axis"));
  NodeTest bad_channels("DFT");
  bad_channels.Input(F32({1, 1, 3}, {1, 2, 3})).Output(DType::kFloat32, {1, 1, 2});
  EXPECT_EQ(bad_channels.Run().status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- STFT

TEST(StftTest, WindowedFramesMatchNaiveDft) {
  const int64_t length = 50, step = 7, frame = 12, frames = (length - frame) / step + 1;
  const std::vector<float> x = Random(2 * length, 11);
  std::vector<float> window(frame);
  for (int64_t j = 0; j < frame; ++j) window[j] = 0.5f + 0.1f * static_cast<float>(j);
  NodeTest t("STFT");
  t.Input(F32({2, length, 1}, x)).Input(I64Scalar(step)).Input(F32({frame}, window));
  t.Output(DType::kFloat32, {2, frames, frame / 2 + 1, 2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run(/*threads=*/3));
  std::vector<float> expected;
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t f = 0; f < frames; ++f) {
      std::vector<Cd> seg(frame);
      for (int64_t j = 0; j < frame; ++j) seg[j] = x[b * length + f * step + j] * window[j];
      auto y = NaiveDft(seg, frame, false);
      for (int64_t k = 0; k <= frame / 2; ++k) {
        expected.push_back(static_cast<float>(y[k].real()));
        expected.push_back(static_cast<float>(y[k].imag()));
      }
    }
  }
  EXPECT_THAT(Values<float>(outs[0]), Pointwise(FloatNear(1e-4f), expected));
}

TEST(StftTest, FrameLengthWithoutWindowTwoSided) {
  NodeTest t("STFT");
  t.Input(F32({1, 6, 1}, {1, 2, 3, 4, 5, 6})).Input(I64Scalar(2)).OmittedInput().Input(I64Scalar(2));
  t.Attr("onesided", Attribute(int64_t{0}));
  t.Output(DType::kFloat32, {1, 3, 2, 2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  // Frames [1,2], [3,4], [5,6]: DFT = [a+b, a-b].
  EXPECT_THAT(Values<float>(outs[0]), Pointwise(FloatNear(1e-6f), std::vector<float>{3, 0, -1, 0, 7, 0, -1, 0, 11, 0, -1, 0}));
}

TEST(StftTest, DisagreementsAreInvalid) {
  NodeTest mismatch("STFT");
  mismatch.Input(F32({1, 6, 1}, {1, 2, 3, 4, 5, 6})).Input(I64Scalar(2));
  mismatch.Input(F32({2}, {1, 1})).Input(I64Scalar(3)).Output(DType::kFloat32, {1, 3, 2, 2});
  EXPECT_THAT(mismatch.Run().status().message(), HasSubstr("frame_length"));
  NodeTest bad_step("STFT");
  bad_step.Input(F32({1, 6, 1}, {1, 2, 3, 4, 5, 6})).Input(I64Scalar(0)).Input(F32({2}, {1, 1}));
  bad_step.Output(DType::kFloat32, {1, 3, 2, 2});
  EXPECT_THAT(bad_step.Run().status().message(), HasSubstr("frame_step"));
  NodeTest wrong_frames("STFT");
  wrong_frames.Input(F32({1, 6, 1}, {1, 2, 3, 4, 5, 6})).Input(I64Scalar(1)).Input(F32({2}, {1, 1}));
  wrong_frames.Output(DType::kFloat32, {1, 3, 2, 2});
  EXPECT_EQ(wrong_frames.Run().status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tandem::kernels::cpu
