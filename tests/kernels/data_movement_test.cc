// Data-movement kernels: the corners the ONNX backend suite does not reach — clamped and
// negative-step slices, huge steps, run-time parameter inputs checked against the static output
// shape, bounds-checked indices, reductions over duplicate scatter indices, NaN and ties in TopK,
// integer Resize rounding, 16-byte elements, strings declined, and the tiled / multithreaded
// strided-copy paths compared with a naive reference.
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/data_movement_strided.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/null/test_util.h"

namespace tandem::kernels::cpu {
namespace {

using ir::Attribute;
using ir::DType;
using ir::Tensor;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::FloatNear;
using ::testing::Pointwise;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

template <typename T>
Tensor Make(DType dtype, std::vector<int64_t> dims, std::vector<T> values) {
  return Tensor::FromValues<T>(dtype, std::move(dims), values);
}
Tensor F32(std::vector<int64_t> dims, std::vector<float> v) {
  return Make(DType::kFloat32, dims, v);
}
Tensor I64(std::vector<int64_t> dims, std::vector<int64_t> v) {
  return Make(DType::kInt64, dims, v);
}
Tensor I32(std::vector<int64_t> dims, std::vector<int32_t> v) {
  return Make(DType::kInt32, dims, v);
}
Attribute Int(int64_t v) { return Attribute(v); }
Attribute Ints(std::vector<int64_t> v) { return Attribute(std::move(v)); }
Attribute Str(const char* s) { return Attribute(std::string(s)); }

std::vector<float> Iota(int64_t n) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), 0.0f);
  return v;
}

// ---- shape-only ops

TEST(DataMovement, ReshapeResolvesZeroAndMinusOne) {
  NodeTest t("Reshape");
  t.Input(F32({2, 3, 4}, Iota(24)))
      .ConstantInput(I64({3}, {0, -1, 2}))
      .Output(DType::kFloat32, {2, 6, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_EQ(Values<float>(out[0]), Iota(24));
}

TEST(DataMovement, ReshapeRejectsShapeThatDisagreesWithOutput) {
  NodeTest t("Reshape");
  t.Input(F32({2, 3}, Iota(6))).ConstantInput(I64({2}, {3, 2})).Output(DType::kFloat32, {2, 3});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "shape input gives"));
}

TEST(DataMovement, ReshapeChecksRunTimeShape) {
  NodeTest t("Reshape");
  t.Input(F32({2, 3}, Iota(6))).Input(I64({2}, {3, 2})).Output(DType::kFloat32, {2, 3});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "[3,2]"));
  NodeTest ok("Reshape");
  ok.Input(F32({2, 3}, Iota(6))).Input(I64({1}, {-1})).Output(DType::kFloat32, {6});
  EXPECT_OK(ok.Run().status());
}

TEST(DataMovement, ReshapeAllowZeroMakesAnEmptyDim) {
  NodeTest t("Reshape");
  t.Input(F32({0, 3}, {})).ConstantInput(I64({2}, {3, 0})).Attr("allowzero", Int(1));
  t.Output(DType::kFloat32, {3, 0});
  EXPECT_OK(t.Run().status());
}

TEST(DataMovement, StringTensorsAreDeclined) {
  Tensor s{DType::kString, {2}, {}, {"a", "b"}};
  NodeTest t("Identity");
  t.Input(s).Output(DType::kString, {2});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kUnimplemented, "str"));
}

TEST(DataMovement, DropoutCopiesAndWritesAnAllTrueMask) {
  NodeTest t("Dropout");
  t.Input(F32({3}, {1, 2, 3})).ConstantInput(F32({}, {0.5f})).Output(DType::kFloat32, {3});
  t.Output(DType::kBool, {3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 2, 3));
  EXPECT_THAT(Values<uint8_t>(out[1]), ElementsAre(1, 1, 1));
}

TEST(DataMovement, DropoutTrainingWithRatioIsDeclined) {
  NodeTest t("Dropout");
  t.Input(F32({3}, {1, 2, 3})).ConstantInput(F32({}, {0.5f}));
  t.ConstantInput(Make<uint8_t>(DType::kBool, {}, {1})).Output(DType::kFloat32, {3});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kUnimplemented, "training"));
}

