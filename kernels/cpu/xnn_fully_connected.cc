#include "kernels/cpu/xnn_fully_connected.h"

#include <limits>

namespace tandem::kernels::cpu {

absl::StatusOr<XnnFullyConnected> XnnFullyConnected::Create(std::string node, int64_t k, int64_t n,
                                                            const float* weights, bool weights_kn,
                                                            const float* bias) {
  absl::Status s = XnnInitialize(node);
  if (!s.ok()) return s;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  xnn_operator_t op = nullptr;
  s = XnnCreateStatus(
      xnn_create_fully_connected_nc_f32(static_cast<size_t>(k), static_cast<size_t>(n), static_cast<size_t>(k),
                                        static_cast<size_t>(n), weights, bias, -kInf, kInf,
                                        weights_kn ? XNN_FLAG_TRANSPOSE_WEIGHTS : 0, &op),
      node, "fully connected creation");
  XnnOperatorPtr owned(op);
  if (!s.ok()) return s;
  return XnnFullyConnected(std::move(node), k, n, std::move(owned));
}

absl::Status XnnFullyConnected::Run(int64_t rows, const float* in, float* out, pthreadpool_t pool) const {
  if (rows == 0 || n_ == 0) return absl::OkStatus();
  absl::Status s = XnnRunStatus(
      xnn_setup_fully_connected_nc_f32(op_.get(), static_cast<size_t>(rows), in, out, pool), node_,
      "fully connected setup");
  if (!s.ok()) return s;
  return XnnRunStatus(xnn_run_operator(op_.get(), pool), node_, "fully connected run");
}

}  // namespace tandem::kernels::cpu
