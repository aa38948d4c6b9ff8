// The CPU kernel interface: what the CPU executor runs for each node.
//
// A kernel is created once per node by a factory that sees the node and the graph (static shapes,
// constant inputs). The factory is also the support check: it either returns a kernel or
// Unimplemented with the reason, so "can the CPU run this node?" and "how is it lowered?" can
// never disagree (the TFLite/XNNPACK rule). Run() then computes outputs whose buffers the
// executor has already allocated with the node's static output shapes.
#ifndef TANDEM_KERNELS_CPU_KERNEL_H_
#define TANDEM_KERNELS_CPU_KERNEL_H_

#include <pthreadpool.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/graph.h"

namespace tandem::kernels::cpu {

using Dims = absl::InlinedVector<int64_t, 6>;

// A tensor at run time: dtype, dims and memory owned by someone else (the executor's arena, the
// caller, or a mapped initializer). Input buffers may be shared with other nodes: never write them.
struct TensorView {
  ir::DType dtype = ir::DType::kUndefined;
  Dims dims;
  void* data = nullptr;  // null for an omitted optional input/output

  bool present() const { return data != nullptr || dtype != ir::DType::kUndefined; }
  int64_t num_elements() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }
  int64_t byte_size() const { return num_elements() * ir::DTypeSize(dtype); }
  template <typename T>
  T* as() const { return static_cast<T*>(data); }
};

// Gives a kernel whose output sizes depend on input *values* (NonZero, Unique, Compress,
// NonMaxSuppression) the buffer for the sizes it found. The CPU executor's static plan checks
// them against the planned shape; its interpreter (dynamic shapes) allocates.
class OutputAllocator {
 public:
  virtual ~OutputAllocator() = default;
  virtual absl::StatusOr<void*> Allocate(size_t output, const Dims& dims) = 0;
};

struct KernelContext {
  absl::Span<const TensorView> inputs;
  // Buffers sized from the node's output shapes. For kString, `data` points at std::string
  // elements. An output whose size depends on values has data == null until AllocateOutput.
  absl::Span<TensorView> outputs;
  pthreadpool_t threadpool = nullptr;  // null: run on the calling thread
  OutputAllocator* allocator = nullptr;  // null: outputs are pre-allocated (static plan)

  // Sets output i's dims and returns its buffer. Without an allocator, `dims` must equal the
  // planned dims (FailedPrecondition otherwise: the model needs dynamic shapes).
  absl::StatusOr<void*> AllocateOutput(size_t i, const Dims& dims) const;
};

// How a kernel can take 4-D activations channels-last (NHWC bytes under NCHW dims).
enum class ChannelsLast {
  kNo,
  kInput0,     // input 0 and output 0 each either way (XNNPACK convolution and pooling)
  kAllInputs,  // every input and the output together (broadcasting elementwise ops)
};

class CpuKernel {
 public:
  virtual ~CpuKernel() = default;
  // Computes the outputs. Errors (e.g. an index out of range in a Gather) are InvalidArgument
  // naming the node; the executor adds the node's name if the kernel did not.
  virtual absl::Status Run(const KernelContext& ctx) = 0;
  // Whether Run reads input i. Kernels that pack a constant input (weights) when they are built
  // return false for it, so the executor need not keep a run-time copy of those bytes.
  virtual bool ReadsInputAtRun(size_t input) const { return true; }
  // Bytes of scratch buffers the kernel holds for its lifetime (layout copies, staging), which
  // the partitioner counts as CPU workspace. (optional) defaults to 0.
  virtual int64_t ScratchBytes() const { return 0; }

  // Channels-last activations (executors/cpu/cpu_executor_layout.cc keeps runs of XNNPACK ops in
  // NHWC instead of converting around each one); dims stay the ONNX (NCHW) ones.
  // (optional) defaults to kNo.
  virtual ChannelsLast channels_last_support() const { return ChannelsLast::kNo; }
  // Called at most once, after building and before any Run. kInput0 kernels: input 0 and output 0
  // independently. kAllInputs kernels: called with (true, true), after which every input and the
  // output are channels-last, a lower-rank input being read as if right-aligned to rank 4 first.
  virtual void SetChannelsLast(bool input0, bool output0) {}
  // Whether the kernel applied the clamp requested through KernelBuildContext::requested_clamp()
  // (so the executor drops the Relu/Clip that followed). (optional) defaults to false.
  virtual bool fused_clamp() const { return false; }
};

// A std::vector whose buffer starts on a 64-byte line: packed weights that vector kernels load
// 64 bytes at a time, so no load straddles two cache lines (malloc only promises 16 bytes).
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t{64}); }
  friend bool operator==(const CacheLineAllocator&, const CacheLineAllocator&) { return true; }
  friend bool operator!=(const CacheLineAllocator&, const CacheLineAllocator&) { return false; }
};
template <typename T>
using CacheLineVector = std::vector<T, CacheLineAllocator<T>>;

// Heap bytes held by the given std::vectors (for ScratchBytes overrides).
template <typename... Vectors>
int64_t VectorBytes(const Vectors&... v) {
  return (int64_t{0} + ... + static_cast<int64_t>(v.capacity() * sizeof(typename Vectors::value_type)));
}

