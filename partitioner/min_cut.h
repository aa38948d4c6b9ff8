// Minimum s-t cut by Dinic's max-flow, on real capacities. Used to solve the relaxed partitioning
// problem exactly (lagrangian_assign.cc), many times on one network with changing capacities.
//
// O(V²E) worst case; on the near-chain graphs that networks give, a few BFS/DFS phases. Edges
// are kept in flat arrays (compressed adjacency built once in Solve), so a 10,000-node graph
// costs a few allocations, not one per vertex.
// Not thread-safe; one instance per solve.
#ifndef TANDEM_PARTITIONER_MIN_CUT_H_
#define TANDEM_PARTITIONER_MIN_CUT_H_

#include <cstddef>
#include <vector>

namespace tandem::partitioner {

class MinCut {
 public:
  // Capacities at or above this are infinite (never cut while a finite cut exists).
  static constexpr double kInfiniteCapacity = 1e30;

  explicit MinCut(int num_vertices) : n_(num_vertices) {}
  void ReserveEdges(size_t edges);
  // A directed edge; the cut pays `capacity` when `from` is on the source side and `to` is not.
  // Returns its index for SetCapacity (-1 for a self-loop, which never matters). An edge of
  // capacity 0 is kept, so that a later SetCapacity can raise it.
  int AddEdge(int from, int to, double capacity);
  // Changes an edge's capacity (negative counts as 0) for the next Solve. Ignores index -1.
  void SetCapacity(int edge, double capacity);
  // Runs max-flow from `source` to `sink` from zero flow; returns the cut's value. May be called
  // again after SetCapacity (the network's adjacency is built once).
  double Solve(int source, int sink);
  // After Solve: whether `v` is on the source side (reachable in the residual graph).
  bool OnSourceSide(int v) const { return level_[v] >= 0; }

 private:
  double SaturateTwoArcPaths(int source, int sink);
  bool Bfs(int source, int sink);
  double Dfs(int v, int sink, double pushed);

  int n_;
  // Arc 2i is edge i, arc 2i+1 its reverse.
  std::vector<int> head_;        // by arc: the vertex it points to
  std::vector<double> capacity_; // by edge
  std::vector<double> residual_; // by arc
  std::vector<int> adj_start_;   // by vertex: its arcs are adj_[adj_start_[v] .. adj_start_[v+1])
  std::vector<int> adj_;
  std::vector<int> level_;
  std::vector<int> next_;
};

}  // namespace tandem::partitioner

#endif  // TANDEM_PARTITIONER_MIN_CUT_H_
