// NN kernels (Conv, ConvTranspose, pooling, MaxUnpool, integer/quantized conv and matmul)
// against naive double-accumulating references: random shapes with groups, strides, dilations,
// padding and batch > 1, on both the XNNPACK path (constant weights) and the reference path
// (weights fed at run time), on 1 and 2 threads. Plus the corners the ONNX suite misses:
// XNNPACK's padding semantics for pooling, ceil_mode, Indices storage order, quantized rounding
// and saturation. Matrix products, recurrent ops and Einsum: nn_linalg_test.cc.
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

// ---- Conv

// Runs `c` through the kernel with constant weights (XNNPACK when float32 2-D) or run-time
// weights (reference), on `threads` threads, and compares with the naive reference.
void CheckConv(const ConvCase& c, bool constant_weights, int threads, DType dtype = DType::kFloat32) {
  SCOPED_TRACE(c.Describe() + (constant_weights ? " const-W" : " runtime-W") + " threads=" +
               std::to_string(threads));
  std::mt19937 rng(static_cast<uint32_t>(c.in.size() * 131 + c.group * 7 + threads));
  Tensor x = RandomF32(c.XDims(), rng), w = RandomF32(c.WDims(), rng), b = RandomF32({c.m}, rng);
  std::vector<double> expected = nn_test::RefConv(c, ToDouble(x), ToDouble(w), c.bias ? ToDouble(b) : std::vector<double>{});
  if (dtype == DType::kFloat64) x = nn_test::ToF64(x), w = nn_test::ToF64(w), b = nn_test::ToF64(b);
  NodeTest t("Conv");
  t.Input(x);
  constant_weights ? t.ConstantInput(w) : t.Input(w);
  if (c.bias) constant_weights ? t.ConstantInput(b) : t.Input(b);
  t.Attr("group", Attribute(c.group)).Attr("strides", Ints(c.strides)).Attr("dilations", Ints(c.dilations));
  if (c.auto_pad.empty()) {
    t.Attr("pads", Ints(c.pads));
  } else {
    t.Attr("auto_pad", Attribute(c.auto_pad));
  }
  t.Output(dtype, c.YDims());
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run(threads));
  ExpectNear(outs[0], expected, 1e-4);
}

std::vector<ConvCase> ConvCases() {
  std::vector<ConvCase> cases;
  //            n  c  m  g  in       kernel  strides dilations pads
  cases.push_back({2, 3, 4, 1, {7, 6}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}});
  cases.push_back({1, 4, 6, 2, {9, 8}, {3, 2}, {2, 1}, {1, 2}, {0, 1, 2, 0}});
  cases.push_back({2, 6, 6, 6, {8, 8}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}});   // depthwise
  cases.push_back({1, 3, 6, 3, {10, 7}, {5, 3}, {1, 2}, {2, 1}, {2, 0, 2, 1}});  // depthwise ×2
  cases.push_back({3, 5, 7, 1, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}});   // 1×1 image
  cases.push_back({2, 8, 16, 4, {13, 11}, {3, 3}, {3, 2}, {2, 3}, {3, 2, 1, 0}});
  cases.push_back({2, 3, 5, 1, {17}, {4}, {3}, {2}, {2, 1}});                    // 1-D
  cases.push_back({1, 2, 3, 1, {5, 6, 4}, {2, 3, 2}, {2, 1, 1}, {1, 1, 2}, {1, 0, 1, 0, 1, 1}});  // 3-D
  for (ConvCase& c : cases) c.bias = (c.n + c.m) % 2 == 0;
  return cases;
}

TEST(NnConv, MatchesReferenceOnBothPathsAndThreadCounts) {
  for (const ConvCase& c : ConvCases()) {
    for (bool constant : {true, false}) {
      for (int threads : {1, 2}) CheckConv(c, constant, threads);
    }
  }
}