// ---- Slice

TEST(DataMovement, SliceNegativeStepWithExtremeEnds) {
  NodeTest t("Slice");
  t.Input(F32({10}, Iota(10))).ConstantInput(I64({1}, {-1})).ConstantInput(I64({1}, {kMin}));
  t.OmittedInput().ConstantInput(I64({1}, {-3})).Output(DType::kFloat32, {4});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(9, 6, 3, 0));
}

TEST(DataMovement, SliceHugeStepTakesOneElement) {
  NodeTest t("Slice");
  t.Input(F32({10}, Iota(10))).ConstantInput(I64({1}, {2})).ConstantInput(I64({1}, {kMax}));
  t.ConstantInput(I64({1}, {0})).ConstantInput(I64({1}, {kMax})).Output(DType::kFloat32, {1});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(2));
}

TEST(DataMovement, SliceNegativeAxesAndMixedSteps) {
  NodeTest t("Slice");
  t.Input(F32({3, 4}, Iota(12))).ConstantInput(I64({2}, {3, 0})).ConstantInput(I64({2}, {0, 100}));
  t.ConstantInput(I64({2}, {-1, 0}))
      .ConstantInput(I64({2}, {-1, 2}))
      .Output(DType::kFloat32, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(3, 2, 1, 11, 10, 9));
}

TEST(DataMovement, SliceRunTimeStartsMustMatchOutput) {
  NodeTest ok("Slice");
  ok.Input(F32({5}, Iota(5)))
      .Input(I64({1}, {1}))
      .Input(I64({1}, {3}))
      .Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(auto out, ok.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 2));
  NodeTest bad("Slice");
  bad.Input(F32({5}, Iota(5)))
      .Input(I64({1}, {1}))
      .Input(I64({1}, {4}))
      .Output(DType::kFloat32, {2});
  EXPECT_THAT(bad.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "slice gives"));
}

TEST(DataMovement, SliceRejectsZeroStep) {
  NodeTest t("Slice");
  t.Input(F32({5}, Iota(5))).ConstantInput(I64({1}, {0})).ConstantInput(I64({1}, {3}));
  t.OmittedInput().ConstantInput(I64({1}, {0})).Output(DType::kFloat32, {3});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "step is 0"));
}

// ---- Transpose and the strided engine

std::vector<float> NaiveTranspose(const std::vector<float>& x, const std::vector<int64_t>& dims,
                                  const std::vector<int64_t>& perm) {
  const size_t r = dims.size();
  std::vector<int64_t> strides(r, 1), out_dims(r);
  for (int i = static_cast<int>(r) - 2; i >= 0; --i) strides[i] = strides[i + 1] * dims[i + 1];
  for (size_t d = 0; d < r; ++d) out_dims[d] = dims[perm[d]];
  std::vector<float> y(x.size());
  for (int64_t o = 0; o < static_cast<int64_t>(y.size()); ++o) {
    int64_t rest = o, src = 0;
    for (int d = static_cast<int>(r) - 1; d >= 0; --d) {
      src += (rest % out_dims[d]) * strides[perm[d]];
      rest /= out_dims[d];
    }
    y[o] = x[src];
  }
  return y;
}

class TransposeTest : public ::testing::TestWithParam<std::vector<int64_t>> {};

TEST_P(TransposeTest, MatchesNaiveOnOneAndFourThreads) {
  const std::vector<int64_t> dims = {3, 67, 5, 129};
  const std::vector<int64_t> perm = GetParam();
  const std::vector<float> x = Iota(3 * 67 * 5 * 129);
  std::vector<int64_t> out_dims;
  for (int64_t p : perm) out_dims.push_back(dims[p]);
  const auto want = NaiveTranspose(x, dims, perm);
  for (int threads : {1, 4}) {
    NodeTest t("Transpose");
    t.Input(F32(dims, x)).Attr("perm", Ints(perm)).Output(DType::kFloat32, out_dims);
    ASSERT_OK_AND_ASSIGN(auto out, t.Run(threads));
    EXPECT_EQ(Values<float>(out[0]), want) << "threads " << threads;
  }
}

