#include "partitioner/cost_table.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace tandem::partitioner {
namespace {

using Json = nlohmann::ordered_json;
constexpr char kFormat[] = "tandem-cost-table";
constexpr int kVersion = 1;

Json OptionalMs(const std::optional<double>& ms) { return ms ? Json(*ms) : Json(nullptr); }

Json DeviceToJson(const MeasuredDevice& d) {
  Json j;
  j["measured"] = d.measured;
  if (!d.name.empty()) j["name"] = d.name;
  if (d.measured) {
    j["threads"] = d.threads;
    j["runs"] = d.runs;
    j["warmup"] = d.warmup;
    j["statistic"] = "median";
    j["run_ms"] = OptionalMs(d.run_ms);
  }
  if (!d.note.empty()) j["note"] = d.note;
  return j;
}

absl::Status Bad(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("cost table field '", field, "': ", why));
}

// A time in ms: a number >= 0, or null / absent (not measured).
absl::StatusOr<std::optional<double>> MsField(const Json& obj, const std::string& key,
                                              const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number() || it->get<double>() < 0) {
    return Bad(where + key, "must be a number >= 0 or null");
  }
  return std::optional<double>(it->get<double>());
}

absl::StatusOr<MeasuredDevice> DeviceFromJson(const Json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where, "must be an object");
  MeasuredDevice d;
  d.measured = j.value("measured", false);
  d.name = j.value("name", "");
  d.note = j.value("note", "");
  d.threads = j.value("threads", 0);
  d.runs = j.value("runs", 0);
  d.warmup = j.value("warmup", 0);
  auto run_ms = MsField(j, "run_ms", where + ".");
  if (!run_ms.ok()) return run_ms.status();
  d.run_ms = *run_ms;
  return d;
}

}  // namespace

std::string CostTableToJson(const CostTable& t) {
  Json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["model"] = t.model;
  j["nodes_in_model"] = t.nodes_in_model;
  j["devices"] = {{"cpu", DeviceToJson(t.cpu)}, {"gpu", DeviceToJson(t.gpu)}};
  Json nodes = Json::array();
  for (const CostTableNode& n : t.nodes) {
    nodes.push_back({{"id", n.id},
                     {"name", n.name},
                     {"op", n.op},
                     {"cpu_ms", OptionalMs(n.cpu_ms)},
                     {"gpu_ms", OptionalMs(n.gpu_ms)}});
  }
  j["nodes"] = std::move(nodes);
  return j.dump(1) + "\n";
}

absl::StatusOr<CostTable> ParseCostTableJson(absl::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("cost table: not a JSON object");
  }
  if (j.value("format", "") != kFormat) {
    return Bad("format", absl::StrCat("must be \"", kFormat, "\""));
  }
  if (j.value("version", 0) != kVersion) return Bad("version", absl::StrCat("must be ", kVersion));
  CostTable t;
  t.model = j.value("model", "");
  if (!j.contains("nodes_in_model") || !j["nodes_in_model"].is_number_integer()) {
    return Bad("nodes_in_model", "missing or not an integer");
  }
  t.nodes_in_model = j["nodes_in_model"].get<int>();
  const Json devices = j.value("devices", Json::object());
  for (const char* kind : {"cpu", "gpu"}) {
    if (!devices.contains(kind)) continue;
    auto d = DeviceFromJson(devices[kind], absl::StrCat("devices.", kind));
    if (!d.ok()) return d.status();
    (std::string(kind) == "cpu" ? t.cpu : t.gpu) = *d;
  }
  if (!j.contains("nodes") || !j["nodes"].is_array()) {
    return Bad("nodes", "missing or not an array");
  }
  for (size_t i = 0; i < j["nodes"].size(); ++i) {
    const Json& n = j["nodes"][i];
    const std::string where = absl::StrCat("nodes[", i, "]");
    if (!n.is_object() || !n.contains("id") || !n["id"].is_number_integer()) {
      return Bad(where + ".id", "missing or not an integer");
    }
    CostTableNode node;
    node.id = n["id"].get<int>();
    node.name = n.value("name", "");
    node.op = n.value("op", "");
    auto cpu = MsField(n, "cpu_ms", where + ".");
    if (!cpu.ok()) return cpu.status();
    auto gpu = MsField(n, "gpu_ms", where + ".");
    if (!gpu.ok()) return gpu.status();
    node.cpu_ms = *cpu;
    node.gpu_ms = *gpu;
    t.nodes.push_back(std::move(node));
  }
  return t;
}

absl::StatusOr<CostTable> LoadCostTable(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cost table '", path, "' cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  auto table = ParseCostTableJson(text.str());
  if (!table.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", table.status().message()));
  }
  return table;
}

absl::Status SaveCostTable(const CostTable& table, const std::string& path) {
  std::ofstream out(path);
  out << CostTableToJson(table);
  if (!out) return absl::NotFoundError(absl::StrCat("cannot write the cost table '", path, "'"));
  return absl::OkStatus();
}

absl::StatusOr<TableCostModel> MeasuredCostModel(const ir::Graph& graph, const CostTable& table,
                                                 const CostModel& fallback) {
  const std::string measured_on = table.model.empty() ? "" : " (" + table.model + ")";
  if (table.nodes_in_model != graph.num_nodes()) {
    return absl::InvalidArgumentError(absl::StrCat("the cost table was measured on a model with ",
                                                   table.nodes_in_model, " nodes", measured_on,
                                                   "; this one has ", graph.num_nodes()));
  }
  TableCostModel model;
  model.default_ms = {std::nullopt, std::nullopt};
  model.fallback = &fallback;
  model.transfers_from_fallback = true;
  for (const CostTableNode& n : table.nodes) {
    if (n.id < 0 || n.id >= graph.num_nodes()) {
      return absl::InvalidArgumentError(absl::StrCat("cost table node ", n.id, " (", n.op, " \"",
                                                     n.name, "\") is not in the model"));
    }
    const ir::Node& node = graph.node(ir::NodeId(n.id));
    if (node.op_type != n.op || node.name != n.name) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cost table node ", n.id, " is ", n.op, " \"", n.name, "\" but the model's is ",
          node.Describe(), "; the table was measured on another model", measured_on));
    }
    model.by_node_id[n.id] = {n.cpu_ms, n.gpu_ms};
  }
  return model;
}

}  // namespace tandem::partitioner
