// The optimizers of domain ai.onnx.preview.training (opset 1): Adagrad, Momentum and Adam.
// Each takes a learning rate R and an update count T (scalars), then n tensors X1..Xn, their
// gradients G1..Gn and one or two per-tensor states, and returns the updated tensors followed by
// the updated states, group by group (X_new1..X_newn, state1_new1..., ...). Per element, in
// double, as the ONNX spec's pseudo code states (G' = norm_coefficient·X + G):
//   Adagrad:  r = R / (1 + T·decay_factor); H' = H + G'²; X' = X - r·G' / (√H' + epsilon)
//   Momentum: b = T > 0 ? beta : 1; V' = alpha·V + b·G';
//             X' = X - R·V' (standard) or X - R·(G' + alpha·V') (nesterov)
//   Adam:     V' = alpha·V + (1 - alpha)·G'; H' = beta·H + (1 - beta)·G'²;
//             r = T > 0 ? R·√(1 - beta^T) / (1 - alpha^T) : R;
//             X' = (1 - norm_coefficient_post)·(X - r·V' / (√H' + epsilon))
// The Gradient op of the same domain needs autodiff of a subgraph and is not provided.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/lambda_kernel.h"

namespace tandem::kernels::cpu {
namespace {

constexpr char kTrainingDomain[] = "ai.onnx.preview.training";

enum class Optimizer { kAdagrad, kMomentum, kAdam };

struct Coefficients {
  double norm = 0, alpha = 0, beta = 0, epsilon = 0, decay = 0, norm_post = 0;
  bool nesterov = false;
};

// One element's update: x, g and the states in; new x and states out (s[0], s[1]).
struct Step {
  Optimizer op;
  Coefficients c;
  double rate;  // r, already adjusted for T
  double beta_adjusted;

  void operator()(double x, double g, double* s, double* x_new) const {
    const double gr = c.norm * x + g;
    switch (op) {
      case Optimizer::kAdagrad:
        s[0] = s[0] + gr * gr;
        *x_new = x - rate * gr / (std::sqrt(s[0]) + c.epsilon);
        break;
      case Optimizer::kMomentum:
        s[0] = c.alpha * s[0] + beta_adjusted * gr;
        *x_new = c.nesterov ? x - rate * (gr + c.alpha * s[0]) : x - rate * s[0];
        break;
      case Optimizer::kAdam:
        s[0] = c.alpha * s[0] + (1 - c.alpha) * gr;
        s[1] = c.beta * s[1] + (1 - c.beta) * gr * gr;
        *x_new = (1 - c.norm_post) * (x - rate * s[0] / (std::sqrt(s[1]) + c.epsilon));
        break;
    }
  }
};

int NumStates(Optimizer op) { return op == Optimizer::kAdam ? 2 : 1; }

absl::StatusOr<Step> MakeStep(Optimizer op, const Coefficients& c, const KernelContext& k) {
  const TensorView& r = k.inputs[0];
  if (r.data == nullptr || r.num_elements() != 1 || !IsFloatingDType(r.dtype)) {
    return absl::InvalidArgumentError("R must be a floating-point scalar");
  }
  TANDEM_ASSIGN_OR_RETURN(int64_t t, ScalarInt(k.inputs[1], "T"));
  const double rate = LoadDouble(r.dtype, r.data, 0);
  Step step{op, c, rate, t > 0 ? c.beta : 1.0};
  if (op == Optimizer::kAdagrad) step.rate = rate / (1 + static_cast<double>(t) * c.decay);
  if (op == Optimizer::kAdam && t > 0) {
    const double td = static_cast<double>(t);
    step.rate = rate * std::sqrt(1 - std::pow(c.beta, td)) / (1 - std::pow(c.alpha, td));
  }
  return step;
}

// Updates tensor i of n: inputs X at 2+i, G at 2+n+i, state j at 2+(2+j)·n+i; outputs X_new
// at i and state j at (1+j)·n+i.
template <typename T>
void UpdateTensor(const Step& step, const KernelContext& k, int64_t n, int64_t i) {
  const int states = NumStates(step.op);
  const T* x = k.inputs[2 + i].as<const T>();
  const T* g = k.inputs[2 + n + i].as<const T>();
  const T* s_in[2] = {k.inputs[2 + 2 * n + i].as<const T>(),
                      states > 1 ? k.inputs[2 + 3 * n + i].as<const T>() : nullptr};
  T* x_out = k.outputs[i].as<T>();
  T* s_out[2] = {k.outputs[n + i].as<T>(), states > 1 ? k.outputs[2 * n + i].as<T>() : nullptr};
  ParallelForRange(k.threadpool, k.inputs[2 + i].num_elements(), 16384, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) {
      double s[2] = {Widen(s_in[0][j]), states > 1 ? Widen(s_in[1][j]) : 0.0};
      double x_new = 0;
      step(Widen(x[j]), Widen(g[j]), s, &x_new);
      x_out[j] = Narrow<T>(x_new);
      for (int q = 0; q < states; ++q) s_out[q][j] = Narrow<T>(s[q]);
    }
  });
}

