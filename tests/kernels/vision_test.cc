// Vision kernels: NonMaxSuppression (the ONNX examples, thresholds, sizes planned wrongly),
// GridSample (every mode and padding on hand-computed points, opset-20 names) and RoiAlign
// (avg/max, both coordinate modes, adaptive sampling, batch indices).
#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/value_node_test.h"
#include "tests/null/test_util.h"

namespace tandem::kernels::cpu {
namespace {

using ir::Attribute;
using ir::DType;
using ir::Tensor;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::Pointwise;

Tensor F32(std::vector<int64_t> dims, std::vector<float> v) {
  return Tensor::FromValues(DType::kFloat32, dims, v);
}
Tensor I64(std::vector<int64_t> dims, std::vector<int64_t> v) {
  return Tensor::FromValues(DType::kInt64, dims, v);
}
Attribute Int(int64_t v) { return Attribute(v); }
Attribute Str(std::string v) { return Attribute(std::move(v)); }

// ---- NonMaxSuppression

Tensor Boxes() {
  return F32({1, 6, 4}, {0, 0,  1, 1,  0, 0.1f,  1, 1.1f,  0, -0.1f, 1, 0.9f,
                         0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100,   1, 101});
}
Tensor Scores() { return F32({1, 1, 6}, {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f}); }

TEST(NmsTest, SuppressByIou) {
  ValueNodeTest t("NonMaxSuppression");
  t.Input(Boxes())
      .Input(Scores())
      .Input(I64({1}, {3}))
      .Input(F32({1}, {0.5f}))
      .Input(F32({1}, {0.0f}))
      .Output(DType::kInt64, {3, 3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(0, 0, 3, 0, 0, 0, 0, 0, 5));
}

TEST(NmsTest, CenterPointFormatAndFlippedCorners) {
  ValueNodeTest t("NonMaxSuppression");
  t.Input(F32({1, 6, 4}, {0.5f, 0.5f,  1, 1, 0.5f, 0.6f,  1, 1, 0.5f, 0.4f,   1, 1,
                          0.5f, 10.5f, 1, 1, 0.5f, 10.6f, 1, 1, 0.5f, 100.5f, 1, 1}))
      .Input(Scores())
      .Input(I64({1}, {3}))
      .Input(F32({1}, {0.5f}))
      .Attr("center_point_box", Int(1))
      .DynamicOutput(DType::kInt64);
  ASSERT_OK_AND_ASSIGN(auto out, t.RunDynamic());
  EXPECT_THAT(out[0].dims, ElementsAre(3, 3));
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(0, 0, 3, 0, 0, 0, 0, 0, 5));

  ValueNodeTest flipped("NonMaxSuppression");
  flipped
      .Input(F32({1, 6, 4}, {1, 1,  0, 0,  0, 0.1f,  1, 1.1f,  0, 0.9f, 1, -0.1f,
                             0, 10, 1, 11, 1, 10.1f, 0, 11.1f, 1, 101,  0, 100}))
      .Input(Scores())
      .Input(I64({1}, {3}))
      .Input(F32({1}, {0.5f}))
      .DynamicOutput(DType::kInt64);
  ASSERT_OK_AND_ASSIGN(out, flipped.RunDynamic());
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(0, 0, 3, 0, 0, 0, 0, 0, 5));
}

TEST(NmsTest, ScoreThresholdClassesAndLimit) {
  ValueNodeTest t("NonMaxSuppression");
  t.Input(Boxes())
      .Input(Scores())
      .Input(I64({1}, {3}))
      .Input(F32({1}, {0.5f}))
      .Input(F32({1}, {0.4f}))
      .Output(DType::kInt64, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(0, 0, 3, 0, 0, 0));

  ValueNodeTest two("NonMaxSuppression");
  two.Input(Boxes())
      .Input(F32({1, 2, 6},
                 {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f, 0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f}))
      .Input(I64({1}, {2}))
      .Input(F32({1}, {0.5f}))
      .Output(DType::kInt64, {4, 3});
  ASSERT_OK_AND_ASSIGN(out, two.Run(2));
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(0, 0, 3, 0, 0, 0, 0, 1, 3, 0, 1, 0));

  ValueNodeTest none("NonMaxSuppression");  // max_output_boxes_per_class omitted: nothing
  none.Input(Boxes()).Input(Scores()).Output(DType::kInt64, {0, 3});
  ASSERT_OK_AND_ASSIGN(out, none.Run());
  EXPECT_EQ(out[0].num_elements(), 0);

  ValueNodeTest ties("NonMaxSuppression");  // identical boxes and scores: the lowest index wins
  ties.Input(F32({1, 3, 4}, {0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1}))
      .Input(F32({1, 1, 3}, {0.9f, 0.9f, 0.9f}))
      .Input(I64({1}, {3}))
      .Input(F32({1}, {0.5f}))
      .Output(DType::kInt64, {1, 3});
  ASSERT_OK_AND_ASSIGN(out, ties.Run());
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(0, 0, 0));
}

