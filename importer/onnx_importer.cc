#include "importer/onnx_importer.h"

#include <climits>
#include <exception>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "common/mapped_file.h"
#include "common/status_macros.h"
#include "importer/constant_injection.h"
#include "importer/graph_converter.h"
#include "importer/inference_guards.h"
#include "importer/schema_check.h"
#include "importer/wire_scanner.h"
#include "ir/graph_verifier.h"
#include "onnx/checker.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

namespace tandem::importer {
namespace {

absl::Status Prefix(const std::string& model, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(model, ": ", s.message()));
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

absl::StatusOr<std::map<std::string, int64_t>> ReadOpsets(const onnx::ModelProto& model) {
  if (model.opset_import_size() == 0) {
    return absl::InvalidArgumentError("the model imports no operator set (opset_import is empty)");
  }
  std::map<std::string, int64_t> opsets;
  for (const auto& o : model.opset_import()) {
    std::string domain = o.domain() == "ai.onnx" ? "" : o.domain();
    if (o.version() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("opset import for domain '", domain.empty() ? "ai.onnx" : domain,
                       "' has version ", o.version()));
    }
    // An opset newer than this build's ONNX may have changed what an operator means; its
    // schemas would otherwise silently stand in for the newer ones.
    const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    auto range = known.find(domain);
    if (range != known.end() && o.version() > range->second.second) {
      return absl::UnimplementedError(absl::StrCat(
          "the model imports opset ", o.version(), " of domain '",
          domain.empty() ? "ai.onnx" : domain, "', newer than the latest this build knows (",
          range->second.second, ")"));
    }
    if (!opsets.emplace(domain, o.version()).second) {
      return absl::InvalidArgumentError(absl::StrCat("domain '", o.domain(), "' is imported twice"));
    }
  }
  return opsets;
}

// Turns the main graph's Constant nodes into initializers before shape inference. They are the
// same thing, and old exporters emitted int64 Constants at opsets whose Constant schema allowed
// only floats, which strict inference would otherwise refuse.
void HoistConstants(onnx::ModelProto& model) {
  onnx::GraphProto* g = model.mutable_graph();
  auto* nodes = g->mutable_node();
  int kept = 0;
  for (int i = 0; i < nodes->size(); ++i) {
    onnx::NodeProto* n = nodes->Mutable(i);
    bool hoist = n->op_type() == "Constant" && (n->domain().empty() || n->domain() == "ai.onnx") &&
                 n->output_size() == 1 && !n->output(0).empty() && n->attribute_size() == 1 &&
                 n->attribute(0).name() == "value" && n->attribute(0).has_t();
    if (!hoist) {
      if (kept != i) nodes->SwapElements(kept, i);
      ++kept;
      continue;
    }
    onnx::TensorProto* t = g->add_initializer();
    t->Swap(n->mutable_attribute(0)->mutable_t());
    t->set_name(n->output(0));
    if (model.ir_version() < 4) {  // initializers had to be graph inputs too
      onnx::ValueInfoProto* in = g->add_input();
      in->set_name(t->name());
      auto* tt = in->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(t->data_type());
      auto* shape = tt->mutable_shape();
      for (int64_t d : t->dims()) shape->add_dim()->set_dim_value(d);
    }
  }
  while (nodes->size() > kept) nodes->RemoveLast();
}

// onnx::checker::check_model(ModelProto) as in ONNX 1.12, but with the model's folder set, so that
// its check of external-data files looks next to the model rather than in the working directory.
// (Our resolver has already vetted every location.) Throws onnx::checker::ValidationError.
void RunChecker(const onnx::ModelProto& model, const std::string& model_dir) {
  if (model.ir_version() <= 0) fail_check("the model's ir_version is not set");
  if (model.ir_version() > onnx::IR_VERSION) {
    fail_check("ir_version ", model.ir_version(), " is newer than this ONNX (", onnx::IR_VERSION, ")");
  }
  onnx::checker::CheckerContext ctx;
  ctx.set_ir_version(static_cast<int>(model.ir_version()));
  std::unordered_map<std::string, int> opsets;
  for (const auto& o : model.opset_import()) opsets[o.domain()] = static_cast<int>(o.version());
  ctx.set_opset_imports(opsets);
  ctx.set_model_dir(model_dir);
  onnx::checker::LexicalScopeContext lex;
  onnx::checker::check_graph(model.graph(), ctx, lex);
  if (model.ir_version() >= 8) onnx::checker::check_model_local_functions(model, ctx, lex);
}

// Vets every external-data location of the main graph before anything else touches the files.
absl::Status CheckExternalLocations(const onnx::GraphProto& graph, ExternalDataResolver& resolver) {
  for (const auto& t : graph.initializer()) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) continue;
    for (const auto& entry : t.external_data()) {
      if (entry.key() == "location") {
        TANDEM_RETURN_IF_ERROR(resolver.CheckLocation(t.name(), entry.value()));
      }
    }
  }
  return absl::OkStatus();
}

// Runs ONNX's strict shape inference; collects the values its data propagation computed.
absl::Status InferShapes(onnx::ModelProto& model, ir::KnownValues* known) {
  InstallInferenceGuards();
  try {
    onnx::ShapeInferenceOptions opts{/*check_type=*/true, /*error_mode=*/1,
                                     /*enable_data_propagation=*/true};
    std::unordered_map<std::string, onnx::TensorShapeProto> generated;
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), opts, &generated);
    for (const auto& [name, shape] : generated) {
      std::vector<int64_t> values;
      bool complete = true;
      for (const auto& d : shape.dim()) {
        if (!d.has_dim_value()) complete = false;
        values.push_back(d.dim_value());
      }
      if (complete) known->emplace(name, std::move(values));
    }
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("ONNX shape inference rejected the model: ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status Check(const onnx::ModelProto& model, const std::string& model_dir) {
  try {
    RunChecker(model, model_dir);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("ONNX rejected the model: ", e.what()));
  }
  return absl::OkStatus();
}