// Every float32 2-D depthwise convolution takes kernels/cpu/nn_depthwise_conv.cc: channel
// counts below, at and past the vector blocks (every ISA's tail) and the 96-channel task chunks,
// widths that are not a multiple of the column block, images one pixel wide or narrower than
// the window, strides, dilations, asymmetric padding. Each ISA's row loop on its own:
// simd_test.cc (DepthwiseRow...); here the best one, with the executor's threading.
TEST(NnConv, DepthwiseWindowsMatchReference) {
  std::vector<ConvCase> cases;
  //              n  c   m   g   in        kernel  strides dilations pads
  cases.push_back({1, 3, 3, 3, {9, 8}, {7, 7}, {1, 1}, {1, 1}, {3, 3, 3, 3}});
  cases.push_back({2, 17, 17, 17, {12, 10}, {7, 7}, {2, 1}, {1, 1}, {3, 2, 3, 1}});
  cases.push_back({1, 70, 70, 70, {11, 11}, {6, 5}, {1, 2}, {2, 1}, {4, 0, 5, 2}});
  cases.push_back({1, 96, 96, 96, {14, 14}, {7, 7}, {1, 1}, {1, 1}, {3, 3, 3, 3}});
  cases.push_back({1, 200, 200, 200, {7, 7}, {7, 7}, {1, 1}, {1, 1}, {3, 3, 3, 3}});     // ConvNeXt's last stage
  cases.push_back({1, 50, 50, 50, {9, 23}, {7, 7}, {1, 1}, {1, 1}, {3, 3, 3, 3}});       // 23 = 2 blocks + 7
  cases.push_back({2, 33, 33, 33, {10, 19}, {7, 7}, {2, 2}, {1, 1}, {3, 1, 2, 3}});      // stride 2
  cases.push_back({1, 48, 48, 48, {15, 21}, {5, 7}, {1, 1}, {2, 3}, {4, 9, 4, 9}});      // dilation
  cases.push_back({1, 16, 16, 16, {8, 30}, {7, 7}, {1, 1}, {1, 1}, {0, 6, 6, 0}});       // one-sided pads
  cases.push_back({1, 20, 20, 20, {9, 1}, {7, 7}, {1, 1}, {1, 1}, {3, 3, 3, 3}});        // 1 pixel wide
  cases.push_back({1, 8, 8, 8, {1, 1}, {7, 7}, {1, 1}, {1, 1}, {3, 3, 3, 3}});           // 1x1 image
  cases.push_back({1, 64, 64, 64, {6, 3}, {7, 7}, {1, 3}, {1, 1}, {2, 5, 1, 4}});        // wider pads than image
  // The 3x3 and 5x5 windows of MobileNet and EfficientNet, with their channel tails (72, 88:
  // an 8-lane remainder; 120: one of 8 after two 48-blocks and a 16), strides 1 and 2.
  cases.push_back({1, 72, 72, 72, {14, 14}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}});
  cases.push_back({1, 88, 88, 88, {7, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}});
  cases.push_back({1, 120, 120, 120, {9, 9}, {5, 5}, {1, 1}, {1, 1}, {2, 2, 2, 2}});
  cases.push_back({1, 144, 144, 144, {12, 12}, {5, 5}, {2, 2}, {1, 1}, {2, 2, 2, 2}});
  cases.push_back({2, 32, 32, 32, {17, 13}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}});
  cases.push_back({1, 5, 5, 5, {6, 6}, {3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}});          // fewer channels than a vector
  cases.push_back({1, 1, 1, 1, {4, 5}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}});          // one channel, 1x1 window
  for (size_t i = 0; i < cases.size(); ++i) {
    cases[i].bias = i % 2 == 0;
    for (int threads : {1, 2}) CheckConv(cases[i], true, threads);
  }
}

TEST(NnConv, Float64UsesReferenceKernel) {
  for (const ConvCase& c : ConvCases()) CheckConv(c, true, 2, DType::kFloat64);
}

TEST(NnConv, AutoPadSameSplitsOddPaddingByMode) {
  // in 6, kernel 4, stride 2 → out 3, total padding 2*2 + 4 - 6 = 2... use in 7 for an odd total:
  // out 4, total 3*2 + 4 - 7 = 3 → UPPER pads (1, 2), LOWER pads (2, 1).
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER"}) {
    ConvCase c{1, 2, 3, 1, {7, 7}, {4, 4}, {2, 2}, {1, 1}, {}};
    c.auto_pad = mode;
    c.pads = std::string(mode) == "SAME_UPPER" ? std::vector<int64_t>{1, 1, 2, 2} : std::vector<int64_t>{2, 2, 1, 1};
    for (bool constant : {true, false}) CheckConv(c, constant, 1);
  }
}

