// Vectorisation: GCC 12 does not vectorise loops at -O2, nor if-convert selects whose arms may
// raise FP exceptions or set errno (we read neither). Placed before the includes so the kernel
// templates instantiated in this file are covered.
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#pragma GCC optimize("no-trapping-math", "no-math-errno")

// Where (three-way broadcast; moves bytes, so any fixed-size dtype) and Clip (optional min/max
// inputs, constant or computed).
#include <limits>
#include <optional>

#include "kernels/cpu/elementwise_common.h"

namespace tandem::kernels::cpu::elementwise {
namespace {

template <bool kC, bool kX, bool kY, typename T>
void WhereLoop(const bool* c, const T* x, const T* y, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = c[kC ? i : 0] ? x[kX ? i : 0] : y[kY ? i : 0];
}

// One run of WhereLoop, specialised on which inputs are contiguous.
template <typename T>
void WhereRun(const bool* c, int64_t sc, const T* x, int64_t sx, const T* y, int64_t sy, T* out,
              int64_t n) {
  switch ((sc ? 4 : 0) | (sx ? 2 : 0) | (sy ? 1 : 0)) {
    case 0: return WhereLoop<false, false, false>(c, x, y, out, n);
    case 1: return WhereLoop<false, false, true>(c, x, y, out, n);
    case 2: return WhereLoop<false, true, false>(c, x, y, out, n);
    case 3: return WhereLoop<false, true, true>(c, x, y, out, n);
    case 4: return WhereLoop<true, false, false>(c, x, y, out, n);
    case 5: return WhereLoop<true, false, true>(c, x, y, out, n);
    case 6: return WhereLoop<true, true, false>(c, x, y, out, n);
    default: return WhereLoop<true, true, true>(c, x, y, out, n);
  }
}

// T is an unsigned integer of the element's size: Where only copies elements.
template <typename T>
class WhereKernel : public CpuKernel {
 public:
  WhereKernel(const std::vector<Dims>& in, const Dims& out) : indexer_(in, out) {
    for (const Dims& d : in) counts_.push_back(NumElements(d));
  }
  absl::Status Run(const KernelContext& ctx) override {
    if (absl::Status s = CheckCounts(ctx, counts_, indexer_.size()); !s.ok()) return s;
    const bool* c = ctx.inputs[0].as<bool>();
    const T* x = ctx.inputs[1].as<T>();
    const T* y = ctx.inputs[2].as<T>();
    T* out = ctx.outputs[0].as<T>();
    const int64_t sc = indexer_.inner_stride(0), sx = indexer_.inner_stride(1),
                  sy = indexer_.inner_stride(2);
    ParallelForRange(ctx.threadpool, indexer_.size(), kCheapGrain, [&](int64_t b, int64_t e) {
      indexer_.ForEachRun(b, e, [&](int64_t o, int64_t n, const int64_t* off) {
        WhereRun(c + off[0], sc, x + off[1], sx, y + off[2], sy, out + o, n);
      });
    });
    return absl::OkStatus();
  }

 private:
  BroadcastIndexer indexer_;
  std::vector<int64_t> counts_;
};

KernelOr MakeWhere(const KernelBuildContext& ctx) {
  if (absl::Status s = CheckArity(ctx, 3, 3); !s.ok()) return s;
  if (ctx.input_info(0).dtype != ir::DType::kBool) return ctx.Invalid("the condition must be bool");
  ir::DType dtype = ctx.input_info(1).dtype;
  if (ctx.input_info(2).dtype != dtype) return ctx.Invalid("X and Y have different dtypes");
  std::vector<Dims> in;
  for (size_t i = 0; i < 3; ++i) {
    auto d = StaticInputDims(ctx, i);
    if (!d.ok()) return d.status();
    in.push_back(*std::move(d));
  }
  auto out = StaticOutputDims(ctx, 0);
  if (!out.ok()) return out.status();
  auto want = BroadcastDims(in);
  if (!want.ok()) return ctx.Invalid(std::string(want.status().message()));
  if (*want != *out) return ctx.Invalid("the output shape is not the broadcast of the inputs");
  std::unique_ptr<CpuKernel> kernel;
  DispatchBySize(dtype, [&](auto tag) {
    kernel = std::make_unique<WhereKernel<decltype(tag)>>(in, *out);
  });
  if (!kernel || dtype == ir::DType::kString) return UnsupportedDType(ctx, dtype);
  return kernel;
}

template <typename C>
struct ClipOp {
  C lo, hi;
  C operator()(C x) const {
    C y = x < lo ? lo : x;
    return y > hi ? hi : y;  // min > max gives max everywhere, as ONNX specifies
  }
};

// A bound of Clip: absent, a constant known at build time, or read from input `index` at run time.
template <typename T>
struct ClipBound {
  std::optional<ComputeT<T>> constant;
  int index = -1;
};

template <typename T>
class ClipKernel : public CpuKernel {
  using C = ComputeT<T>;

