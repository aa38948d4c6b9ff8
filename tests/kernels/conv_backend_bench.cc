// Times tandem's float32 Conv path (MakeDepthwiseConv, else MakeXnnConv: the registry's order)
// against oneDNN's convolution (conv_dnnl_kernel.h) on the convolution shapes of a model, the way
// the CPU executor runs them: weights packed at build time, NHWC activations in and out (the
// channels-last pass), a following Relu fused.
//
// Not a test (ctest does not run it): a timing on a shared machine. The two kernels take turns
// layer by layer within every round, and the order flips each round, so load from other
// processes falls on both. Reported: per shape the median of its calls, and the model's conv
// time (shapes weighted by how often they occur) as the median over rounds.
//
//   tandem-conv-backend-bench SHAPES [--threads N] [--rounds R] [--only tandem|dnnl] [--pair xnn-own]
//
// --pair xnn-own compares XNNPACK's convolution (first column) with our depthwise kernel
// (nn::MakeDepthwiseConv, second column) instead of tandem with
// oneDNN; give it depthwise shapes only. --only tandem|dnnl then names the first|second column.
//
// --only times one side in a process of its own. With 2 threads that matters: libgomp's worker
// spins after each oneDNN call (unless OMP_WAIT_POLICY=passive) and takes a core from tandem's
// pool during the tandem turns that follow.
//
// SHAPES is written by tests/kernels/dump_conv_shapes.py (one line per distinct Conv). Built
// with -DTANDEM_CONV_BENCH_ONEDNN=ON (needs libdnnl-dev).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "kernels/cpu/kernel.h"
#include "kernels/cpu/nn_kernels.h"
#include "tests/kernels/conv_dnnl_kernel.h"

namespace tandem::kernels::cpu {
namespace {

struct ConvShape {
  int64_t n, c, h, w, m, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, group;
  bool bias, relu;
  int count;
  int64_t out_h() const { return (h + pt + pb - ((kh - 1) * dh + 1)) / sh + 1; }
  int64_t out_w() const { return (w + pl + pr - ((kw - 1) * dw + 1)) / sw + 1; }
  double gflop() const { return 2.0 * n * m * out_h() * out_w() * (c / group) * kh * kw * 1e-9; }
  std::string Describe() const {
    char b[160];
    std::snprintf(b, sizeof b, "%ldx%ldx%ld->%ld k%ldx%ld s%ld g%ld%s%s x%d", c, h, w, m, kh, kw, sh, group,
                  bias ? " b" : "", relu ? " relu" : "", count);
    return b;
  }
};

std::vector<ConvShape> ReadShapes(const char* path) {
  std::ifstream in(path);
  std::vector<ConvShape> shapes;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    ConvShape c;
    int bias, relu;
    s >> c.n >> c.c >> c.h >> c.w >> c.m >> c.kh >> c.kw >> c.sh >> c.sw >> c.pt >> c.pl >> c.pb >> c.pr >> c.dh >>
        c.dw >> c.group >> bias >> relu >> c.count;
    if (!s) continue;
    c.bias = bias != 0;
    c.relu = relu != 0;
    shapes.push_back(c);
  }
  return shapes;
}

ir::Tensor Random(std::vector<int64_t> dims, std::mt19937& rng) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& f : v) f = u(rng);
  return ir::Tensor::FromValues<float>(ir::DType::kFloat32, std::move(dims), v);
}

// One Conv node in its own graph, with a kernel per backend and NHWC buffers.
struct Layer {
  ConvShape shape;
  ir::Graph graph{"conv"};
  std::unique_ptr<CpuKernel> xnn, dnnl;
  std::vector<float> x, y_xnn, y_dnnl;
  std::vector<double> ms_xnn, ms_dnnl;
};