INSTANTIATE_TEST_SUITE_P(Perms, TransposeTest,
                         ::testing::Values(std::vector<int64_t>{0, 1, 3, 2},  // 2-D tiles
                                           std::vector<int64_t>{0, 3, 1, 2},  // NCHW->NHWC-like
                                           std::vector<int64_t>{0, 2, 3, 1},  // NHWC->NCHW-like
                                           std::vector<int64_t>{3, 2, 1, 0},  // full reverse
                                           std::vector<int64_t>{1, 0, 2, 3},  // row blocks
                                           std::vector<int64_t>{0, 1, 2, 3}));

TEST(DataMovement, TransposeDefaultPermOf16ByteElements) {
  // complex128 elements (two u64 halves) moved as 16-byte units.
  NodeTest t("Transpose");
  t.Input(
      Make<uint64_t>(DType::kComplex128, {2, 3}, {0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51}));
  t.Output(DType::kComplex128, {3, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<uint64_t>(out[0]), ElementsAre(0, 1, 30, 31, 10, 11, 40, 41, 20, 21, 50, 51));
}

TEST(DataMovement, SimplifyViewMergesContiguousDims) {
  using data_movement::SimplifyView;
  using data_movement::StridedView;
  StridedView v = SimplifyView(StridedView{{2, 1, 3, 4}, {12, 99, 4, 1}, 0});
  EXPECT_THAT(v.dims, ElementsAre(24));
  EXPECT_THAT(v.src_strides, ElementsAre(1));
  v = SimplifyView(StridedView{{2, 3, 4}, {0, 0, 1}, 5});  // broadcast dims merge too
  EXPECT_THAT(v.dims, ElementsAre(6, 4));
  EXPECT_THAT(v.src_strides, ElementsAre(0, 1));
  EXPECT_EQ(v.src_offset, 5);
}

TEST(DataMovement, DepthToSpaceModesAndSpaceToDepthRoundTrip) {
  NodeTest dcr("DepthToSpace");
  dcr.Input(F32({1, 8, 1, 1}, Iota(8)))
      .Attr("blocksize", Int(2))
      .Output(DType::kFloat32, {1, 2, 2, 2});
  ASSERT_OK_AND_ASSIGN(auto a, dcr.Run());
  EXPECT_THAT(Values<float>(a[0]), ElementsAre(0, 2, 4, 6, 1, 3, 5, 7));
  NodeTest crd("DepthToSpace");
  crd.Input(F32({1, 8, 1, 1}, Iota(8))).Attr("blocksize", Int(2)).Attr("mode", Str("CRD"));
  crd.Output(DType::kFloat32, {1, 2, 2, 2});
  ASSERT_OK_AND_ASSIGN(auto b, crd.Run());
  EXPECT_THAT(Values<float>(b[0]), ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
  NodeTest back("SpaceToDepth");
  back.Input(a[0]).Attr("blocksize", Int(2)).Output(DType::kFloat32, {1, 8, 1, 1});
  ASSERT_OK_AND_ASSIGN(auto c, back.Run());
  EXPECT_EQ(Values<float>(c[0]), Iota(8));
}

// ---- Expand, Tile, Pad

TEST(DataMovement, ExpandBroadcastsMiddleAndLeadingDims) {
  NodeTest t("Expand");
  t.Input(F32({3, 1}, {1, 2, 3}))
      .ConstantInput(I64({3}, {2, 1, 2}))
      .Output(DType::kFloat32, {2, 3, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run(2));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3));
}

TEST(DataMovement, ExpandRejectsIncompatibleShape) {
  NodeTest t("Expand");
  t.Input(F32({3}, {1, 2, 3})).ConstantInput(I64({1}, {4})).Output(DType::kFloat32, {4});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "broadcast"));
}

TEST(DataMovement, TileRepeatsEveryDim) {
  NodeTest t("Tile");
  t.Input(F32({2, 2}, {1, 2, 3, 4})).Input(I64({2}, {2, 3})).Output(DType::kFloat32, {4, 6});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4,  //
                                                 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4));
}

std::vector<float> Pad1D(std::vector<float> x, std::vector<int64_t> pads, const char* mode,
                         int64_t out, float value = 0) {
  NodeTest t("Pad");
  t.Input(F32({static_cast<int64_t>(x.size())}, x)).ConstantInput(I64({2}, pads));
  t.ConstantInput(F32({}, {value})).Attr("mode", Str(mode)).Output(DType::kFloat32, {out});
  auto r = t.Run();
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? Values<float>((*r)[0]) : std::vector<float>{};
}

