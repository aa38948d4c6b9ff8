#include "tools/partition_tool/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/partition_tool/report_edges.h"

namespace tandem::tools {
namespace {

using partitioner::DeviceKind;
using partitioner::Placement;

// The same colours as the dot output, by Placement: cpu, gpu, gpu-streamed.
constexpr const char* kFill[] = {"#cfe2f3", "#d9ead3", "#fff2cc"};
constexpr const char* kCopy = "#cc0000";

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}
std::string Fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}
std::string MiB(int64_t bytes) { return Fixed(static_cast<double>(bytes) / (1 << 20), 2); }

std::string Text(double x, double y, const std::string& text, const std::string& attrs = "") {
  return absl::StrCat("<text x=\"", Num(x), "\" y=\"", Num(y), "\"", attrs.empty() ? "" : " ",
                      attrs, ">", EscapeXml(text), "</text>");
}

std::string Line(double x1, double y1, double x2, double y2, const std::string& attrs) {
  return absl::StrCat("<line x1=\"", Num(x1), "\" y1=\"", Num(y1), "\" x2=\"", Num(x2),
                      "\" y2=\"", Num(y2), "\" ", attrs, "/>");
}

std::string Shorten(const std::string& s, size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - (n - 3));
}

// ---- graph layout

struct Box {
  double x = 0, y = 0;  // top-left
};

constexpr double kBoxW = 150, kBoxH = 34, kGapX = 16, kGapY = 40, kMargin = 16;
constexpr double kDetour = 90;  // room on the right for edges that skip layers

// Vertices: 0..N-1 nodes, then graph inputs, then graph outputs (by position in the graph's lists).
struct Layout {
  std::vector<Box> node, input, output;
  double width = 0, height = 0;
};

Layout LayOut(const ir::Graph& g, const PartitionReport& r, const std::vector<ReportEdge>& edges) {
  const int n = g.num_nodes();
  std::vector<int> layer(n, 1), input_index(g.num_values(), -1);
  for (size_t i = 0; i < g.inputs().size(); ++i) input_index[g.inputs()[i].value] = static_cast<int>(i);
  // Edges arrive grouped by consumer in execution order, so producers are final when read.
  for (const ReportEdge& e : edges) {
    if (e.consumer >= 0 && e.producer >= 0) layer[e.consumer] = std::max(layer[e.consumer], layer[e.producer] + 1);
  }
  int last = 1;
  for (int l : layer) last = std::max(last, l);
  const int layers = last + 2;  // 0: inputs, last + 1: outputs
  std::vector<std::vector<int>> rows(layers);  // vertex ids
  for (size_t i = 0; i < g.inputs().size(); ++i) rows[0].push_back(n + static_cast<int>(i));
  for (const auto& s : r.plan.segments) {
    for (const auto& pn : s.nodes) rows[layer[pn.node.value]].push_back(pn.node.value);
  }
  const int outputs_base = n + static_cast<int>(g.inputs().size());
  for (size_t i = 0; i < g.outputs().size(); ++i) rows[last + 1].push_back(outputs_base + static_cast<int>(i));
  // Parents per vertex, for ordering each layer by its parents' mean position.
  std::vector<std::vector<int>> parents(outputs_base + g.outputs().size());
  for (const ReportEdge& e : edges) {
    int from = e.producer >= 0 ? e.producer : n + input_index[e.value];
    if (e.producer < 0 && input_index[e.value] < 0) continue;
    if (e.consumer >= 0) {
      parents[e.consumer].push_back(from);
    } else {
      for (size_t i = 0; i < g.outputs().size(); ++i) {
        if (g.outputs()[i].value == e.value) parents[outputs_base + i].push_back(from);
      }
    }
  }
  std::vector<double> pos(parents.size(), 0);
  size_t widest = 1;
  for (auto& row : rows) {
    std::vector<std::pair<double, int>> keyed;
    for (size_t k = 0; k < row.size(); ++k) {
      const auto& p = parents[row[k]];
      double key = p.empty() ? static_cast<double>(k)
                             : std::accumulate(p.begin(), p.end(), 0.0,
                                               [&](double a, int v) { return a + pos[v]; }) /
                                   static_cast<double>(p.size());
      keyed.push_back({key, static_cast<int>(k)});
    }
    std::stable_sort(keyed.begin(), keyed.end());
    std::vector<int> sorted;
    for (const auto& [key, k] : keyed) sorted.push_back(row[k]);
    row = std::move(sorted);
    for (size_t k = 0; k < row.size(); ++k) pos[row[k]] = static_cast<double>(k) - row.size() / 2.0;
    widest = std::max(widest, row.size());
  }
  Layout out;
  out.node.resize(n);
  out.input.resize(g.inputs().size());
  out.output.resize(g.outputs().size());
  out.width = 2 * kMargin + widest * (kBoxW + kGapX) - kGapX + kDetour;
  out.height = 2 * kMargin + layers * (kBoxH + kGapY) - kGapY;
  for (int l = 0; l < layers; ++l) {
    const double row_w = rows[l].size() * (kBoxW + kGapX) - kGapX;
    double x = (out.width - kDetour - row_w) / 2;
    const double y = kMargin + l * (kBoxH + kGapY);
    for (int v : rows[l]) {
      Box b{x, y};
      if (v < n) {
        out.node[v] = b;
      } else if (v < outputs_base) {
        out.input[v - n] = b;
      } else {
        out.output[v - outputs_base] = b;
      }
      x += kBoxW + kGapX;
    }
  }
  return out;
}

