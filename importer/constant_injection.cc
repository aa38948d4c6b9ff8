#include "importer/constant_injection.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace tandem::importer {
namespace {

// Large folded values (e.g. Identity of a weight) are never copied back into the proto: shape
// inference does not need their contents.
constexpr size_t kMaxInjectedBytes = 1 << 16;

}  // namespace

bool HasUnknownShapes(const ir::Graph& graph) {
  for (const ir::Value& v : graph.values()) {
    if (v.kind == ir::ValueKind::kOuterScope) continue;
    if (v.info.type != ir::ValueType::kTensor) continue;
    if (v.info.dtype == ir::DType::kUndefined || !v.info.shape.is_static()) return true;
  }
  return false;
}

int InjectFoldedConstants(const ir::Graph& folded, onnx::ModelProto& model) {
  onnx::GraphProto* g = model.mutable_graph();
  absl::flat_hash_map<std::string, int> producer;  // value name → node index
  for (int n = 0; n < g->node_size(); ++n) {
    for (const auto& out : g->node(n).output()) producer[out] = n;
  }
  absl::flat_hash_set<std::string> injected;
  for (const ir::Value& v : folded.values()) {
    if (v.kind != ir::ValueKind::kInitializer || !producer.contains(v.name)) continue;
    const ir::Tensor& t = *v.initializer;
    if (t.dtype == ir::DType::kString || t.byte_size() > kMaxInjectedBytes) continue;
    onnx::TensorProto* proto = g->add_initializer();
    proto->set_name(v.name);
    proto->set_data_type(static_cast<int>(t.dtype));
    for (int64_t d : t.dims) proto->add_dims(d);
    proto->set_raw_data(t.data.data(), t.data.size());
    injected.insert(v.name);
  }
  if (injected.empty()) return 0;
  // Drop nodes whose outputs are all initializers now; value_info for them is stale too.
  auto* nodes = g->mutable_node();
  int kept = 0;
  for (int n = 0; n < nodes->size(); ++n) {
    bool all = true;
    for (const auto& out : nodes->Get(n).output()) {
      if (!out.empty() && !injected.contains(out)) all = false;
    }
    if (!all) {
      if (kept != n) nodes->SwapElements(kept, n);
      ++kept;
    }
  }
  while (nodes->size() > kept) nodes->RemoveLast();
  auto* infos = g->mutable_value_info();
  for (int i = infos->size() - 1; i >= 0; --i) {
    if (injected.contains(infos->Get(i).name())) infos->DeleteSubrange(i, 1);
  }
  if (model.ir_version() < 4) {  // initializers had to be graph inputs too
    for (const std::string& name : injected) {
      onnx::ValueInfoProto* in = g->add_input();
      in->set_name(name);
      const ir::Tensor& t = *folded.value(*folded.FindValue(name)).initializer;
      auto* tt = in->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(static_cast<int>(t.dtype));
      for (int64_t d : t.dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
    }
  }
  return static_cast<int>(injected.size());
}

}  // namespace tandem::importer
