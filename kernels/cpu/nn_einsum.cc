// Einsum. A two-operand contraction of float/double without diagonals or one-sided sums (the
// common "bij,bjk->bik" family) becomes a batched GEMM: each operand is permuted (only when its
// layout differs) to [batch, M, K] and [batch, K, N], multiplied, and the product permuted to
// the output order. Everything else (diagonals, traces, one operand, three or more, integers)
// walks the label space directly, one output element per iteration, summing in double (or
// wrapping uint64 for integers).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/nn_einsum_plan.h"
#include "kernels/cpu/nn_gemm.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_scalar.h"

namespace tandem::kernels::cpu::nn {
namespace {

// dst (contiguous, axes `sizes`) = src at offset Σ index·strides.
template <typename T>
void Gather(const T* src, const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides, T* dst) {
  int64_t total = 1;
  for (int64_t s : sizes) total *= s;
  std::vector<int64_t> idx(sizes.size(), 0);
  int64_t offset = 0;
  for (int64_t i = 0; i < total; ++i) {
    dst[i] = src[offset];
    for (size_t a = sizes.size(); a-- > 0;) {  // odometer
      offset += strides[a];
      if (++idx[a] < sizes[a]) break;
      offset -= strides[a] * sizes[a];
      idx[a] = 0;
    }
  }
}

// Whether `strides` walk `sizes` contiguously (size-1 axes ignored), so no Gather is needed.
bool IsContiguous(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides) {
  int64_t expected = 1;
  for (size_t a = sizes.size(); a-- > 0;) {
    if (sizes[a] != 1 && strides[a] != expected) return false;
    expected *= sizes[a];
  }
  return true;
}

template <typename T>
class EinsumKernel final : public CpuKernel {
 public:
  explicit EinsumKernel(EinsumPlan plan) : plan_(std::move(plan)) {}

  absl::Status Run(const KernelContext& ctx) override {
    const size_t n_in = plan_.strides.size();
    std::vector<const T*> in(n_in);
    for (size_t i = 0; i < n_in; ++i) in[i] = ctx.inputs[i].as<const T>();
    T* y = ctx.outputs[0].as<T>();
    const int64_t total = ctx.outputs[0].num_elements();
    const std::vector<int>& sums = plan_.sum_labels;
    ParallelForRange(ctx.threadpool, total, 256, [&](int64_t begin, int64_t end) {
      std::vector<int64_t> base(n_in), offset(n_in), idx(sums.size());
      for (int64_t o = begin; o < end; ++o) {
        std::fill(base.begin(), base.end(), 0);
        int64_t rest = o;
        for (size_t a = plan_.out_labels.size(); a-- > 0;) {
          const int l = plan_.out_labels[a];
          const int64_t i = rest % plan_.label_sizes[l];
          rest /= plan_.label_sizes[l];
          for (size_t k = 0; k < n_in; ++k) base[k] += i * plan_.strides[k][l];
        }
        y[o] = Store<T>(static_cast<Compute<T>>(SumAt(in, base, offset, idx)));
      }
    });
    return absl::OkStatus();
  }

 private:
  using Acc = std::conditional_t<std::is_integral_v<T>, uint64_t, double>;

  Acc SumAt(const std::vector<const T*>& in, const std::vector<int64_t>& base, std::vector<int64_t>& offset,
            std::vector<int64_t>& idx) const {
    const std::vector<int>& sums = plan_.sum_labels;
    for (int l : sums) {
      if (plan_.label_sizes[l] == 0) return Acc(0);
    }
    offset = base;
    std::fill(idx.begin(), idx.end(), 0);
    Acc acc = 0;
    while (true) {
      Acc product = 1;
      for (size_t k = 0; k < in.size(); ++k) product *= static_cast<Acc>(Load(in[k][offset[k]]));
      acc += product;
      size_t a = sums.size();
      for (; a-- > 0;) {  // odometer over the summed labels
        const int l = sums[a];
        for (size_t k = 0; k < in.size(); ++k) offset[k] += plan_.strides[k][l];
        if (++idx[a] < plan_.label_sizes[l]) break;
        for (size_t k = 0; k < in.size(); ++k) offset[k] -= plan_.strides[k][l] * plan_.label_sizes[l];
        idx[a] = 0;
      }
      if (a == static_cast<size_t>(-1)) return acc;
    }
  }

