// Every GPU op against the CPU executor on small graphs with seeded random inputs. Skipped, with
// the reason, on machines without a GPU (they still compile and link here).
#include <cmath>
#include <functional>

#include "common/float16.h"
#include "gtest/gtest.h"
#include "tests/device/cuda/cuda_test_util.h"

namespace tandem {
namespace {

using ir::DType;
using testing::Float;
using testing::Int;
using testing::Ints;
using testing::Str;
using testing::TestGraph;

class CudaOps : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = testing::NoGpuReason();
    if (!why.empty()) GTEST_SKIP() << why;
  }
  // Runs the graph on both executors with the same inputs; every output must agree.
  void ExpectMatchesCpu(const ir::Graph& g, double rtol = 1e-4, double atol = 1e-5, uint32_t seed = 7) {
    std::vector<ir::Tensor> inputs = testing::RandomInputs(g, seed);
    auto want = testing::RunOnCpu(g, inputs);
    ASSERT_TRUE(want.ok()) << want.status();
    auto got = testing::RunOnGpu(g, inputs);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < got->size(); ++i) {
      EXPECT_EQ(testing::Compare((*got)[i], (*want)[i], rtol, atol), "") << "output " << i;
    }
  }
  // One node over one input of `dims`, same type and shape out.
  void ExpectUnaryMatchesCpu(const std::string& op, std::map<std::string, ir::Attribute> attrs = {}) {
    TestGraph t;
    auto x = t.Input("x", DType::kFloat32, {2, 3, 17});
    t.Output(t.Add(op, {x}, DType::kFloat32, {2, 3, 17}, std::move(attrs)));
    ExpectMatchesCpu(t.graph());
  }
};

TEST_F(CudaOps, Activations) {
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "Erf", "HardSwish", "Softplus", "Softsign", "Exp", "Abs", "Neg",
                         "Floor", "Ceil", "Sin", "Cos", "Sign", "Reciprocal"}) {
    SCOPED_TRACE(op);
    ExpectUnaryMatchesCpu(op);
  }
  ExpectUnaryMatchesCpu("LeakyRelu", {{"alpha", Float(0.2f)}});
  ExpectUnaryMatchesCpu("HardSigmoid", {{"alpha", Float(0.3f)}, {"beta", Float(0.4f)}});
  ExpectUnaryMatchesCpu("Elu", {{"alpha", Float(0.7f)}});
  ExpectUnaryMatchesCpu("Selu");
}

TEST_F(CudaOps, GeluMatchesTheFormula) {
  for (const char* approximate : {"none", "tanh"}) {
    TestGraph t;
    auto x = t.Input("x", DType::kFloat32, {5});
    t.Output(t.Add("Gelu", {x}, DType::kFloat32, {5}, {{"approximate", Str(approximate)}}));
    std::vector<float> in = {-3, -0.5f, 0, 0.5f, 3};
    auto got = testing::RunOnGpu(t.graph(), {testing::F32({5}, in)});
    ASSERT_TRUE(got.ok()) << got.status();
    for (int i = 0; i < 5; ++i) {
      double x = in[i];
      double want = std::string(approximate) == "none"
                        ? 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)))
                        : 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
      EXPECT_NEAR((*got)[0].values<float>()[i], want, 1e-6) << approximate << " " << x;
    }
  }
}

TEST_F(CudaOps, ClipWithConstantBounds) {
  TestGraph t;
  auto x = t.Input("x", DType::kFloat32, {4, 9});
  auto lo = t.Constant("lo", testing::F32({}, {-0.25f}));
  auto hi = t.Constant("hi", testing::F32({}, {0.5f}));
  t.Output(t.Add("Clip", {x, lo, hi}, DType::kFloat32, {4, 9}));
  ExpectMatchesCpu(t.graph());
}

TEST_F(CudaOps, BroadcastingArithmetic) {
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Max", "Min"}) {
    SCOPED_TRACE(op);
    TestGraph t;
    auto a = t.Input("a", DType::kFloat32, {2, 3, 4, 5});
    auto b = t.Input("b", DType::kFloat32, {3, 1, 5});
    t.Output(t.Add(op, {a, b}, DType::kFloat32, {2, 3, 4, 5}));
    ExpectMatchesCpu(t.graph(), 1e-4, 1e-4);
  }
}

TEST_F(CudaOps, IntegerArithmeticAndComparisons) {
  TestGraph t;
  auto a = t.Input("a", DType::kInt64, {3, 4});
  auto b = t.Input("b", DType::kInt64, {4});
  t.Output(t.Add("Add", {a, b}, DType::kInt64, {3, 4}));
  t.Output(t.Add("Mul", {a, b}, DType::kInt64, {3, 4}));
  t.Output(t.Add("Equal", {a, b}, DType::kBool, {3, 4}));
  t.Output(t.Add("Less", {a, b}, DType::kBool, {3, 4}));
  ExpectMatchesCpu(t.graph(), 0, 0);
}

