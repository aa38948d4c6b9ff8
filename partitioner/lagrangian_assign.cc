// The relaxed problem for fixed prices, solved exactly by one minimum s-t cut.
//
// Labels: a node on the source side runs on the CPU, on the sink side on the GPU. A cut edge
// from the source side to the sink side pays its capacity, so:
// 1. Node time. source → node with the node's GPU cost (paid when it is on the GPU); node →
//    sink with its CPU cost. Infinite where the device refuses the node. The GPU cost is the
//    cheaper of "weights resident" (time + gpu price · weights) and, for streamable nodes,
//    "weights streamed" (streamed time + cpu price · weights, which then stay on the host).
// 2. Weights read only by this node are priced in its own costs. A weight shared by several
//    nodes is resident on the GPU when any reader is there: an auxiliary vertex a with
//    source → a (gpu price · bytes) and a → reader (∞) for each reader; a reader on the GPU
//    drags a to the sink side and cuts source → a once. The CPU side is symmetric
//    (reader → b (∞), b → sink (cpu price · bytes)), unless the host holds it anyway.
// 3. Copies. An activation produced on the CPU and read on the GPU pays one host→GPU copy, however
//    many GPU readers: producer → a (copy ms), a → reader (∞). A GPU-produced value read on the
//    host pays one copy back: reader → b (∞), b → producer (copy ms). With a single reader the
//    auxiliary vertex is dropped (a direct edge). Host uses and graph outputs are fixed on the
//    host: their copy back is a GPU cost of the producer. Graph inputs are fixed on the host:
//    source → a (copy ms), a → reader (∞).
// 4. Workspace. A CPU kernel's scratch is priced in its node's CPU cost. The GPU's workspace
//    estimate is paid once when any node is on the GPU: source → a (gpu price · bytes), a → every
//    GPU-capable node (∞).
// Every term is submodular, so the minimum cut is the exact optimum of the relaxed objective.
#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "partitioner/min_cut.h"
#include "partitioner/solvers.h"

namespace tandem::partitioner {
namespace {

constexpr double kInf = MinCut::kInfiniteCapacity;
constexpr int kSource = 0;
constexpr int kSink = 1;

int Vertex(int step) { return step + 2; }

// A capacity as a function of the prices: ms + gpu price · gpu_bytes + cpu price · cpu_bytes.
struct Linear {
  double ms = 0, gpu_bytes = 0, cpu_bytes = 0;
  double At(double gpu_price, double cpu_price) const {
    return ms + gpu_price * gpu_bytes + cpu_price * cpu_bytes;
  }
  bool zero() const { return ms == 0 && gpu_bytes == 0 && cpu_bytes == 0; }
};

}  // namespace

// The network of the relaxed problem with every capacity kept as a Linear, so that a new price
// only re-evaluates capacities (the topology depends on the memory proxy alone).
struct RelaxedCut::Network {
  struct Edge {
    int from, to;
    Linear capacity;
  };

  Network(const Problem& problem, const std::vector<double>* share)
      : p(problem), activation_share(share), cost_cpu(problem.num_steps()),
        cost_gpu_res(problem.num_steps()), cost_gpu_str(problem.num_steps()),
        cost_gpu_fixed(problem.num_steps()) {
    edges.reserve(3 * static_cast<size_t>(problem.num_values()));
    for (int v = 0; v < p.num_values(); ++v) AddValue(v);
    AddWorkspace();
    cut = std::make_unique<MinCut>(2 + p.num_steps() + aux_count);
    cut->ReserveEdges(edges.size() + 2 * p.num_steps());
    // Copy and infinite edges do not depend on the prices: set once. Priced ones are reset per
    // Solve.
    for (size_t e = 0; e < edges.size(); ++e) {
      const Linear& c = edges[e].capacity;
      const bool priced = c.gpu_bytes != 0 || c.cpu_bytes != 0;
      const int index = cut->AddEdge(edges[e].from, edges[e].to, priced ? 0 : c.ms);
      if (priced) priced_edges.push_back({static_cast<int>(e), index});
    }
    unary_edges.resize(2 * p.num_steps());
    for (int s = 0; s < p.num_steps(); ++s) {
      unary_edges[2 * s] = cut->AddEdge(kSource, Vertex(s), 0);
      unary_edges[2 * s + 1] = cut->AddEdge(Vertex(s), kSink, 0);
    }
  }

