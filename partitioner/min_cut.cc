#include "partitioner/min_cut.h"

#include <algorithm>

namespace tandem::partitioner {
namespace {

// Residual capacities below this are treated as zero (capacities are milliseconds).
constexpr double kEpsilon = 1e-12;

}  // namespace

void MinCut::ReserveEdges(size_t edges) {
  head_.reserve(2 * edges);
  residual_.reserve(2 * edges);
}

void MinCut::AddEdge(int from, int to, double capacity) {
  if (capacity <= 0 || from == to) return;
  head_.push_back(to);
  residual_.push_back(std::min(capacity, kInfiniteCapacity));
  head_.push_back(from);
  residual_.push_back(0);
}

bool MinCut::Bfs(int source, int sink) {
  std::fill(level_.begin(), level_.end(), -1);
  std::vector<int>& queue = next_;  // reused as the BFS queue; Solve resets it afterwards
  size_t read = 0, write = 0;
  level_[source] = 0;
  queue[write++] = source;
  while (read < write) {
    int v = queue[read++];
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

// Depth is bounded by the sink's BFS level.
double MinCut::Dfs(int v, int sink, double pushed) {
  if (v == sink) return pushed;
  for (int& i = next_[v]; i < adj_start_[v + 1]; ++i) {
    int arc = adj_[i];
    int to = head_[arc];
    if (residual_[arc] <= kEpsilon || level_[to] != level_[v] + 1) continue;
    double got = Dfs(to, sink, std::min(pushed, residual_[arc]));
    if (got > kEpsilon) {
      residual_[arc] -= got;
      residual_[arc ^ 1] += got;
      return got;
    }
  }
  return 0;
}

double MinCut::Solve(int source, int sink) {
  // Compressed adjacency: arcs grouped by their tail (the head of the paired arc).
  adj_start_.assign(n_ + 1, 0);
  const int arcs = static_cast<int>(head_.size());
  for (int a = 0; a < arcs; ++a) ++adj_start_[head_[a ^ 1] + 1];
  for (int v = 0; v < n_; ++v) adj_start_[v + 1] += adj_start_[v];
  adj_.resize(arcs);
  std::vector<int> fill(adj_start_.begin(), adj_start_.end() - 1);
  for (int a = 0; a < arcs; ++a) adj_[fill[head_[a ^ 1]]++] = a;
  level_.assign(n_, -1);
  next_.assign(n_, 0);
  double flow = 0;
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