TEST_F(CudaOps, PowWithScalarAndTensorExponents) {
  TestGraph t;
  auto x = t.Input("x", DType::kFloat32, {3, 7});
  auto two = t.Constant("two", testing::F32({}, {2.0f}));
  auto y = t.Input("y", DType::kFloat32, {7});
  auto sq = t.Add("Pow", {x, two}, DType::kFloat32, {3, 7});
  auto ab = t.Add("Abs", {x}, DType::kFloat32, {3, 7});
  t.Output(sq);
  t.Output(t.Add("Pow", {ab, y}, DType::kFloat32, {3, 7}));
  t.Output(t.Add("Sqrt", {ab}, DType::kFloat32, {3, 7}));
  ExpectMatchesCpu(t.graph());
}

TEST_F(CudaOps, WhereAndCast) {
  TestGraph t;
  auto c = t.Input("c", DType::kBool, {1, 1, 4, 4});
  auto x = t.Input("x", DType::kFloat32, {2, 1, 4, 4});
  auto y = t.Constant("y", testing::F32({}, {-1e9f}));
  t.Output(t.Add("Where", {c, x, y}, DType::kFloat32, {2, 1, 4, 4}));
  auto i = t.Input("i", DType::kInt64, {6});
  auto f = t.Add("Cast", {i}, DType::kFloat32, {6}, {{"to", Int(1)}});
  auto h = t.Add("Cast", {f}, DType::kFloat16, {6}, {{"to", Int(10)}});
  t.Output(t.Add("Cast", {h}, DType::kFloat32, {6}, {{"to", Int(1)}}));
  ExpectMatchesCpu(t.graph(), 0, 0);
}

TEST_F(CudaOps, Convolutions) {
  struct Case {
    std::vector<int64_t> x, w, y;
    std::map<std::string, ir::Attribute> attrs;
    bool bias;
  };
  std::vector<Case> cases = {
      {{1, 3, 16, 16}, {8, 3, 3, 3}, {1, 8, 16, 16}, {{"pads", Ints({1, 1, 1, 1})}}, true},
      {{2, 4, 15, 15}, {6, 4, 3, 3}, {2, 6, 7, 7}, {{"strides", Ints({2, 2})}}, false},
      {{1, 8, 12, 12}, {8, 1, 3, 3}, {1, 8, 12, 12}, {{"group", Int(8)}, {"pads", Ints({1, 1, 1, 1})}}, true},
      {{1, 4, 12, 12}, {4, 4, 3, 3}, {1, 4, 8, 8}, {{"dilations", Ints({2, 2})}}, true},
      // Asymmetric padding: padded into the workspace first.
      {{1, 2, 9, 9}, {3, 2, 2, 2}, {1, 3, 5, 5}, {{"auto_pad", Str("SAME_UPPER")}, {"strides", Ints({2, 2})}}, true},
      {{1, 2, 8, 8}, {3, 2, 3, 3}, {1, 3, 8, 7}, {{"pads", Ints({0, 1, 2, 0})}}, true},
      // 1-D and 3-D.
      {{2, 3, 20}, {5, 3, 4}, {2, 5, 9}, {{"strides", Ints({2})}}, true},
      {{1, 2, 6, 6, 6}, {4, 2, 3, 3, 3}, {1, 4, 4, 4, 4}, {}, true},
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(k);
    const Case& c = cases[k];
    TestGraph t;
    auto x = t.Input("x", DType::kFloat32, c.x);
    std::vector<ir::ValueId> in = {x, t.Constant("w", testing::RandomF32(c.w, 11 + k))};
    if (c.bias) in.push_back(t.Constant("b", testing::RandomF32({c.w[0]}, 23 + k)));
    t.Output(t.Add("Conv", in, DType::kFloat32, c.y, c.attrs));
    ExpectMatchesCpu(t.graph(), 1e-4, 1e-4);
  }
}

