// float32 Exp, Erf and Tanh on the widest vectors this CPU has (vector_f32.h), and the fused
// SiLU step (fused_kernels.h).
//
// The generic elementwise kernels compile for baseline x86-64, and Erf called libm's scalar erff:
// on bert_encoder the four Erf nodes of the GELUs were 24% of a 1-thread run (perf record;
// partition-tool --calibrate), on vit_b_16 8%. These kernels take float32 only; other dtypes fall
// through to the generic kernels registered after them.
#include <memory>

#include "kernels/cpu/elementwise_common.h"
#include "kernels/cpu/fused_kernels.h"
#include "kernels/cpu/vector_f32.h"

namespace tandem::kernels::cpu::elementwise {
namespace {

using VectorFn = void (*)(const float* x, float* y, int64_t n);

// Cheap per element once vectorised; a task of this many elements amortises its dispatch.
constexpr int64_t kVectorGrain = 16384;

class VectorUnaryKernel final : public CpuKernel {
 public:
  VectorUnaryKernel(VectorFn fn, int64_t count) : fn_(fn), count_(count) {}

  absl::Status Run(const KernelContext& ctx) override {
    const int64_t counts[] = {count_};
    if (absl::Status s = CheckCounts(ctx, counts, count_); !s.ok()) return s;
    const float* x = ctx.inputs[0].as<const float>();
    float* y = ctx.outputs[0].as<float>();
    ParallelForRange(ctx.threadpool, count_, kVectorGrain, [&](int64_t b, int64_t e) { fn_(x + b, y + b, e - b); });
    return absl::OkStatus();
  }

 private:
  VectorFn fn_;
  int64_t count_;
};

KernelFactory VectorUnaryFactory(VectorFn fn) {
  return [fn](const KernelBuildContext& ctx) -> KernelOr {
    if (absl::Status s = CheckArity(ctx, 1, 1); !s.ok()) return s;
    if (ctx.input_info(0).dtype != ir::DType::kFloat32 || ctx.output_info(0).dtype != ir::DType::kFloat32) {
      return ctx.Unsupported("vectorised path is float32 only");
    }
    auto dims = StaticOutputDims(ctx, 0);
    if (!dims.ok()) return dims.status();
    return std::unique_ptr<CpuKernel>(std::make_unique<VectorUnaryKernel>(fn, NumElements(*dims)));
  };
}

}  // namespace

void RegisterVectorF32Kernels(KernelRegistry& r) {
  r.Register("Exp", VectorUnaryFactory(VectorF32().exp));
  r.Register("Erf", VectorUnaryFactory(VectorF32().erf));
  r.Register("Tanh", VectorUnaryFactory(VectorF32().tanh));
}

}  // namespace tandem::kernels::cpu::elementwise

namespace tandem::kernels::cpu {

std::unique_ptr<CpuKernel> MakeSiluKernel(int64_t count) {
  return std::make_unique<elementwise::VectorUnaryKernel>(VectorF32().silu, count);
}

}  // namespace tandem::kernels::cpu
