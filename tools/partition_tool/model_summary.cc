#include "tools/partition_tool/model_summary.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace tandem::tools {
namespace {

using ir::Graph;
using ir::Value;
using ir::ValueKind;

// ---------------------------------------------------------------------------------------------
// Collecting

std::string OpName(const ir::Node& node) {
  return node.domain.empty() ? node.op_type : absl::StrCat(node.domain, ".", node.op_type);
}

std::vector<OpCount> SortedHistogram(const std::map<std::string, int64_t>& counts) {
  std::vector<OpCount> ops;
  for (const auto& [op, n] : counts) ops.push_back({op, n});
  std::stable_sort(ops.begin(), ops.end(),
                   [](const OpCount& a, const OpCount& b) { return a.count > b.count; });
  return ops;  // ties keep std::map's name order
}

class Collector {
 public:
  Collector(ModelSummary* s, const SummaryOptions& options) : s_(s), options_(options) {}

  void Walk(const Graph& g, bool is_body) {
    if (is_body) {
      ++s_->bodies;
      s_->body_nodes += g.num_nodes();
      s_->body_values += g.num_values();
    } else {
      s_->main_nodes = g.num_nodes();
      s_->main_values = g.num_values();
    }
    for (const Value& v : g.values()) VisitValue(g, v);
    for (const ir::Node& node : g.nodes()) {
      ++(is_body ? body_ops_ : main_ops_)[OpName(node)];
      for (const auto& [attr_name, attr] : node.attributes) {
        for (const Graph* body : attr.subgraphs()) Walk(*body, /*is_body=*/true);
      }
    }
  }

  void Finish() {
    s_->ops = SortedHistogram(main_ops_);
    s_->body_ops = SortedHistogram(body_ops_);
    for (const auto& [dtype, p] : by_dtype_) s_->params_by_dtype.push_back(p);
    std::sort(s_->params_by_dtype.begin(), s_->params_by_dtype.end(),
              [](const DTypeParams& a, const DTypeParams& b) {
                if (a.bytes != b.bytes) return a.bytes > b.bytes;
                return ir::DTypeName(a.dtype) < ir::DTypeName(b.dtype);
              });
  }

 private:
  void VisitValue(const Graph& g, const Value& v) {
    if (v.initializer) CountParameter(*v.initializer);
    if (v.kind == ValueKind::kOuterScope) return;  // counted in the graph that defines it
    std::string why = WhyNotStatic(v.info);
    if (why.empty()) return;
    if (static_cast<int>(s_->non_static.size()) < options_.max_listed) {
      s_->non_static.push_back({v.name, v.info, g.name(), false, std::move(why)});
    }
    ++s_->non_static_count;
  }

  // "" when the value is a tensor of fully static shape. The container type wins, because even a
  // sequence of static tensors has a length known only at run time.
  static std::string WhyNotStatic(const ir::TensorInfo& info) {
    switch (info.type) {
      case ir::ValueType::kTensor:
        break;
      case ir::ValueType::kSequence:
        return "sequence";
      case ir::ValueType::kOptional:
      case ir::ValueType::kOptionalSequence:
        return "optional";
      case ir::ValueType::kOther:
        return "non-tensor";
    }
    if (!info.shape.has_rank()) return "unknown rank";
    for (const ir::Dim& d : info.shape.dims()) {
      if (d.is_unknown()) return "unknown dim";
    }
    for (const ir::Dim& d : info.shape.dims()) {
      if (d.is_symbolic()) return "symbolic dim";
    }
    return "";
  }

  void CountParameter(const ir::Tensor& t) {
    // Aliases (Identity of a constant shares its bytes) are found by their storage address.
    // Empty and string tensors have no storage to share and are always distinct.
    if (t.data.size() > 0 && !storage_.insert({t.data.data(), t.data.size()}).second) {
      ++s_->shared_values;
      return;
    }
    DTypeParams& p = by_dtype_[t.dtype];
    p.dtype = t.dtype;
    ++p.tensors;
    p.elements += t.num_elements();
    p.bytes += static_cast<int64_t>(t.byte_size());
    ++s_->param_tensors;
    s_->param_elements += t.num_elements();
    s_->param_bytes += static_cast<int64_t>(t.byte_size());
    (t.data.is_borrowed() ? s_->borrowed_bytes : s_->owned_bytes) +=
        static_cast<int64_t>(t.byte_size());
  }

