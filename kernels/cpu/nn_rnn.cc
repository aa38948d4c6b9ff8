// RNN, GRU and LSTM (float, double), every direction, layout, sequence_lens, initial states,
// peepholes, clip and activation.
//
// Per direction: one GEMM computes X·Wᵀ (+ the biases that can be folded) for all time steps;
// then each step multiplies the hidden state by Rᵀ (R packed once per run) and applies the
// cell's gate equations row by row. A batch row whose sequence is shorter than the step count
// keeps its state; its Y entries past the sequence stay zero. The reverse direction of row b
// walks t = len(b)-1 … 0.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/nn_gemm.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_rnn_params.h"

namespace tandem::kernels::cpu::nn {
namespace {

using Cell = RnnParams::Cell;

template <typename T>
const T* OptionalInput(const KernelContext& ctx, size_t i) {
  return i < ctx.inputs.size() ? static_cast<const T*>(ctx.inputs[i].data) : nullptr;
}

template <typename T>
T* OptionalOutput(const KernelContext& ctx, size_t i) {
  return i < ctx.outputs.size() ? static_cast<T*>(ctx.outputs[i].data) : nullptr;
}

template <typename T>
class RecurrentKernel final : public CpuKernel {
 public:
  RecurrentKernel(std::string name, RnnParams p) : name_(std::move(name)), p_(std::move(p)) {
    const size_t h = static_cast<size_t>(p_.batch * p_.hidden);
    xw_.resize(static_cast<size_t>(p_.seq * p_.batch * p_.gate_size()));
    hr_.resize(static_cast<size_t>(p_.batch * p_.gate_size()));
    h_.resize(h);
    c_.resize(h);
    z_.resize(h);
    rh_.resize(h);
    hh_.resize(h);
  }

  int64_t ScratchBytes() const override { return VectorBytes(xw_, hr_, h_, c_, z_, rh_, hh_); }

  absl::Status Run(const KernelContext& ctx) override {
    std::vector<int64_t> lens(static_cast<size_t>(p_.batch), p_.seq);
    if (const int32_t* seq_lens = OptionalInput<int32_t>(ctx, 4)) {
      for (int64_t b = 0; b < p_.batch; ++b) {
        if (seq_lens[b] < 0 || seq_lens[b] > p_.seq) {
          return absl::InvalidArgumentError(absl::StrCat(name_, ": sequence_lens[", b, "] = ", seq_lens[b],
                                                         " is outside [0, ", p_.seq, "]"));
        }
        lens[b] = seq_lens[b];
      }
    }
    if (T* y = OptionalOutput<T>(ctx, 0)) std::fill(y, y + ctx.outputs[0].num_elements(), T(0));
    for (int64_t d = 0; d < p_.dirs; ++d) RunDirection(ctx, d, lens);
    return absl::OkStatus();
  }

 private:
  T Clip(T x) const { return p_.has_clip ? std::min(std::max(x, T(-p_.clip)), T(p_.clip)) : x; }
  const RnnActivation& Act(int64_t d, int j) const { return p_.activations[d * p_.acts_per_dir + j]; }

  // X·Wᵀ plus Wb + Rb, except GRU's Rb_h when it is applied inside the reset gate.
  void InputProjection(const KernelContext& ctx, int64_t d) {
    const int64_t g = p_.gate_size();
    const T* w = ctx.inputs[1].as<const T>() + d * g * p_.input;
    Gemm<T>(p_.seq * p_.batch, g, p_.input, T(1), ctx.inputs[0].as<const T>(), p_.input, false, w, p_.input, true,
            T(0), xw_.data(), g, ctx.threadpool);
    const T* bias = OptionalInput<T>(ctx, 3);
    if (bias == nullptr) return;
    bias += d * 2 * g;
    const bool keep_rbh = p_.cell == Cell::kGru && p_.linear_before_reset;
    std::vector<T> folded(static_cast<size_t>(g));
    for (int64_t j = 0; j < g; ++j) folded[j] = bias[j] + (keep_rbh && j >= 2 * p_.hidden ? T(0) : bias[g + j]);
    for (int64_t row = 0; row < p_.seq * p_.batch; ++row) {
      T* out = xw_.data() + row * g;
      for (int64_t j = 0; j < g; ++j) out[j] += folded[j];
    }
  }