TEST(DataMovement, PadModes) {
  EXPECT_THAT(Pad1D({1, 2, 3}, {4, 4}, "reflect", 11),
              ElementsAre(1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3));
  EXPECT_THAT(Pad1D({1, 2, 3}, {2, 3}, "wrap", 8), ElementsAre(2, 3, 1, 2, 3, 1, 2, 3));
  EXPECT_THAT(Pad1D({1, 2, 3}, {2, 1}, "edge", 6), ElementsAre(1, 1, 1, 2, 3, 3));
  EXPECT_THAT(Pad1D({1, 2, 3, 4}, {-1, 1}, "constant", 4, 9), ElementsAre(2, 3, 4, 9));
  EXPECT_THAT(Pad1D({1, 2, 3, 4}, {-2, -1}, "constant", 1, 9), ElementsAre(3));
}

TEST(DataMovement, PadWithAxesInputAndRunTimePads) {
  NodeTest t("Pad");
  t.Input(F32({2, 2}, {1, 2, 3, 4}))
      .Input(I64({2}, {1, 1}))
      .OmittedInput()
      .ConstantInput(I64({1}, {-1}));
  t.Output(DType::kFloat32, {2, 4});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(0, 1, 2, 0, 0, 3, 4, 0));
  NodeTest bad("Pad");
  bad.Input(F32({2, 2}, {1, 2, 3, 4}))
      .Input(I64({4}, {0, 1, 0, 2}))
      .Output(DType::kFloat32, {2, 4});
  EXPECT_THAT(bad.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "pads give"));
}

TEST(DataMovement, PadOuterDimsConstantRowsOnTwoThreads) {
  std::vector<float> x = Iota(64 * 300);
  NodeTest t("Pad");
  t.Input(F32({64, 300}, x)).ConstantInput(I64({4}, {1, 2, 1, 1})).ConstantInput(F32({}, {-1}));
  t.Output(DType::kFloat32, {66, 303});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run(2));
  auto y = Values<float>(out[0]);
  for (int64_t r = 0; r < 66; ++r) {
    for (int64_t c = 0; c < 303; ++c) {
      bool inside = r >= 1 && r < 65 && c >= 2 && c < 302;
      ASSERT_EQ(y[r * 303 + c], inside ? x[(r - 1) * 300 + c - 2] : -1) << r << "," << c;
    }
  }
}

// ---- Concat, Split

TEST(DataMovement, ConcatWithEmptyInputAndNegativeAxis) {
  NodeTest t("Concat");
  t.Input(F32({2, 0}, {})).Input(F32({2, 2}, {1, 2, 3, 4})).Input(F32({2, 1}, {5, 6}));
  t.Attr("axis", Int(-1)).Output(DType::kFloat32, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run(2));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 2, 5, 3, 4, 6));
}

TEST(DataMovement, SplitChecksConstantSplitAgainstOutputs) {
  NodeTest t("Split");
  t.Input(F32({6}, Iota(6))).ConstantInput(I64({3}, {1, 2, 3}));
  t.Output(DType::kFloat32, {1}).Output(DType::kFloat32, {2}).Output(DType::kFloat32, {3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[2]), ElementsAre(3, 4, 5));
  NodeTest bad("Split");
  bad.Input(F32({6}, Iota(6))).ConstantInput(I64({2}, {2, 4}));
  bad.Output(DType::kFloat32, {3}).Output(DType::kFloat32, {3});
  EXPECT_THAT(bad.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "disagrees"));
}

// ---- Gather family