  Assignment Solve(double gpu_price, double cpu_price) {
    for (const auto& [e, index] : priced_edges) {
      cut->SetCapacity(index, edges[e].capacity.At(gpu_price, cpu_price));
    }
    std::vector<bool> streamed(p.num_steps(), false);
    for (int s = 0; s < p.num_steps(); ++s) {
      const ProblemNode& n = p.node(s);
      auto cost = [&](Placement q, const Linear& priced) {
        const int k = static_cast<int>(q);
        return n.allowed(q) ? n.ms[k] + priced.At(gpu_price, cpu_price) : kInf;
      };
      double cpu = cost(Placement::kCpu, cost_cpu[s]);
      double res = cost(Placement::kGpu, cost_gpu_res[s]);
      double str = cost(Placement::kGpuStreamed, cost_gpu_str[s]);
      streamed[s] = str < res;
      double gpu = std::min(res, str);
      if (gpu < kInf) gpu += cost_gpu_fixed[s].At(gpu_price, cpu_price);
      cut->SetCapacity(unary_edges[2 * s], gpu);
      cut->SetCapacity(unary_edges[2 * s + 1], cpu);
    }
    cut->Solve(kSource, kSink);
    Assignment a(p.num_steps());
    for (int s = 0; s < p.num_steps(); ++s) {
      a[s] = cut->OnSourceSide(Vertex(s)) ? Placement::kCpu
             : streamed[s]                ? Placement::kGpuStreamed
                                          : Placement::kGpu;
    }
    return a;
  }

  int NewAux() { return 2 + p.num_steps() + aux_count++; }