// Edges to the next layer go straight down; edges that skip layers (residual connections) leave
// and enter on the right and bow out, so that they never hide the chain they run beside.
std::string EdgePath(const Box& from, const Box& to, const ReportEdge& e) {
  std::string d;
  if (to.y - from.y <= kBoxH + kGapY + 1) {
    const double x1 = from.x + kBoxW / 2, y1 = from.y + kBoxH, x2 = to.x + kBoxW / 2, y2 = to.y;
    d = absl::StrCat("M", Num(x1), ",", Num(y1), " C", Num(x1), ",", Num(y1 + kGapY / 2), " ",
                     Num(x2), ",", Num(y2 - kGapY / 2), " ", Num(x2), ",", Num(y2));
  } else {
    const double x1 = from.x + kBoxW, y1 = from.y + kBoxH / 2, x2 = to.x + kBoxW, y2 = to.y + kBoxH / 2;
    const double bow = std::min(kDetour - 8, 24 + (to.y - from.y) / 40);
    d = absl::StrCat("M", Num(x1), ",", Num(y1), " C", Num(x1 + bow), ",", Num(y1), " ",
                     Num(x2 + bow), ",", Num(y2), " ", Num(x2), ",", Num(y2));
  }
  if (!e.copy) {
    return absl::StrCat("<path d=\"", d, "\" fill=\"none\" stroke=\"#999999\" stroke-width=\"1\"/>");
  }
  return absl::StrCat("<path class=\"copy\" d=\"", d, "\" fill=\"none\" stroke=\"", kCopy,
                      "\" stroke-width=\"2.5\" stroke-dasharray=\"6 3\" marker-end=\"url(#arrow)\">",
                      "<title>", EscapeXml(absl::StrCat("copy ", e.copy->name, ": ",
                                                       ShortBytes(e.copy->bytes), ", ",
                                                       Fixed(e.copy->predicted_ms, 3), " ms")),
                      "</title></path>");
}

