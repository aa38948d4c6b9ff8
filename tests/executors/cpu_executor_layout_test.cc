// The CPU executor's step rewrites (cpu_executor_layout.cc): Conv/Add + Relu/Clip and SiLU
// fusion and channels-last activations between XNNPACK kernels, checked against the executor
// with both switched off, on small graphs that mix the cases.
#include <cmath>
#include <limits>
#include <memory>
#include <random>

#include "executors/cpu/cpu_executor.h"
#include "tests/null/test_util.h"

namespace tandem::executors {
namespace {

using ir::DType;
using ir::Shape;
using ir::Tensor;
using ir::TensorInfo;

TensorInfo F32(std::vector<int64_t> dims) { return {DType::kFloat32, Shape::Static(dims)}; }

Tensor Random(std::vector<int64_t> dims, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::vector<float> v(n);
  for (float& f : v) f = u(rng);
  return Tensor::FromValues<float>(DType::kFloat32, dims, v);
}

// x[1,3,8,8] → conv a (3→8, 3x3, pad 1) → Relu → conv b (8→8, 3x3, pad 1) → Clip(0,6)
//   → Add(with the Relu) → MaxPool 2x2 → Transpose(perm 0,2,3,1) [a copy of the NHWC bytes]
//   and MaxPool → GlobalAveragePool → output `gap` (layout-identical [1,8,1,1]),
//   and Mul(MaxPool, gap) (a squeeze-excite scale) → GlobalMaxPool → output `gmp`,
//   and the Add → output `sum` (a graph output: stays NCHW).
struct MixedGraph {
  ir::Graph g{"mixed"};
  MixedGraph() {
    g.set_opset("", 13);
    auto x = *g.AddInput("x", F32({1, 3, 8, 8}));
    auto wa = *g.AddInitializer("wa", Random({8, 3, 3, 3}, 1));
    auto ba = *g.AddInitializer("ba", Random({8}, 2));
    auto wb = *g.AddInitializer("wb", Random({8, 8, 3, 3}, 3));
    auto lo = *g.AddInitializer("lo", Tensor::FromValues<float>(DType::kFloat32, {}, {0.0f}));
    auto hi = *g.AddInitializer("hi", Tensor::FromValues<float>(DType::kFloat32, {}, {0.5f}));
    auto a = *g.AddNodeOutput("a", F32({1, 8, 8, 8}));
    auto ra = *g.AddNodeOutput("ra", F32({1, 8, 8, 8}));
    auto b = *g.AddNodeOutput("b", F32({1, 8, 8, 8}));
    auto cb = *g.AddNodeOutput("cb", F32({1, 8, 8, 8}));
    auto sum = *g.AddNodeOutput("sum", F32({1, 8, 8, 8}));
    auto pooled = *g.AddNodeOutput("pooled", F32({1, 8, 4, 4}));
    auto nhwc = *g.AddNodeOutput("nhwc", F32({1, 4, 4, 8}));
    auto gap = *g.AddNodeOutput("gap", F32({1, 8, 1, 1}));
    auto scaled = *g.AddNodeOutput("scaled", F32({1, 8, 4, 4}));
    auto gmp = *g.AddNodeOutput("gmp", F32({1, 8, 1, 1}));
    std::map<std::string, ir::Attribute, std::less<>> conv_attrs = {
        {"kernel_shape", ir::Attribute(std::vector<int64_t>{3, 3})},
        {"pads", ir::Attribute(std::vector<int64_t>{1, 1, 1, 1})}};
    (void)g.AddNode(ir::Node{"conv_a", "Conv", "", {x, wa, ba}, {a}, conv_attrs});
    (void)g.AddNode(ir::Node{"relu", "Relu", "", {a}, {ra}, {}});
    (void)g.AddNode(ir::Node{"conv_b", "Conv", "", {ra, wb}, {b}, conv_attrs});
    (void)g.AddNode(ir::Node{"clip", "Clip", "", {b, lo, hi}, {cb}, {}});
    (void)g.AddNode(ir::Node{"add", "Add", "", {cb, ra}, {sum}, {}});
    (void)g.AddNode(ir::Node{"pool", "MaxPool", "", {sum}, {pooled},
                             {{"kernel_shape", ir::Attribute(std::vector<int64_t>{2, 2})},
                              {"strides", ir::Attribute(std::vector<int64_t>{2, 2})}}});
    (void)g.AddNode(ir::Node{"transpose", "Transpose", "", {pooled}, {nhwc},
                             {{"perm", ir::Attribute(std::vector<int64_t>{0, 2, 3, 1})}}});
    (void)g.AddNode(ir::Node{"gap", "GlobalAveragePool", "", {pooled}, {gap}, {}});
    (void)g.AddNode(ir::Node{"scale", "Mul", "", {pooled, gap}, {scaled}, {}});
    (void)g.AddNode(ir::Node{"gmp", "GlobalMaxPool", "", {scaled}, {gmp}, {}});
    g.AddOutput(sum);
    g.AddOutput(nhwc);
    g.AddOutput(gap);
    g.AddOutput(gmp);
  }
};

// Runs `input` through both executors and expects the same outputs.
void ExpectSameOutputs(CpuExecutor& plain, CpuExecutor& fast, const Tensor& input, float tolerance) {
  ASSERT_OK_AND_ASSIGN(auto want, plain.Run({input}));
  ASSERT_OK_AND_ASSIGN(auto got, fast.Run({input}));
  ASSERT_EQ(got.size(), want.size());
  for (size_t o = 0; o < got.size(); ++o) {
    auto w = want[o].values<float>();
    auto v = got[o].values<float>();
    ASSERT_EQ(v.size(), w.size());
    for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], w[i], tolerance) << "output " << o << " element " << i;
  }
}