  // Distinct steps that read `v` on their own device (not host uses). Reuses one buffer.
  std::vector<int> DeviceReaders(const ProblemValue& pv) {
    std::vector<int> out = std::move(readers);
    out.clear();
    for (const Use& u : pv.uses) {
      if (!u.on_host && (out.empty() || out.back() != u.step)) out.push_back(u.step);
    }
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
  static bool HostNeeds(const ProblemValue& pv) {
    if (pv.graph_output) return true;
    for (const Use& u : pv.uses) {
      if (u.on_host) return true;
    }
    return false;
  }

  // "Pay `cost` if `from_vertex` is on the source side and any reader is on the sink side."
  void AnyReaderOnGpu(int from_vertex, const std::vector<int>& reader_steps, const Linear& cost) {
    if (cost.zero() || reader_steps.empty()) return;
    if (reader_steps.size() == 1) {
      edges.push_back({from_vertex, Vertex(reader_steps[0]), cost});
      return;
    }
    int a = NewAux();
    edges.push_back({from_vertex, a, cost});
    for (int r : reader_steps) edges.push_back({a, Vertex(r), {kInf, 0, 0}});
  }
  // "Pay `cost` if any reader is on the source side and `to_vertex` is on the sink side."
  void AnyReaderOnCpu(int to_vertex, const std::vector<int>& reader_steps, const Linear& cost) {
    if (cost.zero() || reader_steps.empty()) return;
    if (reader_steps.size() == 1) {
      edges.push_back({Vertex(reader_steps[0]), to_vertex, cost});
      return;
    }
    int b = NewAux();
    edges.push_back({b, to_vertex, cost});
    for (int r : reader_steps) edges.push_back({Vertex(r), b, {kInf, 0, 0}});
  }

  // Rule 2.
  void AddWeight(const ProblemValue& pv) {
    std::vector<int> r = DeviceReaders(pv);
    if (!r.empty()) {
      const double bytes = static_cast<double>(pv.bytes);
      const Linear gpu{0, bytes, 0}, cpu{0, 0, bytes};
      const bool host_anyway = HostNeeds(pv);
      if (r.size() == 1 && !host_anyway) {  // exclusive: priced in the node's own costs
        cost_gpu_res[r[0]].gpu_bytes += bytes;
        cost_cpu[r[0]].cpu_bytes += bytes;
        cost_gpu_str[r[0]].cpu_bytes += bytes;
      } else {
        AnyReaderOnGpu(kSource, r, gpu);
        if (!host_anyway) AnyReaderOnCpu(kSink, r, cpu);
      }
    }
    readers = std::move(r);
  }

  // Rule 3, and the priced share of activations.
  void AddActivation(const ProblemValue& pv, int v) {
    std::vector<int> r = DeviceReaders(pv);
    if (pv.role == ValueRole::kGraphInput) {
      AnyReaderOnGpu(kSource, r, {pv.to_gpu_ms, 0, 0});
    } else if (const int producer = pv.producer; producer >= 0) {
      r.erase(std::remove(r.begin(), r.end(), producer), r.end());
      AnyReaderOnGpu(Vertex(producer), r, {pv.to_gpu_ms, 0, 0});
      if (HostNeeds(pv)) {
        cost_gpu_fixed[producer].ms += pv.to_cpu_ms;
      } else {
        AnyReaderOnCpu(Vertex(producer), r, {pv.to_cpu_ms, 0, 0});
      }
      if (activation_share != nullptr) {
        const double bytes = static_cast<double>(pv.bytes) * (*activation_share)[v];
        cost_gpu_fixed[producer].gpu_bytes += bytes;
        cost_cpu[producer].cpu_bytes += bytes;
      }
    }
    readers = std::move(r);
  }

  // Rule 4.
  void AddWorkspace() {
    std::vector<int> gpu_capable;
    for (int s = 0; s < p.num_steps(); ++s) {
      cost_cpu[s].cpu_bytes += static_cast<double>(p.node(s).cpu_workspace_bytes);
      if (p.node(s).allowed(Placement::kGpu) || p.node(s).allowed(Placement::kGpuStreamed)) {
        gpu_capable.push_back(s);
      }
    }
    AnyReaderOnGpu(kSource, gpu_capable,
                   {0, static_cast<double>(p.options().gpu_workspace_bytes), 0});
  }

  void AddValue(int v) {
    const ProblemValue& pv = p.value(v);
    if (pv.role == ValueRole::kWeight) AddWeight(pv);
    if (pv.role == ValueRole::kActivation || pv.role == ValueRole::kGraphInput) {
      AddActivation(pv, v);
    }
  }

  const Problem& p;
  const std::vector<double>* activation_share;
  std::vector<Linear> cost_cpu, cost_gpu_res, cost_gpu_str, cost_gpu_fixed;  // by step
  std::vector<Edge> edges;
  std::vector<std::pair<int, int>> priced_edges;  // (edge, MinCut index) of price-dependent ones
  std::vector<int> unary_edges;   // by step: source → node, node → sink
  int aux_count = 0;
  std::vector<int> readers;
  std::unique_ptr<MinCut> cut;
};

RelaxedCut::RelaxedCut(const Problem& problem, const std::vector<double>* activation_share)
    : net_(problem.has_gpu() ? std::make_unique<Network>(problem, activation_share) : nullptr),
      problem_(&problem) {}

RelaxedCut::~RelaxedCut() = default;

Assignment RelaxedCut::Assign(double gpu_byte_ms, double cpu_byte_ms) {
  if (!net_) return AllCpu(*problem_);
  return net_->Solve(gpu_byte_ms, cpu_byte_ms);
}

Assignment AssignForPrices(const Problem& problem, const Prices& prices) {
  RelaxedCut cut(problem, prices.activation_share);
  return cut.Assign(prices.gpu_byte_ms, prices.cpu_byte_ms);
}

}  // namespace tandem::partitioner
