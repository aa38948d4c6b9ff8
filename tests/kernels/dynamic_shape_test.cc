// Kernels whose output size depends on the input values — NonZero, Unique, Compress — run both
// ways the executor runs them: into pre-allocated outputs (a wrong planned size is
// FailedPrecondition) and into outputs they size themselves (AllocateOutput with an allocator).
#include <cmath>
#include <limits>
#include <string>
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

Tensor F32(std::vector<int64_t> dims, std::vector<float> v) {
  return Tensor::FromValues(DType::kFloat32, dims, v);
}
Tensor I32(std::vector<int64_t> dims, std::vector<int32_t> v) {
  return Tensor::FromValues(DType::kInt32, dims, v);
}
Tensor Bool(std::vector<int64_t> dims, std::vector<uint8_t> v) {
  return Tensor::FromValues(DType::kBool, dims, v);
}
Attribute Int(int64_t v) { return Attribute(v); }

// ---- NonZero

TEST(NonZeroTest, CoordinatesInRowMajorOrder) {
  ValueNodeTest t("NonZero");
  t.Input(F32({2, 3}, {1, 0, -0.0f, 0, std::nanf(""), 2})).Output(DType::kInt64, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(0, 1, 1, 0, 1, 2));
}

TEST(NonZeroTest, BoolStringsScalarAndDynamic) {
  ValueNodeTest b("NonZero");
  b.Input(Bool({3}, {0, 1, 1})).DynamicOutput(DType::kInt64);
  ASSERT_OK_AND_ASSIGN(auto out, b.RunDynamic());
  EXPECT_THAT(out[0].dims, ElementsAre(1, 2));
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(1, 2));

  ValueNodeTest s("NonZero");
  s.Input(Strings({2, 2}, {"", "a", "b", ""})).DynamicOutput(DType::kInt64);
  ASSERT_OK_AND_ASSIGN(out, s.RunDynamic());
  EXPECT_THAT(out[0].dims, ElementsAre(2, 2));
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(0, 1, 1, 0));

  ValueNodeTest scalar("NonZero");
  scalar.Input(I32({}, {5})).DynamicOutput(DType::kInt64);
  ASSERT_OK_AND_ASSIGN(out, scalar.RunDynamic());
  EXPECT_THAT(out[0].dims, ElementsAre(1, 1));
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(0));
}

TEST(NonZeroTest, LargeInputThreadedMatchesCount) {
  const int64_t n = 300000;  // several counting chunks
  std::vector<int32_t> v(n);
  int64_t expected = 0;
  for (int64_t i = 0; i < n; ++i) {
    v[i] = (i % 7 == 0 || i % 11 == 3) ? 1 : 0;
    expected += v[i];
  }
  ValueNodeTest t("NonZero");
  t.Input(I32({3, n / 3}, v)).DynamicOutput(DType::kInt64);
  ASSERT_OK_AND_ASSIGN(auto out, t.RunDynamic(4));
  ASSERT_THAT(out[0].dims, ElementsAre(2, expected));
  auto idx = Values<int64_t>(out[0]);
  int64_t prev = -1;
  for (int64_t j = 0; j < expected; ++j) {
    const int64_t flat = idx[j] * (n / 3) + idx[expected + j];
    ASSERT_GT(flat, prev);
    ASSERT_EQ(v[flat], 1);
    prev = flat;
  }
}

TEST(NonZeroTest, PlannedShapeMismatchIsFailedPrecondition) {
  ValueNodeTest t("NonZero");
  t.Input(I32({4}, {1, 0, 1, 1})).Output(DType::kInt64, {1, 2});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kFailedPrecondition, "[1,3]"));
}

// ---- Unique (the ONNX examples)

TEST(UniqueTest, SortedAndUnsortedWithoutAxis) {
  for (int sorted : {1, 0}) {
    ValueNodeTest t("Unique");
    t.Input(F32({6}, {2, 1, 1, 3, 4, 3})).Attr("sorted", Int(sorted));
    t.Output(DType::kFloat32, {4})
        .Output(DType::kInt64, {4})
        .Output(DType::kInt64, {6})
        .Output(DType::kInt64, {4});
    ASSERT_OK_AND_ASSIGN(auto out, t.Run());
    if (sorted) {
      EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 2, 3, 4));
      EXPECT_THAT(Values<int64_t>(out[1]), ElementsAre(1, 0, 3, 4));
      EXPECT_THAT(Values<int64_t>(out[2]), ElementsAre(1, 0, 0, 2, 3, 2));
      EXPECT_THAT(Values<int64_t>(out[3]), ElementsAre(2, 1, 2, 1));
    } else {
      EXPECT_THAT(Values<float>(out[0]), ElementsAre(2, 1, 3, 4));
      EXPECT_THAT(Values<int64_t>(out[1]), ElementsAre(0, 1, 3, 4));
      EXPECT_THAT(Values<int64_t>(out[2]), ElementsAre(0, 1, 1, 2, 3, 2));
      EXPECT_THAT(Values<int64_t>(out[3]), ElementsAre(1, 2, 2, 1));
    }
  }
}