absl::StatusOr<std::unique_ptr<CpuExecutor>> Make(const ir::Graph& g, bool rewrites, int threads) {
  CpuExecutorOptions options;
  options.threads = threads;
  options.fuse = rewrites;
  options.channels_last = rewrites;
  return CpuExecutor::Create(g, options);
}

TEST(CpuExecutorLayout, RewritesMatchThePlainExecutor) {
  MixedGraph m;
  ASSERT_OK_AND_ASSIGN(auto plain, Make(m.g, false, 1));
  EXPECT_EQ(plain->channels_last_values(), 0);
  EXPECT_EQ(plain->layout_conversions(), 0);
  for (int threads : {1, 2}) {
    ASSERT_OK_AND_ASSIGN(auto fast, Make(m.g, true, threads));
    // NHWC: ra (conv_a with the Relu fused), cb (conv_b with the Clip fused), pooled and scaled
    // (the Mul broadcasts gap, which reads the same in both layouts). `sum` is a graph output,
    // so the Add reads NCHW copies of cb and ra; the Transpose to NHWC dims copies pooled's
    // NHWC bytes as they are, and the global pools read NHWC.
    EXPECT_EQ(fast->channels_last_values(), 4);
    EXPECT_EQ(fast->layout_conversions(), 2);
    ExpectSameOutputs(*plain, *fast, Random({1, 3, 8, 8}, 7), 1e-6f);
  }
}