absl::StatusOr<Coefficients> ReadCoefficients(const KernelBuildContext& ctx, Optimizer op) {
  const ir::Node& node = ctx.node();
  Coefficients c;
  c.norm = node.GetFloat("norm_coefficient", 0.0f);
  switch (op) {
    case Optimizer::kAdagrad:
      c.decay = node.GetFloat("decay_factor", 0.0f);
      c.epsilon = node.GetFloat("epsilon", 1e-6f);
      break;
    case Optimizer::kMomentum: {
      for (const char* name : {"alpha", "beta", "norm_coefficient", "mode"}) {
        if (node.attr(name) == nullptr) return ctx.Invalid(absl::StrCat("missing attribute ", name));
      }
      c.alpha = node.GetFloat("alpha", 0.0f);
      c.beta = node.GetFloat("beta", 0.0f);
      const std::string mode = node.GetString("mode", "");
      if (mode != "standard" && mode != "nesterov") {
        return ctx.Invalid(absl::StrCat("mode must be \"standard\" or \"nesterov\", got \"", mode, "\""));
      }
      c.nesterov = mode == "nesterov";
      break;
    }
    case Optimizer::kAdam:
      c.alpha = node.GetFloat("alpha", 0.9f);
      c.beta = node.GetFloat("beta", 0.999f);
      c.epsilon = node.GetFloat("epsilon", 1e-6f);
      c.norm_post = node.GetFloat("norm_coefficient_post", 0.0f);
      break;
  }
  return c;
}

KernelFactory OptimizerFactory(Optimizer op) {
  return [op](const KernelBuildContext& ctx) -> absl::StatusOr<std::unique_ptr<CpuKernel>> {
    const int groups = 2 + NumStates(op);  // X, G and the states
    const int64_t inputs = static_cast<int64_t>(ctx.num_inputs());
    if (inputs < 2 + groups || (inputs - 2) % groups != 0) {
      return ctx.Invalid(absl::StrCat("needs R, T and ", groups, " groups of n tensors"));
    }
    const int64_t n = (inputs - 2) / groups;
    if (static_cast<int64_t>(ctx.num_outputs()) != (groups - 1) * n) {
      return ctx.Invalid(absl::StrCat("needs ", (groups - 1) * n, " outputs for ", n, " tensors"));
    }
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) return ctx.Invalid(absl::StrCat("input ", i, " is missing"));
    }
    if (!IsFloatingDType(ctx.input_info(0).dtype)) return ctx.Invalid("R must be floating point");
    if (ctx.input_info(1).dtype != ir::DType::kInt64) return ctx.Invalid("T must be int64");
    const ir::DType dtype = ctx.input_info(2).dtype;
    if (dtype != ir::DType::kFloat32 && dtype != ir::DType::kFloat64) {
      return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
    }
    for (int64_t i = 0; i < n; ++i) {
      TANDEM_ASSIGN_OR_RETURN(Dims x, StaticDimsOf(ctx, ctx.input_info(2 + i), "X"));
      for (int g = 1; g < groups; ++g) {
        const ir::TensorInfo& info = ctx.input_info(2 + g * n + i);
        TANDEM_ASSIGN_OR_RETURN(Dims d, StaticDimsOf(ctx, info, "input"));
        if (info.dtype != dtype || d != x) {
          return ctx.Invalid(absl::StrCat("input ", 2 + g * n + i, " must match X", i + 1, " in dtype and shape"));
        }
      }
      for (int g = 0; g + 1 < groups; ++g) {
        const ir::TensorInfo& info = ctx.output_info(g * n + i);
        TANDEM_ASSIGN_OR_RETURN(Dims d, StaticDimsOf(ctx, info, "output"));
        if (info.dtype != dtype || d != x) {
          return ctx.Invalid(absl::StrCat("output ", g * n + i, " must match X", i + 1, " in dtype and shape"));
        }
      }
    }
    TANDEM_ASSIGN_OR_RETURN(Coefficients c, ReadCoefficients(ctx, op));
    return MakeLambdaKernel([op, c, n, dtype](const KernelContext& k) -> absl::Status {
      TANDEM_ASSIGN_OR_RETURN(Step step, MakeStep(op, c, k));
      for (int64_t i = 0; i < n; ++i) {
        if (dtype == ir::DType::kFloat32) {
          UpdateTensor<float>(step, k, n, i);
        } else {
          UpdateTensor<double>(step, k, n, i);
        }
      }
      return absl::OkStatus();
    });
  };
}

}  // namespace

void RegisterTrainingKernels(KernelRegistry& r) {
  r.Register(kTrainingDomain, "Adagrad", OptimizerFactory(Optimizer::kAdagrad));
  r.Register(kTrainingDomain, "Momentum", OptimizerFactory(Optimizer::kMomentum));
  r.Register(kTrainingDomain, "Adam", OptimizerFactory(Optimizer::kAdam));
}

}  // namespace tandem::kernels::cpu
