// Softmax, LogSoftmax and Hardmax over one axis (opset-13 semantics; the importer rewrote the
// older "flatten to 2-D" forms).
//
// Numerically stable: every row subtracts its max before exp; sums of exps accumulate in double
// (float32 lanes first summed in float over blocks of 256). float16/bfloat16 compute in float.
// float32 uses SIMD code with a polynomial exp: the widest vectors the CPU has (vector_f32.h)
// when the axis is innermost, F32x4 (reduction_math.h) otherwise. When the axis is innermost (the
// common case, attention scores) a row is contiguous and the exps are written once into the
// output and rescaled; otherwise the kernel walks blocks of columns and recomputes the exps in
// the last pass instead of keeping an (axis × columns) scratch buffer.
#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/reduction_core.h"
#include "kernels/cpu/reduction_math.h"
#include "kernels/cpu/vector_f32.h"

namespace tandem::kernels::cpu::reduction {
namespace {

enum class Kind { kSoftmax, kLogSoftmax, kHardmax };

struct AxisGeometry {
  int64_t outer, n, inner;
};

// Hardmax of one contiguous row: 1 at the first max (a NaN counts as the max, as numpy's argmax).
template <typename C>
void HardmaxRow(const C* x, C* y, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (x[i] > x[best] || (std::isnan(x[i]) && !std::isnan(x[best]))) best = i;
  }
  std::fill(y, y + n, C{0});
  y[best] = C{1};
}

// Softmax or LogSoftmax of one contiguous double row.
template <Kind K>
void SoftmaxRow(const double* x, double* y, int64_t n) {
  if constexpr (K == Kind::kHardmax) return HardmaxRow(x, y, n);
  const double max = ReduceContiguous<MaxOp, double>(x, n, 0.0);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double e = std::exp(x[i] - max);
    if constexpr (K == Kind::kSoftmax) y[i] = e;
    sum += e;
  }
  const double scale = K == Kind::kSoftmax ? 1.0 / sum : max + std::log(sum);
  for (int64_t i = 0; i < n; ++i) y[i] = K == Kind::kSoftmax ? y[i] * scale : x[i] - scale;
}

// Exps are summed in float lanes for kSumBlock elements, then into a double, so long rows keep
// float32 accuracy while the inner loop stays in SIMD registers (also in vector_f32_impl.h).
constexpr int64_t kSumBlock = 256;

template <Kind K>
void SoftmaxRow(const float* x, float* y, int64_t n) {
  if constexpr (K == Kind::kHardmax) {
    HardmaxRow(x, y, n);
  } else {
    VectorF32().softmax_row(x, y, n, K == Kind::kLogSoftmax);
  }
}

// Axis innermost: one task per block of rows.
template <typename Tag, Kind K>
void SoftmaxInnermost(const AxisGeometry& g, const Storage<Tag>* x, Storage<Tag>* y,
                      pthreadpool_t pool) {
  using C = FloatCompute<Tag>;
  const int64_t grain = std::max<int64_t>(1, kReduceGrainElements / std::max<int64_t>(1, g.n));
  ParallelForRange(pool, g.outer, grain, [&](int64_t begin, int64_t end) {
    std::vector<C> in_buf, out_buf;
    if constexpr (kIsHalf<Tag>) {
      in_buf.resize(g.n);
      out_buf.resize(g.n);
    }
    for (int64_t r = begin; r < end; ++r) {
      const Storage<Tag>* xr = x + r * g.n;
      Storage<Tag>* yr = y + r * g.n;
      if constexpr (kIsHalf<Tag>) {
        Widen<Tag>(xr, g.n, in_buf.data());
        SoftmaxRow<K>(in_buf.data(), out_buf.data(), g.n);
        for (int64_t i = 0; i < g.n; ++i) yr[i] = Narrow<Tag>(out_buf[i]);
      } else {
        SoftmaxRow<K>(xr, yr, g.n);
      }
    }
  });
}

constexpr int64_t kSoftmaxColumns = 128;

