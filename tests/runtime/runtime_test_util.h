// Helpers for the runtime tests: plans from explicit placements (through the partitioner's own
// transfer pass), device pairs with the checked test double in the GPU's place, and bit-exact
// comparison.
#ifndef TANDEM_TESTS_RUNTIME_RUNTIME_TEST_UTIL_H_
#define TANDEM_TESTS_RUNTIME_RUNTIME_TEST_UTIL_H_

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/cpu_device.h"
#include "executors/fake/checked_host_device.h"
#include "executors/runtime.h"
#include "partitioner/partitioner.h"

namespace tandem::executors::testing {

// A GPU capability that accepts what the CPU executor runs (the checked device computes with
// it); operands it reads on the host are the shape operands, as for the checked device.
inline const partitioner::Capability& CheckedGpuCapability() {
  static const partitioner::FunctionCapability* cap = new partitioner::FunctionCapability(
      [](const ir::Graph& g, const ir::Node& n) -> std::string {
        // Like a GPU, it computes on numeric tensors only.
        for (const auto* ids : {&n.inputs, &n.outputs}) {
          for (ir::ValueId v : *ids) {
            if (!v.valid()) continue;
            const ir::TensorInfo& info = g.value(v).info;
            if (info.type != ir::ValueType::kTensor || info.dtype == ir::DType::kString) {
              return "not a numeric tensor";
            }
          }
        }
        return CpuExecutor::UnsupportedReason(g, n);
      });
  return *cap;
}

// A Plan that places node n (by NodeId) at `placement(n)`, built by the partitioner's BuildPlan
// (so segments, transfers and memory come from the real passes). A placement the device refuses
// falls back to the other device. Budgets: unlimited.
inline absl::StatusOr<partitioner::Plan> PlanWithPlacements(
    const ir::Graph& graph, const std::function<partitioner::Placement(ir::NodeId)>& placement) {
  static const partitioner::CpuCapability cpu;
  auto profile = partitioner::BuiltinProfile("laptop-6gb");
  if (!profile.ok()) return profile.status();
  partitioner::RooflineCostModel cost(*profile);
  partitioner::PartitionOptions options = partitioner::OptionsForProfile(*profile);
  options.cpu_budget_bytes = options.gpu_budget_bytes = int64_t{1} << 50;
  auto p = partitioner::Partitioner::Create(graph, {&cpu, &CheckedGpuCapability()}, cost, options);
  if (!p.ok()) return p.status();
  partitioner::Assignment a(p->problem().num_steps());
  for (int s = 0; s < p->problem().num_steps(); ++s) {
    const partitioner::ProblemNode& node = p->problem().node(s);
    a[s] = placement(node.id);
    if (!node.allowed(a[s])) a[s] = node.allowed(partitioner::Placement::kCpu) ? partitioner::Placement::kCpu
                                                                               : partitioner::Placement::kGpu;
  }
  return partitioner::BuildPlan(graph, p->problem(), a, "test");
}

struct DevicePair {
  std::unique_ptr<CpuDevice> cpu;
  std::unique_ptr<CheckedHostDevice> gpu;
  RuntimeDevices devices() const { return {cpu.get(), gpu.get()}; }
};

inline DevicePair MakeDevices(int64_t cpu_budget = -1, int64_t gpu_budget = -1,
                              CpuExecutorOptions executor = {}) {
  DevicePair d;
  d.cpu = std::make_unique<CpuDevice>(CpuDeviceOptions{cpu_budget, executor});
  d.gpu = std::make_unique<CheckedHostDevice>(CheckedHostDeviceOptions{gpu_budget, executor});
  return d;
}

// "" when equal bit for bit; otherwise what differs.
inline std::string BitDifference(const std::vector<ir::Tensor>& got, const std::vector<ir::Tensor>& want) {
  if (got.size() != want.size()) return "output count differs";
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i].dtype != want[i].dtype || got[i].dims != want[i].dims) {
      return "output " + std::to_string(i) + ": dtype or shape differs";
    }
    if (got[i].strings != want[i].strings) return "output " + std::to_string(i) + ": strings differ";
    if (got[i].byte_size() != want[i].byte_size() ||
        (got[i].byte_size() > 0 &&
         std::memcmp(got[i].data.data(), want[i].data.data(), got[i].byte_size()) != 0)) {
      return "output " + std::to_string(i) + ": bytes differ";
    }
  }
  return "";
}

}  // namespace tandem::executors::testing

#endif  // TANDEM_TESTS_RUNTIME_RUNTIME_TEST_UTIL_H_