  void RunDirection(const KernelContext& ctx, int64_t d, const std::vector<int64_t>& lens) {
    const int64_t hs = p_.hidden, g = p_.gate_size();
    InputProjection(ctx, d);
    const T* r = ctx.inputs[2].as<const T>() + d * g * hs;
    if (p_.cell == Cell::kGru && !p_.linear_before_reset) {
      r_zr_.Pack(hs, 2 * hs, r, hs, /*trans=*/true);
      r_h_.Pack(hs, hs, r + 2 * hs * hs, hs, /*trans=*/true);
    } else {
      r_all_.Pack(hs, g, r, hs, /*trans=*/true);
    }
    const T* bias = OptionalInput<T>(ctx, 3);
    rbh_ = bias && p_.cell == Cell::kGru ? bias + d * 2 * g + g + 2 * hs : nullptr;
    const T* h0 = OptionalInput<T>(ctx, 5);
    const T* c0 = p_.cell == Cell::kLstm ? OptionalInput<T>(ctx, 6) : nullptr;
    for (int64_t b = 0; b < p_.batch; ++b) {
      for (int64_t j = 0; j < hs; ++j) {
        h_[b * hs + j] = h0 ? h0[p_.StateOffset(d, b) + j] : T(0);
        c_[b * hs + j] = c0 ? c0[p_.StateOffset(d, b) + j] : T(0);
      }
    }
    const bool reverse = p_.reverse || d == 1;
    T* y = OptionalOutput<T>(ctx, 0);
    for (int64_t step = 0; step < p_.seq; ++step) {
      // times[b]: the time row b processes at this step, or -1 once its sequence has ended.
      std::vector<int64_t> times(static_cast<size_t>(p_.batch));
      for (int64_t b = 0; b < p_.batch; ++b) times[b] = step < lens[b] ? (reverse ? lens[b] - 1 - step : step) : -1;
      switch (p_.cell) {
        case Cell::kRnn: StepRnn(ctx, d, times); break;
        case Cell::kGru: StepGru(ctx, d, times); break;
        case Cell::kLstm: StepLstm(ctx, d, times); break;
      }
      if (y == nullptr) continue;
      for (int64_t b = 0; b < p_.batch; ++b) {
        if (times[b] >= 0) std::memcpy(y + p_.YOffset(times[b], d, b), &h_[b * hs], hs * sizeof(T));
      }
    }
    for (size_t out = 1; out <= 2; ++out) {
      T* state = OptionalOutput<T>(ctx, out);
      if (state == nullptr || (out == 2 && p_.cell != Cell::kLstm)) continue;
      const std::vector<T>& src = out == 1 ? h_ : c_;
      for (int64_t b = 0; b < p_.batch; ++b) std::memcpy(state + p_.StateOffset(d, b), &src[b * hs], hs * sizeof(T));
    }
  }

  const T* XwRow(int64_t t, int64_t b) const { return xw_.data() + p_.XRow(t, b) * p_.gate_size(); }

  void StepRnn(const KernelContext& ctx, int64_t d, const std::vector<int64_t>& times) {
    const int64_t hs = p_.hidden;
    GemmPacked<T>(p_.batch, T(1), h_.data(), hs, false, r_all_, T(0), hr_.data(), hs, ctx.threadpool);
    const RnnActivation& f = Act(d, 0);
    for (int64_t b = 0; b < p_.batch; ++b) {
      if (times[b] < 0) continue;
      const T* x = XwRow(times[b], b);
      for (int64_t j = 0; j < hs; ++j) h_[b * hs + j] = f(Clip(x[j] + hr_[b * hs + j]));
    }
  }