TEST(NmsTest, ErrorsNameTheProblem) {
  ValueNodeTest planned("NonMaxSuppression");
  planned.Input(Boxes())
      .Input(Scores())
      .Input(I64({1}, {3}))
      .Input(F32({1}, {0.5f}))
      .Output(DType::kInt64, {6, 3});
  EXPECT_THAT(planned.Run().status(), StatusIs(absl::StatusCode::kFailedPrecondition, "[3,3]"));
  ValueNodeTest iou("NonMaxSuppression");
  iou.Input(Boxes())
      .Input(Scores())
      .Input(I64({1}, {3}))
      .Input(F32({1}, {1.5f}))
      .Output(DType::kInt64, {3, 3});
  EXPECT_THAT(iou.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "iou_threshold"));
  ValueNodeTest shape("NonMaxSuppression");
  shape.Input(F32({1, 6, 3}, std::vector<float>(18))).Input(Scores()).Output(DType::kInt64, {0, 3});
  EXPECT_THAT(shape.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "[B, N, 4]"));
}

// ---- GridSample: X = [[1, 2], [3, 4]]; p1 = (-1, -1), p2 = (2, 0) as (x, y) grid points.

std::vector<float> Sample(const std::string& mode, const std::string& padding, int64_t align,
                          std::vector<float> grid) {
  const int64_t points = static_cast<int64_t>(grid.size()) / 2;
  ValueNodeTest t("GridSample");
  t.Input(F32({1, 1, 2, 2}, {1, 2, 3, 4}))
      .Input(F32({1, 1, points, 2}, grid))
      .Attr("mode", Str(mode))
      .Attr("padding_mode", Str(padding))
      .Attr("align_corners", Int(align))
      .Output(DType::kFloat32, {1, 1, 1, points});
  auto out = t.Run();
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? Values<float>((*out)[0]) : std::vector<float>{};
}

TEST(GridSampleTest, BilinearPaddings) {
  const std::vector<float> grid{-1, -1, 2, 0};
  EXPECT_THAT(Sample("bilinear", "zeros", 0, grid), Pointwise(FloatNear(1e-6), {0.25f, 0.0f}));
  EXPECT_THAT(Sample("bilinear", "border", 0, grid), Pointwise(FloatNear(1e-6), {1.0f, 3.0f}));
  EXPECT_THAT(Sample("bilinear", "reflection", 0, grid), Pointwise(FloatNear(1e-6), {1.0f, 2.5f}));
  EXPECT_THAT(Sample("linear", "zeros", 1, {-1, -1, 1, -1, -1, 1, 1, 1, 0, 0, 0, -1}),
              Pointwise(FloatNear(1e-6), {1.0f, 2.0f, 3.0f, 4.0f, 2.5f, 1.5f}));
}

TEST(GridSampleTest, Nearest) {
  const std::vector<float> grid{-1, -1, 2, 0};
  EXPECT_THAT(Sample("nearest", "zeros", 0, grid), ElementsAre(1.0f, 0.0f));
  EXPECT_THAT(Sample("nearest", "border", 0, grid), ElementsAre(1.0f, 2.0f));
  // Rounds half to even: x = 0.5 → 0, x = 1.5 → 2 (out: zero).
  EXPECT_THAT(Sample("nearest", "zeros", 0, {0, -0.5f, 1, -0.5f}), ElementsAre(1.0f, 0.0f));
}

TEST(GridSampleTest, BicubicInterpolatesPixelsAndLines) {
  EXPECT_THAT(Sample("bicubic", "zeros", 1, {-1, -1, 1, 1}),
              Pointwise(FloatNear(1e-6), {1.0f, 4.0f}));
  ValueNodeTest ramp("GridSample");
  ramp.Input(F32({1, 1, 1, 4}, {0, 1, 2, 3}))
      .Input(F32({1, 1, 1, 2}, {0, -1}))
      .Attr("mode", Str("cubic"))
      .Attr("align_corners", Int(1))
      .Output(DType::kFloat32, {1, 1, 1, 1});
  ASSERT_OK_AND_ASSIGN(auto out, ramp.Run());
  EXPECT_THAT(Values<float>(out[0]), Pointwise(FloatNear(1e-6), {1.5f}));
}

