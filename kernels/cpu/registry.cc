#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {

const ir::TensorInfo& KernelBuildContext::input_info(size_t i) const {
  static const ir::TensorInfo kNone;
  return has_input(i) ? graph_.value(node_.inputs[i]).info : kNone;
}

const ir::TensorInfo& KernelBuildContext::output_info(size_t i) const {
  static const ir::TensorInfo kNone;
  return i < node_.outputs.size() && node_.outputs[i].valid() ? graph_.value(node_.outputs[i]).info
                                                               : kNone;
}

const ir::Tensor* KernelBuildContext::constant_input(size_t i) const {
  if (!has_input(i)) return nullptr;
  const ir::Value& v = graph_.value(node_.inputs[i]);
  if (v.kind != ir::ValueKind::kInitializer) return nullptr;
  const ir::Tensor* t = v.initializer.get();
  const size_t element = static_cast<size_t>(std::max(1, ir::DTypeSize(t->dtype)));
  if (t->byte_size() == 0 || reinterpret_cast<uintptr_t>(t->data.data()) % element == 0) return t;
  // Weights borrowed from a file lie wherever the file put them; reading them as a float array
  // at an odd address is undefined behaviour (UBSan caught PackConvWeights doing it).
  const uint8_t* bytes = t->data.data();
  auto copy = std::make_unique<ir::Tensor>(ir::Tensor{
      t->dtype, t->dims, ir::TensorData::Owned(std::vector<uint8_t>(bytes, bytes + t->byte_size())), t->strings});
  aligned_copies_.push_back(std::move(copy));
  return aligned_copies_.back().get();
}

absl::Status KernelBuildContext::Unsupported(const std::string& reason) const {
  return absl::UnimplementedError(absl::StrCat(node_.Describe(), ": ", reason));
}

absl::Status KernelBuildContext::Invalid(const std::string& reason) const {
  return absl::InvalidArgumentError(absl::StrCat(node_.Describe(), ": ", reason));
}

absl::StatusOr<void*> KernelContext::AllocateOutput(size_t i, const Dims& dims) const {
  TensorView& out = outputs[i];
  if (allocator != nullptr) {
    TANDEM_ASSIGN_OR_RETURN(void* data, allocator->Allocate(i, dims));
    out.dims = dims;
    out.data = data;
    return data;
  }
  if (out.dims != dims) {
    return absl::FailedPreconditionError(absl::StrCat(
        "output ", i, " has data-dependent shape [", absl::StrJoin(dims, ","),
        "], which differs from the planned [", absl::StrJoin(out.dims, ","), "]"));
  }
  return out.data;
}

std::string KernelRegistry::Key(const std::string& domain, const std::string& op_type) {
  return domain.empty() || domain == "ai.onnx" ? op_type : absl::StrCat(domain, ".", op_type);
}

void KernelRegistry::Register(const std::string& op_type, KernelFactory factory) {
  factories_[op_type].push_back(std::move(factory));
}

void KernelRegistry::Register(const std::string& domain, const std::string& op_type,
                              KernelFactory factory) {
  factories_[Key(domain, op_type)].push_back(std::move(factory));
}

absl::StatusOr<std::unique_ptr<CpuKernel>> KernelRegistry::Create(
    const ir::Graph& graph, const ir::Node& node, std::optional<FusedClamp> requested_clamp) const {
  auto it = factories_.find(Key(node.domain, node.op_type));
  if (it == factories_.end()) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": no CPU kernel for op ",
                                                 Key(node.domain, node.op_type)));
  }
  KernelBuildContext ctx(graph, node, requested_clamp);
  std::vector<std::string> reasons;
  for (const KernelFactory& f : it->second) {
    auto kernel = f(ctx);
    if (kernel.ok() || kernel.status().code() != absl::StatusCode::kUnimplemented) return kernel;
    reasons.push_back(std::string(kernel.status().message()));
  }
  if (reasons.size() == 1) return absl::UnimplementedError(reasons[0]);
  return absl::UnimplementedError(absl::StrJoin(reasons, "; "));
}

std::vector<std::string> KernelRegistry::Ops() const {
  std::vector<std::string> ops;
  for (const auto& [op, f] : factories_) ops.push_back(op);
  std::sort(ops.begin(), ops.end());
  return ops;
}

const KernelRegistry& KernelRegistry::Default() {
  static const KernelRegistry* registry = [] {
    auto* r = new KernelRegistry();
    RegisterNnKernels(*r);  // first: specialised (XNNPACK) kernels win over general ones
    RegisterXnnUnaryKernels(*r);
    RegisterElementwiseKernels(*r);
    RegisterDataMovementKernels(*r);
    RegisterReductionKernels(*r);
    RegisterStringVisionKernels(*r);
    RegisterSignalKernels(*r);
    RegisterQuantizeKernels(*r);
    RegisterLinalgKernels(*r);
    RegisterTrainingKernels(*r);
    return r;
  }();
  return *registry;
}

namespace {

struct RangeTask {
  const std::function<void(int64_t, int64_t)>* fn;
  int64_t n, grain;
};

void RunRange(void* arg, size_t chunk) {
  auto* t = static_cast<RangeTask*>(arg);
  int64_t begin = static_cast<int64_t>(chunk) * t->grain;
  int64_t end = std::min(t->n, begin + t->grain);
  (*t->fn)(begin, end);
}

}  // namespace

void ParallelForRange(pthreadpool_t pool, int64_t n, int64_t grain,
                      const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (pool == nullptr || pthreadpool_get_threads_count(pool) <= 1 || n <= grain) {
    fn(0, n);
    return;
  }
  RangeTask task{&fn, n, grain};
  size_t chunks = static_cast<size_t>((n + grain - 1) / grain);
  pthreadpool_parallelize_1d(pool, RunRange, &task, chunks, 0);
}

void ParallelFor(pthreadpool_t pool, int64_t n, const std::function<void(int64_t)>& fn) {
  ParallelForRange(pool, n, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) fn(i);
  });
}

}  // namespace tandem::kernels::cpu