TEST(NnConv, RejectsChannelMismatchNamingTheNode) {
  NodeTest t("Conv");
  t.Input(Tensor::FromValues<float>(DType::kFloat32, {1, 3, 4, 4}, std::vector<float>(48, 1.0f)));
  t.ConstantInput(Tensor::FromValues<float>(DType::kFloat32, {2, 2, 3, 3}, std::vector<float>(36, 1.0f)));
  t.Output(DType::kFloat32, {1, 2, 2, 2});
  auto result = t.Run();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("Conv \"n\""));
}

TEST(NnConv, DeclinesIntegerInputs) {
  NodeTest t("Conv");
  t.Input(Tensor::FromValues<int32_t>(DType::kInt32, {1, 1, 2, 2}, {1, 2, 3, 4}));
  t.Input(Tensor::FromValues<int32_t>(DType::kInt32, {1, 1, 1, 1}, {1}));
  t.Output(DType::kInt32, {1, 1, 2, 2});
  EXPECT_EQ(t.Run().status().code(), absl::StatusCode::kUnimplemented);
}

// ---- ConvTranspose

void CheckConvTranspose(const ConvCase& c, const std::vector<int64_t>& output_padding, bool constant, int threads) {
  SCOPED_TRACE(c.Describe() + (constant ? " const-W" : " runtime-W") + " threads=" + std::to_string(threads));
  std::mt19937 rng(static_cast<uint32_t>(c.in.size() * 17 + c.group + threads));
  Tensor x = RandomF32(c.XDims(), rng), w = RandomF32(c.WTransposeDims(), rng), b = RandomF32({c.m}, rng);
  std::vector<int64_t> y_dims;
  std::vector<double> expected = nn_test::RefConvTranspose(c, output_padding, ToDouble(x), ToDouble(w),
                                                           c.bias ? ToDouble(b) : std::vector<double>{}, &y_dims);
  NodeTest t("ConvTranspose");
  t.Input(x);
  constant ? t.ConstantInput(w) : t.Input(w);
  if (c.bias) constant ? t.ConstantInput(b) : t.Input(b);
  t.Attr("group", Attribute(c.group)).Attr("strides", Ints(c.strides)).Attr("dilations", Ints(c.dilations));
  t.Attr("pads", Ints(c.pads)).Attr("output_padding", Ints(output_padding));
  t.Output(DType::kFloat32, y_dims);
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run(threads));
  ExpectNear(outs[0], expected, 1e-4);
}

TEST(NnConvTranspose, MatchesReferenceOnBothPaths) {
  struct Case {
    ConvCase conv;
    std::vector<int64_t> output_padding;
  };
  std::vector<Case> cases = {
      {{2, 3, 4, 1, {4, 5}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, true}, {1, 0}},
      {{1, 4, 6, 2, {3, 3}, {3, 2}, {3, 2}, {1, 2}, {0, 1, 2, 0}, false}, {2, 1}},
      {{2, 4, 4, 4, {5, 4}, {3, 3}, {1, 1}, {2, 1}, {1, 1, 1, 1}, true}, {0, 0}},
      {{1, 2, 3, 1, {6}, {4}, {3}, {1}, {1, 2}, true}, {1}},                          // 1-D
      {{1, 2, 2, 1, {3, 2, 3}, {2, 2, 3}, {2, 1, 2}, {1, 1, 1}, {0, 0, 1, 1, 0, 0}, true}, {1, 0, 0}},  // 3-D
  };
  for (const Case& c : cases) {
    for (bool constant : {true, false}) {
      for (int threads : {1, 2}) CheckConvTranspose(c.conv, c.output_padding, constant, threads);
    }
  }
}