// DenseNet's pattern: Concat of NHWC convolution outputs (on the channel axis, and here also on
// the height axis) → BatchNormalization → Relu → Conv, all channels-last; 11 channels, not a
// multiple of any vector width.
//   ra = Relu(conv_a(x)), b = conv_b(ra) (1x1), cat1 = Concat_1(ra, b), bn = BN(cat1),
//   rbn = Relu(bn), c = conv_c(rbn), cat_h = Concat_2(ra, c), gap = GlobalAveragePool(cat_h)
//   [output], cat_out = Concat_1(cat1, rbn) [output: NCHW, so cat1 and rbn are converted].
TEST(CpuExecutorLayout, DenseBlockStaysChannelsLastThroughConcatAndBatchNorm) {
  ir::Graph g{"dense"};
  g.set_opset("", 13);
  auto x = *g.AddInput("x", F32({1, 3, 6, 6}));
  auto wa = *g.AddInitializer("wa", Random({5, 3, 3, 3}, 11));
  auto wb = *g.AddInitializer("wb", Random({6, 5, 1, 1}, 12));
  auto wc = *g.AddInitializer("wc", Random({5, 11, 3, 3}, 13));
  auto scale = *g.AddInitializer("scale", Random({11}, 14));
  auto shift = *g.AddInitializer("shift", Random({11}, 15));
  auto mean = *g.AddInitializer("mean", Random({11}, 16));
  std::vector<float> variance(11);
  for (size_t i = 0; i < variance.size(); ++i) variance[i] = 0.5f + 0.1f * i;
  auto var = *g.AddInitializer("var", Tensor::FromValues<float>(DType::kFloat32, {11}, variance));
  auto a = *g.AddNodeOutput("a", F32({1, 5, 6, 6}));
  auto ra = *g.AddNodeOutput("ra", F32({1, 5, 6, 6}));
  auto b = *g.AddNodeOutput("b", F32({1, 6, 6, 6}));
  auto cat1 = *g.AddNodeOutput("cat1", F32({1, 11, 6, 6}));
  auto bn = *g.AddNodeOutput("bn", F32({1, 11, 6, 6}));
  auto rbn = *g.AddNodeOutput("rbn", F32({1, 11, 6, 6}));
  auto c = *g.AddNodeOutput("c", F32({1, 5, 6, 6}));
  auto cat_h = *g.AddNodeOutput("cat_h", F32({1, 5, 12, 6}));
  auto gap = *g.AddNodeOutput("gap", F32({1, 5, 1, 1}));
  auto cat_out = *g.AddNodeOutput("cat_out", F32({1, 22, 6, 6}));
  std::map<std::string, ir::Attribute, std::less<>> conv3 = {
      {"kernel_shape", ir::Attribute(std::vector<int64_t>{3, 3})},
      {"pads", ir::Attribute(std::vector<int64_t>{1, 1, 1, 1})}};
  std::map<std::string, ir::Attribute, std::less<>> axis1 = {{"axis", ir::Attribute(int64_t{1})}};
  std::map<std::string, ir::Attribute, std::less<>> axis2 = {{"axis", ir::Attribute(int64_t{2})}};
  (void)g.AddNode(ir::Node{"conv_a", "Conv", "", {x, wa}, {a}, conv3});
  (void)g.AddNode(ir::Node{"relu_a", "Relu", "", {a}, {ra}, {}});
  (void)g.AddNode(ir::Node{"conv_b", "Conv", "", {ra, wb}, {b}, {}});
  (void)g.AddNode(ir::Node{"cat1", "Concat", "", {ra, b}, {cat1}, axis1});
  (void)g.AddNode(ir::Node{"bn", "BatchNormalization", "", {cat1, scale, shift, mean, var}, {bn}, {}});
  (void)g.AddNode(ir::Node{"relu_bn", "Relu", "", {bn}, {rbn}, {}});
  (void)g.AddNode(ir::Node{"conv_c", "Conv", "", {rbn, wc}, {c}, conv3});
  (void)g.AddNode(ir::Node{"cat_h", "Concat", "", {ra, c}, {cat_h}, axis2});
  (void)g.AddNode(ir::Node{"gap", "GlobalAveragePool", "", {cat_h}, {gap}, {}});
  (void)g.AddNode(ir::Node{"cat_out", "Concat", "", {cat1, rbn}, {cat_out}, axis1});
  g.AddOutput(gap);
  g.AddOutput(cat_out);
  ASSERT_OK_AND_ASSIGN(auto plain, Make(g, false, 1));
  for (int threads : {1, 2}) {
    ASSERT_OK_AND_ASSIGN(auto fast, Make(g, true, threads));
    // NHWC: ra, b, cat1, bn, rbn, c, cat_h; cat_out's inputs cat1 and rbn get NCHW copies.
    EXPECT_EQ(fast->channels_last_values(), 7);
    EXPECT_EQ(fast->layout_conversions(), 2);
    ExpectSameOutputs(*plain, *fast, Random({1, 3, 6, 6}, 17), 1e-5f);
  }
}

