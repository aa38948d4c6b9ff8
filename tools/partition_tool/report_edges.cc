#include "tools/partition_tool/report_edges.h"

#include <cstdio>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tandem::tools {

using partitioner::DeviceKind;
using partitioner::DeviceOf;

std::string NodeLabel(const ir::Graph& g, ir::NodeId id) {
  const ir::Node& n = g.node(id);
  return n.name.empty() ? absl::StrCat(n.op_type, "#", id.value) : n.name;
}

std::string ShortBytes(int64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  char buf[32];
  if (bytes < (int64_t{1} << 20)) {
    std::snprintf(buf, sizeof(buf), "%.1f KiB", static_cast<double>(bytes) / 1024);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f MiB", static_cast<double>(bytes) / (1 << 20));
  }
  return buf;
}

std::vector<ReportEdge> PlanEdges(const ir::Graph& g, const PartitionReport& r) {
  const std::vector<partitioner::Placement> placed = r.plan.Placements(g.num_nodes());
  std::map<std::pair<int, DeviceKind>, const partitioner::Transfer*> copies;
  for (const partitioner::Transfer& t : r.plan.transfers) {
    if (!t.streamed_weight) copies[{t.value.value, t.to}] = &t;
  }
  // Where a value lives: graph inputs on the host, activations where their producer runs.
  auto home = [&](const ir::Value& v) {
    return v.kind == ir::ValueKind::kNodeOutput && v.producer.valid()
               ? DeviceOf(placed[v.producer.value])
               : DeviceKind::kCpu;
  };
  auto edge_to = [&](const ir::Value& v, int value, int consumer, DeviceKind read_on) {
    ReportEdge e;
    e.value = value;
    e.producer = v.kind == ir::ValueKind::kNodeOutput && v.producer.valid() ? v.producer.value : -1;
    e.consumer = consumer;
    if (read_on != home(v)) {
      auto it = copies.find({value, read_on});
      if (it != copies.end()) e.copy = it->second;
    }
    return e;
  };
  std::vector<ReportEdge> edges;
  for (const partitioner::Segment& s : r.plan.segments) {
    for (const partitioner::PlacedNode& pn : s.nodes) {
      const ir::Node& node = g.node(pn.node);
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        const ir::ValueId id = node.inputs[i];
        if (!id.valid()) continue;
        bool repeat = false;  // a node reading the same value twice gets one edge
        for (size_t j = 0; j < i; ++j) repeat = repeat || node.inputs[j] == id;
        const ir::Value& v = g.value(id);
        if (repeat || (v.kind != ir::ValueKind::kNodeOutput && v.kind != ir::ValueKind::kGraphInput)) {
          continue;
        }
        DeviceKind read_on = DeviceOf(pn.placement);
        if (r.host_operands.count({pn.node.value, static_cast<int>(i)})) read_on = DeviceKind::kCpu;
        edges.push_back(edge_to(v, id.value, pn.node.value, read_on));
      }
    }
  }
  for (ir::ValueId out : g.outputs()) {
    const ir::Value& v = g.value(out);
    if (v.kind != ir::ValueKind::kNodeOutput && v.kind != ir::ValueKind::kGraphInput) continue;
    edges.push_back(edge_to(v, out.value, -1, DeviceKind::kCpu));
  }
  return edges;
}

}  // namespace tandem::tools