void CountBytes(const ir::Graph& g, ImportStats* stats) {
  for (const ir::Value& v : g.values()) {
    if (!v.initializer) continue;
    (v.initializer->data.is_borrowed() ? stats->borrowed_bytes : stats->owned_bytes) +=
        static_cast<int64_t>(v.initializer->byte_size());
  }
}

// `data` must stay valid for the call; `keep_alive` (may be null) owns it when weights may be
// borrowed from it.
absl::StatusOr<ir::Model> Import(const uint8_t* data, size_t size,
                                 std::shared_ptr<const void> keep_alive,
                                 const std::string& model_dir, const std::string& name,
                                 const ImportOptions& options, ImportStats* stats) {
  if (size > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        "the model file is larger than 2 GiB; store its weights as external data");
  }
  std::optional<StrippedModel> stripped;
  if (keep_alive) {
    stripped = StripInitializerPayloads(absl::MakeConstSpan(data, size),
                                        options.borrow_threshold_bytes);
  }
  onnx::ModelProto proto;
  bool parsed = stripped ? proto.ParseFromString(stripped->bytes)
                         : proto.ParseFromArray(data, static_cast<int>(size));
  if (!parsed) {
    return absl::InvalidArgumentError("not a valid ONNX model (truncated or corrupt protobuf)");
  }
  if (!proto.has_graph()) return absl::InvalidArgumentError("the model has no graph");
  TANDEM_ASSIGN_OR_RETURN(auto opsets, ReadOpsets(proto));
  TANDEM_RETURN_IF_ERROR(CheckNodeSchemas(proto, opsets, options.max_subgraph_depth));
  TANDEM_RETURN_IF_ERROR(
      CheckDeclaredShapes(proto.graph(), stripped ? stripped->raw_data : std::vector<std::optional<ByteRange>>{}));
  TANDEM_RETURN_IF_ERROR(CheckMainGraphInputsTyped(proto.graph()));
  ExternalDataResolver resolver(model_dir);
  TANDEM_RETURN_IF_ERROR(CheckExternalLocations(proto.graph(), resolver));
  if (options.run_checker) TANDEM_RETURN_IF_ERROR(Check(proto, model_dir));
  const int onnx_nodes = proto.graph().node_size();
  HoistConstants(proto);

  ConvertOptions convert_options;
  convert_options.max_subgraph_depth = options.max_subgraph_depth;
  GraphConverter converter(opsets, &resolver, keep_alive, data,
                           stripped ? std::move(stripped->raw_data)
                                    : std::vector<std::optional<ByteRange>>{},
                           convert_options);
  ImportStats local;
  local.onnx_nodes = onnx_nodes;
  std::unique_ptr<ir::Graph> graph;
  // Infer → convert → fold, and again while folding makes constant what inference lacked
  // (see constant_injection.h). Each round removes nodes, so few rounds are ever needed.
  constexpr int kMaxRounds = 4;
  for (int round = 0;; ++round) {
    ir::KnownValues known;
    if (options.infer_shapes) TANDEM_RETURN_IF_ERROR(InferShapes(proto, &known));
    TANDEM_ASSIGN_OR_RETURN(graph, converter.ConvertMain(proto.graph()));
    TANDEM_RETURN_IF_ERROR(ir::VerifyGraph(*graph));
    if (!options.fold_constants) break;
    ir::FoldStats fold;
    TANDEM_ASSIGN_OR_RETURN(graph, ir::FoldConstants(*graph, known, &fold));
    TANDEM_RETURN_IF_ERROR(ir::VerifyGraph(*graph));
    local.fold.folded_values += fold.folded_values;
    local.fold.removed_nodes = local.onnx_nodes - graph->num_nodes();
    if (round + 1 == kMaxRounds || !options.infer_shapes || !HasUnknownShapes(*graph)) break;
    if (InjectFoldedConstants(*graph, proto) == 0) break;
  }
  CountBytes(*graph, &local);
  if (stats) *stats = local;

  ir::Model model;
  model.path = name;
  model.producer = proto.producer_version().empty()
                       ? proto.producer_name()
                       : absl::StrCat(proto.producer_name(), " ", proto.producer_version());
  model.ir_version = proto.ir_version();
  model.graph = std::move(graph);
  return model;
}

}  // namespace

absl::StatusOr<ir::Model> ImportModel(const std::string& path, const ImportOptions& options,
                                      ImportStats* stats) {
  auto file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  auto model = Import((*file)->data(), (*file)->size(), *file, DirName(path), path, options, stats);
  // The header scan faulted in pages around every tensor header (read-ahead), weights included.
  (*file)->ReleaseResidentPages();
  if (!model.ok()) return Prefix(path, model.status());
  return model;
}

absl::StatusOr<ir::Model> ImportModelFromBytes(const std::string& bytes, const std::string& name,
                                               const ImportOptions& options, ImportStats* stats) {
  // Weights may be borrowed from the bytes, so the model keeps its own copy of them alive.
  auto owned = std::make_shared<const std::string>(bytes);
  auto model = Import(reinterpret_cast<const uint8_t*>(owned->data()), owned->size(), owned, "",
                      name, options, stats);
  if (!model.ok()) return Prefix(name, model.status());
  return model;
}

}  // namespace tandem::importer