// ResNet's residual: Relu(Add(conv(x), x')) fuses the Relu into the Add (its step reads 0 ms in
// RunProfiled), channels-last or not, and a Clip with bounds likewise; an Add whose output has a
// second reader keeps its Relu.
//   a = conv(x); r = Relu(Add(a, x)); c = Clip(Add(r, a), -0.25, 0.25) [output];
//   s = Add(c, c); t = Relu(s); u = Mul(s, t) [output]
TEST(CpuExecutorLayout, ResidualAddFusesTheReluOrClipAfterIt) {
  ir::Graph g{"residual"};
  g.set_opset("", 13);
  auto x = *g.AddInput("x", F32({1, 4, 6, 6}));
  auto w = *g.AddInitializer("w", Random({4, 4, 3, 3}, 31));
  auto lo = *g.AddInitializer("lo", Tensor::FromValues<float>(DType::kFloat32, {}, {-0.25f}));
  auto hi = *g.AddInitializer("hi", Tensor::FromValues<float>(DType::kFloat32, {}, {0.25f}));
  auto a = *g.AddNodeOutput("a", F32({1, 4, 6, 6}));
  auto sum1 = *g.AddNodeOutput("sum1", F32({1, 4, 6, 6}));
  auto r = *g.AddNodeOutput("r", F32({1, 4, 6, 6}));
  auto sum2 = *g.AddNodeOutput("sum2", F32({1, 4, 6, 6}));
  auto c = *g.AddNodeOutput("c", F32({1, 4, 6, 6}));
  auto s = *g.AddNodeOutput("s", F32({1, 4, 6, 6}));
  auto t = *g.AddNodeOutput("t", F32({1, 4, 6, 6}));
  auto u = *g.AddNodeOutput("u", F32({1, 4, 6, 6}));
  std::map<std::string, ir::Attribute, std::less<>> conv3 = {
      {"kernel_shape", ir::Attribute(std::vector<int64_t>{3, 3})},
      {"pads", ir::Attribute(std::vector<int64_t>{1, 1, 1, 1})}};
  (void)g.AddNode(ir::Node{"conv", "Conv", "", {x, w}, {a}, conv3});
  (void)g.AddNode(ir::Node{"add1", "Add", "", {a, x}, {sum1}, {}});
  const ir::NodeId relu1 = *g.AddNode(ir::Node{"relu1", "Relu", "", {sum1}, {r}, {}});
  (void)g.AddNode(ir::Node{"add2", "Add", "", {r, a}, {sum2}, {}});
  const ir::NodeId clip = *g.AddNode(ir::Node{"clip", "Clip", "", {sum2, lo, hi}, {c}, {}});
  (void)g.AddNode(ir::Node{"add3", "Add", "", {c, c}, {s}, {}});
  const ir::NodeId relu2 = *g.AddNode(ir::Node{"relu2", "Relu", "", {s}, {t}, {}});
  (void)g.AddNode(ir::Node{"mul", "Mul", "", {s, t}, {u}, {}});
  g.AddOutput(c);
  g.AddOutput(u);
  ASSERT_OK_AND_ASSIGN(auto plain, Make(g, false, 1));
  for (int threads : {1, 2}) {
    ASSERT_OK_AND_ASSIGN(auto fast, Make(g, true, threads));
    ExpectSameOutputs(*plain, *fast, Random({1, 4, 6, 6}, 32), 1e-6f);
    std::vector<double> node_ms;
    ASSERT_OK(fast->RunProfiled({Random({1, 4, 6, 6}, 33)}, &node_ms).status());
    EXPECT_EQ(node_ms[relu1.value], 0.0);  // inside add1
    EXPECT_EQ(node_ms[clip.value], 0.0);   // inside add2
    EXPECT_GT(node_ms[relu2.value], 0.0);  // s is also read by the Mul
  }
  // The clamp keeps NaN, as Relu and Clip do.
  std::vector<float> nan_input(4 * 36, std::nanf(""));
  ASSERT_OK_AND_ASSIGN(auto fast, Make(g, true, 1));
  ASSERT_OK_AND_ASSIGN(auto out, fast->Run({Tensor::FromValues<float>(DType::kFloat32, {1, 4, 6, 6}, nan_input)}));
  EXPECT_TRUE(std::isnan(out[0].values<float>()[0]));
}

