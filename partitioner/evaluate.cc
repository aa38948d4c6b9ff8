#include "partitioner/evaluate.h"

#include "partitioner/transfer_pass.h"

namespace tandem::partitioner {

double PredictTime(const Problem& problem, const Assignment& assignment) {
  double ms = 0;
  for (int s = 0; s < problem.num_steps(); ++s) {
    ms += problem.node(s).ms[static_cast<int>(assignment[s])];
  }
  for (int v = 0; v < problem.num_values(); ++v) ms += ValueCopyMs(problem, assignment, v);
  return ms;
}

Evaluation Evaluate(const Problem& problem, const Assignment& assignment) {
  Evaluation e;
  for (int s = 0; s < problem.num_steps(); ++s) {
    e.node_ms += problem.node(s).ms[static_cast<int>(assignment[s])];
  }
  for (int v = 0; v < problem.num_values(); ++v) {
    e.transfer_ms += ValueCopyMs(problem, assignment, v);
  }
  e.memory = ComputeMemory(problem, assignment);
  return e;
}

}  // namespace tandem::partitioner
