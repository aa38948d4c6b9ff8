// Gemm: Y = alpha · op(A) · op(B) + beta · C, with C broadcast to [M, N].
//  - float32 with a constant B: XNNPACK fully connected. alpha is folded into the packed
//    weights, and beta·C into the bias when C is one row; any other C is added afterwards.
//  - otherwise: our blocked GEMM (float, double; B prepacked when constant) or a triple loop
//    (float16/bfloat16 in float, integers wrapping).
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/nn_gemm.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_layout.h"
#include "kernels/cpu/nn_window.h"
#include "kernels/cpu/xnn_fully_connected.h"

namespace tandem::kernels::cpu::nn {
namespace {

struct GemmParams {
  ir::DType dtype = ir::DType::kUndefined;
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  float alpha = 1, beta = 1;
  bool use_c = false;              // C present and beta != 0
  int64_t c_rows = 1, c_cols = 1;  // C's broadcast extents: 1 or m, 1 or n
};

absl::StatusOr<GemmParams> ReadGemmParams(const KernelBuildContext& ctx) {
  GemmParams p;
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.Invalid("A and B are required");
  auto a = StaticShape(ctx, 0, false);
  if (!a.ok()) return a.status();
  auto b = StaticShape(ctx, 1, false);
  if (!b.ok()) return b.status();
  p.dtype = ctx.input_info(0).dtype;
  if (a->size() != 2 || b->size() != 2 || ctx.input_info(1).dtype != p.dtype) {
    return ctx.Invalid("A and B must be matrices of one dtype");
  }
  p.trans_a = ctx.node().GetInt("transA", 0) != 0;
  p.trans_b = ctx.node().GetInt("transB", 0) != 0;
  p.alpha = ctx.node().GetFloat("alpha", 1.0f);
  p.beta = ctx.node().GetFloat("beta", 1.0f);
  p.m = p.trans_a ? (*a)[1] : (*a)[0];
  p.k = p.trans_a ? (*a)[0] : (*a)[1];
  p.n = p.trans_b ? (*b)[0] : (*b)[1];
  const int64_t kb = p.trans_b ? (*b)[1] : (*b)[0];
  if (kb != p.k) return ctx.Invalid(absl::StrCat("inner dimensions differ: ", p.k, " vs ", kb));
  if (ctx.has_input(2)) {
    auto c = StaticShape(ctx, 2, false);
    if (!c.ok()) return c.status();
    if (c->size() > 2 || ctx.input_info(2).dtype != p.dtype) return ctx.Invalid("C must have rank <= 2");
    p.c_cols = c->empty() ? 1 : c->back();
    p.c_rows = c->size() == 2 ? (*c)[0] : 1;
    if ((p.c_rows != 1 && p.c_rows != p.m) || (p.c_cols != 1 && p.c_cols != p.n)) {
      return ctx.Invalid(absl::StrCat("C [", absl::StrJoin(*c, ","), "] does not broadcast to [", p.m, ",", p.n, "]"));
    }
    p.use_c = p.beta != 0.0f;
  }
  absl::Status s = ExpectOutputShape(ctx, 0, {p.m, p.n});
  if (!s.ok()) return s;
  return p;
}

// y[i][j] = C broadcast (the GEMM then scales it by beta).
template <typename T>
void BroadcastC(const GemmParams& p, const T* c, T* y) {
  for (int64_t i = 0; i < p.m; ++i) {
    const T* crow = c + (p.c_rows == 1 ? 0 : i * p.c_cols);
    T* yrow = y + i * p.n;
    if (p.c_cols == p.n) {
      std::memcpy(yrow, crow, static_cast<size_t>(p.n) * sizeof(T));
    } else {
      for (int64_t j = 0; j < p.n; ++j) yrow[j] = crow[0];
    }
  }
}

class XnnGemmKernel final : public CpuKernel {
 public:
  XnnGemmKernel(const GemmParams& p, XnnFullyConnected fc, bool c_in_bias, bool copy_a)
      : p_(p), fc_(std::move(fc)), c_in_bias_(c_in_bias), copy_a_(copy_a) {
    if (p.trans_a || copy_a) a_.resize(static_cast<size_t>(p.m * p.k) + XNN_EXTRA_BYTES / sizeof(float));
  }

  // B is packed; C too when it became the bias.
  bool ReadsInputAtRun(size_t input) const override { return input == 0 || (input == 2 && !c_in_bias_); }

  absl::Status Run(const KernelContext& ctx) override {
    const float* a = ctx.inputs[0].as<const float>();
    if (p_.trans_a) {
      TransposeBatched(a, a_.data(), 1, p_.k, p_.m, ctx.threadpool);
      a = a_.data();
    } else if (copy_a_) {
      std::memcpy(a_.data(), a, static_cast<size_t>(p_.m * p_.k) * sizeof(float));
      a = a_.data();
    }
    float* y = ctx.outputs[0].as<float>();
    absl::Status s = fc_.Run(p_.m, a, y, ctx.threadpool);
    if (!s.ok() || !p_.use_c || c_in_bias_) return s;
    const float* c = ctx.inputs[2].as<const float>();
    for (int64_t i = 0; i < p_.m; ++i) {
      const float* crow = c + (p_.c_rows == 1 ? 0 : i * p_.c_cols);
      for (int64_t j = 0; j < p_.n; ++j) y[i * p_.n + j] += p_.beta * crow[p_.c_cols == 1 ? 0 : j];
    }
    return absl::OkStatus();
  }

