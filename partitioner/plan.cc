#include "partitioner/plan.h"

#include <charconv>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace tandem::partitioner {
namespace {

// Shortest text that reads back as exactly `v`.
std::string Num(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// ---- parsing: a line is a sequence of tokens; a token is a bare word, a quoted string, or
// key=value where value is a word or quoted string.
struct Token {
  std::string key;    // empty for positional tokens
  std::string value;
};

absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view line) {
  std::vector<Token> tokens;
  size_t i = 0;
  auto read_value = [&](std::string* out) -> bool {
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          out->push_back(line[i] == 'n' ? '\n' : line[i]);
        } else {
          out->push_back(line[i]);
        }
        ++i;
      }
      if (i >= line.size()) return false;
      ++i;
      return true;
    }
    while (i < line.size() && line[i] != ' ' && line[i] != '=') out->push_back(line[i++]);
    return true;
  };
  while (i < line.size()) {
    if (line[i] == ' ') {
      ++i;
      continue;
    }
    Token t;
    if (!read_value(&t.value)) return absl::InvalidArgumentError("unterminated quoted string");
    if (i < line.size() && line[i] == '=') {
      ++i;
      t.key = std::move(t.value);
      t.value.clear();
      if (!read_value(&t.value)) return absl::InvalidArgumentError("unterminated quoted string");
    }
    tokens.push_back(std::move(t));
  }
  return tokens;
}

class LineReader {
 public:
  LineReader(int line_no, std::vector<Token> tokens) : line_no_(line_no), tokens_(std::move(tokens)) {}
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("plan line ", line_no_, ": ", what));
  }
  const std::vector<Token>& tokens() const { return tokens_; }
  absl::StatusOr<std::string> Key(absl::string_view key) const {
    for (const Token& t : tokens_) {
      if (t.key == key) return t.value;
    }
    return Error(absl::StrCat("missing ", key, "="));
  }
  absl::StatusOr<double> Double(absl::string_view key) const {
    auto s = Key(key);
    if (!s.ok()) return s.status();
    double v = 0;
    auto r = std::from_chars(s->data(), s->data() + s->size(), v);
    if (r.ec != std::errc() || r.ptr != s->data() + s->size()) {
      return Error(absl::StrCat(key, "= is not a number"));
    }
    return v;
  }
  absl::StatusOr<int64_t> Int(absl::string_view key) const {
    auto s = Key(key);
    int64_t v = 0;
    if (!s.ok()) return s.status();
    if (!absl::SimpleAtoi(*s, &v)) return Error(absl::StrCat(key, "= is not an integer"));
    return v;
  }
  // Positional token i (0 is the line's keyword).
  absl::StatusOr<std::string> At(size_t i) const {
    size_t seen = 0;
    for (const Token& t : tokens_) {
      if (!t.key.empty()) continue;
      if (seen++ == i) return t.value;
    }
    return Error("too few fields");
  }

 private:
  int line_no_;
  std::vector<Token> tokens_;
};

#define PLAN_ASSIGN(lhs, expr)                 \
  auto lhs##_or = (expr);                      \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = *lhs##_or

absl::StatusOr<DeviceKind> Device(const LineReader& r, const std::string& name) {
  auto d = ParseDeviceKind(name);
  if (!d) return r.Error(absl::StrCat("unknown device '", name, "'"));
  return *d;
}

absl::Status ParseMemory(const LineReader& r, Plan* plan) {
  PLAN_ASSIGN(device_name, r.At(1));
  PLAN_ASSIGN(device, Device(r, device_name));
  DeviceMemory m;
  m.device = device;
  std::pair<const char*, int64_t*> fields[] = {
      {"budget", &m.budget_bytes},   {"weights", &m.weight_bytes},
      {"arena", &m.arena_bytes},     {"outputs", &m.output_bytes},
      {"workspace", &m.workspace_bytes}, {"staging", &m.staging_bytes}};
  for (auto& [key, field] : fields) {
    PLAN_ASSIGN(v, r.Int(key));
    *field = v;
  }
  plan->memory.push_back(m);
  return absl::OkStatus();
}

absl::Status ParseNode(const ir::Graph& graph, const LineReader& r, Plan* plan) {
  if (plan->segments.empty()) return r.Error("node before any segment");
  PLAN_ASSIGN(id_text, r.At(1));
  PLAN_ASSIGN(op, r.At(2));
  PLAN_ASSIGN(name, r.At(3));
  PLAN_ASSIGN(placement_text, r.At(4));
  int id = -1;
  if (!absl::SimpleAtoi(id_text, &id) || id < 0 || id >= graph.num_nodes()) {
    return r.Error(absl::StrCat("no node ", id_text, " in the graph"));
  }
  const ir::Node& node = graph.node(ir::NodeId(id));
  if (node.name != name || node.op_type != op) {
    return r.Error(absl::StrCat("node ", id, " is ", node.Describe(), ", not ", op, " \"", name, "\""));
  }
  auto placement = ParsePlacement(placement_text);
  if (!placement) return r.Error(absl::StrCat("unknown placement '", placement_text, "'"));
  Segment& seg = plan->segments.back();
  if (DeviceOf(*placement) != seg.device) return r.Error("node placement differs from its segment");
  PLAN_ASSIGN(ms, r.Double("ms"));
  seg.nodes.push_back({ir::NodeId(id), *placement, ms});
  return absl::OkStatus();
}