TEST(DataMovement, GatherNegativeInt32IndicesAndAxis1) {
  NodeTest t("Gather");
  t.Input(F32({3, 2}, {1, 2, 3, 4, 5, 6}))
      .Input(I32({1, 2}, {-1, 0}))
      .Output(DType::kFloat32, {1, 2, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(5, 6, 1, 2));
  NodeTest a1("Gather");
  a1.Input(F32({3, 2}, {1, 2, 3, 4, 5, 6})).Input(I64({1}, {1})).Attr("axis", Int(1));
  a1.Output(DType::kFloat32, {3, 1});
  ASSERT_OK_AND_ASSIGN(auto out1, a1.Run());
  EXPECT_THAT(Values<float>(out1[0]), ElementsAre(2, 4, 6));
}

TEST(DataMovement, GatherIndexOutOfRangeIsInvalidArgument) {
  NodeTest t("Gather");
  t.Input(F32({3}, {1, 2, 3})).Input(I64({2}, {0, 3})).Output(DType::kFloat32, {2});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "index 3"));
  NodeTest neg("Gather");
  neg.Input(F32({3}, {1, 2, 3})).Input(I64({1}, {-4})).Output(DType::kFloat32, {1});
  EXPECT_THAT(neg.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "index -4"));
}

TEST(DataMovement, GatherElementsAndBounds) {
  NodeTest t("GatherElements");
  t.Input(F32({2, 2}, {1, 2, 3, 4})).Input(I64({2, 2}, {0, -1, 1, 0})).Attr("axis", Int(1));
  t.Output(DType::kFloat32, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 2, 4, 3));
  NodeTest bad("GatherElements");
  bad.Input(F32({2, 2}, {1, 2, 3, 4})).Input(I32({1, 2}, {0, 2})).Output(DType::kFloat32, {1, 2});
  EXPECT_THAT(bad.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "out of range"));
}

TEST(DataMovement, GatherNDWithBatchDims) {
  NodeTest t("GatherND");
  t.Input(F32({2, 2, 2}, Iota(8))).Input(I64({2, 1}, {1, 0})).Attr("batch_dims", Int(1));
  t.Output(DType::kFloat32, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(2, 3, 4, 5));
}

// ---- Scatter family

TEST(DataMovement, ScatterElementsDuplicateIndices) {
  NodeTest add("ScatterElements");
  add.Input(F32({1, 5}, {1, 2, 3, 4, 5}))
      .Input(I64({1, 2}, {1, 1}))
      .Input(F32({1, 2}, {1.1f, 2.1f}));
  add.Attr("axis", Int(1)).Attr("reduction", Str("add")).Output(DType::kFloat32, {1, 5});
  ASSERT_OK_AND_ASSIGN(auto out, add.Run());
  EXPECT_THAT(Values<float>(out[0]),
              Pointwise(FloatNear(1e-6), std::vector<float>{1, 5.2f, 3, 4, 5}));
  NodeTest none("ScatterElements");
  none.Input(F32({1, 5}, {1, 2, 3, 4, 5})).Input(I32({1, 2}, {-4, 1})).Input(F32({1, 2}, {7, 8}));
  none.Attr("axis", Int(1)).Output(DType::kFloat32, {1, 5});
  ASSERT_OK_AND_ASSIGN(auto out2, none.Run());
  EXPECT_THAT(Values<float>(out2[0]), ElementsAre(1, 8, 3, 4, 5));  // the last write wins
}

TEST(DataMovement, ScatterNDMultiplyAndBounds) {
  NodeTest t("ScatterND");
  t.Input(F32({4}, {2, 2, 2, 2})).Input(I64({2, 1}, {1, 1})).Input(F32({2}, {3, 4}));
  t.Attr("reduction", Str("mul")).Output(DType::kFloat32, {4});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(2, 24, 2, 2));
  NodeTest bad("ScatterND");
  bad.Input(F32({4}, {2, 2, 2, 2}))
      .Input(I64({1, 1}, {4}))
      .Input(F32({1}, {3}))
      .Output(DType::kFloat32, {4});
  EXPECT_THAT(bad.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "index 4"));
}

// ---- TopK

