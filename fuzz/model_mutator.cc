#include "fuzz/model_mutator.h"

#include <limits>
#include <string>
#include <vector>

namespace tandem::fuzz {
namespace {

using Rng = std::mt19937_64;

size_t Pick(Rng& rng, size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }
bool Coin(Rng& rng) { return Pick(rng, 2) == 0; }

// Values at the edges of what importers check: zero, negatives, int32/int64 limits, sizes whose
// products overflow, and small ordinary values.
int64_t InterestingInt(Rng& rng) {
  static constexpr int64_t kValues[] = {0,
                                        1,
                                        -1,
                                        2,
                                        3,
                                        -2,
                                        7,
                                        64,
                                        std::numeric_limits<int32_t>::max(),
                                        std::numeric_limits<int32_t>::min(),
                                        int64_t{1} << 31,
                                        int64_t{1} << 32,
                                        int64_t{1} << 40,
                                        int64_t{1} << 62,
                                        std::numeric_limits<int64_t>::max(),
                                        std::numeric_limits<int64_t>::min()};
  if (Pick(rng, 3) == 0) return static_cast<int64_t>(Pick(rng, 16));
  return kValues[Pick(rng, std::size(kValues))];
}

void CollectGraphs(onnx::GraphProto* graph, int depth, std::vector<onnx::GraphProto*>* out) {
  out->push_back(graph);
  if (depth > 16) return;
  for (onnx::NodeProto& node : *graph->mutable_node()) {
    for (onnx::AttributeProto& attr : *node.mutable_attribute()) {
      if (attr.has_g()) CollectGraphs(attr.mutable_g(), depth + 1, out);
      for (onnx::GraphProto& g : *attr.mutable_graphs()) CollectGraphs(&g, depth + 1, out);
    }
  }
}

// Every name a node in `graph` could read: inputs, initializers, node outputs, plus names that
// exist nowhere or are special.
std::vector<std::string> ValueNames(const onnx::GraphProto& graph) {
  std::vector<std::string> names = {"", "undefined_value", "..", std::string(300, 'x')};
  for (const auto& v : graph.input()) names.push_back(v.name());
  for (const auto& t : graph.initializer()) names.push_back(t.name());
  for (const auto& n : graph.node()) {
    for (const auto& o : n.output()) names.push_back(o);
  }
  return names;
}

std::vector<onnx::TensorProto*> Tensors(onnx::GraphProto* graph) {
  std::vector<onnx::TensorProto*> tensors;
  for (auto& t : *graph->mutable_initializer()) tensors.push_back(&t);
  for (auto& n : *graph->mutable_node()) {
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_t()) tensors.push_back(a.mutable_t());
    }
  }
  return tensors;
}

std::vector<onnx::ValueInfoProto*> ValueInfos(onnx::GraphProto* graph) {
  std::vector<onnx::ValueInfoProto*> infos;
  for (auto& v : *graph->mutable_input()) infos.push_back(&v);
  for (auto& v : *graph->mutable_output()) infos.push_back(&v);
  for (auto& v : *graph->mutable_value_info()) infos.push_back(&v);
  return infos;
}

constexpr const char* kOpTypes[] = {"Add",     "Conv",   "MatMul",    "Gemm",      "Relu",   "Reshape",
                                    "Concat",  "Slice",  "Gather",    "Transpose", "Split",  "If",
                                    "Loop",    "Scan",   "Resize",    "Pad",       "Cast",   "Expand",
                                    "Tile",    "TopK",   "Softmax",   "LSTM",      "Unique", "ConstantOfShape",
                                    "Range",   "Einsum", "NonZero",   "Constant",  "Shape",  "Identity",
                                    "NoSuchOp", "Where", "ReduceSum", "Flatten",   "Squeeze", "Unsqueeze"};

