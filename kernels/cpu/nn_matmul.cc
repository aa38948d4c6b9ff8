// MatMul (numpy semantics): A [..., M, K] · B [..., K, N] with broadcast batch dims; a 1-D A is
// a row [1, K] and a 1-D B a column [K, 1], whose unit dim is dropped from the result.
//  - float32 with a constant 1-D/2-D B: XNNPACK fully connected over all rows of A at once.
//  - otherwise our GEMM per batch item: parallel across items when there are enough of them,
//    else parallel inside each product. A B without batch dims folds A's batch into M.
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/nn_gemm.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_matmul_params.h"
#include "kernels/cpu/nn_window.h"
#include "kernels/cpu/xnn_fully_connected.h"

namespace tandem::kernels::cpu::nn {
namespace {

}  // namespace

absl::StatusOr<MatMulParams> ReadMatMulParams(const KernelBuildContext& ctx, size_t a_input, size_t b_input,
                                              bool same_dtype) {
  MatMulParams p;
  if (!ctx.has_input(a_input) || !ctx.has_input(b_input)) return ctx.Invalid("A and B are required");
  auto a_shape = StaticShape(ctx, a_input, false);
  if (!a_shape.ok()) return a_shape.status();
  auto b_shape = StaticShape(ctx, b_input, false);
  if (!b_shape.ok()) return b_shape.status();
  p.dtype = ctx.input_info(a_input).dtype;
  if (same_dtype && ctx.input_info(b_input).dtype != p.dtype) return ctx.Invalid("A and B have different dtypes");
  std::vector<int64_t> a = *a_shape, b = *b_shape;
  if (a.empty() || b.empty()) return ctx.Invalid("MatMul operands must have rank >= 1");
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a_vec) a.insert(a.begin(), 1);
  if (b_vec) b.push_back(1);
  p.m = a[a.size() - 2];
  p.k = a.back();
  p.n = b.back();
  if (b[b.size() - 2] != p.k) {
    return ctx.Invalid(absl::StrCat("inner dimensions differ: [", absl::StrJoin(*a_shape, ","), "] x [",
                                    absl::StrJoin(*b_shape, ","), "]"));
  }
  // Broadcast the batch dims, right-aligned.
  const size_t rank = std::max(a.size(), b.size()) - 2;
  std::vector<int64_t> a_batch(rank, 1), b_batch(rank, 1), out;
  std::copy(a.begin(), a.end() - 2, a_batch.begin() + (rank - (a.size() - 2)));
  std::copy(b.begin(), b.end() - 2, b_batch.begin() + (rank - (b.size() - 2)));
  for (size_t i = 0; i < rank; ++i) {
    if (a_batch[i] != b_batch[i] && a_batch[i] != 1 && b_batch[i] != 1) {
      return ctx.Invalid(absl::StrCat("batch dims of [", absl::StrJoin(*a_shape, ","), "] and [",
                                      absl::StrJoin(*b_shape, ","), "] do not broadcast"));
    }
    out.push_back(std::max(a_batch[i], b_batch[i]));
    p.b_has_batch |= b_batch[i] != 1;
  }
  const int64_t items = Window::Product(out);
  p.a_offsets.assign(items, 0);
  p.b_offsets.assign(items, 0);
  for (int64_t item = 0; item < items; ++item) {
    int64_t rest = item, a_stride = p.m * p.k, b_stride = p.k * p.n;
    for (size_t i = rank; i-- > 0;) {
      const int64_t idx = rest % out[i];
      rest /= out[i];
      if (a_batch[i] != 1) p.a_offsets[item] += idx * a_stride;
      if (b_batch[i] != 1) p.b_offsets[item] += idx * b_stride;
      a_stride *= a_batch[i];
      b_stride *= b_batch[i];
    }
  }
  if (!a_vec) out.push_back(p.m);
  if (!b_vec) out.push_back(p.n);
  absl::Status s = ExpectOutputShape(ctx, 0, out);
  if (!s.ok()) return s;
  return p;
}

namespace {

class XnnMatMulKernel final : public CpuKernel {
 public:
  XnnMatMulKernel(int64_t rows, int64_t k, XnnFullyConnected fc, bool copy_a) : rows_(rows), k_(k), fc_(std::move(fc)) {
    if (copy_a) a_.resize(static_cast<size_t>(rows * k) + XNN_EXTRA_BYTES / sizeof(float));
  }