  EinsumPlan plan_;
};

// Label groups of a two-operand contraction, in the order the GEMM lays them out.
struct GemmLayout {
  std::vector<int> batch, m, n, k;
};

// The GEMM layout when the plan is a plain two-operand contraction, else false.
bool GemmLayoutOf(const EinsumPlan& plan, GemmLayout* layout) {
  if (plan.strides.size() != 2) return false;
  auto has = [&](int input, int l) {
    const auto& labels = plan.input_labels[input];
    return std::find(labels.begin(), labels.end(), l) != labels.end();
  };
  for (const auto& labels : plan.input_labels) {
    std::vector<int> sorted = labels;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) return false;  // a diagonal
  }
  for (int l = 0; l < static_cast<int>(plan.label_sizes.size()); ++l) {
    const bool a = has(0, l), b = has(1, l);
    const bool out = std::find(plan.out_labels.begin(), plan.out_labels.end(), l) != plan.out_labels.end();
    // A broadcast (size-1) ellipsis dim against a larger one: leave it to the general kernel.
    if (plan.label_sizes[l] > 1 && ((a && plan.strides[0][l] == 0) || (b && plan.strides[1][l] == 0))) return false;
    if (a && b) {
      (out ? layout->batch : layout->k).push_back(l);
    } else if (out) {
      (a ? layout->m : layout->n).push_back(l);
    } else if (a || b) {
      return false;  // summed over one operand only
    }
  }
  return true;
}

template <typename T>
class EinsumGemmKernel final : public CpuKernel {
 public:
  EinsumGemmKernel(const EinsumPlan& plan, const GemmLayout& g) {
    auto extent = [&](const std::vector<int>& labels) {
      int64_t p = 1;
      for (int l : labels) p *= plan.label_sizes[l];
      return p;
    };
    batch_ = extent(g.batch), m_ = extent(g.m), n_ = extent(g.n), k_ = extent(g.k);
    a_ = Operand(plan, 0, {g.batch, g.m, g.k});
    b_ = Operand(plan, 1, {g.batch, g.k, g.n});
    // Strides of each output label inside the [batch, M, N] product.
    std::vector<int> product_order = g.batch;
    product_order.insert(product_order.end(), g.m.begin(), g.m.end());
    product_order.insert(product_order.end(), g.n.begin(), g.n.end());
    std::vector<int64_t> product_stride(plan.label_sizes.size(), 0);
    int64_t stride = 1;
    for (size_t i = product_order.size(); i-- > 0;) {
      product_stride[product_order[i]] = stride;
      stride *= plan.label_sizes[product_order[i]];
    }
    for (int l : plan.out_labels) {
      out_.sizes.push_back(plan.label_sizes[l]);
      out_.strides.push_back(product_stride[l]);
    }
    out_.contiguous = IsContiguous(out_.sizes, out_.strides);
    if (!out_.contiguous) out_.scratch.resize(static_cast<size_t>(batch_ * m_ * n_));
  }

  absl::Status Run(const KernelContext& ctx) override {
    const T* a = Prepare(a_, ctx.inputs[0].as<const T>());
    const T* b = Prepare(b_, ctx.inputs[1].as<const T>());
    T* y = ctx.outputs[0].as<T>();
    T* c = out_.contiguous ? y : out_.scratch.data();
    const int64_t threads = ctx.threadpool ? static_cast<int64_t>(pthreadpool_get_threads_count(ctx.threadpool)) : 1;
    auto product = [&](int64_t i, pthreadpool_t pool) {
      Gemm<T>(m_, n_, k_, T(1), a + i * m_ * k_, k_, false, b + i * k_ * n_, n_, false, T(0), c + i * m_ * n_, n_, pool);
    };
    if (batch_ >= 2 * threads) {
      ParallelFor(ctx.threadpool, batch_, [&](int64_t i) { product(i, nullptr); });
    } else {
      for (int64_t i = 0; i < batch_; ++i) product(i, ctx.threadpool);
    }
    if (!out_.contiguous) Gather(c, out_.sizes, out_.strides, y);
    return absl::OkStatus();
  }

 private:
  struct Permuted {
    std::vector<int64_t> sizes, strides;
    bool contiguous = true;
    std::vector<T> scratch;
  };

  static Permuted Operand(const EinsumPlan& plan, int input, const std::vector<std::vector<int>>& groups) {
    Permuted p;
    for (const std::vector<int>& group : groups) {
      for (int l : group) {
        p.sizes.push_back(plan.label_sizes[l]);
        p.strides.push_back(plan.strides[input][l]);
      }
    }
    p.contiguous = IsContiguous(p.sizes, p.strides);
    if (!p.contiguous) {
      int64_t total = 1;
      for (int64_t s : p.sizes) total *= s;
      p.scratch.resize(static_cast<size_t>(total));
    }
    return p;
  }

  const T* Prepare(Permuted& p, const T* src) {
    if (p.contiguous) return src;
    Gather(src, p.sizes, p.strides, p.scratch.data());
    return p.scratch.data();
  }

  int64_t batch_ = 1, m_ = 1, n_ = 1, k_ = 1;
  Permuted a_, b_, out_;
};

}  // namespace

KernelOr MakeEinsum(const KernelBuildContext& ctx) {
  auto plan = PlanEinsum(ctx);
  if (!plan.ok()) return plan.status();
  const ir::DType dtype = ctx.input_info(0).dtype;
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    if (ctx.input_info(i).dtype != dtype) return ctx.Invalid("operands have different dtypes");
  }
  KernelOr kernel = ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  GemmLayout layout;
  const bool gemm = GemmLayoutOf(*plan, &layout);
  Dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      if (gemm) {
        kernel = std::make_unique<EinsumGemmKernel<T>>(*plan, layout);
        return;
      }
    }
    if constexpr (!std::is_same_v<T, bool>) kernel = std::make_unique<EinsumKernel<T>>(*std::move(plan));
  });
  return kernel;
}

}  // namespace tandem::kernels::cpu::nn