TEST_F(CudaOps, ConvWithFusedReluAndClip) {
  TestGraph t;
  auto x = t.Input("x", DType::kFloat32, {1, 3, 10, 10});
  auto w = t.Constant("w", testing::RandomF32({4, 3, 3, 3}, 5));
  auto b = t.Constant("b", testing::RandomF32({4}, 6));
  auto c1 = t.Add("Conv", {x, w, b}, DType::kFloat32, {1, 4, 8, 8});
  auto r = t.Add("Relu", {c1}, DType::kFloat32, {1, 4, 8, 8});
  auto w2 = t.Constant("w2", testing::RandomF32({4, 4, 1, 1}, 7));
  auto c2 = t.Add("Conv", {r, w2}, DType::kFloat32, {1, 4, 8, 8});
  auto lo = t.Constant("lo", testing::F32({}, {0.0f}));
  auto hi = t.Constant("hi", testing::F32({}, {0.3f}));
  t.Output(t.Add("Clip", {c2, lo, hi}, DType::kFloat32, {1, 4, 8, 8}));
  ExpectMatchesCpu(t.graph(), 1e-4, 1e-4);
}

TEST_F(CudaOps, GemmVariants) {
  // transB with a bias row (the BIAS epilogue), then Relu (fused).
  TestGraph t;
  auto a = t.Input("a", DType::kFloat32, {5, 16});
  auto w = t.Constant("w", testing::RandomF32({10, 16}, 1));
  auto bias = t.Constant("bias", testing::RandomF32({10}, 2));
  auto g1 = t.Add("Gemm", {a, w, bias}, DType::kFloat32, {5, 10}, {{"transB", Int(1)}});
  t.Output(t.Add("Relu", {g1}, DType::kFloat32, {5, 10}));
  // transA, a full C matrix with alpha and beta.
  auto at = t.Input("at", DType::kFloat32, {16, 5});
  auto b = t.Input("b", DType::kFloat32, {16, 7});
  auto c = t.Input("c", DType::kFloat32, {5, 7});
  t.Output(t.Add("Gemm", {at, b, c}, DType::kFloat32, {5, 7},
                 {{"transA", Int(1)}, {"alpha", Float(0.5f)}, {"beta", Float(2.0f)}}));
  // A column C that must be broadcast first.
  auto col = t.Input("col", DType::kFloat32, {5, 1});
  t.Output(t.Add("Gemm", {a, b, col}, DType::kFloat32, {5, 7}, {{"transB", Int(0)}, {"beta", Float(1.0f)}}));
  ExpectMatchesCpu(t.graph(), 1e-4, 1e-4);
}

TEST_F(CudaOps, MatMulBatchingAndBroadcasting) {
  struct Case {
    std::vector<int64_t> a, b, y;
  };
  std::vector<Case> cases = {
      {{7, 9}, {9, 5}, {7, 5}},
      {{2, 3, 7, 9}, {9, 5}, {2, 3, 7, 5}},        // B without batch: folded into M
      {{2, 3, 7, 9}, {2, 3, 9, 5}, {2, 3, 7, 5}},  // one strided batch
      {{7, 9}, {4, 9, 5}, {4, 7, 5}},              // A broadcast (stride 0)
      {{2, 1, 7, 9}, {1, 3, 9, 5}, {2, 3, 7, 5}},  // both broadcast: host loop
      {{9}, {9, 5}, {5}},                          // vector times matrix
      {{2, 7, 9}, {9}, {2, 7}},                    // matrix times vector
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(k);
    TestGraph t;
    auto a = t.Input("a", DType::kFloat32, cases[k].a);
    auto b = t.Input("b", DType::kFloat32, cases[k].b);
    t.Output(t.Add("MatMul", {a, b}, DType::kFloat32, cases[k].y));
    ExpectMatchesCpu(t.graph(), 1e-4, 1e-4);
  }
}

TEST_F(CudaOps, Pooling) {
  TestGraph t;
  auto x = t.Input("x", DType::kFloat32, {2, 3, 13, 13});
  t.Output(t.Add("MaxPool", {x}, DType::kFloat32, {2, 3, 7, 7},
                 {{"kernel_shape", Ints({3, 3})}, {"strides", Ints({2, 2})}, {"pads", Ints({1, 1, 1, 1})}}));
  t.Output(t.Add("AveragePool", {x}, DType::kFloat32, {2, 3, 7, 7},
                 {{"kernel_shape", Ints({3, 3})},
                  {"strides", Ints({2, 2})},
                  {"pads", Ints({1, 1, 1, 1})},
                  {"count_include_pad", Int(1)}}));
  t.Output(t.Add("AveragePool", {x}, DType::kFloat32, {2, 3, 7, 7},
                 {{"kernel_shape", Ints({2, 2})}, {"strides", Ints({2, 2})}, {"ceil_mode", Int(1)}}));
  t.Output(t.Add("GlobalAveragePool", {x}, DType::kFloat32, {2, 3, 1, 1}));
  t.Output(t.Add("GlobalMaxPool", {x}, DType::kFloat32, {2, 3, 1, 1}));
  ExpectMatchesCpu(t.graph());
}

