// What the CUDA executor runs for each node, and the registry that lowers nodes to it.
//
// Lowering is split in two so that "can the GPU run this node?" needs no GPU:
// 1. A factory sees the node, the graph (static shapes, constant inputs) and builds a CudaOp, or
//    returns Unimplemented with the reason. This is host-only code, and it is the whole support
//    check: CudaExecutor::UnsupportedReason() calls exactly this (the TFLite/XNNPACK rule that
//    the check and the lowering are one code path).
// 2. Prepare() runs once on the executor's GPU: descriptors, cuDNN/cuBLASLt algorithm choice
//    within a workspace limit. It may not allocate device memory; the executor allocates one
//    shared workspace of the largest workspace_bytes() of its ops.
// Run() then enqueues the node's work on the given stream, reading and writing device buffers
// the executor planned. It must not synchronise or allocate (so runs can be captured into CUDA
// graphs).
#ifndef TANDEM_EXECUTORS_CUDA_CUDA_OP_H_
#define TANDEM_EXECUTORS_CUDA_CUDA_OP_H_

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/graph.h"

namespace tandem::executors::cuda {

// A clamp of output 0 (a Relu or Clip that follows the node) the executor asks an op to fuse.
struct FusedClamp {
  float min;
  float max;
};

// Library handles and settings shared by the ops of one executor (one device). Owned by the
// executor; valid while it lives.
struct CudaLibraries {
  cudnnHandle_t cudnn = nullptr;  // null when no op of the graph uses cuDNN
  cublasLtHandle_t cublas_lt = nullptr;
  int device = 0;
  // Let float32 convolutions and matmuls use TF32 tensor cores (about 1e-3 relative error).
  bool allow_tf32 = false;
};

struct CudaRunContext {
  absl::Span<const void* const> inputs;     // by node input index; null for an omitted input
  absl::Span<void* const> outputs;          // by node output index; null for an omitted output
  absl::Span<const void* const> constants;  // the op's device constants, in AddConstant order
  void* workspace = nullptr;                // at least workspace_bytes() bytes, shared by all ops
  cudaStream_t stream = nullptr;
  const CudaLibraries* libs = nullptr;
};

class CudaOp {
 public:
  virtual ~CudaOp() = default;
  // GPU setup, once, before any Run; workspace_bytes() must not exceed `workspace_limit` after.
  // (optional) defaults to nothing.
  virtual absl::Status Prepare(const CudaLibraries& libs, int64_t workspace_limit) { return absl::OkStatus(); }
  // Scratch bytes Run needs, known after Prepare. (optional) defaults to 0.
  virtual int64_t workspace_bytes() const { return 0; }
  // Enqueues the node on ctx.stream. A launch or library error is returned (Internal); errors
  // from the kernels themselves surface at the next synchronisation.
  virtual absl::Status Run(const CudaRunContext& ctx) = 0;
  // Whether Run reads input i from device memory. Ops that consume a constant input on the host
  // while lowering (shapes, axes, BatchNorm statistics folded into constants) return false, so
  // the executor does not upload it. (optional) defaults to true.
  virtual bool ReadsInputAtRun(size_t input) const { return true; }
  // An alias op (Reshape, Flatten, Squeeze, Unsqueeze, Identity) produces output 0 as the bytes
  // of input 0 unchanged; the executor gives both the same storage and never calls Run.
  virtual bool is_alias() const { return false; }
  // Whether the op applied the clamp the executor requested (CudaBuildContext::requested_clamp).
  virtual bool fused_clamp() const { return false; }
  // Whether Prepare/Run use CudaLibraries::cudnn; the executor creates the cuDNN handle (which
  // loads cuDNN, a second or so) only for graphs that need it. (optional) defaults to false.
  virtual bool uses_cudnn() const { return false; }
  // Host bytes the executor uploads once at load and passes back in CudaRunContext::constants.
  const std::vector<std::vector<uint8_t>>& constants() const { return constants_; }

 protected:
  int AddConstant(std::vector<uint8_t> bytes) {
    constants_.push_back(std::move(bytes));
    return static_cast<int>(constants_.size()) - 1;
  }
  template <typename T>
  int AddConstantValues(const std::vector<T>& values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return AddConstant(std::move(bytes));
  }

