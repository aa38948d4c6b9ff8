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
// Every term is submodular, so the minimum cut is the exact optimum of the relaxed objective.
#include <algorithm>
#include <vector>

#include "partitioner/min_cut.h"
#include "partitioner/solvers.h"

namespace tandem::partitioner {
namespace {

constexpr double kInf = MinCut::kInfiniteCapacity;
constexpr int kSource = 0;
constexpr int kSink = 1;

int Vertex(int step) { return step + 2; }

class CutBuilder {
 public:
  CutBuilder(const Problem& problem, const Prices& prices)
      : p_(problem), prices_(prices), cost_cpu_(problem.num_steps(), 0),
        cost_gpu_res_(problem.num_steps(), 0), cost_gpu_str_(problem.num_steps(), 0),
        cost_gpu_fixed_(problem.num_steps(), 0) {
    edges_.reserve(3 * static_cast<size_t>(problem.num_values()));
  }

  Assignment Solve() {
    for (int v = 0; v < p_.num_values(); ++v) AddValue(v);
    MinCut cut(2 + p_.num_steps() + static_cast<int>(aux_count_));
    cut.ReserveEdges(edges_.size() + 2 * p_.num_steps());
    for (const auto& e : edges_) cut.AddEdge(e.from, e.to, e.capacity);
    std::vector<bool> streamed(p_.num_steps(), false);
    for (int s = 0; s < p_.num_steps(); ++s) {
      const ProblemNode& n = p_.node(s);
      double cpu = n.allowed(Placement::kCpu) ? n.ms[0] + cost_cpu_[s] : kInf;
      double res = n.allowed(Placement::kGpu) ? n.ms[1] + cost_gpu_res_[s] : kInf;
      double str = n.allowed(Placement::kGpuStreamed) ? n.ms[2] + cost_gpu_str_[s] : kInf;
      streamed[s] = str < res;
      double gpu = std::min(res, str);
      if (gpu < kInf) gpu += cost_gpu_fixed_[s];
      cut.AddEdge(kSource, Vertex(s), gpu);
      cut.AddEdge(Vertex(s), kSink, cpu);
    }
    cut.Solve(kSource, kSink);
    Assignment a(p_.num_steps());
    for (int s = 0; s < p_.num_steps(); ++s) {
      a[s] = cut.OnSourceSide(Vertex(s)) ? Placement::kCpu
             : streamed[s]               ? Placement::kGpuStreamed
                                         : Placement::kGpu;
    }
    return a;
  }

 private:
  struct Edge {
    int from, to;
    double capacity;
  };

  int NewAux() { return 2 + p_.num_steps() + static_cast<int>(aux_count_++); }

  // Distinct steps that read `v` on their own device (not host uses). Reuses one buffer.
  std::vector<int> DeviceReaders(const ProblemValue& pv) {
    std::vector<int> readers = std::move(readers_);
    readers.clear();
    for (const Use& u : pv.uses) {
      if (!u.on_host && (readers.empty() || readers.back() != u.step)) readers.push_back(u.step);
    }
    readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
    return readers;
  }
  static bool HostNeeds(const ProblemValue& pv) {
    if (pv.graph_output) return true;
    for (const Use& u : pv.uses) {
      if (u.on_host) return true;
    }
    return false;
  }

  // "Pay `cost` if `from_side` vertex is on the source side and any reader is on the sink side."
  void AnyReaderOnGpu(int from_vertex, const std::vector<int>& readers, double cost) {
    if (cost <= 0 || readers.empty()) return;
    if (readers.size() == 1) {
      edges_.push_back({from_vertex, Vertex(readers[0]), cost});
      return;
    }
    int a = NewAux();
    edges_.push_back({from_vertex, a, cost});
    for (int r : readers) edges_.push_back({a, Vertex(r), kInf});
  }
  // "Pay `cost` if any reader is on the source side and `to_vertex` is on the sink side."
  void AnyReaderOnCpu(int to_vertex, const std::vector<int>& readers, double cost) {
    if (cost <= 0 || readers.empty()) return;
    if (readers.size() == 1) {
      edges_.push_back({Vertex(readers[0]), to_vertex, cost});
      return;
    }
    int b = NewAux();
    edges_.push_back({b, to_vertex, cost});
    for (int r : readers) edges_.push_back({Vertex(r), b, kInf});
  }

  void AddWeight(const ProblemValue& pv) {
    std::vector<int> readers = DeviceReaders(pv);
    AddWeightTerms(pv, readers);
    readers_ = std::move(readers);
  }
  void AddWeightTerms(const ProblemValue& pv, const std::vector<int>& readers) {
    if (readers.empty()) return;
    const double gpu = prices_.gpu_byte_ms * static_cast<double>(pv.bytes);
    const double cpu = prices_.cpu_byte_ms * static_cast<double>(pv.bytes);
    const bool host_anyway = HostNeeds(pv);
    if (readers.size() == 1 && !host_anyway) {  // exclusive: priced in the node's own costs
      int s = readers[0];
      cost_gpu_res_[s] += gpu;
      cost_cpu_[s] += cpu;
      cost_gpu_str_[s] += cpu;
      return;
    }
    AnyReaderOnGpu(kSource, readers, gpu);
    if (!host_anyway) AnyReaderOnCpu(kSink, readers, cpu);
  }

  void AddActivation(const ProblemValue& pv) {
    std::vector<int> readers = DeviceReaders(pv);
    AddActivationTerms(pv, readers);
    readers_ = std::move(readers);
  }
  void AddActivationTerms(const ProblemValue& pv, std::vector<int>& readers) {
    if (pv.role == ValueRole::kGraphInput) {
      AnyReaderOnGpu(kSource, readers, pv.to_gpu_ms);
      return;
    }
    const int p = pv.producer;
    if (p < 0) return;  // an activation without a producer: nothing to place
    readers.erase(std::remove(readers.begin(), readers.end(), p), readers.end());
    AnyReaderOnGpu(Vertex(p), readers, pv.to_gpu_ms);
    if (HostNeeds(pv)) {
      cost_gpu_fixed_[p] += pv.to_cpu_ms;
    } else {
      AnyReaderOnCpu(Vertex(p), readers, pv.to_cpu_ms);
    }
    if (prices_.activation_share != nullptr) {
      double bytes = static_cast<double>(pv.bytes) * (*prices_.activation_share)[value_];
      cost_gpu_fixed_[p] += prices_.gpu_byte_ms * bytes;
      cost_cpu_[p] += prices_.cpu_byte_ms * bytes;
    }
  }

  void AddValue(int v) {
    value_ = v;
    const ProblemValue& pv = p_.value(v);
    if (pv.role == ValueRole::kWeight) AddWeight(pv);
    if (pv.role == ValueRole::kActivation || pv.role == ValueRole::kGraphInput) AddActivation(pv);
  }

  const Problem& p_;
  const Prices& prices_;
  std::vector<double> cost_cpu_, cost_gpu_res_, cost_gpu_str_, cost_gpu_fixed_;
  std::vector<Edge> edges_;
  size_t aux_count_ = 0;
  int value_ = -1;  // the value AddValue is adding
  std::vector<int> readers_;
};

}  // namespace

Assignment AssignForPrices(const Problem& problem, const Prices& prices) {
  if (!problem.has_gpu()) return AllCpu(problem);
  return CutBuilder(problem, prices).Solve();
}

}  // namespace tandem::partitioner
