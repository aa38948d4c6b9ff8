// Naive double-accumulating references and tensor helpers for the NN kernel tests.
#ifndef TANDEM_TESTS_KERNELS_NN_TEST_UTIL_H_
#define TANDEM_TESTS_KERNELS_NN_TEST_UTIL_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ir/attribute.h"
#include "ir/tensor.h"

namespace tandem::kernels::cpu::nn_test {

// A Conv/ConvTranspose configuration. pads are [begins..., ends...].
struct ConvCase {
  ConvCase(int64_t n, int64_t c, int64_t m, int64_t group, std::vector<int64_t> in, std::vector<int64_t> kernel,
           std::vector<int64_t> strides, std::vector<int64_t> dilations, std::vector<int64_t> pads, bool bias = false)
      : n(n), c(c), m(m), group(group), in(std::move(in)), kernel(std::move(kernel)), strides(std::move(strides)),
        dilations(std::move(dilations)), pads(std::move(pads)), bias(bias) {}

  int64_t n, c, m, group;
  std::vector<int64_t> in, kernel, strides, dilations, pads;
  bool bias = false;
  std::string auto_pad;  // empty: explicit pads

  std::vector<int64_t> XDims() const;
  std::vector<int64_t> WDims() const;           // Conv: [m, c/group, kernel...]
  std::vector<int64_t> WTransposeDims() const;  // ConvTranspose: [c, m/group, kernel...]
  std::vector<int64_t> YDims() const;           // Conv output
  std::string Describe() const;
};

ir::Tensor RandomF32(const std::vector<int64_t>& dims, std::mt19937& rng);
std::vector<double> ToDouble(const ir::Tensor& t);  // float32 or float64
ir::Tensor ToF64(const ir::Tensor& f32);
ir::Attribute Ints(std::vector<int64_t> v);
// EXPECTs every element of `actual` (float32 or float64) within tol·(1 + |expected|).
void ExpectNear(const ir::Tensor& actual, const std::vector<double>& expected, double tol);

// Conv with explicit pads (c.pads) over 1-D to 3-D windows; `b` empty for no bias.
std::vector<double> RefConv(const ConvCase& c, const std::vector<double>& x, const std::vector<double>& w,
                            const std::vector<double>& b);
// ConvTranspose with explicit pads and output_padding; sets *y_dims.
std::vector<double> RefConvTranspose(const ConvCase& c, const std::vector<int64_t>& output_padding,
                                     const std::vector<double>& x, const std::vector<double>& w,
                                     const std::vector<double>& b, std::vector<int64_t>* y_dims);

// MaxPool / AveragePool over NC + 1-D to 3-D with explicit pads and output sizes `out` (which
// may include ceil_mode overhang). Windows are clipped to the input; AveragePool divides by
// the taps inside the input, or (count_include_pad) inside the padded input.
struct PoolCase {
  int64_t n, c;
  std::vector<int64_t> in, kernel, strides, dilations, pads, out;
};
std::vector<double> RefMaxPool(const PoolCase& p, const std::vector<double>& x, std::vector<int64_t>* argmax);
std::vector<double> RefAveragePool(const PoolCase& p, const std::vector<double>& x, bool count_include_pad);

// C[m×n] = op(A)·op(B) in double.
std::vector<double> RefMatMul(int64_t m, int64_t n, int64_t k, const std::vector<double>& a, bool trans_a,
                              const std::vector<double>& b, bool trans_b);

// RNN (gates 1), GRU (3) or LSTM (4) straight from the ONNX equations, in double, default
// activations unless `acts` (per direction: f[, g[, h]]) is given. Empty vectors stand for absent
// optional inputs. Outputs use ONNX layouts for `batch_first`.
struct RecurrentCase {
  int gates;
  int64_t seq, batch, input, hidden, dirs;
  bool reverse = false, batch_first = false, linear_before_reset = false, input_forget = false;
  double clip = 0;  // 0: none
};
struct RecurrentResult {
  std::vector<double> y, y_h, y_c;
};
RecurrentResult RefRecurrent(const RecurrentCase& c, const std::vector<double>& x, const std::vector<double>& w,
                             const std::vector<double>& r, const std::vector<double>& b,
                             const std::vector<int32_t>& seq_lens, const std::vector<double>& h0,
                             const std::vector<double>& c0, const std::vector<double>& p,
                             const std::vector<double (*)(double)>& acts = {});

}  // namespace tandem::kernels::cpu::nn_test

#endif  // TANDEM_TESTS_KERNELS_NN_TEST_UTIL_H_
