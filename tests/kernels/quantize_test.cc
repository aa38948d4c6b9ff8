// Quantization kernels: QuantizeLinear / DequantizeLinear (per tensor, per axis, blocked, every
// integer type), rounding half to even, saturation, and DynamicQuantizeLinear.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/null/test_util.h"

namespace tandem::kernels::cpu {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;
using ir::Attribute;
using ir::DType;
using ir::Tensor;

template <typename T>
Tensor Make(DType dtype, std::vector<int64_t> dims, std::vector<T> v) {
  return Tensor::FromValues<T>(dtype, std::move(dims), v);
}
Tensor F32(std::vector<int64_t> dims, std::vector<float> v) { return Make(DType::kFloat32, dims, v); }
Tensor U8(std::vector<int64_t> dims, std::vector<uint8_t> v) { return Make(DType::kUInt8, dims, v); }
Tensor I8(std::vector<int64_t> dims, std::vector<int8_t> v) { return Make(DType::kInt8, dims, v); }

TEST(QuantizeLinearTest, PerTensorUint8RoundsHalfToEvenAndSaturates) {
  NodeTest t("QuantizeLinear");
  t.Input(F32({8}, {0, 1, 3, 5, -2, 1000, -1000, std::nanf("")}))
      .Input(F32({}, {2.0f}))
      .Input(U8({}, {128}));
  t.Output(DType::kUInt8, {8});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  // 0.5 → 0, 1.5 → 2, 2.5 → 2 (half to even); ±500 saturate; NaN → the zero point.
  EXPECT_THAT(Values<uint8_t>(outs[0]), ElementsAre(128, 128, 130, 130, 127, 255, 0, 128));
}

TEST(QuantizeLinearTest, Int8WithoutZeroPointAndInt16) {
  NodeTest t("QuantizeLinear");
  t.Input(F32({4}, {-300, -1.5f, 2.5f, 300})).Input(F32({}, {1.0f})).Input(I8({}, {0}));
  t.Output(DType::kInt8, {4});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<int8_t>(outs[0]), ElementsAre(-128, -2, 2, 127));

  NodeTest wide("QuantizeLinear");
  wide.Input(F32({2}, {-1e6f, 12345.5f})).Input(F32({}, {1.0f}))
      .Input(Make<int16_t>(DType::kInt16, {}, {0}));
  wide.Output(DType::kInt16, {2});
  ASSERT_OK_AND_ASSIGN(auto w, wide.Run());
  EXPECT_THAT(Values<int16_t>(w[0]), ElementsAre(-32768, 12346));
}

TEST(QuantizeLinearTest, PerAxisAndNegativeAxis) {
  // x [2, 3], axis 1: column c uses scale[c], zero_point[c].
  for (int64_t axis : {1, -1}) {
    NodeTest t("QuantizeLinear");
    t.Input(F32({2, 3}, {1, 2, 3, 4, 5, 6}))
        .Input(F32({3}, {1.0f, 2.0f, 4.0f}))
        .Input(U8({3}, {0, 10, 20}))
        .Attr("axis", Attribute(axis));
    t.Output(DType::kUInt8, {2, 3});
    ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
    EXPECT_THAT(Values<uint8_t>(outs[0]), ElementsAre(1, 11, 21, 4, 12, 22));  // 0.75 → 1, 1.5 → 2
  }
}

TEST(QuantizeLinearTest, Blocked) {
  // x [1, 4] with block_size 2 along axis 1: scale [1, 2].
  NodeTest t("QuantizeLinear");
  t.Input(F32({1, 4}, {2, 4, 30, 60})).Input(F32({1, 2}, {2.0f, 10.0f}));
  t.Attr("axis", Attribute(int64_t{1})).Attr("block_size", Attribute(int64_t{2}));
  t.Output(DType::kUInt8, {1, 4});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<uint8_t>(outs[0]), ElementsAre(1, 2, 3, 6));
}

TEST(QuantizeLinearTest, LargeThreadedInput) {
  std::vector<float> x(100000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 512) - 256.0f;
  NodeTest t("QuantizeLinear");
  t.Input(F32({100000}, x)).Input(F32({}, {1.0f})).Input(I8({}, {0}));
  t.Output(DType::kInt8, {100000});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run(/*threads=*/4));
  auto y = Values<int8_t>(outs[0]);
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(y[i], static_cast<int8_t>(std::min(127.0f, std::max(-128.0f, x[i])))) << i;
  }
}

