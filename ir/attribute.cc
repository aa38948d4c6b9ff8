#include "ir/attribute.h"

namespace tandem::ir {

std::vector<const Graph*> Attribute::subgraphs() const {
  std::vector<const Graph*> out;
  if (auto* g = std::get_if<std::shared_ptr<const Graph>>(&value_)) {
    if (*g) out.push_back(g->get());
  } else if (auto* gs = std::get_if<std::vector<std::shared_ptr<const Graph>>>(&value_)) {
    for (const auto& g : *gs) {
      if (g) out.push_back(g.get());
    }
  }
  return out;
}

absl::string_view AttrKindName(AttrKind kind) {
  switch (kind) {
    case AttrKind::kFloat: return "float";
    case AttrKind::kInt: return "int";
    case AttrKind::kString: return "string";
    case AttrKind::kTensor: return "tensor";
    case AttrKind::kGraph: return "graph";
    case AttrKind::kType: return "type";
    case AttrKind::kFloats: return "floats";
    case AttrKind::kInts: return "ints";
    case AttrKind::kStrings: return "strings";
    case AttrKind::kTensors: return "tensors";
    case AttrKind::kGraphs: return "graphs";
    case AttrKind::kTypes: return "types";
  }
  return "?";
}

}  // namespace tandem::ir