// SiLU as PyTorch exports it: Mul(x, Sigmoid(x)), either operand order. Fused: after a Conv
// (channels-last) and on a graph input (NCHW). Not fused: a Sigmoid with a second reader, a Mul
// that broadcasts, a Mul of the sigmoid with something else.
TEST(CpuExecutorLayout, SigmoidTimesItsInputFusesIntoOneSiluStep) {
  ir::Graph g{"silu"};
  g.set_opset("", 13);
  auto x = *g.AddInput("x", F32({1, 4, 6, 6}));
  auto w = *g.AddInitializer("w", Random({8, 4, 3, 3}, 41));
  auto a = *g.AddNodeOutput("a", F32({1, 8, 6, 6}));
  auto sa = *g.AddNodeOutput("sa", F32({1, 8, 6, 6}));
  auto ya = *g.AddNodeOutput("ya", F32({1, 8, 6, 6}));
  auto sy = *g.AddNodeOutput("sy", F32({1, 8, 6, 6}));
  auto z = *g.AddNodeOutput("z", F32({1, 8, 6, 6}));
  auto sz = *g.AddNodeOutput("sz", F32({1, 8, 6, 6}));
  auto q = *g.AddNodeOutput("q", F32({1, 8, 6, 6}));
  auto sx = *g.AddNodeOutput("sx", F32({1, 4, 6, 6}));
  auto xs = *g.AddNodeOutput("xs", F32({1, 4, 6, 6}));
  auto gap = *g.AddNodeOutput("gap", F32({1, 8, 1, 1}));
  auto sg = *g.AddNodeOutput("sg", F32({1, 8, 1, 1}));
  auto se = *g.AddNodeOutput("se", F32({1, 8, 6, 6}));
  std::map<std::string, ir::Attribute, std::less<>> conv3 = {
      {"kernel_shape", ir::Attribute(std::vector<int64_t>{3, 3})},
      {"pads", ir::Attribute(std::vector<int64_t>{1, 1, 1, 1})}};
  (void)g.AddNode(ir::Node{"conv", "Conv", "", {x, w}, {a}, conv3});
  const ir::NodeId sig_a = *g.AddNode(ir::Node{"sig_a", "Sigmoid", "", {a}, {sa}, {}});
  const ir::NodeId mul_a = *g.AddNode(ir::Node{"mul_a", "Mul", "", {a, sa}, {ya}, {}});
  (void)g.AddNode(ir::Node{"sig_y", "Sigmoid", "", {ya}, {sy}, {}});
  const ir::NodeId mul_y = *g.AddNode(ir::Node{"mul_y", "Mul", "", {sy, ya}, {z}, {}});  // sigmoid first
  (void)g.AddNode(ir::Node{"sig_z", "Sigmoid", "", {z}, {sz}, {}});                          // sz is an output too
  const ir::NodeId mul_z = *g.AddNode(ir::Node{"mul_z", "Mul", "", {z, sz}, {q}, {}});
  (void)g.AddNode(ir::Node{"sig_x", "Sigmoid", "", {x}, {sx}, {}});
  const ir::NodeId mul_x = *g.AddNode(ir::Node{"mul_x", "Mul", "", {x, sx}, {xs}, {}});
  (void)g.AddNode(ir::Node{"gap", "GlobalAveragePool", "", {q}, {gap}, {}});
  (void)g.AddNode(ir::Node{"sig_g", "Sigmoid", "", {gap}, {sg}, {}});
  const ir::NodeId mul_se = *g.AddNode(ir::Node{"mul_se", "Mul", "", {q, sg}, {se}, {}});  // broadcasts: not SiLU
  g.AddOutput(sz);
  g.AddOutput(xs);
  g.AddOutput(se);
  ASSERT_OK_AND_ASSIGN(auto plain, Make(g, false, 1));
  for (int threads : {1, 2}) {
    ASSERT_OK_AND_ASSIGN(auto fast, Make(g, true, threads));
    ExpectSameOutputs(*plain, *fast, Random({1, 4, 6, 6}, 42), 1e-6f);
    std::vector<double> node_ms;
    ASSERT_OK(fast->RunProfiled({Random({1, 4, 6, 6}, 43)}, &node_ms).status());
    EXPECT_GT(node_ms[sig_a.value], 0.0);
    EXPECT_EQ(node_ms[mul_a.value], 0.0);  // inside sig_a
    EXPECT_EQ(node_ms[mul_y.value], 0.0);
    EXPECT_EQ(node_ms[mul_x.value], 0.0);
    EXPECT_GT(node_ms[mul_z.value], 0.0);   // sz is a graph output
    EXPECT_GT(node_ms[mul_se.value], 0.0);  // broadcasting Mul
  }
  // Special values give what the two unfused ops give: -inf * Sigmoid(-inf) = -inf * 0 is NaN.
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::vector<float> special(4 * 36, 0.5f);
  special[0] = -kInf;
  special[1] = kInf;
  special[2] = std::nanf("");
  special[3] = -100.0f;
  special[4] = 100.0f;
  ASSERT_OK_AND_ASSIGN(auto fast, Make(g, true, 1));
  const Tensor in = Tensor::FromValues<float>(DType::kFloat32, {1, 4, 6, 6}, special);
  ASSERT_OK_AND_ASSIGN(auto got, fast->Run({in}));
  ASSERT_OK_AND_ASSIGN(auto want, plain->Run({in}));
  auto xs_got = got[1].values<float>(), xs_want = want[1].values<float>();
  EXPECT_TRUE(std::isnan(xs_got[0]) && std::isnan(xs_want[0]));
  EXPECT_EQ(xs_got[1], kInf);
  EXPECT_TRUE(std::isnan(xs_got[2]));
  EXPECT_NEAR(xs_got[3], xs_want[3], 1e-40f);
  EXPECT_EQ(xs_got[4], 100.0f);
}