std::string NodeBox(const ir::Graph& g, const partitioner::PlacedNode& pn, const Box& b,
                    const partitioner::NodeNote* note) {
  const ir::Node& node = g.node(pn.node);
  std::string title = absl::StrCat(NodeLabel(g, pn.node), " (", node.op_type, ") on ",
                                   partitioner::PlacementName(pn.placement), ", ",
                                   Fixed(pn.predicted_ms, 3), " ms");
  if (note) absl::StrAppend(&title, "; prefers ", partitioner::DeviceKindName(note->preferred), ": ", note->reason);
  return absl::StrCat(
      "<g class=\"node ", partitioner::PlacementName(pn.placement), "\"><title>", EscapeXml(title),
      "</title><rect x=\"", Num(b.x), "\" y=\"", Num(b.y), "\" width=\"", Num(kBoxW), "\" height=\"",
      Num(kBoxH), "\" rx=\"5\" fill=\"", kFill[static_cast<int>(pn.placement)], "\" stroke=\"",
      note ? kCopy : "#555555", "\" stroke-width=\"", note ? "2" : "1", "\"/>",
      Text(b.x + kBoxW / 2, b.y + 14, node.op_type, "text-anchor=\"middle\" font-weight=\"bold\""),
      Text(b.x + kBoxW / 2, b.y + 27, Shorten(NodeLabel(g, pn.node), 24), "text-anchor=\"middle\""),
      "</g>");
}

std::string Terminal(const Box& b, const std::string& label) {
  return absl::StrCat("<g class=\"terminal\"><title>", EscapeXml(label), "</title><ellipse cx=\"",
                      Num(b.x + kBoxW / 2), "\" cy=\"", Num(b.y + kBoxH / 2), "\" rx=\"",
                      Num(kBoxW / 2), "\" ry=\"", Num(kBoxH / 2),
                      "\" fill=\"#eeeeee\" stroke=\"#777777\"/>",
                      Text(b.x + kBoxW / 2, b.y + kBoxH / 2 + 4, Shorten(label, 26), "text-anchor=\"middle\""),
                      "</g>");
}

}  // namespace

std::string EscapeXml(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string GraphSvg(const ir::Graph& g, const PartitionReport& r) {
  if (g.num_nodes() > kMaxDrawnNodes) return "";
  const std::vector<ReportEdge> edges = PlanEdges(g, r);
  const Layout layout = LayOut(g, r, edges);
  std::vector<int> input_index(g.num_values(), -1), output_index(g.num_values(), -1);
  for (size_t i = 0; i < g.inputs().size(); ++i) input_index[g.inputs()[i].value] = static_cast<int>(i);
  for (size_t i = 0; i < g.outputs().size(); ++i) output_index[g.outputs()[i].value] = static_cast<int>(i);
  std::string out = absl::StrCat(
      "<svg class=\"graph\" width=\"", Num(layout.width), "\" height=\"", Num(layout.height),
      "\" viewBox=\"0 0 ", Num(layout.width), " ", Num(layout.height),
      "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"10\">",
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" "
      "markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"",
      kCopy, "\"/></marker></defs>");
  for (const ReportEdge& e : edges) {
    const Box* from = e.producer >= 0 ? &layout.node[e.producer]
                      : input_index[e.value] >= 0 ? &layout.input[input_index[e.value]]
                                                  : nullptr;
    const Box* to = e.consumer >= 0 ? &layout.node[e.consumer] : &layout.output[output_index[e.value]];
    if (from) absl::StrAppend(&out, EdgePath(*from, *to, e));
  }
  std::vector<const partitioner::NodeNote*> note_of(g.num_nodes(), nullptr);
  for (const auto& n : r.notes) note_of[n.node.value] = &n;
  for (const auto& s : r.plan.segments) {
    for (const auto& pn : s.nodes) {
      absl::StrAppend(&out, NodeBox(g, pn, layout.node[pn.node.value], note_of[pn.node.value]));
    }
  }
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    absl::StrAppend(&out, Terminal(layout.input[i], "input " + g.value(g.inputs()[i]).name));
  }
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    absl::StrAppend(&out, Terminal(layout.output[i], "output " + g.value(g.outputs()[i]).name));
  }
  return out + "</svg>";
}