// What a factory sees when it builds (or declines) a kernel for `node`.
// A clamp of output 0 that the executor asks a kernel to fuse (a Relu or Clip that follows it).
struct FusedClamp {
  float min;
  float max;
};

class KernelBuildContext {
 public:
  KernelBuildContext(const ir::Graph& graph, const ir::Node& node,
                     std::optional<FusedClamp> requested_clamp = std::nullopt)
      : graph_(graph), node_(node), requested_clamp_(requested_clamp) {}
  // Set when the executor would like output 0 clamped; a kernel that applies it says so with
  // CpuKernel::fused_clamp(), others ignore it.
  const std::optional<FusedClamp>& requested_clamp() const { return requested_clamp_; }
  const ir::Graph& graph() const { return graph_; }
  const ir::Node& node() const { return node_; }
  size_t num_inputs() const { return node_.inputs.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  bool has_input(size_t i) const { return i < node_.inputs.size() && node_.inputs[i].valid(); }
  // Static info of input/output i (a default TensorInfo when absent).
  const ir::TensorInfo& input_info(size_t i) const;
  const ir::TensorInfo& output_info(size_t i) const;
  // The constant behind input i when it is an initializer, else null. Its data is aligned to its
  // element size (a misaligned borrowed initializer is copied); the pointer is valid while this
  // context lives, so a kernel that keeps the data copies the Tensor (a cheap shared copy).
  const ir::Tensor* constant_input(size_t i) const;
  // Unimplemented("<op> \"name\": <reason>") — the usual way to decline.
  absl::Status Unsupported(const std::string& reason) const;
  // InvalidArgument naming the node, for malformed attributes or shapes.
  absl::Status Invalid(const std::string& reason) const;

 private:
  const ir::Graph& graph_;
  const ir::Node& node_;
  std::optional<FusedClamp> requested_clamp_;
  mutable std::vector<std::unique_ptr<ir::Tensor>> aligned_copies_;  // see constant_input()
};

using KernelFactory =
    std::function<absl::StatusOr<std::unique_ptr<CpuKernel>>(const KernelBuildContext&)>;

// (domain, op_type) → factories, tried in registration order: the first that does
// not return Unimplemented wins, so a fast specialised kernel (e.g. XNNPACK) registers before a
// general one. Thread-safe for lookups after construction.
class KernelRegistry {
 public:
  // An op of the default ONNX domain ("" or "ai.onnx").
  void Register(const std::string& op_type, KernelFactory factory);
  // An op of another domain, e.g. ("ai.onnx.preview.training", "Adam"); Ops() lists it as
  // "domain.op_type". "" and "ai.onnx" name the default domain.
  void Register(const std::string& domain, const std::string& op_type, KernelFactory factory);
  // The kernel for `node`, or Unimplemented with every candidate's reason (or "no CPU kernel
  // for op X" when none is registered).
  absl::StatusOr<std::unique_ptr<CpuKernel>> Create(
      const ir::Graph& graph, const ir::Node& node,
      std::optional<FusedClamp> requested_clamp = std::nullopt) const;
  bool HasOp(const std::string& op_type) const { return factories_.contains(op_type); }
  std::vector<std::string> Ops() const;

  // The registry with every kernel tandem has (built on first use).
  static const KernelRegistry& Default();

 private:
  // Keyed by op_type for the default domain and "domain.op_type" for others.
  static std::string Key(const std::string& domain, const std::string& op_type);
  absl::flat_hash_map<std::string, std::vector<KernelFactory>> factories_;
};

// Each kernel family file defines one of these; registry.cc calls them all.
void RegisterElementwiseKernels(KernelRegistry& r);
void RegisterDataMovementKernels(KernelRegistry& r);
void RegisterReductionKernels(KernelRegistry& r);
void RegisterNnKernels(KernelRegistry& r);
void RegisterXnnUnaryKernels(KernelRegistry& r);  // Sigmoid, HardSwish, Elu, LeakyRelu (float32)
void RegisterStringVisionKernels(KernelRegistry& r);  // strings, detection/vision, NonZero/Unique/Compress
void RegisterSignalKernels(KernelRegistry& r);    // windows, MelWeightMatrix, DFT, STFT
void RegisterQuantizeKernels(KernelRegistry& r);  // (De)QuantizeLinear, DynamicQuantizeLinear
void RegisterLinalgKernels(KernelRegistry& r);    // Det
void RegisterTrainingKernels(KernelRegistry& r);  // ai.onnx.preview.training optimizers

// Runs fn(i) for i in [0, n) on the pool (or inline when `pool` is null or n is small).
void ParallelFor(pthreadpool_t pool, int64_t n, const std::function<void(int64_t)>& fn);
// Like ParallelFor, over [begin, end) ranges of about `grain` items each.
void ParallelForRange(pthreadpool_t pool, int64_t n, int64_t grain,
                      const std::function<void(int64_t, int64_t)>& fn);

}  // namespace tandem::kernels::cpu

#endif  // TANDEM_KERNELS_CPU_KERNEL_H_
