// A complex discrete Fourier transform of one length, shared by the DFT and STFT kernels.
//
// Lengths that are powers of two use an iterative radix-2 FFT; small other lengths use the
// direct O(n²) sum; larger other lengths use Bluestein's chirp-z algorithm (a circular
// convolution through power-of-two FFTs), so every length costs O(n log n). All arithmetic is in
// double. A plan is immutable after construction and may be shared by threads; each thread
// passes its own FftScratch.
#ifndef TANDEM_KERNELS_CPU_SIGNAL_FFT_H_
#define TANDEM_KERNELS_CPU_SIGNAL_FFT_H_

#include <complex>
#include <cstdint>
#include <vector>

namespace tandem::kernels::cpu::signal {

using Complex = std::complex<double>;

// Per-thread work buffers for FftPlan::Transform (grown on first use).
struct FftScratch {
  std::vector<Complex> a;
};

class FftPlan {
 public:
  // A transform of length n >= 1. inverse: the exponent's sign is + and the result is scaled by
  // 1/n (numpy.fft.ifft); otherwise numpy.fft.fft.
  FftPlan(int64_t n, bool inverse);

  int64_t size() const { return n_; }
  // Transforms data[0, n) in place.
  void Transform(Complex* data, FftScratch& scratch) const;

 private:
  enum class Method { kRadix2, kDirect, kBluestein };
  static void Radix2(Complex* data, int64_t n, const std::vector<Complex>& twiddles,
                     const std::vector<int64_t>& bitrev);
  void Direct(Complex* data, FftScratch& scratch) const;
  void Bluestein(Complex* data, FftScratch& scratch) const;

  int64_t n_;
  bool inverse_;
  Method method_;
  std::vector<Complex> twiddles_;  // radix-2: exp(∓2πik/m), k < m/2; direct: exp(∓2πik/n), k < n
  std::vector<int64_t> bitrev_;    // radix-2 of length m
  int64_t m_ = 0;                  // Bluestein's convolution length (power of two ≥ 2n-1)
  std::vector<Complex> chirp_;     // Bluestein: exp(∓iπk²/n), k < n
  std::vector<Complex> kernel_fft_;  // Bluestein: FFT of the conjugate chirp, length m
};

}  // namespace tandem::kernels::cpu::signal

#endif  // TANDEM_KERNELS_CPU_SIGNAL_FFT_H_