  ModelSummary* s_;
  const SummaryOptions& options_;
  std::map<std::string, int64_t> main_ops_, body_ops_;
  std::map<ir::DType, DTypeParams> by_dtype_;
  std::set<std::pair<const uint8_t*, size_t>> storage_;
};

// ---------------------------------------------------------------------------------------------
// Text

std::string WithCommas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

// "44.57": bytes in MiB with two decimals.
std::string Mib(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

std::string DomainName(const std::string& domain) { return domain.empty() ? "ai.onnx" : domain; }

// Rows of cells in aligned columns, each line starting with `indent`, columns two spaces apart;
// `right[c]` right-aligns column c. Lines carry no trailing spaces.
std::string Table(const std::vector<std::vector<std::string>>& rows, std::vector<bool> right,
                  const std::string& indent = "  ") {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  right.resize(width.size(), false);
  std::string out;
  for (const auto& row : rows) {
    std::string line = indent;
    for (size_t c = 0; c < row.size(); ++c) {
      std::string pad(width[c] - row[c].size(), ' ');
      if (c > 0) line += "  ";
      line += right[c] ? pad + row[c] : row[c] + pad;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

// "1 node", "2 nodes".
std::string Count(int64_t n, const std::string& noun) {
  return absl::StrCat(WithCommas(n), " ", noun, n == 1 ? "" : "s");
}

std::string ValueRows(const std::vector<NamedInfo>& values, bool with_graph) {
  std::vector<std::vector<std::string>> rows;
  for (const NamedInfo& v : values) {
    std::vector<std::string> row = {v.name, v.info.ToString()};
    if (v.has_default) row.push_back("(has default)");
    if (!v.why.empty()) row.push_back(v.why);
    if (with_graph) row.push_back(absl::StrCat("in ", v.graph));
    rows.push_back(std::move(row));
  }
  return Table(rows, {});
}

std::string OpRows(const std::vector<OpCount>& ops) {
  std::vector<std::vector<std::string>> rows;
  for (const OpCount& op : ops) rows.push_back({op.op, WithCommas(op.count)});
  return Table(rows, {false, true});
}

std::string Header(const ModelSummary& s) {
  std::string opsets;
  for (const auto& [domain, version] : s.opsets) {
    absl::StrAppend(&opsets, opsets.empty() ? "" : ", ", DomainName(domain), " ", version);
  }
  std::string out = Table({{"model", s.path.empty() ? "(in memory)" : s.path},
                           {"producer", s.producer.empty() ? "(none)" : s.producer},
                           {"ir_version", std::to_string(s.ir_version)},
                           {"opsets", opsets.empty() ? "(none)" : opsets},
                           {"graph", absl::StrCat(s.graph_name, ": ", Count(s.main_nodes, "node"),
                                                  ", ", Count(s.main_values, "value"))}},
                          {}, /*indent=*/"");
  if (s.bodies > 0) {
    out.pop_back();
    std::string bodies = s.bodies == 1 ? "1 nested body" : absl::StrCat(s.bodies, " nested bodies");
    absl::StrAppend(&out, "; ", bodies, ": ", Count(s.body_nodes, "node"), ", ",
                    Count(s.body_values, "value"), "\n");
  }
  return out;
}

std::string Parameters(const ModelSummary& s) {
  std::string out =
      absl::StrCat("parameters  ", WithCommas(s.param_tensors), " tensors, ",
                   WithCommas(s.param_elements), " elements, ", FormatBytes(s.param_bytes), "\n");
  if (s.param_tensors == 0) return out;
  std::vector<std::vector<std::string>> rows = {{"dtype", "tensors", "elements", "MiB", "bytes"}};
  for (const DTypeParams& p : s.params_by_dtype) {
    rows.push_back({std::string(ir::DTypeName(p.dtype)), WithCommas(p.tensors),
                    WithCommas(p.elements), Mib(p.bytes), WithCommas(p.bytes)});
  }
  absl::StrAppend(&out, Table(rows, {false, true, true, true, true}));
  absl::StrAppend(&out,
                  Table({{"borrowed", Mib(s.borrowed_bytes) + " MiB",
                          absl::StrCat("(", WithCommas(s.borrowed_bytes), " B)"),
                          "mapped from the model or external-data files"},
                         {"owned", Mib(s.owned_bytes) + " MiB",
                          absl::StrCat("(", WithCommas(s.owned_bytes), " B)"), "in heap memory"}},
                        {false, true, true, false}));
  if (s.shared_values > 0) {
    absl::StrAppend(&out, "  (", s.shared_values,
                    " more initializer values share the bytes of a tensor counted above)\n");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON

nlohmann::ordered_json ShapeJson(const ir::Shape& shape) {
  if (!shape.has_rank()) return nullptr;
  nlohmann::ordered_json dims = nlohmann::ordered_json::array();
  for (const ir::Dim& d : shape.dims()) {
    if (d.is_static()) {
      dims.push_back(d.size());
    } else if (d.is_symbolic()) {
      dims.push_back(d.symbol());
    } else {
      dims.push_back(nullptr);
    }
  }
  return dims;
}

nlohmann::ordered_json ValueJson(const NamedInfo& v, bool with_graph) {
  nlohmann::ordered_json j;
  j["name"] = v.name;
  j["dtype"] = std::string(ir::DTypeName(v.info.dtype));
  j["shape"] = ShapeJson(v.info.shape);
  j["type"] = v.info.ToString();
  if (v.has_default) j["has_default"] = true;
  if (!v.why.empty()) j["why"] = v.why;
  if (with_graph) j["graph"] = v.graph;
  return j;
}

nlohmann::ordered_json OpsJson(const std::vector<OpCount>& ops) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const OpCount& op : ops) j.push_back({{"op", op.op}, {"count", op.count}});
  return j;
}

}  // namespace

ModelSummary Summarize(const ir::Model& model, const SummaryOptions& options) {
  ModelSummary s;
  s.path = model.path;
  // The importer joins name and version with a space, which dangles when the version is empty.
  s.producer = std::string(absl::StripTrailingAsciiWhitespace(model.producer));
  s.ir_version = model.ir_version;
  const Graph& g = *model.graph;
  s.opsets = g.opsets();
  s.graph_name = g.name();
  for (ir::ValueId id : g.inputs()) {
    const Value& v = g.value(id);
    s.inputs.push_back({v.name, v.info, g.name(), v.initializer != nullptr, ""});
  }
  for (ir::ValueId id : g.outputs()) {
    const Value& v = g.value(id);
    s.outputs.push_back({v.name, v.info, g.name(), false, ""});
  }
  Collector collector(&s, options);
  collector.Walk(g, /*is_body=*/false);
  collector.Finish();
  return s;
}

std::string FormatBytes(int64_t bytes) {
  return absl::StrCat(Mib(bytes), " MiB (", WithCommas(bytes), " B)");
}

std::string RenderText(const ModelSummary& s) {
  std::string out = Header(s);
  absl::StrAppend(&out, "\ninputs (", s.inputs.size(), ")\n", ValueRows(s.inputs, false));
  absl::StrAppend(&out, "outputs (", s.outputs.size(), ")\n", ValueRows(s.outputs, false));
  absl::StrAppend(&out, "\n", Parameters(s));
  absl::StrAppend(&out, "\nops: ", Count(s.main_nodes, "node"), ", ",
                  Count(static_cast<int64_t>(s.ops.size()), "type"), "\n", OpRows(s.ops));
  if (s.bodies > 0) {
    absl::StrAppend(&out, "ops in nested bodies: ", Count(s.body_nodes, "node"), ", ",
                    Count(static_cast<int64_t>(s.body_ops.size()), "type"), "\n",
                    OpRows(s.body_ops));
  }
  int64_t all_values = s.main_values + s.body_values;
  if (s.non_static_count == 0) {
    absl::StrAppend(&out, "\nnon-static shapes: none of ", WithCommas(all_values), " values\n");
    return out;
  }
  absl::StrAppend(&out, "\nnon-static shapes: ", WithCommas(s.non_static_count), " of ",
                  WithCommas(all_values), " values\n", ValueRows(s.non_static, s.bodies > 0));
  int64_t unlisted = s.non_static_count - static_cast<int64_t>(s.non_static.size());
  if (unlisted > 0) absl::StrAppend(&out, "  ... and ", WithCommas(unlisted), " more\n");
  return out;
}

nlohmann::ordered_json ToJson(const ModelSummary& s) {
  nlohmann::ordered_json j;
  j["path"] = s.path;
  j["producer"] = s.producer;
  j["ir_version"] = s.ir_version;
  j["opsets"] = nlohmann::ordered_json::object();
  for (const auto& [domain, version] : s.opsets) j["opsets"][DomainName(domain)] = version;
  j["graph"] = {{"name", s.graph_name},       {"nodes", s.main_nodes},
                {"values", s.main_values},    {"bodies", s.bodies},
                {"body_nodes", s.body_nodes}, {"body_values", s.body_values}};
  j["inputs"] = nlohmann::ordered_json::array();
  for (const NamedInfo& v : s.inputs) j["inputs"].push_back(ValueJson(v, false));
  j["outputs"] = nlohmann::ordered_json::array();
  for (const NamedInfo& v : s.outputs) j["outputs"].push_back(ValueJson(v, false));
  j["ops"] = OpsJson(s.ops);
  j["body_ops"] = OpsJson(s.body_ops);

  nlohmann::ordered_json by_dtype = nlohmann::ordered_json::array();
  for (const DTypeParams& p : s.params_by_dtype) {
    by_dtype.push_back({{"dtype", std::string(ir::DTypeName(p.dtype))},
                        {"tensors", p.tensors},
                        {"elements", p.elements},
                        {"bytes", p.bytes}});
  }
  j["parameters"] = {{"tensors", s.param_tensors},     {"elements", s.param_elements},
                     {"bytes", s.param_bytes},         {"borrowed_bytes", s.borrowed_bytes},
                     {"owned_bytes", s.owned_bytes},   {"shared_values", s.shared_values},
                     {"by_dtype", std::move(by_dtype)}};
  nlohmann::ordered_json listed = nlohmann::ordered_json::array();
  for (const NamedInfo& v : s.non_static) listed.push_back(ValueJson(v, true));
  j["non_static"] = {{"count", s.non_static_count}, {"listed", std::move(listed)}};
  return j;
}

}  // namespace tandem::tools