 private:
  std::vector<std::vector<uint8_t>> constants_;
};

// An op whose output 0 is input 0's bytes (see CudaOp::is_alias).
class AliasOp final : public CudaOp {
 public:
  absl::Status Run(const CudaRunContext&) override { return absl::OkStatus(); }
  bool ReadsInputAtRun(size_t input) const override { return input == 0; }
  bool is_alias() const override { return true; }
};

// What a factory sees. The registry has already checked that every present input and output is a
// tensor of static shape and of a dtype with a fixed size.
class CudaBuildContext {
 public:
  CudaBuildContext(const ir::Graph& graph, const ir::Node& node, std::optional<FusedClamp> clamp)
      : graph_(graph), node_(node), requested_clamp_(clamp) {}
  const ir::Graph& graph() const { return graph_; }
  const ir::Node& node() const { return node_; }
  size_t num_inputs() const { return node_.inputs.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  bool has_input(size_t i) const { return i < node_.inputs.size() && node_.inputs[i].valid(); }
  bool has_output(size_t i) const { return i < node_.outputs.size() && node_.outputs[i].valid(); }
  // Dtype and static dims of a present input or output.
  ir::DType input_dtype(size_t i) const { return graph_.value(node_.inputs[i]).info.dtype; }
  ir::DType output_dtype(size_t i) const { return graph_.value(node_.outputs[i]).info.dtype; }
  std::vector<int64_t> input_dims(size_t i) const;
  std::vector<int64_t> output_dims(size_t i) const;
  // The constant behind input i when it is an initializer, else null.
  const ir::Tensor* constant_input(size_t i) const;
  // Input i's constant values as int64 (shapes, axes, starts...), or Unsupported naming the
  // input when it is not a constant of an integer type.
  absl::StatusOr<std::vector<int64_t>> ConstantInts(size_t i, const std::string& what) const;
  const std::optional<FusedClamp>& requested_clamp() const { return requested_clamp_; }
  // Unimplemented / InvalidArgument whose message starts with the node ("Conv \"c1\": ...").
  absl::Status Unsupported(const std::string& reason) const;
  absl::Status Invalid(const std::string& reason) const;

 private:
  const ir::Graph& graph_;
  const ir::Node& node_;
  std::optional<FusedClamp> requested_clamp_;
};

using CudaOpFactory = std::function<absl::StatusOr<std::unique_ptr<CudaOp>>(const CudaBuildContext&)>;

// op_type (default ONNX domain) → factory. Thread-safe for lookups after construction.
class CudaOpRegistry {
 public:
  void Register(const std::string& op_type, CudaOpFactory factory);
  // The op for `node`, or Unimplemented with the reason (a value without a static shape, a dtype
  // no GPU kernel handles, an op with no GPU kernel, or what the factory declined).
  absl::StatusOr<std::unique_ptr<CudaOp>> Lower(const ir::Graph& graph, const ir::Node& node,
                                                std::optional<FusedClamp> clamp = std::nullopt) const;
  bool HasOp(const std::string& op_type) const { return factories_.contains(op_type); }
  std::vector<std::string> Ops() const;
  // Every op tandem has for the GPU (built on first use).
  static const CudaOpRegistry& Default();

 private:
  absl::flat_hash_map<std::string, CudaOpFactory> factories_;
};

// Each op family file defines one of these; cuda_op.cc calls them all.
void RegisterAliasOps(CudaOpRegistry& r);
void RegisterUnaryOps(CudaOpRegistry& r);
void RegisterBinaryOps(CudaOpRegistry& r);
void RegisterConvOps(CudaOpRegistry& r);
void RegisterMatMulOps(CudaOpRegistry& r);
void RegisterPoolOps(CudaOpRegistry& r);
void RegisterNormalizationOps(CudaOpRegistry& r);
void RegisterReduceOps(CudaOpRegistry& r);
void RegisterLayoutOps(CudaOpRegistry& r);

// The status of a kernel launch: OK, or Internal naming the kernel.
absl::Status LaunchStatus(cudaError_t error, const char* kernel);

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_CUDA_OP_H_