TEST(GridSampleTest, ManyChannelsThreaded) {
  // Channel c is the base image plus 10 c; bilinear is linear, so outputs shift by 10 c too.
  std::vector<float> x;
  for (int c = 0; c < 3; ++c) {
    for (float v : {1.f, 2.f, 3.f, 4.f}) x.push_back(v + 10.f * c);
  }
  ValueNodeTest t("GridSample");
  t.Input(F32({1, 3, 2, 2}, x))
      .Input(F32({1, 2, 1, 2}, {0, 0, 1, 1}))
      .Attr("align_corners", Int(1))
      .Output(DType::kFloat32, {1, 3, 2, 1});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run(3));
  EXPECT_THAT(Values<float>(out[0]),
              Pointwise(FloatNear(1e-5), {2.5f, 4.f, 12.5f, 14.f, 22.5f, 24.f}));
}

TEST(GridSampleTest, Declines) {
  ValueNodeTest vol("GridSample");
  vol.Input(F32({1, 1, 1, 1, 1}, {1}))
      .Input(F32({1, 1, 1, 1, 3}, {0, 0, 0}))
      .Output(DType::kFloat32, {1, 1, 1, 1, 1});
  EXPECT_THAT(vol.Run().status(), StatusIs(absl::StatusCode::kUnimplemented, "2-D"));
  ValueNodeTest mode("GridSample");
  mode.Input(F32({1, 1, 1, 1}, {1}))
      .Input(F32({1, 1, 1, 2}, {0, 0}))
      .Attr("mode", Str("area"))
      .Output(DType::kFloat32, {1, 1, 1, 1});
  EXPECT_THAT(mode.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "area"));
}

// ---- RoiAlign on X[n][c][y][x] = x + 10 c + 100 n (4x4 images), which bilinear keeps exact.

Tensor Ramp() {
  std::vector<float> v;
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 2; ++c)
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) v.push_back(static_cast<float>(x + 10 * c + 100 * n));
  return F32({2, 2, 4, 4}, v);
}

std::vector<float> Align(const std::string& mode, const std::string& ctm, int64_t ratio) {
  ValueNodeTest t("RoiAlign");
  t.Input(Ramp())
      .Input(F32({2, 4}, {0, 0, 3, 3, 0, 0, 3, 3}))
      .Input(I64({2}, {0, 1}))
      .Attr("mode", Str(mode))
      .Attr("coordinate_transformation_mode", Str(ctm))
      .Attr("sampling_ratio", Int(ratio))
      .Output(DType::kFloat32, {2, 2, 1, 1});
  auto out = t.Run(2);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? Values<float>((*out)[0]) : std::vector<float>{};
}

TEST(RoiAlignTest, AverageBothCoordinateModes) {
  // half_pixel: samples at x = 0.25 and 1.75 (mean 1); output_half_pixel: 0.75 and 2.25 (1.5).
  EXPECT_THAT(Align("avg", "half_pixel", 2), Pointwise(FloatNear(1e-5), {1.f, 11.f, 101.f, 111.f}));
  EXPECT_THAT(Align("avg", "output_half_pixel", 2),
              Pointwise(FloatNear(1e-5), {1.5f, 11.5f, 101.5f, 111.5f}));
  // Adaptive: ceil(3 / 1) = 3 samples per side at x = 0, 1, 2.
  EXPECT_THAT(Align("avg", "half_pixel", 0), Pointwise(FloatNear(1e-5), {1.f, 11.f, 101.f, 111.f}));
}

TEST(RoiAlignTest, MaxTakesTheLargestWeightedCorner) {
  // Sample (x=1.75, y=0.25) of channel 0: corners 1, 2, 1, 2 weighted .1875, .5625, .0625, .1875.
  EXPECT_THAT(Align("max", "half_pixel", 2)[0], FloatNear(1.125f, 1e-5));
}

TEST(RoiAlignTest, BinsAndBadBatchIndex) {
  ValueNodeTest t("RoiAlign");
  t.Input(Ramp())
      .Input(F32({1, 4}, {0, 0, 4, 4}))
      .Input(I64({1}, {0}))
      .Attr("output_height", Int(1))
      .Attr("output_width", Int(2))
      .Attr("sampling_ratio", Int(1))
      .Attr("coordinate_transformation_mode", Str("output_half_pixel"))
      .Output(DType::kFloat32, {1, 2, 1, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  // Bins [0, 2) and [2, 4) sampled at their centres x = 1 and 3.
  EXPECT_THAT(Values<float>(out[0]), Pointwise(FloatNear(1e-5), {1.f, 3.f, 11.f, 13.f}));

  ValueNodeTest bad("RoiAlign");
  bad.Input(Ramp())
      .Input(F32({1, 4}, {0, 0, 1, 1}))
      .Input(I64({1}, {2}))
      .Output(DType::kFloat32, {1, 2, 1, 1});
  EXPECT_THAT(bad.Run().status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "batch_indices[0] = 2"));
}

}  // namespace
}  // namespace tandem::kernels::cpu