TEST_F(CudaOps, Normalizations) {
  TestGraph t;
  auto x = t.Input("x", DType::kFloat32, {2, 4, 5, 5});
  std::vector<ir::ValueId> bn = {x};
  for (int i = 0; i < 4; ++i)
    bn.push_back(t.Constant("bn" + std::to_string(i), testing::RandomF32({4}, 30 + i, 0.5f, 1.5f)));
  auto y = t.Add("BatchNormalization", bn, DType::kFloat32, {2, 4, 5, 5}, {{"epsilon", Float(1e-3f)}});
  t.Output(t.Add("Relu", {y}, DType::kFloat32, {2, 4, 5, 5}));
  auto s = t.Input("s", DType::kFloat32, {3, 40, 64});
  auto scale = t.Constant("scale", testing::RandomF32({64}, 40));
  auto bias = t.Constant("bias", testing::RandomF32({64}, 41));
  t.Output(t.Add("LayerNormalization", {s, scale, bias}, DType::kFloat32, {3, 40, 64}, {{"epsilon", Float(1e-5f)}}));
  auto big = t.Input("big", DType::kFloat32, {2, 3000});
  auto scale2 = t.Constant("scale2", testing::RandomF32({3000}, 42));
  t.Output(t.Add("LayerNormalization", {big, scale2}, DType::kFloat32, {2, 3000}));
  t.Output(t.Add("Softmax", {s}, DType::kFloat32, {3, 40, 64}, {{"axis", Int(-1)}}));
  t.Output(t.Add("Softmax", {s}, DType::kFloat32, {3, 40, 64}, {{"axis", Int(1)}}));
  t.Output(t.Add("LogSoftmax", {big}, DType::kFloat32, {2, 3000}, {{"axis", Int(1)}}));
  ExpectMatchesCpu(t.graph(), 1e-4, 1e-5);
}

TEST_F(CudaOps, Reductions) {
  TestGraph t;
  auto x = t.Input("x", DType::kFloat32, {3, 4, 5, 6});
  auto axes = t.Constant("axes", testing::I64({2}, {1, 3}));
  auto last = t.Constant("last", testing::I64({1}, {-1}));
  t.Output(t.Add("ReduceMean", {x, axes}, DType::kFloat32, {3, 1, 5, 1}));
  t.Output(t.Add("ReduceSum", {x, last}, DType::kFloat32, {3, 4, 5}, {{"keepdims", Int(0)}}));
  t.Output(t.Add("ReduceMax", {x}, DType::kFloat32, {1, 1, 1, 1}));
  auto big = t.Input("big", DType::kFloat32, {2, 5000});
  t.Output(t.Add("ReduceSum", {big, last}, DType::kFloat32, {2, 1}));
  ExpectMatchesCpu(t.graph(), 1e-4, 1e-4);
}

TEST_F(CudaOps, DataMovement) {
  TestGraph t;
  auto x = t.Input("x", DType::kFloat32, {2, 3, 4, 5});
  t.Output(t.Add("Transpose", {x}, DType::kFloat32, {2, 4, 3, 5}, {{"perm", Ints({0, 2, 1, 3})}}));
  t.Output(t.Add("Transpose", {x}, DType::kFloat32, {5, 4, 3, 2}));
  auto y = t.Input("y", DType::kFloat32, {2, 2, 4, 5});
  t.Output(t.Add("Concat", {x, y}, DType::kFloat32, {2, 5, 4, 5}, {{"axis", Int(1)}}));
  auto split = t.Constant("split", testing::I64({3}, {1, 2, 2}));
  for (ir::ValueId v :
       t.AddMulti("Split", {x, split},
                  {{DType::kFloat32, {2, 3, 4, 1}}, {DType::kFloat32, {2, 3, 4, 2}}, {DType::kFloat32, {2, 3, 4, 2}}},
                  {{"axis", Int(3)}})) {
    t.Output(v);
  }
  auto starts = t.Constant("starts", testing::I64({2}, {-1, 1}));
  auto ends = t.Constant("ends", testing::I64({2}, {-100, 4}));
  auto axes = t.Constant("axes", testing::I64({2}, {2, 3}));
  auto steps = t.Constant("steps", testing::I64({2}, {-2, 2}));
  t.Output(t.Add("Slice", {x, starts, ends, axes, steps}, DType::kFloat32, {2, 3, 2, 2}));
  auto shape = t.Constant("shape", testing::I64({4}, {2, 2, 3, 4}));
  auto e = t.Input("e", DType::kFloat32, {3, 1});
  t.Output(t.Add("Expand", {e, shape}, DType::kFloat32, {2, 2, 3, 4}));
  auto pads = t.Constant("pads", testing::I64({8}, {0, 0, 1, -1, 0, 1, 2, 0}));
  auto value = t.Constant("value", testing::F32({}, {0.5f}));
  t.Output(t.Add("Pad", {x, pads, value}, DType::kFloat32, {2, 4, 7, 4}));
  auto reps = t.Constant("reps", testing::I64({4}, {1, 2, 1, 3}));
  t.Output(t.Add("Tile", {x, reps}, DType::kFloat32, {2, 6, 4, 15}));
  auto d = t.Input("d", DType::kFloat32, {1, 8, 2, 3});
  t.Output(t.Add("DepthToSpace", {d}, DType::kFloat32, {1, 2, 4, 6}, {{"blocksize", Int(2)}}));
  t.Output(t.Add("DepthToSpace", {d}, DType::kFloat32, {1, 2, 4, 6}, {{"blocksize", Int(2)}, {"mode", Str("CRD")}}));
  auto sp = t.Input("sp", DType::kFloat32, {1, 2, 4, 6});
  t.Output(t.Add("SpaceToDepth", {sp}, DType::kFloat32, {1, 8, 2, 3}, {{"blocksize", Int(2)}}));
  ExpectMatchesCpu(t.graph(), 0, 0);
}