std::string MemoryBarsSvg(const PartitionReport& r) {
  struct Part {
    const char* name;
    const char* color;
  };
  static constexpr Part kParts[] = {{"weights", "#6fa8dc"},
                                    {"activations", "#93c47d"},
                                    {"workspace", "#ffd966"},
                                    {"staging", "#e69138"}};
  const double bar_w = 600, left = 60, row_h = 70;
  const double height = 40 + row_h * r.plan.memory.size();
  std::string out = absl::StrCat("<svg class=\"memory\" width=\"", Num(left + bar_w + 150),
                                 "\" height=\"", Num(height),
                                 "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">");
  double lx = left;
  for (const Part& p : kParts) {  // legend
    absl::StrAppend(&out, "<rect x=\"", Num(lx), "\" y=\"6\" width=\"12\" height=\"12\" fill=\"",
                    p.color, "\"/>", Text(lx + 16, 16, p.name));
    lx += 110;
  }
  for (size_t i = 0; i < r.plan.memory.size(); ++i) {
    const partitioner::DeviceMemory& m = r.plan.memory[i];
    const bool gpu = m.device == DeviceKind::kGpu;
    const double y = 30 + row_h * i;
    const double scale = bar_w / std::max<double>(1, std::max(m.total_bytes(), m.budget_bytes));
    const int64_t parts[] = {m.weight_bytes, m.activation_bytes(), m.workspace_bytes, m.staging_bytes};
    absl::StrAppend(&out, "<g class=\"bar ", partitioner::DeviceKindName(m.device), "\">",
                    Text(4, y + 17, std::string(partitioner::DeviceKindName(m.device)),
                         "font-weight=\"bold\""),
                    "<rect x=\"", Num(left), "\" y=\"", Num(y), "\" width=\"", Num(bar_w),
                    "\" height=\"24\" fill=\"#f3f3f3\" stroke=\"#cccccc\"/>");
    double x = left;
    for (int k = 0; k < 4; ++k) {
      const double w = parts[k] * scale;
      std::string label = absl::StrCat(kParts[k].name, " ", MiB(parts[k]), " MiB");
      if (k == 2) absl::StrAppend(&label, gpu ? " (estimate: profile)" : " (CPU kernels' scratch)");
      absl::StrAppend(&out, "<rect x=\"", Num(x), "\" y=\"", Num(y), "\" width=\"", Num(w),
                      "\" height=\"24\" fill=\"", kParts[k].color, "\"><title>",
                      EscapeXml(label), "</title></rect>");
      x += w;
    }
    const double bx = left + m.budget_bytes * scale;
    absl::StrAppend(&out, Line(bx, y - 4, bx, y + 28, "stroke=\"#000000\" stroke-width=\"2\""),
                    Text(bx + 3, y - 5, "budget " + MiB(m.budget_bytes) + " MiB"));
    std::string sum = absl::StrCat(MiB(m.weight_bytes), " + ", MiB(m.activation_bytes()), " + ",
                                   MiB(m.workspace_bytes), gpu ? " (est.)" : "", " + ",
                                   MiB(m.staging_bytes), " = ", MiB(m.total_bytes()), " MiB ",
                                   m.fits() ? "<= " : "> ", MiB(m.budget_bytes), " MiB",
                                   m.fits() ? "" : " OVER BUDGET");
    absl::StrAppend(&out, Text(left, y + 42, sum), "</g>");
  }
  return out + "</svg>";
}

std::string SweepCurveSvg(const PartitionReport& r) {
  if (r.sweep.empty()) return "";
  const double w = 640, h = 320, left = 64, right = 150, top = 20, bottom = 44;
  const double pw = w - left - right, ph = h - top - bottom;
  double y_max = 0;
  for (const SweepRow& s : r.sweep) y_max = std::max(y_max, s.predicted_ms.value_or(0));
  for (const auto& b : {r.baselines.all_cpu_ms, r.baselines.all_gpu_ms}) y_max = std::max(y_max, b.value_or(0));
  y_max = y_max > 0 ? y_max * 1.1 : 1;
  auto px = [&](double percent) { return left + pw * percent / 100; };
  auto py = [&](double ms) { return top + ph * (1 - ms / y_max); };
  std::string out = absl::StrCat(
      "<svg class=\"sweep\" width=\"", Num(w), "\" height=\"", Num(h),
      "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">",
      Line(left, top + ph, left + pw, top + ph, "stroke=\"#000000\""),
      Line(left, top, left, top + ph, "stroke=\"#000000\""));
  for (int p = 0; p <= 100; p += 10) {
    absl::StrAppend(&out, Line(px(p), top + ph, px(p), top + ph + 4, "stroke=\"#000000\""),
                    Text(px(p), top + ph + 16, absl::StrCat(p, "%"), "text-anchor=\"middle\""));
  }
  for (int k = 0; k <= 4; ++k) {
    const double ms = y_max * k / 4;
    absl::StrAppend(&out, Line(left - 4, py(ms), left + pw, py(ms), "stroke=\"#e0e0e0\""),
                    Text(left - 6, py(ms) + 4, Fixed(ms, ms < 10 ? 2 : 1), "text-anchor=\"end\""));
  }
  absl::StrAppend(&out, Text(left + pw / 2, h - 6, "GPU budget (% of the weights)", "text-anchor=\"middle\""),
                  Text(14, top + ph / 2, "predicted ms",
                       absl::StrCat("text-anchor=\"middle\" transform=\"rotate(-90 14 ", Num(top + ph / 2), ")\"")));
  auto baseline = [&](const std::optional<double>& ms, const char* name, const char* color) {
    if (!ms) return;
    absl::StrAppend(&out, Line(left, py(*ms), left + pw, py(*ms),
                               absl::StrCat("stroke=\"", color, "\" stroke-dasharray=\"5 4\"")),
                    Text(left + pw + 6, py(*ms) + 4, absl::StrCat(name, " ", Fixed(*ms, 3), " ms"),
                         absl::StrCat("fill=\"", color, "\"")));
  };
  baseline(r.baselines.all_cpu_ms, "all-cpu", "#3d85c6");
  baseline(r.baselines.all_gpu_ms, "all-gpu", "#38761d");
  const partitioner::DeviceMemory* gpu = r.plan.Memory(DeviceKind::kGpu);
  if (gpu && r.weight_bytes > 0) {
    const double percent = 100.0 * gpu->budget_bytes / r.weight_bytes;
    if (percent <= 100) {
      absl::StrAppend(&out, Line(px(percent), top, px(percent), top + ph, "stroke=\"#999999\""),
                      Text(px(percent) + 3, top + 10, "this plan"));
    }
  }
  std::string points, circles;
  for (const SweepRow& s : r.sweep) {
    if (!s.predicted_ms) continue;
    const double x = px(s.percent), y = py(*s.predicted_ms);
    absl::StrAppend(&points, points.empty() ? "" : " ", Num(x), ",", Num(y));
    absl::StrAppend(&circles, "<circle cx=\"", Num(x), "\" cy=\"", Num(y),
                    "\" r=\"4\" fill=\"#cc0000\"><title>",
                    EscapeXml(absl::StrCat(s.percent, "% of the weights (", MiB(s.gpu_budget_bytes),
                                           " MiB): ", Fixed(*s.predicted_ms, 3), " ms, ",
                                           s.gpu_nodes, " gpu nodes, ", s.streamed_nodes,
                                           " streamed, ", s.transfers, " copies")),
                    "</title></circle>");
  }
  if (!points.empty()) {
    absl::StrAppend(&out, "<polyline points=\"", points,
                    "\" fill=\"none\" stroke=\"#cc0000\" stroke-width=\"2\"/>");
  }
  return out + circles + "</svg>";
}

}  // namespace tandem::tools
