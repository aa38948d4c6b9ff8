// An XNNPACK fully-connected operator (float32): out[rows×n] = in[rows×k] · Wᵀ + bias, with the
// weights packed once at creation. Shared by the Gemm and MatMul kernels.
//
// Thread-safety: Run() must not be called concurrently on one object (it sets up the operator).
#ifndef TANDEM_KERNELS_CPU_XNN_FULLY_CONNECTED_H_
#define TANDEM_KERNELS_CPU_XNN_FULLY_CONNECTED_H_

#include <pthreadpool.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "kernels/cpu/xnn_status.h"

namespace tandem::kernels::cpu {

class XnnFullyConnected {
 public:
  // weights: [n×k] (`weights_kn` false) or [k×n] (true); bias: [n] or null. XNNPACK copies both,
  // so they need not outlive the call. `node` names the node in errors. Unimplemented when
  // XNNPACK rejects the parameters.
  static absl::StatusOr<XnnFullyConnected> Create(std::string node, int64_t k, int64_t n, const float* weights,
                                                  bool weights_kn, const float* bias);

  // `in` must have XNN_EXTRA_BYTES readable past its rows·k elements.
  absl::Status Run(int64_t rows, const float* in, float* out, pthreadpool_t pool) const;

  int64_t k() const { return k_; }
  int64_t n() const { return n_; }

 private:
  XnnFullyConnected(std::string node, int64_t k, int64_t n, XnnOperatorPtr op)
      : node_(std::move(node)), k_(k), n_(n), op_(std::move(op)) {}

  std::string node_;
  int64_t k_, n_;
  XnnOperatorPtr op_;
};

}  // namespace tandem::kernels::cpu

#endif  // TANDEM_KERNELS_CPU_XNN_FULLY_CONNECTED_H_