  // Gates z, r, h. Without linear_before_reset the candidate needs (r ⊙ h)·R_hᵀ, a second GEMM
  // once every row's reset gate is known.
  void StepGru(const KernelContext& ctx, int64_t d, const std::vector<int64_t>& times) {
    const int64_t hs = p_.hidden;
    const bool lbr = p_.linear_before_reset;
    const int64_t ld = lbr ? 3 * hs : 2 * hs;
    GemmPacked<T>(p_.batch, T(1), h_.data(), hs, false, lbr ? r_all_ : r_zr_, T(0), hr_.data(), ld, ctx.threadpool);
    const RnnActivation &f = Act(d, 0), &g = Act(d, 1);
    for (int64_t b = 0; b < p_.batch; ++b) {
      if (times[b] < 0) continue;
      const T* x = XwRow(times[b], b);
      const T* hr = hr_.data() + b * ld;
      for (int64_t j = 0; j < hs; ++j) {
        z_[b * hs + j] = f(Clip(x[j] + hr[j]));
        const T reset = f(Clip(x[hs + j] + hr[hs + j]));
        if (lbr) {
          hh_[b * hs + j] = reset * (hr[2 * hs + j] + (rbh_ ? rbh_[j] : T(0)));
        } else {
          rh_[b * hs + j] = reset * h_[b * hs + j];
        }
      }
    }
    if (!lbr) GemmPacked<T>(p_.batch, T(1), rh_.data(), hs, false, r_h_, T(0), hh_.data(), hs, ctx.threadpool);
    for (int64_t b = 0; b < p_.batch; ++b) {
      if (times[b] < 0) continue;
      const T* x = XwRow(times[b], b);
      for (int64_t j = 0; j < hs; ++j) {
        const T candidate = g(Clip(x[2 * hs + j] + hh_[b * hs + j]));
        const T z = z_[b * hs + j];
        h_[b * hs + j] = (T(1) - z) * candidate + z * h_[b * hs + j];
      }
    }
  }

  // Gates in ONNX order i, o, f, c; peepholes P = [P_i, P_o, P_f].
  void StepLstm(const KernelContext& ctx, int64_t d, const std::vector<int64_t>& times) {
    const int64_t hs = p_.hidden, g = p_.gate_size();
    GemmPacked<T>(p_.batch, T(1), h_.data(), hs, false, r_all_, T(0), hr_.data(), g, ctx.threadpool);
    const T* peep = OptionalInput<T>(ctx, 7);
    if (peep) peep += d * 3 * hs;
    const RnnActivation &f = Act(d, 0), &gact = Act(d, 1), &hact = Act(d, 2);
    for (int64_t b = 0; b < p_.batch; ++b) {
      if (times[b] < 0) continue;
      const T* x = XwRow(times[b], b);
      const T* hr = hr_.data() + b * g;
      for (int64_t j = 0; j < hs; ++j) {
        const T c_prev = c_[b * hs + j];
        const T pi = peep ? peep[j] : T(0), po = peep ? peep[hs + j] : T(0), pf = peep ? peep[2 * hs + j] : T(0);
        const T in = f(Clip(x[j] + hr[j] + pi * c_prev));
        const T forget = p_.input_forget ? T(1) - in : f(Clip(x[2 * hs + j] + hr[2 * hs + j] + pf * c_prev));
        const T cell = gact(Clip(x[3 * hs + j] + hr[3 * hs + j]));
        const T c = forget * c_prev + in * cell;
        const T out = f(Clip(x[hs + j] + hr[hs + j] + po * c));
        c_[b * hs + j] = c;
        h_[b * hs + j] = out * hact(c);
      }
    }
  }

  std::string name_;
  RnnParams p_;
  // Scratch, sized at build time (Run calls are serialised per executor).
  std::vector<T> xw_, hr_, h_, c_, z_, rh_, hh_;
  PackedB<T> r_all_, r_zr_, r_h_;
  const T* rbh_ = nullptr;  // GRU's R bias of the h gate, applied inside the reset gate
};

KernelOr MakeRecurrent(const KernelBuildContext& ctx, Cell cell) {
  auto p = ReadRnnParams(ctx, cell);
  if (!p.ok()) return p.status();
  if (p->dtype == ir::DType::kFloat64) return std::make_unique<RecurrentKernel<double>>(ctx.node().Describe(), *p);
  return std::make_unique<RecurrentKernel<float>>(ctx.node().Describe(), *std::move(p));
}

}  // namespace

KernelOr MakeRnn(const KernelBuildContext& ctx) { return MakeRecurrent(ctx, Cell::kRnn); }
KernelOr MakeGru(const KernelBuildContext& ctx) { return MakeRecurrent(ctx, Cell::kGru); }
KernelOr MakeLstm(const KernelBuildContext& ctx) { return MakeRecurrent(ctx, Cell::kLstm); }

}  // namespace tandem::kernels::cpu::nn