TEST(QuantizeLinearTest, BadScaleShapeIsInvalid) {
  NodeTest t("QuantizeLinear");
  t.Input(F32({2, 3}, {1, 2, 3, 4, 5, 6})).Input(F32({2}, {1, 1})).Input(U8({2}, {0, 0}));
  t.Output(DType::kUInt8, {2, 3});
  auto s = t.Run().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("QuantizeLinear"));
}

TEST(DequantizeLinearTest, PerTensorUint8AndInt32) {
  NodeTest t("DequantizeLinear");
  t.Input(U8({4}, {0, 3, 128, 255})).Input(F32({}, {2.0f})).Input(U8({}, {128}));
  t.Output(DType::kFloat32, {4});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<float>(outs[0]), ElementsAre(-256.0f, -250.0f, 0.0f, 254.0f));

  NodeTest i32("DequantizeLinear");
  i32.Input(Make<int32_t>(DType::kInt32, {3}, {-2147483647 - 1, 0, 1000})).Input(F32({}, {0.5f}));
  i32.Output(DType::kFloat32, {3});
  ASSERT_OK_AND_ASSIGN(auto o32, i32.Run());
  EXPECT_THAT(Values<float>(o32[0]), ElementsAre(-1073741824.0f, 0.0f, 500.0f));
}

TEST(DequantizeLinearTest, PerAxisInt8) {
  // x [3, 2], axis 0: row r uses scale[r], zero_point[r].
  NodeTest t("DequantizeLinear");
  t.Input(I8({3, 2}, {-128, 127, 0, 1, 10, 20}))
      .Input(F32({3}, {1.0f, 0.5f, 0.25f}))
      .Input(I8({3}, {0, 1, -10}))
      .Attr("axis", Attribute(int64_t{0}));
  t.Output(DType::kFloat32, {3, 2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<float>(outs[0]), ElementsAre(-128.0f, 127.0f, -0.5f, 0.0f, 5.0f, 7.5f));
}

TEST(DequantizeLinearTest, ZeroPointTypeMismatchIsInvalid) {
  NodeTest t("DequantizeLinear");
  t.Input(U8({2}, {1, 2})).Input(F32({}, {1.0f})).Input(I8({}, {0}));
  t.Output(DType::kFloat32, {2});
  EXPECT_EQ(t.Run().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DynamicQuantizeLinearTest, RangeScaleAndZeroPoint) {
  NodeTest t("DynamicQuantizeLinear");
  t.Input(F32({6}, {0, 2, -3, -2.5f, 1.34f, 0.5f}));
  t.Output(DType::kUInt8, {6}).Output(DType::kFloat32, {}).Output(DType::kUInt8, {});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  // Range [-3, 2]: scale 5/255, zero point round(3 / (5/255)) = 153.
  EXPECT_THAT(Values<float>(outs[1]), Pointwise(FloatNear(1e-7f), std::vector<float>{5.0f / 255.0f}));
  EXPECT_THAT(Values<uint8_t>(outs[2]), ElementsAre(153));
  EXPECT_THAT(Values<uint8_t>(outs[0]), ElementsAre(153, 255, 0, 26, 221, 179));
}

TEST(DynamicQuantizeLinearTest, AllPositiveAndAllZero) {
  NodeTest pos("DynamicQuantizeLinear");
  pos.Input(F32({3}, {1, 2, 2.55f}));
  pos.Output(DType::kUInt8, {3}).Output(DType::kFloat32, {}).Output(DType::kUInt8, {});
  ASSERT_OK_AND_ASSIGN(auto p, pos.Run());
  EXPECT_THAT(Values<uint8_t>(p[2]), ElementsAre(0));  // range includes 0
  EXPECT_THAT(Values<uint8_t>(p[0]), ElementsAre(100, 200, 255));

  NodeTest zero("DynamicQuantizeLinear");
  zero.Input(F32({2}, {0, 0}));
  zero.Output(DType::kUInt8, {2}).Output(DType::kFloat32, {}).Output(DType::kUInt8, {});
  ASSERT_OK_AND_ASSIGN(auto z, zero.Run());
  EXPECT_THAT(Values<float>(z[1]), ElementsAre(1.0f));
  EXPECT_THAT(Values<uint8_t>(z[0]), ElementsAre(0, 0));
}

}  // namespace
}  // namespace tandem::kernels::cpu
