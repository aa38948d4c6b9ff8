// TfIdfVectorizer: counts the pool's n-grams in each row of a [C] or [N, C] tensor of int32,
// int64 or string tokens and writes a float [O] or [N, O] vector, O = max(ngram_indexes) + 1.
//
// The pool (pool_int64s or pool_strings) lists n-grams grouped by length: ngram_counts[k] is
// where the (k+1)-grams start, and the j-th n-gram of the pool lands at output ngram_indexes[j].
// The pool becomes a trie, walked from each start position. As in the ONNX reference and
// onnxruntime, a "skip" s takes every (s+1)-th token (s = 0..max_skip_count); n-grams of length
// min_gram_length..max_gram_length are counted for every skip, except that unigrams (whose
// tokens cannot be spread) are counted only once, on the s = 0 pass.
//
// Weighting (`mode`): TF writes the counts; IDF writes weights[o] (or 1) where the count is
// non-zero, else 0; TFIDF writes count * weights[o] (or the count). weights are indexed by output
// position, as the reference implementation does.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/string_vision_kernels.h"

namespace tandem::kernels::cpu::string_vision {
namespace {

enum class Weighting { kTF, kIDF, kTFIDF };

// A trie of token ids; node 0 is the root. `output` is -1 where no pool n-gram ends.
struct NgramTrie {
  struct Node {
    absl::flat_hash_map<int64_t, int32_t> children;
    int64_t output = -1;
  };
  std::vector<Node> nodes{1};