TEST(NnConvTranspose, OutputShapeLargerThanKernelReachPadsTheEndWithBias) {
  // x [1,1,2,2] with stride 2 and a 2×2 kernel reaches 4×4; output_shape 5×5 adds a zero row and
  // column at the end, which then hold only the bias.
  NodeTest t("ConvTranspose");
  t.Input(Tensor::FromValues<float>(DType::kFloat32, {1, 1, 2, 2}, {1, 2, 3, 4}));
  t.ConstantInput(Tensor::FromValues<float>(DType::kFloat32, {1, 1, 2, 2}, {1, 1, 1, 1}));
  t.ConstantInput(Tensor::FromValues<float>(DType::kFloat32, {1}, {0.5f}));
  t.Attr("strides", Ints({2, 2})).Attr("output_shape", Ints({5, 5}));
  t.Output(DType::kFloat32, {1, 1, 5, 5});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<float>(outs[0]),
              ElementsAre(1.5, 1.5, 2.5, 2.5, 0.5, 1.5, 1.5, 2.5, 2.5, 0.5, 3.5, 3.5, 4.5, 4.5, 0.5, 3.5, 3.5, 4.5,
                          4.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5));
}

// ---- MaxPool / AveragePool

struct PoolConfig {
  nn_test::PoolCase p;
  bool ceil_mode;
};

std::vector<int64_t> PoolYDims(const nn_test::PoolCase& p) {
  std::vector<int64_t> d = {p.n, p.c};
  d.insert(d.end(), p.out.begin(), p.out.end());
  return d;
}

NodeTest PoolNode(const char* op, const PoolConfig& cfg, const Tensor& x) {
  NodeTest t(op);
  t.Input(x);
  t.Attr("kernel_shape", Ints(cfg.p.kernel)).Attr("strides", Ints(cfg.p.strides)).Attr("pads", Ints(cfg.p.pads));
  if (std::string(op) == "MaxPool") t.Attr("dilations", Ints(cfg.p.dilations));
  t.Attr("ceil_mode", Attribute(int64_t{cfg.ceil_mode}));
  return t;
}

