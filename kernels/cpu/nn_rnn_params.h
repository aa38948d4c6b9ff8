// Attributes and static shapes of the recurrent ops (RNN, GRU, LSTM), read once at kernel build
// time, and their activation functions.
#ifndef TANDEM_KERNELS_CPU_NN_RNN_PARAMS_H_
#define TANDEM_KERNELS_CPU_NN_RNN_PARAMS_H_

#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/dtype.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::nn {

// One of ONNX's recurrent activation functions with its alpha/beta.
struct RnnActivation {
  enum class Kind { kRelu, kTanh, kSigmoid, kAffine, kLeakyRelu, kThresholdedRelu, kScaledTanh, kHardSigmoid,
                    kElu, kSoftsign, kSoftplus };
  Kind kind = Kind::kSigmoid;
  float alpha = 0, beta = 0;

  template <typename T>
  T operator()(T x) const {
    switch (kind) {
      case Kind::kRelu: return x > T(0) ? x : T(0);
      case Kind::kTanh: return std::tanh(x);
      case Kind::kSigmoid: return T(1) / (T(1) + std::exp(-x));
      case Kind::kAffine: return T(alpha) * x + T(beta);
      case Kind::kLeakyRelu: return x >= T(0) ? x : T(alpha) * x;
      case Kind::kThresholdedRelu: return x > T(alpha) ? x : T(0);
      case Kind::kScaledTanh: return T(alpha) * std::tanh(T(beta) * x);
      case Kind::kHardSigmoid: return std::max(T(0), std::min(T(1), T(alpha) * x + T(beta)));
      case Kind::kElu: return x >= T(0) ? x : T(alpha) * (std::exp(x) - T(1));
      case Kind::kSoftsign: return x / (T(1) + std::abs(x));
      case Kind::kSoftplus: return x > T(20) ? x : std::log1p(std::exp(x));
    }
    return x;
  }
};

struct RnnParams {
  enum class Cell { kRnn, kGru, kLstm };
  Cell cell = Cell::kRnn;
  int gates = 1;         // rows of W per hidden unit: RNN 1, GRU 3 (z r h), LSTM 4 (i o f c)
  int acts_per_dir = 1;  // RNN f; GRU f g; LSTM f g h
  ir::DType dtype = ir::DType::kUndefined;
  int64_t seq = 0, batch = 0, input = 0, hidden = 0, dirs = 1;
  bool reverse = false;       // direction "reverse" (with one direction)
  bool batch_first = false;   // layout = 1
  bool has_clip = false;
  float clip = 0;
  bool input_forget = false;         // LSTM
  bool linear_before_reset = false;  // GRU
  bool has_bias = false, has_seq_lens = false, has_initial_h = false, has_initial_c = false, has_peepholes = false;
  std::vector<RnnActivation> activations;  // acts_per_dir per direction

  int64_t gate_size() const { return gates * hidden; }
  // Element offset of (direction, batch row) in initial_h/Y_h/Y_c.
  int64_t StateOffset(int64_t d, int64_t b) const {
    return (batch_first ? b * dirs + d : d * batch + b) * hidden;
  }
  // Element offset of (time, direction, batch row) in Y.
  int64_t YOffset(int64_t t, int64_t d, int64_t b) const {
    return (batch_first ? (b * seq + t) * dirs + d : (t * dirs + d) * batch + b) * hidden;
  }
  // Row of X (and of X·Wᵀ) holding (time, batch row).
  int64_t XRow(int64_t t, int64_t b) const { return batch_first ? b * seq + t : t * batch + b; }
};

// Reads inputs X, W, R, B, sequence_lens, initial_h (+ initial_c, P for LSTM), the attributes,
// and checks the static output shapes. InvalidArgument naming the node for inconsistent shapes
// or unknown activations; Unimplemented for dtypes other than float/double.
absl::StatusOr<RnnParams> ReadRnnParams(const KernelBuildContext& ctx, RnnParams::Cell cell);

}  // namespace tandem::kernels::cpu::nn

#endif  // TANDEM_KERNELS_CPU_NN_RNN_PARAMS_H_