TEST(DataMovement, TopKTiesTakeLowerIndexFirst) {
  NodeTest t("TopK");
  t.Input(F32({5}, {3, 1, 3, 2, 3})).ConstantInput(I64({1}, {2}));
  t.Output(DType::kFloat32, {2}).Output(DType::kInt64, {2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(3, 3));
  EXPECT_THAT(Values<int64_t>(out[1]), ElementsAre(0, 2));
}

TEST(DataMovement, TopKSmallestWithRunTimeKAndNan) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  NodeTest t("TopK");
  t.Input(F32({2, 3}, {1, nan, 0, 5, 4, 4})).Input(I64({1}, {2})).Attr("largest", Int(0));
  t.Output(DType::kFloat32, {2, 2}).Output(DType::kInt64, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(0, 1, 4, 4));
  EXPECT_THAT(Values<int64_t>(out[1]), ElementsAre(2, 0, 1, 2));
  NodeTest big("TopK");
  big.Input(F32({3}, {1, nan, 2})).Input(I64({1}, {1})).Output(DType::kFloat32, {1});
  big.Output(DType::kInt64, {1});
  ASSERT_OK_AND_ASSIGN(auto out2, big.Run());
  EXPECT_THAT(Values<int64_t>(out2[1]), ElementsAre(1));  // NaN orders above every number
  NodeTest bad("TopK");
  bad.Input(F32({3}, {1, 2, 3})).Input(I64({1}, {1})).Output(DType::kFloat32, {2});
  bad.Output(DType::kInt64, {2});
  EXPECT_THAT(bad.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "K input"));
}

// ---- CumSum, Trilu, OneHot, Range, EyeLike, ConstantOfShape, ReverseSequence

TEST(DataMovement, CumSumExclusiveReverseInt32OnAxis1) {
  NodeTest t("CumSum");
  t.Input(I32({2, 3}, {1, 2, 3, 4, 5, 6})).Input(I32({}, {-1})).Attr("exclusive", Int(1));
  t.Attr("reverse", Int(1)).Output(DType::kInt32, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<int32_t>(out[0]), ElementsAre(5, 3, 0, 11, 6, 0));
}

TEST(DataMovement, TriluDiagonalOffsets) {
  auto run = [](int64_t k, int64_t upper) {
    NodeTest t("Trilu");
    t.Input(F32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})).ConstantInput(I64({}, {k}));
    t.Attr("upper", Int(upper)).Output(DType::kFloat32, {3, 3});
    auto r = t.Run();
    EXPECT_TRUE(r.ok()) << r.status();
    return Values<float>((*r)[0]);
  };
  EXPECT_THAT(run(1, 1), ElementsAre(0, 2, 3, 0, 0, 6, 0, 0, 0));
  EXPECT_THAT(run(-1, 0), ElementsAre(0, 0, 0, 4, 0, 0, 7, 8, 0));
  EXPECT_THAT(run(5, 1), ElementsAre(0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_THAT(run(-5, 1), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9));
}

TEST(DataMovement, OneHotNegativeAndOutOfRangeIndices) {
  NodeTest t("OneHot");
  t.Input(I64({4}, {0, -1, 3, 7})).Input(I64({}, {4})).Input(F32({2}, {0, 1}));
  t.Output(DType::kFloat32, {4, 4});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0));
}

TEST(DataMovement, RangeChecksElementCount) {
  NodeTest t("Range");
  t.Input(F32({}, {1})).Input(F32({}, {5})).Input(F32({}, {2})).Output(DType::kFloat32, {2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 3));
  NodeTest bad("Range");
  bad.Input(I64({}, {10})).Input(I64({}, {4})).Input(I64({}, {-3})).Output(DType::kInt64, {3});
  EXPECT_THAT(bad.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "Range gives 2"));
}

TEST(DataMovement, EyeLikeOffDiagonalAndConstantOfShape) {
  NodeTest eye("EyeLike");
  eye.Input(I32({2, 3}, {0, 0, 0, 0, 0, 0})).Attr("k", Int(1)).Output(DType::kInt32, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto a, eye.Run());
  EXPECT_THAT(Values<int32_t>(a[0]), ElementsAre(0, 1, 0, 0, 0, 1));
  NodeTest c("ConstantOfShape");
  c.Input(I64({2}, {2, 2})).Attr("value", Attribute(I64({1}, {-7}))).Output(DType::kInt64, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto b, c.Run());
  EXPECT_THAT(Values<int64_t>(b[0]), ElementsAre(-7, -7, -7, -7));
}