// One block of w <= kSoftmaxColumns adjacent columns (row stride `stride`, n rows), any dtype:
// max (and its first index, for Hardmax) → sum of exps → outputs.
template <typename Tag, Kind K>
void StridedBlock(const Storage<Tag>* x, Storage<Tag>* y, int64_t n, int64_t stride, int64_t w) {
  using C = FloatCompute<Tag>;
  auto load = [&](int64_t i) -> C {
    if constexpr (kIsHalf<Tag>) return ToFloat(Tag{x[i]});
    else return x[i];
  };
  C max[kSoftmaxColumns], shift[kSoftmaxColumns];
  double sum[kSoftmaxColumns];
  int64_t arg[kSoftmaxColumns];
  for (int64_t j = 0; j < w; ++j) {
    max[j] = load(j);
    arg[j] = 0;
    sum[j] = 0;
  }
  for (int64_t k = 1; k < n; ++k) {
    for (int64_t j = 0; j < w; ++j) {
      C v = load(k * stride + j);
      if (v > max[j] || (std::isnan(v) && !std::isnan(max[j]))) { max[j] = v; arg[j] = k; }
    }
  }
  if constexpr (K != Kind::kHardmax) {
    for (int64_t k = 0; k < n; ++k) {
      for (int64_t j = 0; j < w; ++j) sum[j] += ExpNonPositive(load(k * stride + j) - max[j]);
    }
  }
  for (int64_t j = 0; j < w; ++j) {
    shift[j] = K == Kind::kLogSoftmax ? max[j] + static_cast<C>(std::log(sum[j])) : static_cast<C>(1.0 / sum[j]);
  }
  for (int64_t k = 0; k < n; ++k) {
    for (int64_t j = 0; j < w; ++j) {
      C v;
      if constexpr (K == Kind::kHardmax) v = arg[j] == k ? C{1} : C{0};
      else if constexpr (K == Kind::kLogSoftmax) v = load(k * stride + j) - shift[j];
      else v = ExpNonPositive(load(k * stride + j) - max[j]) * shift[j];
      y[k * stride + j] = Narrow<Tag>(v);
    }
  }
}

// The float32 Softmax/LogSoftmax block, 4 columns per F32x4; per-column state lives in small
// stack arrays (L1) and exps are summed in float for kSumBlock rows, then in double.
template <Kind K>
void StridedBlockF32(const float* x, float* y, int64_t n, int64_t stride, int64_t w) {
  float max[kSoftmaxColumns], part[kSoftmaxColumns], scale[kSoftmaxColumns];
  double sum[kSoftmaxColumns];
  std::copy(x, x + w, max);
  for (int64_t k = 1; k < n; ++k) {
    const float* row = x + k * stride;
    int64_t j = 0;
    for (; j + 4 <= w; j += 4) {
      const F32x4 m = Load4(max + j), v = Load4(row + j);
      Store4(max + j, ((m >= v) | (m != m)) ? m : v);  // NaN propagates
    }
    for (; j < w; ++j) max[j] = MaxOp::Combine(max[j], row[j]);
  }
  std::fill(part, part + w, 0.0f);
  std::fill(sum, sum + w, 0.0);
  for (int64_t k = 0; k < n; ++k) {
    const float* row = x + k * stride;
    int64_t j = 0;
    for (; j + 4 <= w; j += 4) {
      Store4(part + j, Load4(part + j) + ExpNonPositive(Load4(row + j) - Load4(max + j)));
    }
    for (; j < w; ++j) part[j] += ExpNonPositive(row[j] - max[j]);
    if ((k + 1) % kSumBlock == 0 || k + 1 == n) {
      for (j = 0; j < w; ++j) sum[j] += part[j];
      std::fill(part, part + w, 0.0f);
    }
  }
  for (int64_t j = 0; j < w; ++j) {
    scale[j] = K == Kind::kSoftmax ? static_cast<float>(1.0 / sum[j]) : max[j] + static_cast<float>(std::log(sum[j]));
  }
  for (int64_t k = 0; k < n; ++k) {
    const float* row = x + k * stride;
    float* out = y + k * stride;
    int64_t j = 0;
    for (; j + 4 <= w; j += 4) {
      const F32x4 v = Load4(row + j), s = Load4(scale + j);
      Store4(out + j, K == Kind::kSoftmax ? ExpNonPositive(v - Load4(max + j)) * s : v - s);
    }
    for (; j < w; ++j) out[j] = K == Kind::kSoftmax ? ExpNonPositive(row[j] - max[j]) * scale[j] : row[j] - scale[j];
  }
}