std::unique_ptr<Layer> MakeLayer(const ConvShape& c, bool xnn_vs_own, std::mt19937& rng) {
  auto layer = std::make_unique<Layer>();
  layer->shape = c;
  ir::Graph& g = layer->graph;
  ir::Node node;
  node.name = "conv";
  node.op_type = "Conv";
  node.attributes["group"] = ir::Attribute(c.group);
  node.attributes["strides"] = ir::Attribute(std::vector<int64_t>{c.sh, c.sw});
  node.attributes["dilations"] = ir::Attribute(std::vector<int64_t>{c.dh, c.dw});
  node.attributes["pads"] = ir::Attribute(std::vector<int64_t>{c.pt, c.pl, c.pb, c.pr});
  node.inputs.push_back(*g.AddInput("x", {ir::DType::kFloat32, ir::Shape::Static({c.n, c.c, c.h, c.w})}));
  node.inputs.push_back(*g.AddInitializer("w", Random({c.m, c.c / c.group, c.kh, c.kw}, rng)));
  if (c.bias) node.inputs.push_back(*g.AddInitializer("b", Random({c.m}, rng)));
  node.outputs.push_back(
      *g.AddNodeOutput("y", {ir::DType::kFloat32, ir::Shape::Static({c.n, c.m, c.out_h(), c.out_w()})}));
  const ir::Node& added = g.node(*g.AddNode(node));
  std::optional<FusedClamp> clamp;
  if (c.relu) clamp = FusedClamp{0.f, std::numeric_limits<float>::infinity()};
  KernelBuildContext ctx(g, added, clamp);
  // tandem's path without oneDNN, in registry order: our large-window depthwise kernel, then XNNPACK.
  auto xnn = xnn_vs_own ? nn::MakeXnnConv(ctx) : nn::MakeDepthwiseConv(ctx);
  if (!xnn.ok() && !xnn_vs_own) xnn = nn::MakeXnnConv(ctx);
  if (!xnn.ok()) std::fprintf(stderr, "XNNPACK: %s\n", std::string(xnn.status().message()).c_str());
  if (xnn.ok()) layer->xnn = std::move(*xnn);
  auto dnnl = xnn_vs_own ? nn::MakeDepthwiseConv(ctx) : conv_bench::MakeDnnlConv(ctx);
  if (!dnnl.ok()) std::fprintf(stderr, "oneDNN: %s\n", std::string(dnnl.status().message()).c_str());
  if (dnnl.ok()) layer->dnnl = std::move(*dnnl);
  for (CpuKernel* k : {layer->xnn.get(), layer->dnnl.get()}) {
    if (k != nullptr) k->SetChannelsLast(true, true);
  }
  ir::Tensor x = Random({c.n, c.c, c.h, c.w}, rng);
  layer->x.assign(x.values<float>().begin(), x.values<float>().end());
  layer->x.resize(layer->x.size() + 16);  // XNNPACK's read-past-end slack
  const size_t out = static_cast<size_t>(c.n * c.m * c.out_h() * c.out_w());
  layer->y_xnn.resize(out);
  layer->y_dnnl.resize(out);
  return layer;
}