  bool ReadsInputAtRun(size_t input) const override { return input == 0; }  // B is packed

  absl::Status Run(const KernelContext& ctx) override {
    const float* a = ctx.inputs[0].as<const float>();
    if (!a_.empty()) {  // a constant A lacks the arena's read-past-end slack
      std::memcpy(a_.data(), a, static_cast<size_t>(rows_ * k_) * sizeof(float));
      a = a_.data();
    }
    return fc_.Run(rows_, a, ctx.outputs[0].as<float>(), ctx.threadpool);
  }

  int64_t ScratchBytes() const override { return VectorBytes(a_); }

 private:
  int64_t rows_, k_;
  XnnFullyConnected fc_;
  std::vector<float> a_;
};

template <typename T>
class MatMulKernel final : public CpuKernel {
 public:
  explicit MatMulKernel(MatMulParams p) : p_(std::move(p)) {}

  absl::Status Run(const KernelContext& ctx) override {
    const T* a = ctx.inputs[0].as<const T>();
    const T* b = ctx.inputs[1].as<const T>();
    T* y = ctx.outputs[0].as<T>();
    const int64_t items = static_cast<int64_t>(p_.a_offsets.size());
    if (!p_.b_has_batch) {  // A's batch items are consecutive rows against one B
      Product(items * p_.m, a, b, y, ctx.threadpool);
      return absl::OkStatus();
    }
    const int64_t threads = ctx.threadpool ? static_cast<int64_t>(pthreadpool_get_threads_count(ctx.threadpool)) : 1;
    if (items >= 2 * threads) {
      ParallelFor(ctx.threadpool, items, [&](int64_t i) {
        Product(p_.m, a + p_.a_offsets[i], b + p_.b_offsets[i], y + i * p_.m * p_.n, nullptr);
      });
    } else {
      for (int64_t i = 0; i < items; ++i) {
        Product(p_.m, a + p_.a_offsets[i], b + p_.b_offsets[i], y + i * p_.m * p_.n, ctx.threadpool);
      }
    }
    return absl::OkStatus();
  }

 private:
  void Product(int64_t m, const T* a, const T* b, T* y, pthreadpool_t pool) const {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      Gemm<T>(m, p_.n, p_.k, T(1), a, p_.k, false, b, p_.n, false, T(0), y, p_.n, pool);
    } else {
      GemmNaive<T>(m, p_.n, p_.k, GemmAcc<T>(1), a, p_.k, false, b, p_.n, false, GemmAcc<T>(0), y, p_.n);
    }
  }

  MatMulParams p_;
};

}  // namespace

KernelOr MakeXnnMatMul(const KernelBuildContext& ctx) {
  auto p = ReadMatMulParams(ctx);
  if (!p.ok()) return p.status();
  if (p->dtype != ir::DType::kFloat32) return ctx.Unsupported("XNNPACK path is float32 only");
  const ir::Tensor* b = ctx.constant_input(1);
  if (b == nullptr || p->b_has_batch || b->dims.size() > 2) {
    return ctx.Unsupported("XNNPACK path needs a constant 1-D/2-D B");
  }
  // B is [K, N]: XNNPACK's transposed-weights layout.
  auto fc = XnnFullyConnected::Create(ctx.node().Describe(), p->k, p->n, b->values<float>().data(),
                                      /*weights_kn=*/true, /*bias=*/nullptr);
  if (!fc.ok()) return fc.status();
  const int64_t rows = static_cast<int64_t>(p->a_offsets.size()) * p->m;
  return std::make_unique<XnnMatMulKernel>(rows, p->k, *std::move(fc), ctx.constant_input(0) != nullptr);
}

KernelOr MakeMatMul(const KernelBuildContext& ctx) {
  auto p = ReadMatMulParams(ctx);
  if (!p.ok()) return p.status();
  KernelOr kernel = ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(p->dtype)));
  Dispatch(p->dtype, [&](auto tag) {
    using T = decltype(tag);
    constexpr bool kAllowed = kIsFloatLike<T> || std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t> ||
                              std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>;
    if constexpr (kAllowed) kernel = std::make_unique<MatMulKernel<T>>(*std::move(p));
  });
  return kernel;
}

}  // namespace tandem::kernels::cpu::nn