// Axis not innermost: one task per (outer index, block of columns).
template <typename Tag, Kind K>
void SoftmaxStrided(const AxisGeometry& g, const Storage<Tag>* x, Storage<Tag>* y,
                    pthreadpool_t pool) {
  const int64_t blocks = (g.inner + kSoftmaxColumns - 1) / kSoftmaxColumns;
  const int64_t grain = std::max<int64_t>(
      1, kReduceGrainElements / std::max<int64_t>(1, g.n * std::min(g.inner, kSoftmaxColumns)));
  ParallelForRange(pool, g.outer * blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t o = t / blocks, c0 = (t % blocks) * kSoftmaxColumns;
      const int64_t w = std::min(kSoftmaxColumns, g.inner - c0);
      const int64_t base = o * g.n * g.inner + c0;
      if constexpr (std::is_same_v<Tag, float> && K != Kind::kHardmax) {
        StridedBlockF32<K>(x + base, y + base, g.n, g.inner, w);
      } else {
        StridedBlock<Tag, K>(x + base, y + base, g.n, g.inner, w);
      }
    }
  });
}

class SoftmaxKernel : public CpuKernel {
 public:
  SoftmaxKernel(Kind kind, ir::DType dtype, AxisGeometry g) : kind_(kind), dtype_(dtype), g_(g) {}

  absl::Status Run(const KernelContext& ctx) override {
    if (g_.outer * g_.n * g_.inner == 0) return absl::OkStatus();
    Dispatch(dtype_, [&](auto tag) {
      using Tag = decltype(tag);
      if constexpr (std::is_floating_point_v<Tag> || kIsHalf<Tag>) {
        const auto* x = ctx.inputs[0].as<const Storage<Tag>>();
        auto* y = ctx.outputs[0].as<Storage<Tag>>();
        switch (kind_) {
          case Kind::kSoftmax: Run<Tag, Kind::kSoftmax>(x, y, ctx.threadpool); break;
          case Kind::kLogSoftmax: Run<Tag, Kind::kLogSoftmax>(x, y, ctx.threadpool); break;
          case Kind::kHardmax: Run<Tag, Kind::kHardmax>(x, y, ctx.threadpool); break;
        }
      }
    });
    return absl::OkStatus();
  }

 private:
  template <typename Tag, Kind K>
  void Run(const Storage<Tag>* x, Storage<Tag>* y, pthreadpool_t pool) {
    if (g_.inner == 1) {
      SoftmaxInnermost<Tag, K>(g_, x, y, pool);
    } else {
      SoftmaxStrided<Tag, K>(g_, x, y, pool);
    }
  }

  Kind kind_;
  ir::DType dtype_;
  AxisGeometry g_;
};

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeSoftmax(Kind kind, const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  if (!IsFloatDType(dtype)) {
    return ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype), " is not supported"));
  }
  TANDEM_ASSIGN_OR_RETURN(Dims dims, StaticInputDims(ctx, 0));
  TANDEM_RETURN_IF_ERROR(CheckOutputDims(ctx, 0, dims));
  const int rank = static_cast<int>(dims.size());
  AxisGeometry g{1, 1, 1};
  if (rank > 0) {  // a scalar is a single row of one element
    TANDEM_ASSIGN_OR_RETURN(int axis, NormalizeAxis(ctx, ctx.node().GetInt("axis", -1), rank));
    g.n = dims[axis];
    for (int i = 0; i < axis; ++i) g.outer *= dims[i];
    for (int i = axis + 1; i < rank; ++i) g.inner *= dims[i];
  }
  return std::unique_ptr<CpuKernel>(std::make_unique<SoftmaxKernel>(kind, dtype, g));
}

}  // namespace

void RegisterSoftmaxKernels(KernelRegistry& r) {
  r.Register("Softmax", [](const KernelBuildContext& ctx) { return MakeSoftmax(Kind::kSoftmax, ctx); });
  r.Register("LogSoftmax",
             [](const KernelBuildContext& ctx) { return MakeSoftmax(Kind::kLogSoftmax, ctx); });
  r.Register("Hardmax", [](const KernelBuildContext& ctx) { return MakeSoftmax(Kind::kHardmax, ctx); });
}

}  // namespace tandem::kernels::cpu::reduction