 public:
  ClipKernel(ClipBound<T> lo, ClipBound<T> hi, int64_t count) : lo_(lo), hi_(hi), count_(count) {}
  absl::Status Run(const KernelContext& ctx) override {
    const int64_t counts[] = {count_};
    if (absl::Status s = CheckCounts(ctx, counts, count_); !s.ok()) return s;
    constexpr C kMax = std::numeric_limits<C>::has_infinity ? std::numeric_limits<C>::infinity()
                                                            : std::numeric_limits<C>::max();
    constexpr C kMin = std::numeric_limits<C>::has_infinity ? -std::numeric_limits<C>::infinity()
                                                            : std::numeric_limits<C>::lowest();
    ClipOp<C> op{kMin, kMax};
    if (absl::Status s = Resolve(ctx, lo_, op.lo); !s.ok()) return s;
    if (absl::Status s = Resolve(ctx, hi_, op.hi); !s.ok()) return s;
    const T* x = ctx.inputs[0].as<T>();
    T* y = ctx.outputs[0].as<T>();
    ParallelForRange(ctx.threadpool, count_, kCheapGrain,
                     [&](int64_t b, int64_t e) { UnaryLoop(x + b, y + b, e - b, op); });
    return absl::OkStatus();
  }

 private:
  static absl::Status Resolve(const KernelContext& ctx, const ClipBound<T>& bound, C& value) {
    if (bound.constant) {
      value = *bound.constant;
    } else if (bound.index >= 0 && static_cast<size_t>(bound.index) < ctx.inputs.size() &&
               ctx.inputs[bound.index].data != nullptr) {
      const TensorView& v = ctx.inputs[bound.index];
      if (v.num_elements() != 1) {
        return absl::InvalidArgumentError(absl::StrCat("Clip bound ", bound.index, " has ",
                                                       v.num_elements(), " elements, expected 1"));
      }
      value = Arith<T>::Load(*v.as<T>());
    }
    return absl::OkStatus();
  }

  ClipBound<T> lo_, hi_;
  int64_t count_;
};

template <typename T>
absl::StatusOr<ClipBound<T>> GetClipBound(const KernelBuildContext& ctx, size_t i) {
  ClipBound<T> bound;
  if (!ctx.has_input(i)) return bound;
  if (ctx.input_info(i).dtype != ctx.input_info(0).dtype) {
    return ctx.Invalid(absl::StrCat("input ", i, " must have the input's dtype"));
  }
  if (auto n = ctx.input_info(i).shape.num_elements(); n && *n != 1) {
    return ctx.Invalid(absl::StrCat("input ", i, " must be a scalar, has ", *n, " elements"));
  }
  if (const ir::Tensor* t = ctx.constant_input(i)) {
    if (t->num_elements() != 1) return ctx.Invalid(absl::StrCat("input ", i, " must be a scalar"));
    bound.constant = Arith<T>::Load(t->values<T>()[0]);
  } else {
    bound.index = static_cast<int>(i);
  }
  return bound;
}

KernelOr MakeClip(const KernelBuildContext& ctx) {
  if (absl::Status s = CheckArity(ctx, 1, 3); !s.ok()) return s;
  auto dims = StaticOutputDims(ctx, 0);
  if (!dims.ok()) return dims.status();
  ir::DType dtype = ctx.input_info(0).dtype;
  KernelOr result = UnsupportedDType(ctx, dtype);
  Dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (kIsNumeric<T>) {
      auto lo = GetClipBound<T>(ctx, 1);
      auto hi = GetClipBound<T>(ctx, 2);
      if (!lo.ok()) result = lo.status();
      else if (!hi.ok()) result = hi.status();
      else result = std::make_unique<ClipKernel<T>>(*lo, *hi, NumElements(*dims));
    }
  });
  return result;
}

}  // namespace

void RegisterSelectKernels(KernelRegistry& r) {
  r.Register("Where", MakeWhere);
  r.Register("Clip", MakeClip);
}

}  // namespace tandem::kernels::cpu::elementwise