  int64_t ScratchBytes() const override { return VectorBytes(a_); }

 private:
  GemmParams p_;
  XnnFullyConnected fc_;
  bool c_in_bias_, copy_a_;
  std::vector<float> a_;  // op(A) when A is transposed or constant, with XNNPACK's slack
};

template <typename T>
class GemmKernel final : public CpuKernel {
 public:
  GemmKernel(const GemmParams& p, const T* constant_b) : p_(p) {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      if (constant_b != nullptr) {
        packed_.emplace();
        packed_->Pack(p.k, p.n, constant_b, p.trans_b ? p.k : p.n, p.trans_b);
      }
    }
  }

  absl::Status Run(const KernelContext& ctx) override {
    const T* a = ctx.inputs[0].as<const T>();
    const T* b = ctx.inputs[1].as<const T>();
    T* y = ctx.outputs[0].as<T>();
    if (p_.use_c) BroadcastC(p_, ctx.inputs[2].as<const T>(), y);
    const int64_t lda = p_.trans_a ? p_.m : p_.k, ldb = p_.trans_b ? p_.k : p_.n;
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      const T alpha = static_cast<T>(p_.alpha), beta = p_.use_c ? static_cast<T>(p_.beta) : T(0);
      if (packed_) {
        GemmPacked<T>(p_.m, alpha, a, lda, p_.trans_a, *packed_, beta, y, p_.n, ctx.threadpool);
      } else {
        Gemm<T>(p_.m, p_.n, p_.k, alpha, a, lda, p_.trans_a, b, ldb, p_.trans_b, beta, y, p_.n, ctx.threadpool);
      }
    } else {
      using Acc = GemmAcc<T>;
      auto scalar = [](float v) {
        if constexpr (std::is_integral_v<T>) return static_cast<Acc>(static_cast<int64_t>(v));
        else return static_cast<Acc>(v);
      };
      GemmNaive<T>(p_.m, p_.n, p_.k, scalar(p_.alpha), a, lda, p_.trans_a, b, ldb, p_.trans_b,
                   p_.use_c ? scalar(p_.beta) : Acc(0), y, p_.n);
    }
    return absl::OkStatus();
  }

 private:
  GemmParams p_;
  std::optional<PackedB<T>> packed_;
};

}  // namespace

KernelOr MakeXnnGemm(const KernelBuildContext& ctx) {
  auto p = ReadGemmParams(ctx);
  if (!p.ok()) return p.status();
  if (p->dtype != ir::DType::kFloat32) return ctx.Unsupported("XNNPACK path is float32 only");
  const ir::Tensor* b = ctx.constant_input(1);
  if (b == nullptr) return ctx.Unsupported("XNNPACK path needs a constant B");
  // XNNPACK packs B straight from the initializer; only alpha != 1 needs a scaled copy (a
  // copy of vgg16's first classifier layer alone is 392 MiB of peak memory).
  std::vector<float> scaled;
  const float* weights = b->values<float>().data();
  if (p->alpha != 1.0f) {
    scaled.assign(b->values<float>().begin(), b->values<float>().end());
    for (float& w : scaled) w *= p->alpha;
    weights = scaled.data();
  }
  // beta·C becomes the bias when C is constant and the same for every row.
  const ir::Tensor* c = p->use_c ? ctx.constant_input(2) : nullptr;
  const bool c_in_bias = c != nullptr && p->c_rows == 1;
  std::vector<float> bias;
  if (c_in_bias) {
    for (int64_t j = 0; j < p->n; ++j) bias.push_back(p->beta * c->values<float>()[p->c_cols == 1 ? 0 : j]);
  }
  auto fc = XnnFullyConnected::Create(ctx.node().Describe(), p->k, p->n, weights, !p->trans_b,
                                      c_in_bias ? bias.data() : nullptr);
  if (!fc.ok()) return fc.status();
  return std::make_unique<XnnGemmKernel>(*p, *std::move(fc), c_in_bias, ctx.constant_input(0) != nullptr);
}

KernelOr MakeGemm(const KernelBuildContext& ctx) {
  auto p = ReadGemmParams(ctx);
  if (!p.ok()) return p.status();
  const ir::Tensor* b = ctx.constant_input(1);
  KernelOr kernel = ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(p->dtype)));
  Dispatch(p->dtype, [&](auto tag) {
    using T = decltype(tag);
    constexpr bool kAllowed = kIsFloatLike<T> || std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t> ||
                              std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>;
    if constexpr (kAllowed) {
      kernel = std::make_unique<GemmKernel<T>>(*p, b ? reinterpret_cast<const T*>(b->data.data()) : nullptr);
    }
  });
  return kernel;
}

}  // namespace tandem::kernels::cpu::nn