bool MutateNode(onnx::GraphProto* graph, Rng& rng) {
  if (graph->node_size() == 0) return false;
  onnx::NodeProto* node = graph->mutable_node(static_cast<int>(Pick(rng, graph->node_size())));
  switch (Pick(rng, 7)) {
    case 0: {  // read another value (or a missing / empty one)
      const std::vector<std::string> names = ValueNames(*graph);
      const std::string& name = names[Pick(rng, names.size())];
      if (node->input_size() == 0 || Pick(rng, 4) == 0) {
        node->add_input(name);
      } else {
        node->set_input(static_cast<int>(Pick(rng, node->input_size())), name);
      }
      return true;
    }
    case 1: {  // write an existing name (duplicate producers, shadowed initializers, cycles)
      const std::vector<std::string> names = ValueNames(*graph);
      const std::string& name = names[Pick(rng, names.size())];
      if (node->output_size() == 0 || Pick(rng, 4) == 0) {
        node->add_output(name);
      } else {
        node->set_output(static_cast<int>(Pick(rng, node->output_size())), name);
      }
      return true;
    }
    case 2:  // drop an input or output
      if (node->input_size() > 0 && Coin(rng)) {
        node->mutable_input()->RemoveLast();
      } else if (node->output_size() > 0) {
        node->mutable_output()->RemoveLast();
      }
      return true;
    case 3:
      node->set_op_type(kOpTypes[Pick(rng, std::size(kOpTypes))]);
      return true;
    case 4:
      node->set_domain(Coin(rng) ? "com.example.unknown" : (Coin(rng) ? "ai.onnx.ml" : "ai.onnx"));
      return true;
    case 5: {  // drop, duplicate or move the node
      const int index = static_cast<int>(Pick(rng, graph->node_size()));
      const int other = static_cast<int>(Pick(rng, graph->node_size()));
      switch (Pick(rng, 3)) {
        case 0:
          graph->mutable_node()->DeleteSubrange(index, 1);
          break;
        case 1:
          *graph->add_node() = graph->node(index);
          break;
        default:
          graph->mutable_node()->SwapElements(index, other);
      }
      return true;
    }
    default:
      node->set_name(Coin(rng) ? "" : graph->node(static_cast<int>(Pick(rng, graph->node_size()))).name());
      return true;
  }
}

bool MutateAttribute(onnx::GraphProto* graph, Rng& rng) {
  std::vector<onnx::NodeProto*> with_attributes;
  for (auto& n : *graph->mutable_node()) {
    if (n.attribute_size() > 0) with_attributes.push_back(&n);
  }
  if (with_attributes.empty()) return false;
  onnx::NodeProto* node = with_attributes[Pick(rng, with_attributes.size())];
  onnx::AttributeProto* attr = node->mutable_attribute(static_cast<int>(Pick(rng, node->attribute_size())));
  switch (Pick(rng, 6)) {
    case 0:
      attr->set_i(InterestingInt(rng));
      return true;
    case 1:
      if (attr->ints_size() > 0 && Coin(rng)) {
        attr->set_ints(static_cast<int>(Pick(rng, attr->ints_size())), InterestingInt(rng));
      } else if (Coin(rng) && attr->ints_size() > 0) {
        attr->mutable_ints()->RemoveLast();
      } else {
        attr->add_ints(InterestingInt(rng));
      }
      return true;
    case 2:  // declared type disagrees with the payload
      attr->set_type(static_cast<onnx::AttributeProto::AttributeType>(Pick(rng, 15)));
      return true;
    case 3:
      node->mutable_attribute()->DeleteSubrange(static_cast<int>(Pick(rng, node->attribute_size())), 1);
      return true;
    case 4:
      attr->set_f(Coin(rng) ? std::numeric_limits<float>::quiet_NaN() : -1e30f);
      return true;
    default:
      *node->add_attribute() = *attr;  // the same attribute twice
      return true;
  }
}

bool MutateTensor(onnx::GraphProto* graph, Rng& rng) {
  std::vector<onnx::TensorProto*> tensors = Tensors(graph);
  if (tensors.empty()) return false;
  onnx::TensorProto* t = tensors[Pick(rng, tensors.size())];
  switch (Pick(rng, 6)) {
    case 0:
      if (t->dims_size() > 0 && Coin(rng)) {
        t->set_dims(static_cast<int>(Pick(rng, t->dims_size())), InterestingInt(rng));
      } else if (t->dims_size() > 0 && Coin(rng)) {
        t->mutable_dims()->RemoveLast();
      } else {
        t->add_dims(InterestingInt(rng));
      }
      return true;
    case 1:
      t->set_data_type(static_cast<int32_t>(Pick(rng, 24)));
      return true;
    case 2:
      if (!t->raw_data().empty()) {
        t->mutable_raw_data()->resize(Pick(rng, t->raw_data().size() * 2 + 1));
      } else {
        t->add_float_data(1.0f);
        t->add_int64_data(InterestingInt(rng));
      }
      return true;
    case 3: {  // external data with hostile entries
      t->set_data_location(onnx::TensorProto::EXTERNAL);
      auto* location = t->add_external_data();
      location->set_key(Coin(rng) ? "location" : (Coin(rng) ? "offset" : "length"));
      static constexpr const char* kValues[] = {"../../etc/passwd", "/etc/passwd", "weights.bin", "-1",
                                                "9223372036854775807", "x", ""};
      location->set_value(kValues[Pick(rng, std::size(kValues))]);
      return true;
    }
    case 4:
      t->add_string_data("not a number");
      return true;
    default:
      t->set_name(ValueNames(*graph)[Pick(rng, ValueNames(*graph).size())]);
      return true;
  }
}