absl::Status ParseTransfer(const ir::Graph& graph, const LineReader& r, Plan* plan) {
  Transfer t;
  PLAN_ASSIGN(name, r.At(1));
  PLAN_ASSIGN(route, r.At(2));
  PLAN_ASSIGN(value_name, r.Key("value"));
  t.name = name;
  auto id = graph.FindValue(value_name);
  if (!id) return r.Error(absl::StrCat("no value '", value_name, "' in the graph"));
  t.value = *id;
  std::vector<std::string> ends = absl::StrSplit(route, "->");
  if (ends.size() != 2) return r.Error("expected FROM->TO");
  PLAN_ASSIGN(from, Device(r, ends[0]));
  PLAN_ASSIGN(to, Device(r, ends[1]));
  t.from = from;
  t.to = to;
  PLAN_ASSIGN(bytes, r.Int("bytes"));
  PLAN_ASSIGN(ms, r.Double("ms"));
  PLAN_ASSIGN(step, r.Int("step"));
  t.bytes = bytes;
  t.predicted_ms = ms;
  t.step = static_cast<int>(step);
  auto streamed = r.At(3);
  t.streamed_weight = streamed.ok() && *streamed == "streamed";
  plan->transfers.push_back(std::move(t));
  return absl::OkStatus();
}

absl::Status ParseLine(const ir::Graph& graph, const LineReader& r, Plan* plan) {
  PLAN_ASSIGN(keyword, r.At(0));
  if (keyword == "strategy") {
    PLAN_ASSIGN(s, r.At(1));
    plan->strategy = s;
  } else if (keyword == "time") {
    PLAN_ASSIGN(total, r.Double("total_ms"));
    PLAN_ASSIGN(nodes, r.Double("nodes_ms"));
    PLAN_ASSIGN(transfers, r.Double("transfers_ms"));
    plan->predicted_ms = total;
    plan->node_ms = nodes;
    plan->transfer_ms = transfers;
  } else if (keyword == "memory") {
    return ParseMemory(r, plan);
  } else if (keyword == "segment") {
    PLAN_ASSIGN(device_name, r.At(1));
    PLAN_ASSIGN(device, Device(r, device_name));
    PLAN_ASSIGN(ms, r.Double("ms"));
    plan->segments.push_back(Segment{device, {}, ms});
  } else if (keyword == "node") {
    return ParseNode(graph, r, plan);
  } else if (keyword == "transfer") {
    return ParseTransfer(graph, r, plan);
  } else {
    return r.Error(absl::StrCat("unknown line '", keyword, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view PlacementName(Placement p) {
  switch (p) {
    case Placement::kCpu: return "cpu";
    case Placement::kGpu: return "gpu";
    case Placement::kGpuStreamed: return "gpu-streamed";
  }
  return "?";
}

std::optional<Placement> ParsePlacement(absl::string_view name) {
  for (Placement p : {Placement::kCpu, Placement::kGpu, Placement::kGpuStreamed}) {
    if (PlacementName(p) == name) return p;
  }
  return std::nullopt;
}

std::vector<Placement> Plan::Placements(int num_nodes) const {
  std::vector<Placement> out(num_nodes, Placement::kCpu);
  for (const Segment& s : segments) {
    for (const PlacedNode& n : s.nodes) {
      if (n.node.value < num_nodes) out[n.node.value] = n.placement;
    }
  }
  return out;
}

const DeviceMemory* Plan::Memory(DeviceKind device) const {
  for (const DeviceMemory& m : memory) {
    if (m.device == device) return &m;
  }
  return nullptr;
}

std::string PrintPlan(const ir::Graph& graph, const Plan& plan) {
  std::string out = "tandem-plan 1\n";
  absl::StrAppend(&out, "strategy ", plan.strategy, "\n");
  absl::StrAppend(&out, "time total_ms=", Num(plan.predicted_ms), " nodes_ms=", Num(plan.node_ms),
                  " transfers_ms=", Num(plan.transfer_ms), "\n");
  for (const DeviceMemory& m : plan.memory) {
    absl::StrAppend(&out, "memory ", DeviceKindName(m.device), " budget=", m.budget_bytes,
                    " weights=", m.weight_bytes, " arena=", m.arena_bytes,
                    " outputs=", m.output_bytes, " workspace=", m.workspace_bytes,
                    " staging=", m.staging_bytes, "\n");
  }
  for (const Segment& s : plan.segments) {
    absl::StrAppend(&out, "segment ", DeviceKindName(s.device), " ms=", Num(s.predicted_ms), "\n");
    for (const PlacedNode& n : s.nodes) {
      const ir::Node& node = graph.node(n.node);
      absl::StrAppend(&out, "  node ", n.node.value, " ", node.op_type, " ", Quote(node.name), " ",
                      PlacementName(n.placement), " ms=", Num(n.predicted_ms), "\n");
    }
  }
  for (const Transfer& t : plan.transfers) {
    absl::StrAppend(&out, "transfer ", Quote(t.name), " ", DeviceKindName(t.from), "->",
                    DeviceKindName(t.to), " value=", Quote(graph.value(t.value).name),
                    " bytes=", t.bytes, " ms=", Num(t.predicted_ms), " step=", t.step,
                    t.streamed_weight ? " streamed" : "", "\n");
  }
  return out;
}

absl::StatusOr<Plan> ParsePlan(const ir::Graph& graph, absl::string_view text) {
  Plan plan;
  int line_no = 0;
  bool header = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      if (line != "tandem-plan 1") {
        return absl::InvalidArgumentError(
            absl::StrCat("plan line ", line_no, ": expected 'tandem-plan 1'"));
      }
      header = true;
      continue;
    }
    auto tokens = Tokenize(line);
    if (!tokens.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("plan line ", line_no, ": ", tokens.status().message()));
    }
    absl::Status s = ParseLine(graph, LineReader(line_no, *std::move(tokens)), &plan);
    if (!s.ok()) return s;
  }
  if (!header) return absl::InvalidArgumentError("plan: empty text");
  return plan;
}

}  // namespace tandem::partitioner
