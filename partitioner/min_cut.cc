#include "partitioner/min_cut.h"

#include <algorithm>

namespace tandem::partitioner {
namespace {

// Residual capacities below this are treated as zero (capacities are milliseconds).
constexpr double kEpsilon = 1e-12;

}  // namespace

void MinCut::ReserveEdges(size_t edges) {
  head_.reserve(2 * edges);
  capacity_.reserve(edges);
}

int MinCut::AddEdge(int from, int to, double capacity) {
  if (from == to) return -1;
  head_.push_back(to);
  head_.push_back(from);
  capacity_.push_back(0);
  adj_start_.clear();  // the adjacency is rebuilt on the next Solve
  const int edge = static_cast<int>(capacity_.size()) - 1;
  SetCapacity(edge, capacity);
  return edge;
}

void MinCut::SetCapacity(int edge, double capacity) {
  if (edge < 0) return;
  capacity_[edge] = std::clamp(capacity, 0.0, kInfiniteCapacity);
}

bool MinCut::Bfs(int source, int sink) {
  std::fill(level_.begin(), level_.end(), -1);
  std::vector<int>& queue = next_;  // reused as the BFS queue; Solve resets it afterwards
  size_t read = 0, write = 0;
  level_[source] = 0;
  queue[write++] = source;
  while (read < write) {
    int v = queue[read++];
    // Vertices at or past the sink's level lie on no shortest path: this phase needs no more.
    // (The last BFS never reaches the sink, so it still marks the whole source side.)
    if (level_[sink] >= 0 && level_[v] >= level_[sink]) break;
    for (int i = adj_start_[v]; i < adj_start_[v + 1]; ++i) {
      int arc = adj_[i];
      int to = head_[arc];
      if (residual_[arc] > kEpsilon && level_[to] < 0) {
        level_[to] = level_[v] + 1;
        queue[write++] = to;
      }
    }
  }
  return level_[sink] >= 0;
}

// Pushes up to `limit` from `v` to the sink along level-increasing arcs, through as many paths
// as it takes (one call can saturate a whole fan-out). Depth is bounded by the sink's BFS level.
double MinCut::Dfs(int v, int sink, double limit) {
  if (v == sink) return limit;
  double total = 0;
  for (int& i = next_[v]; i < adj_start_[v + 1]; ++i) {
    int arc = adj_[i];
    int to = head_[arc];
    if (residual_[arc] <= kEpsilon || level_[to] != level_[v] + 1) continue;
    double got = Dfs(to, sink, std::min(limit - total, residual_[arc]));
    if (got > kEpsilon) {
      residual_[arc] -= got;
      residual_[arc ^ 1] += got;
      total += got;
      if (limit - total <= kEpsilon) return total;  // this arc may have room left: keep it current
    }
  }
  return total;
}

// Most of a partitioning network's flow runs source → node → sink (a node's two placement
// costs). Pushing all of it in one pass first leaves Dinic only the paths through copy and
// shared-weight edges, which saves it its first, largest phase.
double MinCut::SaturateTwoArcPaths(int source, int sink) {
  double flow = 0;
  for (int i = adj_start_[source]; i < adj_start_[source + 1]; ++i) {
    const int in = adj_[i];
    const int v = head_[in];
    if (residual_[in] <= kEpsilon || v == sink) continue;
    for (int j = adj_start_[v]; j < adj_start_[v + 1] && residual_[in] > kEpsilon; ++j) {
      const int out = adj_[j];
      if (head_[out] != sink || residual_[out] <= kEpsilon) continue;
      const double pushed = std::min(residual_[in], residual_[out]);
      residual_[in] -= pushed;
      residual_[in ^ 1] += pushed;
      residual_[out] -= pushed;
      residual_[out ^ 1] += pushed;
      flow += pushed;
    }
  }
  return flow;
}

double MinCut::Solve(int source, int sink) {
  const int arcs = static_cast<int>(head_.size());
  if (adj_start_.empty()) {
    // Compressed adjacency: arcs grouped by their tail (the head of the paired arc).
    adj_start_.assign(n_ + 1, 0);
    for (int a = 0; a < arcs; ++a) ++adj_start_[head_[a ^ 1] + 1];
    for (int v = 0; v < n_; ++v) adj_start_[v + 1] += adj_start_[v];
    adj_.resize(arcs);
    std::vector<int> fill(adj_start_.begin(), adj_start_.end() - 1);
    for (int a = 0; a < arcs; ++a) adj_[fill[head_[a ^ 1]]++] = a;
  }
  residual_.resize(arcs);
  for (int e = 0; 2 * e < arcs; ++e) {
    residual_[2 * e] = capacity_[e];
    residual_[2 * e + 1] = 0;
  }
  level_.assign(n_, -1);
  next_.assign(n_, 0);
  double flow = SaturateTwoArcPaths(source, sink);
  while (Bfs(source, sink)) {
    for (int v = 0; v < n_; ++v) next_[v] = adj_start_[v];
    while (true) {
      double pushed = Dfs(source, sink, kInfiniteCapacity);
      if (pushed <= kEpsilon) break;
      flow += pushed;
    }
  }
  // The last BFS marked exactly the vertices reachable from the source (level_ >= 0).
  return flow;
}

}  // namespace tandem::partitioner