bool MutateValueInfo(onnx::GraphProto* graph, Rng& rng) {
  std::vector<onnx::ValueInfoProto*> infos = ValueInfos(graph);
  if (infos.empty()) return false;
  onnx::ValueInfoProto* info = infos[Pick(rng, infos.size())];
  onnx::TypeProto* type = info->mutable_type();
  switch (Pick(rng, 5)) {
    case 0:
      type->mutable_tensor_type()->set_elem_type(static_cast<int32_t>(Pick(rng, 24)));
      return true;
    case 1: {
      onnx::TensorShapeProto* shape = type->mutable_tensor_type()->mutable_shape();
      if (shape->dim_size() > 0 && Coin(rng)) {
        shape->mutable_dim(static_cast<int>(Pick(rng, shape->dim_size())))->set_dim_value(InterestingInt(rng));
      } else if (Coin(rng)) {
        shape->add_dim()->set_dim_param(Coin(rng) ? "N" : "");
      } else {
        shape->add_dim()->set_dim_value(InterestingInt(rng));
      }
      return true;
    }
    case 2:
      type->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(1);
      return true;
    case 3:
      info->set_name(ValueNames(*graph)[Pick(rng, ValueNames(*graph).size())]);
      return true;
    default:  // drop a graph input or output
      if (graph->output_size() > 0 && Coin(rng)) {
        graph->mutable_output()->RemoveLast();
      } else if (graph->input_size() > 0) {
        graph->mutable_input()->RemoveLast();
      }
      return true;
  }
}

void MutateOpsets(onnx::ModelProto* model, Rng& rng) {
  switch (Pick(rng, 4)) {
    case 0:
      if (model->opset_import_size() > 0) {
        model->mutable_opset_import(0)->set_version(static_cast<int64_t>(Pick(rng, 30)) - 2);
      }
      return;
    case 1:
      model->mutable_opset_import()->Clear();
      return;
    case 2: {
      auto* opset = model->add_opset_import();
      opset->set_domain(Coin(rng) ? "com.example.unknown" : "ai.onnx.ml");
      opset->set_version(InterestingInt(rng));
      return;
    }
    default:
      model->set_ir_version(InterestingInt(rng));
  }
}

// A model-local function, sometimes calling itself.
void AddFunction(onnx::ModelProto* model, Rng& rng) {
  onnx::FunctionProto* f = model->add_functions();
  f->set_name("F");
  f->set_domain("local");
  f->add_input("x");
  f->add_output("y");
  onnx::NodeProto* body = f->add_node();
  body->set_op_type(Coin(rng) ? "F" : "Relu");
  body->set_domain(body->op_type() == "F" ? "local" : "");
  body->add_input("x");
  body->add_output("y");
  auto* opset = model->add_opset_import();
  opset->set_domain("local");
  opset->set_version(1);
  if (model->graph().node_size() > 0) {
    onnx::NodeProto* node = model->mutable_graph()->mutable_node(0);
    node->set_op_type("F");
    node->set_domain("local");
  }
}

}  // namespace

void MutateModel(onnx::ModelProto* model, std::mt19937_64& rng) {
  std::vector<onnx::GraphProto*> graphs;
  CollectGraphs(model->mutable_graph(), 0, &graphs);
  onnx::GraphProto* graph = graphs[Pick(rng, graphs.size())];
  // A few attempts, since a chosen mutation may not apply (no attributes, no tensors).
  for (int attempt = 0; attempt < 4; ++attempt) {
    switch (Pick(rng, 10)) {
      case 0:
      case 1:
      case 2:
        if (MutateNode(graph, rng)) return;
        break;
      case 3:
      case 4:
        if (MutateAttribute(graph, rng)) return;
        break;
      case 5:
      case 6:
        if (MutateTensor(graph, rng)) return;
        break;
      case 7:
        if (MutateValueInfo(graph, rng)) return;
        break;
      case 8:
        MutateOpsets(model, rng);
        return;
      default:
        AddFunction(model, rng);
        return;
    }
  }
}

}  // namespace tandem::fuzz