TEST(UniqueTest, AlongAxisWithOmittedOutputs) {
  ValueNodeTest t("Unique");
  t.Input(I32({3, 3}, {1, 0, 0, 1, 0, 0, 2, 3, 4})).Attr("axis", Int(0));
  t.DynamicOutput(DType::kInt32)
      .OmittedOutput()
      .DynamicOutput(DType::kInt64)
      .DynamicOutput(DType::kInt64);
  ASSERT_OK_AND_ASSIGN(auto out, t.RunDynamic());
  EXPECT_THAT(out[0].dims, ElementsAre(2, 3));
  EXPECT_THAT(Values<int32_t>(out[0]), ElementsAre(1, 0, 0, 2, 3, 4));
  EXPECT_THAT(Values<int64_t>(out[2]), ElementsAre(0, 0, 1));
  EXPECT_THAT(Values<int64_t>(out[3]), ElementsAre(2, 1));

  // Negative axis over the columns of [[1, 0, 1], [1, 0, 1]] → columns (0, 0) and (1, 1).
  ValueNodeTest cols("Unique");
  cols.Input(I32({2, 3}, {1, 0, 1, 1, 0, 1})).Attr("axis", Int(-1));
  cols.DynamicOutput(DType::kInt32).DynamicOutput(DType::kInt64);
  ASSERT_OK_AND_ASSIGN(out, cols.RunDynamic());
  EXPECT_THAT(out[0].dims, ElementsAre(2, 2));
  EXPECT_THAT(Values<int32_t>(out[0]), ElementsAre(0, 1, 0, 1));
  EXPECT_THAT(Values<int64_t>(out[1]), ElementsAre(1, 0));
}

TEST(UniqueTest, NaNsGroupAndStringsSort) {
  ValueNodeTest t("Unique");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  t.Input(F32({5}, {nan, 1, nan, -1, 1}))
      .DynamicOutput(DType::kFloat32)
      .OmittedOutput()
      .OmittedOutput()
      .DynamicOutput(DType::kInt64);
  ASSERT_OK_AND_ASSIGN(auto out, t.RunDynamic());
  auto y = Values<float>(out[0]);
  ASSERT_EQ(y.size(), 3u);
  EXPECT_EQ(y[0], -1);
  EXPECT_EQ(y[1], 1);
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_THAT(Values<int64_t>(out[3]), ElementsAre(1, 2, 2));

  ValueNodeTest s("Unique");
  s.Input(Strings({4}, {"b", "a", "b", "c"})).DynamicOutput(DType::kString);
  ASSERT_OK_AND_ASSIGN(out, s.RunDynamic());
  EXPECT_THAT(out[0].strings, ElementsAre("a", "b", "c"));
}

TEST(UniqueTest, PlannedShapeMismatchIsFailedPrecondition) {
  ValueNodeTest t("Unique");
  t.Input(F32({3}, {1, 1, 2})).Output(DType::kFloat32, {3});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kFailedPrecondition, "[2]"));
}

// ---- Compress

TEST(CompressTest, AxesAndFlattened) {
  const Tensor x = F32({3, 2}, {1, 2, 3, 4, 5, 6});
  ValueNodeTest rows("Compress");
  rows.Input(x).Input(Bool({3}, {0, 1, 1})).Attr("axis", Int(0)).Output(DType::kFloat32, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto out, rows.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(3, 4, 5, 6));

  ValueNodeTest cols("Compress");
  cols.Input(x).Input(Bool({2}, {0, 1})).Attr("axis", Int(-1)).DynamicOutput(DType::kFloat32);
  ASSERT_OK_AND_ASSIGN(out, cols.RunDynamic(2));
  EXPECT_THAT(out[0].dims, ElementsAre(3, 1));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(2, 4, 6));

  ValueNodeTest flat("Compress");  // a short condition drops the rest
  flat.Input(x).Input(Bool({5}, {0, 1, 0, 0, 1})).Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(out, flat.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(2, 5));

  ValueNodeTest strs("Compress");
  strs.Input(Strings({3}, {"x", "y", "z"}))
      .Input(Bool({3}, {1, 0, 1}))
      .DynamicOutput(DType::kString);
  ASSERT_OK_AND_ASSIGN(out, strs.RunDynamic());
  EXPECT_THAT(out[0].strings, ElementsAre("x", "z"));
}

TEST(CompressTest, Errors) {
  const Tensor x = F32({3, 2}, {1, 2, 3, 4, 5, 6});
  ValueNodeTest longer("Compress");
  longer.Input(x)
      .Input(Bool({4}, {1, 0, 0, 1}))
      .Attr("axis", Int(0))
      .DynamicOutput(DType::kFloat32);
  EXPECT_THAT(longer.RunDynamic().status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "condition[3]"));
  ValueNodeTest planned("Compress");
  planned.Input(x).Input(Bool({3}, {1, 0, 0})).Attr("axis", Int(0)).Output(DType::kFloat32, {2, 2});
  EXPECT_THAT(planned.Run().status(), StatusIs(absl::StatusCode::kFailedPrecondition, "[1,2]"));
  ValueNodeTest axis("Compress");
  axis.Input(x).Input(Bool({3}, {1, 0, 0})).Attr("axis", Int(2)).Output(DType::kFloat32, {1, 2});
  EXPECT_THAT(axis.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "axis 2"));
}

}  // namespace
}  // namespace tandem::kernels::cpu
