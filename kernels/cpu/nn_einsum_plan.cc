#include "kernels/cpu/nn_einsum_plan.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kernels/cpu/nn_window.h"

namespace tandem::kernels::cpu::nn {
namespace {

constexpr char kEllipsis = '.';  // one token standing for "..."

// "ab...c" → {'a', 'b', '.', 'c'}; false on a stray '.', a non-letter or two ellipses.
bool Tokenize(const std::string& term, std::string* out) {
  out->clear();
  for (size_t i = 0; i < term.size(); ++i) {
    if (term[i] == '.') {
      if (term.compare(i, 3, "...") != 0 || out->find(kEllipsis) != std::string::npos) return false;
      out->push_back(kEllipsis);
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(term[i]))) {
      out->push_back(term[i]);
    } else {
      return false;
    }
  }
  return true;
}

struct Parsed {
  std::vector<std::string> inputs;
  bool explicit_output = false;
  std::string output;
};

absl::StatusOr<Parsed> Parse(const KernelBuildContext& ctx) {
  std::string eq = ctx.node().GetString("equation", "");
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  Parsed p;
  std::string lhs = eq;
  if (size_t arrow = eq.find("->"); arrow != std::string::npos) {
    lhs = eq.substr(0, arrow);
    p.explicit_output = true;
    if (!Tokenize(eq.substr(arrow + 2), &p.output)) return ctx.Invalid(absl::StrCat("bad equation '", eq, "'"));
  }
  for (absl::string_view term : absl::StrSplit(lhs, ',')) {
    p.inputs.emplace_back();
    if (!Tokenize(std::string(term), &p.inputs.back())) return ctx.Invalid(absl::StrCat("bad equation '", eq, "'"));
  }
  if (p.inputs.size() != ctx.num_inputs()) {
    return ctx.Invalid(absl::StrCat("equation '", eq, "' has ", p.inputs.size(), " operands, the node ",
                                    ctx.num_inputs(), " inputs"));
  }
  return p;
}

// The output's labels: the explicit list after "->", or the implicit one (ellipsis dims, then
// letters used exactly once, in ASCII order).
absl::Status ResolveOutput(const KernelBuildContext& ctx, const Parsed& parsed, const std::map<char, int>& letter_ids,
                           const std::map<char, int>& letter_count, const std::vector<int>& ellipsis_ids,
                           EinsumPlan& plan) {
  if (!parsed.explicit_output) {
    plan.out_labels = ellipsis_ids;
    for (const auto& [c, count] : letter_count) {
      if (count == 1) plan.out_labels.push_back(letter_ids.at(c));
    }
    return absl::OkStatus();
  }
  for (char c : parsed.output) {
    if (c == kEllipsis) {
      plan.out_labels.insert(plan.out_labels.end(), ellipsis_ids.begin(), ellipsis_ids.end());
      continue;
    }
    auto it = letter_ids.find(c);
    if (it == letter_ids.end() ||
        std::find(plan.out_labels.begin(), plan.out_labels.end(), it->second) != plan.out_labels.end()) {
      return ctx.Invalid(absl::StrCat("output label '", std::string(1, c), "' is unknown or repeated"));
    }
    plan.out_labels.push_back(it->second);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EinsumPlan> PlanEinsum(const KernelBuildContext& ctx) {
  auto parsed = Parse(ctx);
  if (!parsed.ok()) return parsed.status();
  std::vector<std::vector<int64_t>> shapes;
  int64_t ellipsis_rank = 0;
  for (size_t i = 0; i < parsed->inputs.size(); ++i) {
    auto dims = StaticShape(ctx, i, /*output=*/false);
    if (!dims.ok()) return dims.status();
    const std::string& term = parsed->inputs[i];
    const bool has_ellipsis = term.find(kEllipsis) != std::string::npos;
    const int64_t letters = static_cast<int64_t>(term.size()) - (has_ellipsis ? 1 : 0);
    const int64_t rank = static_cast<int64_t>(dims->size());
    if (has_ellipsis ? rank < letters : rank != letters) {
      return ctx.Invalid(absl::StrCat("operand ", i, " '", term, "' does not match its rank ", rank));
    }
    if (has_ellipsis) ellipsis_rank = std::max(ellipsis_rank, rank - letters);
    shapes.push_back(*std::move(dims));
  }
  EinsumPlan plan;
  std::map<char, int> letter_ids;
  std::vector<int> ellipsis_ids;
  for (int64_t j = 0; j < ellipsis_rank; ++j) {
    ellipsis_ids.push_back(static_cast<int>(plan.label_sizes.size()));
    plan.label_sizes.push_back(1);
  }
  std::map<char, int> letter_count;
  for (size_t i = 0; i < parsed->inputs.size(); ++i) {
    const std::string& term = parsed->inputs[i];
    const std::vector<int64_t>& dims = shapes[i];
    const int64_t ell = static_cast<int64_t>(dims.size()) - static_cast<int64_t>(term.size()) + 1;
    std::vector<int>& labels = plan.input_labels.emplace_back();
    for (char c : term) {
      if (c == kEllipsis) {
        for (int64_t j = 0; j < ell; ++j) labels.push_back(ellipsis_ids[ellipsis_rank - ell + j]);
        continue;
      }
      ++letter_count[c];
      auto [it, added] = letter_ids.emplace(c, static_cast<int>(plan.label_sizes.size()));
      if (added) plan.label_sizes.push_back(-1);
      labels.push_back(it->second);
    }
    for (size_t axis = 0; axis < labels.size(); ++axis) {
      int64_t& size = plan.label_sizes[labels[axis]];
      const bool is_ellipsis = labels[axis] < ellipsis_rank;
      if (size == -1 || (is_ellipsis && size == 1)) {
        size = dims[axis];
      } else if (dims[axis] != size && !(is_ellipsis && dims[axis] == 1)) {
        return ctx.Invalid(absl::StrCat("operand ", i, " axis ", axis, " has size ", dims[axis], ", expected ", size));
      }
    }
  }
  absl::Status s = ResolveOutput(ctx, *parsed, letter_ids, letter_count, ellipsis_ids, plan);
  if (!s.ok()) return s;
  const int num_labels = static_cast<int>(plan.label_sizes.size());
  for (int l = 0; l < num_labels; ++l) {
    if (std::find(plan.out_labels.begin(), plan.out_labels.end(), l) == plan.out_labels.end()) {
      plan.sum_labels.push_back(l);
    }
  }
  for (int l : plan.out_labels) plan.out_dims.push_back(plan.label_sizes[l]);
  for (size_t i = 0; i < shapes.size(); ++i) {
    std::vector<int64_t>& strides = plan.strides.emplace_back(num_labels, 0);
    int64_t stride = 1;
    for (size_t axis = shapes[i].size(); axis-- > 0;) {
      if (shapes[i][axis] != 1) strides[plan.input_labels[i][axis]] += stride;
      stride *= shapes[i][axis];
    }
  }
  s = ExpectOutputShape(ctx, 0, plan.out_dims);
  if (!s.ok()) return s;
  return plan;
}

}  // namespace tandem::kernels::cpu::nn