std::vector<PoolConfig> PoolConfigs() {
  //          n  c  in       kernel  strides dilations pads          out         ceil
  return {
      {{2, 3, {7, 7}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {4, 4}}, false},
      {{1, 5, {8, 6}, {2, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, {4, 3}}, true},   // ceil: W (6-3)/2 rounds up
      {{1, 2, {6, 6}, {3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, {3, 3}}, true},   // ceil overhang of one column/row
      {{2, 4, {9, 10}, {3, 2}, {1, 3}, {2, 1}, {2, 1, 2, 0}, {9, 4}}, false},  // dilation (MaxPool only)
      {{1, 3, {11}, {4}, {3}, {1}, {2, 1}, {5}}, true},                         // 1-D
      {{1, 2, {4, 5, 6}, {2, 2, 3}, {2, 1, 2}, {1, 1, 1}, {1, 0, 0, 0, 1, 1}, {2, 5, 3}}, false},  // 3-D
  };
}

TEST(NnPool, MaxPoolMatchesReferenceIncludingAllNegativeInputsNextToPadding) {
  for (const PoolConfig& cfg : PoolConfigs()) {
    for (int threads : {1, 2}) {
      std::mt19937 rng(7);
      std::vector<int64_t> x_dims = {cfg.p.n, cfg.p.c};
      x_dims.insert(x_dims.end(), cfg.p.in.begin(), cfg.p.in.end());
      Tensor x = RandomF32(x_dims, rng);
      // Shift everything below zero: a kernel that pads with zeros would return 0 at the borders.
      std::vector<double> xv = ToDouble(x);
      std::vector<float> shifted;
      for (double v : xv) shifted.push_back(static_cast<float>(v - 2.0));
      x = Tensor::FromValues<float>(DType::kFloat32, x_dims, shifted);
      std::vector<int64_t> argmax;
      std::vector<double> expected = nn_test::RefMaxPool(cfg.p, ToDouble(x), &argmax);
      SCOPED_TRACE(::testing::Message() << "in rank " << cfg.p.in.size() << " ceil " << cfg.ceil_mode
                                        << " threads " << threads);
      NodeTest t = PoolNode("MaxPool", cfg, x);
      t.Output(DType::kFloat32, PoolYDims(cfg.p));
      ASSERT_OK_AND_ASSIGN(auto outs, t.Run(threads));  // XNNPACK for the 1-D/2-D cases
      ExpectNear(outs[0], expected, 0);
      NodeTest with_indices = PoolNode("MaxPool", cfg, x);  // the reference kernel
      with_indices.Output(DType::kFloat32, PoolYDims(cfg.p)).Output(DType::kInt64, PoolYDims(cfg.p));
      ASSERT_OK_AND_ASSIGN(auto outs2, with_indices.Run(threads));
      ExpectNear(outs2[0], expected, 0);
      EXPECT_EQ(Values<int64_t>(outs2[1]), argmax);
    }
  }
}

TEST(NnPool, AveragePoolMatchesReferenceWithAndWithoutPadCounting) {
  for (const PoolConfig& cfg : PoolConfigs()) {
    const auto& d = cfg.p.dilations;
    if (std::any_of(d.begin(), d.end(), [](int64_t v) { return v != 1; })) continue;  // opset 19 only
    for (bool count_pad : {false, true}) {
      for (int threads : {1, 2}) {
        std::mt19937 rng(11);
        std::vector<int64_t> x_dims = {cfg.p.n, cfg.p.c};
        x_dims.insert(x_dims.end(), cfg.p.in.begin(), cfg.p.in.end());
        Tensor x = RandomF32(x_dims, rng);
        SCOPED_TRACE(::testing::Message() << "in rank " << cfg.p.in.size() << " count_include_pad " << count_pad
                                          << " ceil " << cfg.ceil_mode << " threads " << threads);
        NodeTest t = PoolNode("AveragePool", cfg, x);
        t.Attr("count_include_pad", Attribute(int64_t{count_pad}));
        t.Output(DType::kFloat32, PoolYDims(cfg.p));
        ASSERT_OK_AND_ASSIGN(auto outs, t.Run(threads));
        ExpectNear(outs[0], nn_test::RefAveragePool(cfg.p, ToDouble(x), count_pad), 1e-5);
      }
    }
  }
}

TEST(NnPool, MaxPoolIndicesColumnMajorIncludeBatchAndChannelOffsets) {
  // Two planes of 2×3; a 2×2 window with stride 1 → 1×2 outputs per plane.
  NodeTest t("MaxPool");
  t.Input(Tensor::FromValues<float>(DType::kFloat32, {1, 2, 2, 3}, {1, 9, 2, 3, 4, 8, 5, 0, 0, 0, 0, 7}));
  t.Attr("kernel_shape", Ints({2, 2})).Attr("storage_order", Attribute(int64_t{1}));
  t.Output(DType::kFloat32, {1, 2, 1, 2}).Output(DType::kInt64, {1, 2, 1, 2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<float>(outs[0]), ElementsAre(9, 9, 5, 7));
  // 9 is at (h0, w1): column-major 0 + 1*2 = 2; 5 at (0,0) of plane 1: 6 + 0; 7 at (1,2): 6 + 1 + 2*2.
  EXPECT_THAT(Values<int64_t>(outs[1]), ElementsAre(2, 2, 6, 11));
}

TEST(NnPool, MaxPoolInt8AndUint8) {
  NodeTest t("MaxPool");
  t.Input(Tensor::FromValues<int8_t>(DType::kInt8, {1, 1, 2, 2}, {-128, -5, -7, -100}));
  t.Attr("kernel_shape", Ints({2, 2})).Attr("pads", Ints({1, 1, 0, 0}));
  t.Output(DType::kInt8, {1, 1, 2, 2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<int8_t>(outs[0]), ElementsAre(-128, -5, -7, -5));
}

TEST(NnPool, GlobalPoolsReduceEachPlane) {
  Tensor x = Tensor::FromValues<float>(DType::kFloat32, {2, 2, 1, 3}, {1, 2, 3, -1, -2, -6, 0, 0, 9, 4, 4, 4});
  NodeTest avg("GlobalAveragePool");
  avg.Input(x).Output(DType::kFloat32, {2, 2, 1, 1});
  ASSERT_OK_AND_ASSIGN(auto a, avg.Run(2));
  EXPECT_THAT(Values<float>(a[0]), ElementsAre(2, -3, 3, 4));
  NodeTest mx("GlobalMaxPool");
  mx.Input(x).Output(DType::kFloat32, {2, 2, 1, 1});
  ASSERT_OK_AND_ASSIGN(auto m, mx.Run());
  EXPECT_THAT(Values<float>(m[0]), ElementsAre(3, -1, 9, 4));
}

// ---- MaxUnpool and the integer / quantized ops

TEST(NnUnpool, RejectsIndicesOutsideTheUnpooledTensor) {
  NodeTest t("MaxUnpool");
  t.Input(Tensor::FromValues<float>(DType::kFloat32, {1, 1, 1, 1}, {3}));
  t.Input(Tensor::FromValues<int64_t>(DType::kInt64, {1, 1, 1, 1}, {4}));
  t.Attr("kernel_shape", Ints({2, 2})).Attr("strides", Ints({2, 2}));
  t.Output(DType::kFloat32, {1, 1, 2, 2});
  EXPECT_EQ(t.Run().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NnInteger, ConvIntegerMixesUint8InputWithPerChannelInt8Weights) {
  NodeTest t("ConvInteger");
  t.Input(Tensor::FromValues<uint8_t>(DType::kUInt8, {1, 1, 2, 2}, {10, 20, 30, 40}));
  t.Input(Tensor::FromValues<int8_t>(DType::kInt8, {2, 1, 1, 1}, {1, -2}));
  t.Input(Tensor::FromValues<uint8_t>(DType::kUInt8, {}, {10}));
  t.Input(Tensor::FromValues<int8_t>(DType::kInt8, {2}, {0, -1}));  // centred weights: 1, -1
  t.Output(DType::kInt32, {1, 2, 2, 2});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run(2));
  EXPECT_THAT(Values<int32_t>(outs[0]), ElementsAre(0, 10, 20, 30, 0, -10, -20, -30));
}

TEST(NnInteger, MatMulIntegerPerRowZeroPoint) {
  NodeTest t("MatMulInteger");
  t.Input(Tensor::FromValues<uint8_t>(DType::kUInt8, {2, 2}, {1, 2, 3, 4}));
  t.Input(Tensor::FromValues<uint8_t>(DType::kUInt8, {2, 1}, {5, 7}));
  t.Input(Tensor::FromValues<uint8_t>(DType::kUInt8, {2}, {1, 3}));  // centred A: {0, 1, 0, 1}
  t.Output(DType::kInt32, {2, 1});
  ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
  EXPECT_THAT(Values<int32_t>(outs[0]), ElementsAre(7, 7));
}

TEST(NnInteger, QLinearMatMulRoundsHalfToEvenAndSaturates) {
  // acc = {3, 129, 1}; × a_scale·b_scale/y_scale = 0.5 → {1.5, 64.5, 0.5} → {2, 64, 0}.
  for (int8_t y_zp : {int8_t{0}, int8_t{70}}) {
    NodeTest t("QLinearMatMul");
    t.Input(Tensor::FromValues<int8_t>(DType::kInt8, {1, 2}, {1, 1}));
    t.Input(Tensor::FromValues<float>(DType::kFloat32, {}, {1.0f}));
    t.Input(Tensor::FromValues<int8_t>(DType::kInt8, {}, {0}));
    t.Input(Tensor::FromValues<int8_t>(DType::kInt8, {2, 3}, {1, 2, 0, 2, 127, 1}));
    t.Input(Tensor::FromValues<float>(DType::kFloat32, {}, {0.5f}));
    t.Input(Tensor::FromValues<int8_t>(DType::kInt8, {}, {0}));
    t.Input(Tensor::FromValues<float>(DType::kFloat32, {}, {1.0f}));
    t.Input(Tensor::FromValues<int8_t>(DType::kInt8, {}, {y_zp}));
    t.Output(DType::kInt8, {1, 3});
    ASSERT_OK_AND_ASSIGN(auto outs, t.Run());
    if (y_zp == 0) {
      EXPECT_THAT(Values<int8_t>(outs[0]), ElementsAre(2, 64, 0));
    } else {
      EXPECT_THAT(Values<int8_t>(outs[0]), ElementsAre(72, 127, 70));
    }
  }
}

}  // namespace
}  // namespace tandem::kernels::cpu