TEST(DataMovement, ReverseSequenceBatchMajorAndBadLength) {
  NodeTest t("ReverseSequence");
  t.Input(F32({2, 3}, {1, 2, 3, 4, 5, 6})).Input(I64({2}, {2, 3})).Attr("batch_axis", Int(0));
  t.Attr("time_axis", Int(1)).Output(DType::kFloat32, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(2, 1, 3, 6, 5, 4));
  NodeTest bad("ReverseSequence");
  bad.Input(F32({2, 3}, {1, 2, 3, 4, 5, 6}))
      .Input(I64({3}, {1, 1, 4}))
      .Output(DType::kFloat32, {2, 3});
  EXPECT_THAT(bad.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "out of range"));
}

// ---- Resize

TEST(DataMovement, ResizeLinearHalfPixelConstantAndRunTimeScales) {
  for (bool constant : {true, false}) {
    NodeTest t("Resize");
    t.Input(F32({2}, {1, 2})).OmittedInput();
    if (constant)
      t.ConstantInput(F32({1}, {2}));
    else
      t.Input(F32({1}, {2}));
    t.Attr("mode", Str("linear")).Output(DType::kFloat32, {4});
    ASSERT_OK_AND_ASSIGN(auto out, t.Run());
    EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 1.25f, 1.75f, 2)) << constant;
  }
}

TEST(DataMovement, ResizeNearestModesOnInt32) {
  auto run = [](const char* mode) {
    NodeTest t("Resize");
    t.Input(I32({3}, {10, 20, 30})).OmittedInput().ConstantInput(F32({1}, {2}));
    t.Attr("coordinate_transformation_mode", Str("asymmetric")).Attr("nearest_mode", Str(mode));
    t.Output(DType::kInt32, {6});
    auto r = t.Run();
    EXPECT_TRUE(r.ok()) << r.status();
    return Values<int32_t>((*r)[0]);
  };
  EXPECT_THAT(run("round_prefer_floor"), ElementsAre(10, 10, 20, 20, 30, 30));
  EXPECT_THAT(run("round_prefer_ceil"), ElementsAre(10, 20, 20, 30, 30, 30));
  EXPECT_THAT(run("ceil"), ElementsAre(10, 20, 20, 30, 30, 30));
  EXPECT_THAT(run("floor"), ElementsAre(10, 10, 20, 20, 30, 30));
}

TEST(DataMovement, ResizeLinearUint8RoundsAndSaturates) {
  NodeTest t("Resize");
  t.Input(Make<uint8_t>(DType::kUInt8, {2}, {0, 255})).OmittedInput().ConstantInput(F32({1}, {2}));
  t.Attr("mode", Str("linear")).Attr("coordinate_transformation_mode", Str("asymmetric"));
  t.Output(DType::kUInt8, {4});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<uint8_t>(out[0]), ElementsAre(0, 128, 255, 255));
}

TEST(DataMovement, ResizeTfCropAndResizeExtrapolates) {
  NodeTest t("Resize");
  t.Input(F32({4}, {1, 2, 3, 4})).ConstantInput(F32({2}, {0, 2})).OmittedInput();
  t.ConstantInput(I64({1}, {3})).Attr("mode", Str("linear"));
  t.Attr("coordinate_transformation_mode", Str("tf_crop_and_resize"));
  t.Attr("extrapolation_value", Attribute(9.0f)).Output(DType::kFloat32, {3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 4, 9));
}

TEST(DataMovement, ResizeCubicTwoThreadsMatchesOneThread) {
  const std::vector<float> x = Iota(2 * 3 * 37 * 53);
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2}) {
    NodeTest t("Resize");
    t.Input(F32({2, 3, 37, 53}, x)).OmittedInput().ConstantInput(F32({4}, {1, 1, 1.7f, 0.6f}));
    t.Attr("mode", Str("cubic")).Output(DType::kFloat32, {2, 3, 62, 31});
    ASSERT_OK_AND_ASSIGN(auto out, t.Run(threads));
    results.push_back(Values<float>(out[0]));
  }
  EXPECT_EQ(results[0], results[1]);
}

TEST(DataMovement, ResizeAntialiasIsDeclined) {
  NodeTest t("Resize");
  t.Input(F32({2}, {1, 2})).OmittedInput().ConstantInput(F32({1}, {2})).Attr("antialias", Int(1));
  t.Output(DType::kFloat32, {4});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kUnimplemented, "antialias"));
}

}  // namespace
}  // namespace tandem::kernels::cpu
