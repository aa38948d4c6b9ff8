#include "importer/inference_guards.h"

#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "onnx/defs/schema.h"
#include "onnx/defs/shape_inference.h"

namespace tandem::importer {
namespace {

// Which values an axis attribute may take, for an input of rank r.
enum class AxisRange {
  kAxis,           // [-r, r)
  kAxisInclusive,  // [-r, r]   (Flatten: the split point may be after the last dim)
};

struct AxisRule {
  const char* op;
  const char* attribute;  // INT ("axis") or INTS ("axes")
  int input;              // whose rank bounds the attribute
  AxisRange range;
};

// ONNX 1.12 inference functions that read or index with these attributes unchecked.
constexpr AxisRule kAxisRules[] = {
    {"LayerNormalization", "axis", 0, AxisRange::kAxis},
    {"Softmax", "axis", 0, AxisRange::kAxis},
    {"LogSoftmax", "axis", 0, AxisRange::kAxis},
    {"Hardmax", "axis", 0, AxisRange::kAxis},
    {"ArgMax", "axis", 0, AxisRange::kAxis},
    {"ArgMin", "axis", 0, AxisRange::kAxis},
    {"Gather", "axis", 0, AxisRange::kAxis},
    {"GatherElements", "axis", 0, AxisRange::kAxis},
    {"ScatterElements", "axis", 0, AxisRange::kAxis},
    {"Concat", "axis", 0, AxisRange::kAxis},
    {"Split", "axis", 0, AxisRange::kAxis},
    {"Compress", "axis", 0, AxisRange::kAxis},
    {"TopK", "axis", 0, AxisRange::kAxis},
    {"Flatten", "axis", 0, AxisRange::kAxisInclusive},
    {"QuantizeLinear", "axis", 0, AxisRange::kAxis},
    {"DequantizeLinear", "axis", 0, AxisRange::kAxis},
};

// Inputs holding a shape (or per-dimension values): ONNX 1.12 makes one output dimension per
// element, so a shape input declared [2^40] makes inference allocate 2^40 dimensions (found by
// fuzzing: Reshape fed by a ConstantOfShape of a huge count). A length past kMaxRank is refused.
struct ShapeInputRule {
  const char* op;
  int input;
};

constexpr ShapeInputRule kShapeInputRules[] = {
    {"Reshape", 1}, {"Expand", 1}, {"ConstantOfShape", 0}, {"Tile", 1},  {"Resize", 2}, {"Resize", 3},
    {"Upsample", 1}, {"Unsqueeze", 1}, {"Squeeze", 1},      {"Pad", 1},   {"Slice", 1},  {"Slice", 3},
    {"ReduceSum", 1},
};

// Inputs whose rank ONNX 1.12's inference assumes without checking (it reads dim(1) of a rank-1
// Gemm operand, dims 1 and 2 of a scalar STFT signal, dim 2 of a rank-1 GRU input: found by
// fuzzing).
struct RankRule {
  const char* op;
  int input;
  int rank;
};

constexpr RankRule kRankRules[] = {
    {"Gemm", 0, 2}, {"Gemm", 1, 2}, {"STFT", 0, 3},
    // RNNShapeInference reads dims 0..2 of X, W and R.
    {"RNN", 0, 3},  {"RNN", 1, 3},  {"RNN", 2, 3},  {"GRU", 0, 3}, {"GRU", 1, 3},
    {"GRU", 2, 3},  {"LSTM", 0, 3}, {"LSTM", 1, 3}, {"LSTM", 2, 3}};

// Pairs of inputs whose ranks ONNX 1.12 assumes equal: convPoolShapeInference reads the weight's
// dim(2 + i) for every spatial dim i of the data (ConvInteger with x rank 3 and w rank 4: found
// by fuzzing).
struct SameRankRule {
  const char* op;
  int data;
  int weight;
};

constexpr SameRankRule kSameRankRules[] = {
    {"Conv", 0, 1}, {"ConvInteger", 0, 1}, {"ConvTranspose", 0, 1}, {"QLinearConv", 0, 3}};

// Integer attributes that count inputs, which ONNX 1.12 sizes vectors by unchecked (Scan with
// num_scan_inputs = 2^40 asks for a 8 TiB vector: found by the mutator test under ASan).
struct InputCountRule {
  const char* op;
  const char* attribute;
};

constexpr InputCountRule kInputCountRules[] = {{"Scan", "num_scan_inputs"}};

// Far above any real model's rank (ONNX sets no limit; XNNPACK stops at 6, cuDNN at 8).
constexpr int64_t kMaxRank = 64;

// The rank of input `index` when the context knows it, else -1.
int64_t KnownRank(const onnx::InferenceContext& ctx, int index) {
  if (static_cast<size_t>(index) >= ctx.getNumInputs()) return -1;
  const onnx::TypeProto* type = ctx.getInputType(index);
  if (type == nullptr || !type->has_tensor_type() || !type->tensor_type().has_shape()) return -1;
  return type->tensor_type().shape().dim_size();
}

void CheckAxis(const AxisRule& rule, int64_t axis, int64_t rank) {
  const int64_t high = rule.range == AxisRange::kAxisInclusive ? rank : rank - 1;
  if (axis < -rank || axis > high) {
    fail_shape_inference("attribute '", rule.attribute, "' = ", axis, " is out of range for input ", rule.input,
                         " of rank ", rank, " (allowed: ", -rank, "..", high, ")");
  }
}

void Guard(const AxisRule& rule, onnx::InferenceContext& ctx) {
  const onnx::AttributeProto* attr = ctx.getAttribute(rule.attribute);
  if (attr == nullptr) return;
  const int64_t rank = KnownRank(ctx, rule.input);
  if (rank < 0) return;
  if (attr->has_i()) CheckAxis(rule, attr->i(), rank);
  for (int64_t axis : attr->ints()) CheckAxis(rule, axis, rank);
}

void Guard(const ShapeInputRule& rule, onnx::InferenceContext& ctx) {
  if (static_cast<size_t>(rule.input) >= ctx.getNumInputs()) return;
  const onnx::TypeProto* type = ctx.getInputType(rule.input);
  if (type == nullptr || !type->has_tensor_type() || !type->tensor_type().has_shape()) return;
  const onnx::TensorShapeProto& shape = type->tensor_type().shape();
  if (shape.dim_size() == 1 && shape.dim(0).has_dim_value() && shape.dim(0).dim_value() > kMaxRank) {
    fail_shape_inference("input ", rule.input, " holds ", shape.dim(0).dim_value(),
                         " values, one per dimension; tandem supports at most ", kMaxRank, " dimensions");
  }
}

void Guard(const RankRule& rule, onnx::InferenceContext& ctx) {
  const int64_t rank = KnownRank(ctx, rule.input);
  if (rank >= 0 && rank != rule.rank) {
    fail_shape_inference("input ", rule.input, " has rank ", rank, "; ", rule.op, " needs rank ", rule.rank);
  }
}

void Guard(const InputCountRule& rule, onnx::InferenceContext& ctx) {
  const onnx::AttributeProto* attr = ctx.getAttribute(rule.attribute);
  if (attr == nullptr || !attr->has_i()) return;
  const int64_t inputs = static_cast<int64_t>(ctx.getNumInputs());
  if (attr->i() < 0 || attr->i() > inputs) {
    fail_shape_inference("attribute '", rule.attribute, "' = ", attr->i(), " but the node has ", inputs, " inputs");
  }
}

void Guard(const SameRankRule& rule, onnx::InferenceContext& ctx) {
  const int64_t data = KnownRank(ctx, rule.data), weight = KnownRank(ctx, rule.weight);
  if (data >= 0 && weight >= 0 && data != weight) {
    fail_shape_inference("input ", rule.data, " has rank ", data, " but the weight (input ", rule.weight,
                         ") has rank ", weight, "; they must be equal");
  }
}

// Wraps every version of `op`'s schema in the default domain with `guard` (run first).
template <typename Rule>
void WrapSchemas(const Rule& rule, std::set<std::pair<const onnx::OpSchema*, const void*>>* wrapped) {
  const auto& registry = *onnx::OpSchemaRegistry::Instance();
  const int max_version = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map().at(onnx::ONNX_DOMAIN).second;
  for (int version = 1; version <= max_version; ++version) {
    const onnx::OpSchema* schema = registry.GetSchema(rule.op, version, onnx::ONNX_DOMAIN);
    if (schema == nullptr || !schema->has_type_and_shape_inference_function()) continue;
    // Each schema once per rule; a schema may carry several rules' guards (Resize, Slice).
    if (!wrapped->insert({schema, &rule}).second) continue;
    onnx::InferenceFunction original = schema->GetTypeAndShapeInferenceFunction();
    // The registry hands out const schemas; they live for the process and are otherwise only
    // read. This runs once, before any inference (see InstallInferenceGuards).
    const_cast<onnx::OpSchema*>(schema)->TypeAndShapeInferenceFunction(
        [rule, original](onnx::InferenceContext& ctx) {
          Guard(rule, ctx);
          original(ctx);
        });
  }
}

// ONNX 1.12's data-propagation functions (Shape's among them) read their first input's type
// without checking that inference produced one; after an upstream node failed to infer, that
// is a null dereference (found by fuzzing). Propagation only adds information, so a node whose
// first input has no type simply propagates nothing.
void GuardDataPropagation() {
  const auto& registry = *onnx::OpSchemaRegistry::Instance();
  for (const onnx::OpSchema& copy : onnx::OpSchemaRegistry::get_all_schemas_with_history()) {
    if (!copy.has_data_propagation_function()) continue;
    const onnx::OpSchema* schema = registry.GetSchema(copy.Name(), copy.SinceVersion(), copy.domain());
    if (schema == nullptr || schema->SinceVersion() != copy.SinceVersion()) continue;
    onnx::DataPropagationFunction original = schema->GetDataPropagationFunction();
    const_cast<onnx::OpSchema*>(schema)->PartialDataPropagationFunction(
        [original](onnx::DataPropagationContext& ctx) {
          if (ctx.getNumInputs() > 0 && ctx.getInputType(0) == nullptr) return;
          original(ctx);
        });
  }
}

}  // namespace

void InstallInferenceGuards() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::set<std::pair<const onnx::OpSchema*, const void*>> wrapped;
    for (const AxisRule& rule : kAxisRules) WrapSchemas(rule, &wrapped);
    for (const ShapeInputRule& rule : kShapeInputRules) WrapSchemas(rule, &wrapped);
    for (const RankRule& rule : kRankRules) WrapSchemas(rule, &wrapped);
    for (const InputCountRule& rule : kInputCountRules) WrapSchemas(rule, &wrapped);
    for (const SameRankRule& rule : kSameRankRules) WrapSchemas(rule, &wrapped);
    GuardDataPropagation();
  });
}

}  // namespace tandem::importer