  // Inserts tokens [0, n) ending at `output`; false when that n-gram is already in the pool.
  bool Insert(const int64_t* tokens, int64_t n, int64_t output) {
    int32_t at = 0;
    for (int64_t i = 0; i < n; ++i) {
      auto [it, added] =
          nodes[at].children.try_emplace(tokens[i], static_cast<int32_t>(nodes.size()));
      if (added) nodes.emplace_back();
      at = it->second;
    }
    if (nodes[at].output >= 0) return false;
    nodes[at].output = output;
    return true;
  }
  int32_t Child(int32_t at, int64_t token) const {
    auto it = nodes[at].children.find(token);
    return it == nodes[at].children.end() ? -1 : it->second;
  }
};

struct TfIdfPlan {
  NgramTrie trie;
  int64_t min_gram = 1, max_gram = 1, max_skip = 0;
  int64_t rows = 1, cols = 0, outputs = 0;
  bool two_dim = false;
  Weighting weighting = Weighting::kTF;
  std::vector<float> weights;
  bool strings = false;
  absl::flat_hash_map<std::string, int64_t> string_ids;  // pool string → token id
};

// Counts the pool n-grams of one row of token ids into `counts` (size plan.outputs).
void CountRow(const TfIdfPlan& p, const int64_t* tok, std::vector<uint32_t>& counts) {
  const int64_t c = p.cols;
  int64_t start_n = p.min_gram;
  for (int64_t skip = 1; skip <= p.max_skip + 1; ++skip) {
    for (int64_t s = 0; s < c; ++s) {
      if (s + skip * (start_n - 1) >= c) break;  // no n-gram of a counted length fits any more
      int32_t at = 0;
      for (int64_t n = 1; n <= p.max_gram; ++n) {
        const int64_t pos = s + (n - 1) * skip;
        if (pos >= c) break;
        at = p.trie.Child(at, tok[pos]);
        if (at < 0) break;
        const int64_t out = p.trie.nodes[at].output;
        if (n >= start_n && out >= 0) ++counts[out];
      }
    }
    if (start_n == 1) {  // unigrams only on the first pass
      start_n = 2;
      if (start_n > p.max_gram) break;
    }
  }
}

void WriteRow(const TfIdfPlan& p, const std::vector<uint32_t>& counts, float* y) {
  const bool weighted = !p.weights.empty();
  for (int64_t o = 0; o < p.outputs; ++o) {
    const float f = static_cast<float>(counts[o]);
    switch (p.weighting) {
      case Weighting::kTF:
        y[o] = f;
        break;
      case Weighting::kIDF:
        y[o] = counts[o] > 0 ? (weighted ? p.weights[o] : 1.0f) : 0.0f;
        break;
      case Weighting::kTFIDF:
        y[o] = weighted ? f * p.weights[o] : f;
        break;
    }
  }
}

// Reads the attributes into `p` (everything but the input's shape).
absl::Status BuildPool(const KernelBuildContext& ctx, TfIdfPlan& p) {
  const ir::Node& node = ctx.node();
  p.min_gram = node.GetInt("min_gram_length", 0);
  p.max_gram = node.GetInt("max_gram_length", 0);
  p.max_skip = node.GetInt("max_skip_count", 0);
  if (p.min_gram < 1 || p.max_gram < p.min_gram || p.max_skip < 0) {
    return ctx.Invalid(absl::StrCat("needs 1 <= min_gram_length (", p.min_gram,
                                    ") <= max_gram_length (", p.max_gram, ") and max_skip_count (",
                                    p.max_skip, ") >= 0"));
  }
  const std::string mode = node.GetString("mode", "");
  if (mode == "TF") {
    p.weighting = Weighting::kTF;
  } else if (mode == "IDF") {
    p.weighting = Weighting::kIDF;
  } else if (mode == "TFIDF") {
    p.weighting = Weighting::kTFIDF;
  } else {
    return ctx.Invalid(absl::StrCat("mode '", mode, "' is not TF, IDF or TFIDF"));
  }
  const std::vector<int64_t> counts = node.GetInts("ngram_counts");
  const std::vector<int64_t> indexes = node.GetInts("ngram_indexes");
  // The pool as token ids: the int64 values themselves, or ids given to distinct strings.
  std::vector<int64_t> pool;
  if (p.strings) {
    const ir::Attribute* a = node.attr("pool_strings");
    if (!a || a->kind() != ir::AttrKind::kStrings)
      return ctx.Invalid("string input needs pool_strings");
    for (const std::string& s : a->strings()) {
      pool.push_back(
          p.string_ids.try_emplace(s, static_cast<int64_t>(p.string_ids.size())).first->second);
    }
  } else {
    const ir::Attribute* a = node.attr("pool_int64s");
    if (!a || a->kind() != ir::AttrKind::kInts)
      return ctx.Invalid("integer input needs pool_int64s");
    pool = a->ints();
  }
  const int64_t pool_size = static_cast<int64_t>(pool.size());
  size_t j = 0;  // n-gram number in the pool
  for (size_t k = 0; k < counts.size(); ++k) {
    const int64_t n = static_cast<int64_t>(k) + 1;
    const int64_t begin = counts[k], end = k + 1 < counts.size() ? counts[k + 1] : pool_size;
    if (begin < 0 || end < begin || end > pool_size || (end - begin) % n != 0) {
      return ctx.Invalid(absl::StrCat("ngram_counts[", k, "] = ", begin, " does not delimit whole ",
                                      n, "-grams in a pool of ", pool_size));
    }
    for (int64_t at = begin; at < end; at += n, ++j) {
      if (j >= indexes.size())
        return ctx.Invalid("ngram_indexes is shorter than the pool's n-grams");
      if (indexes[j] < 0) return ctx.Invalid(absl::StrCat("ngram_indexes[", j, "] is negative"));
      if (!p.trie.Insert(pool.data() + at, n, indexes[j])) {
        return ctx.Invalid(absl::StrCat("n-gram ", j, " of the pool repeats an earlier one"));
      }
    }
  }
  if (j != indexes.size()) {
    return ctx.Invalid(
        absl::StrCat("ngram_indexes has ", indexes.size(), " entries for ", j, " pool n-grams"));
  }
  p.outputs = indexes.empty() ? 0 : *std::max_element(indexes.begin(), indexes.end()) + 1;
  if (const ir::Attribute* w = node.attr("weights")) {
    if (w->kind() != ir::AttrKind::kFloats) return ctx.Invalid("weights must be floats");
    p.weights = w->floats();
    if (!p.weights.empty() && static_cast<int64_t>(p.weights.size()) < p.outputs) {
      return ctx.Invalid(
          absl::StrCat("weights has ", p.weights.size(), " entries for ", p.outputs, " outputs"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeTfIdf(const KernelBuildContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0) || !HasOutput(ctx, 0)) {
    return ctx.Invalid("expects one input and one output");
  }
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (dtype != ir::DType::kInt32 && dtype != ir::DType::kInt64 && dtype != ir::DType::kString) {
    return ctx.Invalid(
        absl::StrCat("input must be int32, int64 or string, got ", ir::DTypeName(dtype)));
  }
  if (ctx.output_info(0).dtype != ir::DType::kFloat32) return ctx.Invalid("output must be float");
  TANDEM_ASSIGN_OR_RETURN(Dims in, InputDims(ctx, 0));
  auto plan = std::make_shared<TfIdfPlan>();
  plan->strings = dtype == ir::DType::kString;
  if (in.size() == 1) {
    plan->cols = in[0];
  } else if (in.size() == 2) {
    plan->two_dim = true;
    plan->rows = in[0];
    plan->cols = in[1];
  } else {
    return ctx.Invalid(absl::StrCat("input must be [C] or [N, C], got rank ", in.size()));
  }
  TANDEM_RETURN_IF_ERROR(BuildPool(ctx, *plan));
  const Dims out = plan->two_dim ? Dims{plan->rows, plan->outputs} : Dims{plan->outputs};
  TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, out));
  return MakeFnKernel([plan, dtype, out](const KernelContext& c) -> absl::Status {
    const TfIdfPlan& p = *plan;
    TANDEM_ASSIGN_OR_RETURN(void* data, c.AllocateOutput(0, out));
    float* y = static_cast<float*>(data);
    const void* x = c.inputs[0].data;
    ParallelForRange(c.threadpool, p.rows, 1, [&](int64_t b, int64_t e) {
      std::vector<int64_t> tokens(p.cols);
      std::vector<uint32_t> counts(p.outputs);
      for (int64_t r = b; r < e; ++r) {
        for (int64_t i = 0; i < p.cols; ++i) {
          const int64_t at = r * p.cols + i;
          if (dtype == ir::DType::kInt64) {
            tokens[i] = static_cast<const int64_t*>(x)[at];
          } else if (dtype == ir::DType::kInt32) {
            tokens[i] = static_cast<const int32_t*>(x)[at];
          } else {
            auto it = p.string_ids.find(static_cast<const std::string*>(x)[at]);
            tokens[i] = it == p.string_ids.end() ? -1 : it->second;  // -1: in no n-gram
          }
        }
        std::fill(counts.begin(), counts.end(), 0u);
        CountRow(p, tokens.data(), counts);
        WriteRow(p, counts, y + r * p.outputs);
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterTfIdfKernel(KernelRegistry& r) { r.Register("TfIdfVectorizer", MakeTfIdf); }

}  // namespace tandem::kernels::cpu::string_vision