// Runs the kernel once; the time in milliseconds (NaN on failure).
double TimeRun(CpuKernel* kernel, Layer& l, std::vector<float>& y, pthreadpool_t pool) {
  if (kernel == nullptr) return std::nan("");
  const ConvShape& c = l.shape;
  TensorView in{ir::DType::kFloat32, Dims{c.n, c.c, c.h, c.w}, l.x.data()};
  TensorView out{ir::DType::kFloat32, Dims{c.n, c.m, c.out_h(), c.out_w()}, y.data()};
  KernelContext ctx{absl::MakeConstSpan(&in, 1), absl::MakeSpan(&out, 1), pool};
  const auto t0 = std::chrono::steady_clock::now();
  absl::Status s = kernel->Run(ctx);
  const auto t1 = std::chrono::steady_clock::now();
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return std::nan("");
  }
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SHAPES [--threads N] [--rounds R] [--only tandem|dnnl] [--pair xnn-own]\n",
                 argv[0]);
    return 2;
  }
  int threads = 1, rounds = 30;
  std::string only, pair;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    if (!std::strcmp(argv[i], "--pair")) pair = argv[i + 1];
  }
  std::vector<ConvShape> shapes = ReadShapes(argv[1]);
  if (shapes.empty()) {
    std::fprintf(stderr, "no shapes in %s\n", argv[1]);
    return 1;
  }
  std::mt19937 rng(7);
  std::vector<std::unique_ptr<Layer>> layers;
  const bool xnn_vs_own = pair == "xnn-own";
  for (const ConvShape& c : shapes) layers.push_back(MakeLayer(c, xnn_vs_own, rng));
  for (auto& l : layers) {
    if (only == "tandem") l->dnnl.reset();
    if (only == "dnnl") l->xnn.reset();
  }
  pthreadpool_t pool = threads > 1 ? pthreadpool_create(static_cast<size_t>(threads)) : nullptr;

  // Warm-up (oneDNN makes its primitive at the first call) and a check that both agree.
  double worst = 0;
  for (auto& l : layers) {
    TimeRun(l->xnn.get(), *l, l->y_xnn, pool);
    TimeRun(l->dnnl.get(), *l, l->y_dnnl, pool);
    if (l->xnn && l->dnnl) {
      for (size_t i = 0; i < l->y_xnn.size(); ++i) {
        worst = std::max(worst, double(std::fabs(l->y_xnn[i] - l->y_dnnl[i]) / (1 + std::fabs(l->y_xnn[i]))));
      }
    }
  }
  std::vector<double> total_xnn, total_dnnl;
  for (int r = 0; r < rounds; ++r) {
    double sum_xnn = 0, sum_dnnl = 0;
    for (auto& l : layers) {
      const bool xnn_first = r % 2 == 0;
      for (int turn = 0; turn < 2; ++turn) {
        if ((turn == 0) == xnn_first) {
          if (l->xnn == nullptr) continue;
          l->ms_xnn.push_back(TimeRun(l->xnn.get(), *l, l->y_xnn, pool));
          sum_xnn += l->ms_xnn.back() * l->shape.count;
        } else {
          if (l->dnnl == nullptr) continue;
          l->ms_dnnl.push_back(TimeRun(l->dnnl.get(), *l, l->y_dnnl, pool));
          sum_dnnl += l->ms_dnnl.back() * l->shape.count;
        }
      }
    }
    if (only != "dnnl") total_xnn.push_back(sum_xnn);
    if (only != "tandem") total_dnnl.push_back(sum_dnnl);
  }
  const char* a = xnn_vs_own ? "xnn" : "tandem";  // the columns' names
  const char* b = xnn_vs_own ? "own" : "dnnl";
  std::printf("%-44s %8s %7s ms %7s ms %7s %8s GF/s %8s GF/s\n", "shape (C HxW -> M, kernel, stride, group, xcount)",
              "GFLOP", a, b, "2nd/1st", a, b);
  double weighted_xnn = 0, weighted_dnnl = 0;
  for (auto& l : layers) {
    const double x = Median(l->ms_xnn), d = Median(l->ms_dnnl);
    weighted_xnn += x * l->shape.count;
    weighted_dnnl += d * l->shape.count;
    std::printf("%-44s %8.4f %10.4f %10.4f %7.2f %13.1f %13.1f\n", l->shape.Describe().c_str(), l->shape.gflop(), x, d,
                d / x, l->shape.gflop() / x * 1e3, l->shape.gflop() / d * 1e3);
  }
  std::printf("threads %d, rounds %d, max rel. difference %s vs %s %.2e\n", threads, rounds, a, b, worst);
  std::printf("weighted sum of per-shape medians: %s %.3f ms, %s %.3f ms, %s/%s %.3f\n", a, weighted_xnn, b,
              weighted_dnnl, b, a, weighted_dnnl / weighted_xnn);
  std::printf("median over rounds of the model's conv time: %s %.3f ms, %s %.3f ms, %s/%s %.3f\n", a,
              Median(total_xnn), b, Median(total_dnnl), b, a, Median(total_dnnl) / Median(total_xnn));
  if (pool != nullptr) pthreadpool_destroy(pool);
  return 0;
}

}  // namespace
}  // namespace tandem::kernels::cpu

int main(int argc, char** argv) { return tandem::kernels::cpu::Main(argc, argv); }
