#include "kernels/cpu/nn_rnn_params.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/cpu/nn_window.h"

namespace tandem::kernels::cpu::nn {
namespace {

using Kind = RnnActivation::Kind;

struct ActivationSpec {
  const char* name;
  Kind kind;
  bool uses_alpha, uses_beta;
  float alpha, beta;  // ONNX defaults
};

constexpr ActivationSpec kActivations[] = {
    {"relu", Kind::kRelu, false, false, 0, 0},
    {"tanh", Kind::kTanh, false, false, 0, 0},
    {"sigmoid", Kind::kSigmoid, false, false, 0, 0},
    {"affine", Kind::kAffine, true, true, 1.0f, 0.0f},
    {"leakyrelu", Kind::kLeakyRelu, true, false, 0.01f, 0},
    {"thresholdedrelu", Kind::kThresholdedRelu, true, false, 1.0f, 0},
    {"scaledtanh", Kind::kScaledTanh, true, true, 1.0f, 1.0f},
    {"hardsigmoid", Kind::kHardSigmoid, true, true, 0.2f, 0.5f},
    {"elu", Kind::kElu, true, false, 1.0f, 0},
    {"softsign", Kind::kSoftsign, false, false, 0, 0},
    {"softplus", Kind::kSoftplus, false, false, 0, 0},
};

// activations, activation_alpha and activation_beta: alphas and betas are consumed in order by
// the functions that take them, falling back to ONNX's defaults when the lists run out.
absl::Status ReadActivations(const KernelBuildContext& ctx, RnnParams& p) {
  std::vector<std::string> names;
  if (const ir::Attribute* a = ctx.node().attr("activations"); a && a->kind() == ir::AttrKind::kStrings) {
    names = a->strings();
  }
  if (names.empty()) {
    static const char* kDefaults[3][3] = {{"Tanh"}, {"Sigmoid", "Tanh"}, {"Sigmoid", "Tanh", "Tanh"}};
    for (int64_t d = 0; d < p.dirs; ++d)
      for (int j = 0; j < p.acts_per_dir; ++j) names.push_back(kDefaults[p.acts_per_dir - 1][j]);
  } else if (static_cast<int64_t>(names.size()) == p.acts_per_dir && p.dirs == 2) {
    names.insert(names.end(), names.begin(), names.end());  // one list for both directions
  }
  if (static_cast<int64_t>(names.size()) != p.acts_per_dir * p.dirs) {
    return ctx.Invalid(absl::StrCat("expected ", p.acts_per_dir * p.dirs, " activations, got ", names.size()));
  }
  std::vector<float> alphas, betas;
  if (const ir::Attribute* a = ctx.node().attr("activation_alpha"); a && a->kind() == ir::AttrKind::kFloats) alphas = a->floats();
  if (const ir::Attribute* a = ctx.node().attr("activation_beta"); a && a->kind() == ir::AttrKind::kFloats) betas = a->floats();
  size_t next_alpha = 0, next_beta = 0;
  for (const std::string& name : names) {
    const std::string lower = absl::AsciiStrToLower(name);
    const ActivationSpec* spec = nullptr;
    for (const ActivationSpec& s : kActivations) {
      if (lower == s.name) spec = &s;
    }
    if (spec == nullptr) return ctx.Invalid(absl::StrCat("unknown activation '", name, "'"));
    RnnActivation act{spec->kind, spec->alpha, spec->beta};
    if (spec->uses_alpha && next_alpha < alphas.size()) act.alpha = alphas[next_alpha++];
    if (spec->uses_beta && next_beta < betas.size()) act.beta = betas[next_beta++];
    p.activations.push_back(act);
  }
  return absl::OkStatus();
}

// Input `i`, when present, must have dims `expected` and dtype `dtype`.
absl::Status ExpectInput(const KernelBuildContext& ctx, size_t i, const std::vector<int64_t>& expected,
                         ir::DType dtype, const char* name) {
  if (!ctx.has_input(i)) return absl::OkStatus();
  auto dims = StaticShape(ctx, i, /*output=*/false);
  if (!dims.ok()) return dims.status();
  if (*dims != expected || ctx.input_info(i).dtype != dtype) {
    return ctx.Invalid(absl::StrCat(name, " is ", ctx.input_info(i).ToString(), ", expected ",
                                    ir::DTypeName(dtype), "[", absl::StrJoin(expected, ","), "]"));
  }
  return absl::OkStatus();
}

absl::Status ReadAttributes(const KernelBuildContext& ctx, RnnParams& p) {
  const std::string direction = ctx.node().GetString("direction", "forward");
  if (direction == "bidirectional") {
    p.dirs = 2;
  } else if (direction == "reverse") {
    p.reverse = true;
  } else if (direction != "forward") {
    return ctx.Invalid(absl::StrCat("unknown direction '", direction, "'"));
  }
  p.batch_first = ctx.node().GetInt("layout", 0) != 0;
  if (const ir::Attribute* clip = ctx.node().attr("clip"); clip != nullptr) {
    p.has_clip = true;
    p.clip = clip->f();
    if (!(p.clip >= 0)) return ctx.Invalid("clip must be non-negative");
  }
  p.input_forget = ctx.node().GetInt("input_forget", 0) != 0;
  p.linear_before_reset = ctx.node().GetInt("linear_before_reset", 0) != 0;
  return ReadActivations(ctx, p);
}

}  // namespace

absl::StatusOr<RnnParams> ReadRnnParams(const KernelBuildContext& ctx, RnnParams::Cell cell) {
  RnnParams p;
  p.cell = cell;
  p.gates = cell == RnnParams::Cell::kRnn ? 1 : cell == RnnParams::Cell::kGru ? 3 : 4;
  p.acts_per_dir = p.gates == 1 ? 1 : p.gates == 3 ? 2 : 3;
  absl::Status s = ReadAttributes(ctx, p);
  if (!s.ok()) return s;
  if (!ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_input(2)) return ctx.Invalid("X, W and R are required");
  p.dtype = ctx.input_info(0).dtype;
  if (p.dtype != ir::DType::kFloat32 && p.dtype != ir::DType::kFloat64) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(p.dtype), " (float and double only)"));
  }
  auto x = StaticShape(ctx, 0, false);
  if (!x.ok()) return x.status();
  auto r = StaticShape(ctx, 2, false);
  if (!r.ok()) return r.status();
  if (x->size() != 3 || r->size() != 3) return ctx.Invalid("X and R must have rank 3");
  p.seq = p.batch_first ? (*x)[1] : (*x)[0];
  p.batch = p.batch_first ? (*x)[0] : (*x)[1];
  p.input = (*x)[2];
  p.hidden = ctx.node().GetInt("hidden_size", (*r)[2]);
  if (p.hidden <= 0) return ctx.Invalid("hidden_size must be positive");
  const int64_t g = p.gate_size(), dirs = p.dirs, batch = p.batch, h = p.hidden;
  const std::vector<int64_t> state = p.batch_first ? std::vector<int64_t>{batch, dirs, h} : std::vector<int64_t>{dirs, batch, h};
  struct Expected {
    size_t input;
    std::vector<int64_t> dims;
    const char* name;
  };
  for (const Expected& e : {Expected{1, {dirs, g, p.input}, "W"}, Expected{2, {dirs, g, h}, "R"},
                            Expected{3, {dirs, 2 * g}, "B"}, Expected{5, state, "initial_h"}}) {
    s = ExpectInput(ctx, e.input, e.dims, p.dtype, e.name);
    if (!s.ok()) return s;
  }
  s = ExpectInput(ctx, 4, {batch}, ir::DType::kInt32, "sequence_lens");
  if (!s.ok()) return s;
  if (cell == RnnParams::Cell::kLstm) {
    s = ExpectInput(ctx, 6, state, p.dtype, "initial_c");
    if (s.ok()) s = ExpectInput(ctx, 7, {dirs, 3 * h}, p.dtype, "P");
    if (!s.ok()) return s;
    p.has_initial_c = ctx.has_input(6);
    p.has_peepholes = ctx.has_input(7);
  }
  p.has_bias = ctx.has_input(3);
  p.has_seq_lens = ctx.has_input(4);
  p.has_initial_h = ctx.has_input(5);

  const std::vector<int64_t> y = p.batch_first ? std::vector<int64_t>{batch, p.seq, dirs, h}
                                               : std::vector<int64_t>{p.seq, dirs, batch, h};
  for (size_t i = 0; i < ctx.num_outputs() && i < 3; ++i) {
    if (!ctx.node().outputs[i].valid()) continue;
    s = ExpectOutputShape(ctx, i, i == 0 ? y : state);
    if (!s.ok()) return s;
  }
  return p;
}

}  // namespace tandem::kernels::cpu::nn