// ConvNeXt's block: Conv → Transpose(0,2,3,1) → LayerNormalization over C → Transpose(0,3,1,2)
// → Add(the Conv's output) → Conv. With the Conv's output channels-last, both transposes only
// copy bytes and nothing needs a layout conversion.
TEST(CpuExecutorLayout, TransposesAroundChannelsLastValuesOnlyCopy) {
  ir::Graph g{"convnext"};
  g.set_opset("", 17);
  auto x = *g.AddInput("x", F32({2, 3, 5, 7}));
  auto w1 = *g.AddInitializer("w1", Random({8, 3, 3, 3}, 51));
  auto w2 = *g.AddInitializer("w2", Random({4, 8, 1, 1}, 52));
  auto scale = *g.AddInitializer("scale", Random({8}, 53));
  auto bias = *g.AddInitializer("bias", Random({8}, 54));
  auto a = *g.AddNodeOutput("a", F32({2, 8, 5, 7}));
  auto t = *g.AddNodeOutput("t", F32({2, 5, 7, 8}));
  auto n = *g.AddNodeOutput("n", F32({2, 5, 7, 8}));
  auto back = *g.AddNodeOutput("back", F32({2, 8, 5, 7}));
  auto sum = *g.AddNodeOutput("sum", F32({2, 8, 5, 7}));
  auto y = *g.AddNodeOutput("y", F32({2, 4, 5, 7}));
  std::map<std::string, ir::Attribute, std::less<>> conv3 = {
      {"kernel_shape", ir::Attribute(std::vector<int64_t>{3, 3})},
      {"pads", ir::Attribute(std::vector<int64_t>{1, 1, 1, 1})}};
  (void)g.AddNode(ir::Node{"conv1", "Conv", "", {x, w1}, {a}, conv3});
  (void)g.AddNode(ir::Node{"to_nhwc", "Transpose", "", {a}, {t}, {{"perm", ir::Attribute(std::vector<int64_t>{0, 2, 3, 1})}}});
  (void)g.AddNode(ir::Node{"ln", "LayerNormalization", "", {t, scale, bias}, {n}, {{"axis", ir::Attribute(int64_t{-1})}}});
  (void)g.AddNode(ir::Node{"to_nchw", "Transpose", "", {n}, {back}, {{"perm", ir::Attribute(std::vector<int64_t>{0, 3, 1, 2})}}});
  (void)g.AddNode(ir::Node{"add", "Add", "", {back, a}, {sum}, {}});
  (void)g.AddNode(ir::Node{"conv2", "Conv", "", {sum, w2}, {y}, {}});
  g.AddOutput(y);
  ASSERT_OK_AND_ASSIGN(auto plain, Make(g, false, 1));
  for (int threads : {1, 2}) {
    ASSERT_OK_AND_ASSIGN(auto fast, Make(g, true, threads));
    EXPECT_EQ(fast->layout_conversions(), 0);
    EXPECT_EQ(fast->channels_last_values(), 3);  // a, back, sum
    ExpectSameOutputs(*plain, *fast, Random({2, 3, 5, 7}, 55), 1e-5f);
  }
}

}  // namespace
}  // namespace tandem::executors