TEST_F(CudaOps, GatherAndAliasesAsOutputs) {
  TestGraph t;
  auto table = t.Constant("table", testing::RandomF32({10, 6}, 3));
  auto ids = t.Input("ids", DType::kInt64, {2, 5});
  auto neg = t.Constant("neg", testing::I64({3}, {-1, 0, 5}));
  auto emb = t.Add("Gather", {table, ids}, DType::kFloat32, {2, 5, 6});
  t.Output(emb);
  t.Output(t.Add("Gather", {table, neg}, DType::kFloat32, {10, 3}, {{"axis", Int(1)}}));
  auto shape = t.Constant("shape", testing::I64({2}, {10, 6}));
  t.Output(t.Add("Reshape", {emb, shape}, DType::kFloat32, {10, 6}));  // the same bytes, twice
  auto x = t.Input("x", DType::kFloat32, {2, 3});
  t.Output(t.Add("Flatten", {x}, DType::kFloat32, {2, 3}, {{"axis", Int(1)}}));  // an input as an output
  t.Output(table);                                                               // a weight as an output
  ExpectMatchesCpu(t.graph(), 0, 0);
}

// The same graph in float16 on the GPU and in float32 on the CPU, fed the same (f16) values.
TEST_F(CudaOps, Float16ConvGemmAndElementwise) {
  auto build = [](DType dt) {
    TestGraph t;
    auto x = t.Input("x", dt, {1, 4, 8, 8});
    auto w = t.Input("w", dt, {4, 4, 3, 3});
    auto c = t.Add("Conv", {x, w}, dt, {1, 4, 8, 8}, {{"pads", Ints({1, 1, 1, 1})}});
    auto s = t.Add("Sigmoid", {c}, dt, {1, 4, 8, 8});
    auto m = t.Add("Mul", {s, x}, dt, {1, 4, 8, 8});
    auto shape = t.Constant("shape", testing::I64({2}, {4, 64}));
    auto r = t.Add("Reshape", {m, shape}, dt, {4, 64});
    auto b = t.Input("b", dt, {64, 16});
    auto mm = t.Add("MatMul", {r, b}, dt, {4, 16});
    t.Output(t.Add("Softmax", {mm}, dt, {4, 16}, {{"axis", Int(-1)}}));
    return t;
  };
  TestGraph half = build(DType::kFloat16), single = build(DType::kFloat32);
  std::vector<ir::Tensor> in16 = testing::RandomInputs(half.graph(), 5), in32;
  for (const ir::Tensor& t : in16) {
    std::vector<float> v;
    for (uint16_t h : t.values<uint16_t>()) v.push_back(HalfBitsToFloat(h));
    in32.push_back(testing::F32(t.dims, v));
  }
  auto want = testing::RunOnCpu(single.graph(), in32);
  ASSERT_TRUE(want.ok()) << want.status();
  auto got = testing::RunOnGpu(half.graph(), in16);
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<float> widened;
  for (uint16_t h : (*got)[0].values<uint16_t>()) widened.push_back(HalfBitsToFloat(h));
  EXPECT_EQ(testing::Compare(testing::F32((*got)[0].dims, widened), (*want)[0], 2e-2, 2e-3), "");
}

}  // namespace
}  // namespace tandem
