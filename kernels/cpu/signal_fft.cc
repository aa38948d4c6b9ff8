#include "kernels/cpu/signal_fft.h"

#include <cmath>
#include <utility>

namespace tandem::kernels::cpu::signal {
namespace {

constexpr int64_t kDirectMax = 32;  // below this, the O(n²) sum beats Bluestein's three FFTs

bool IsPowerOfTwo(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

// Twiddles exp(sign·2πik/n) for k < count, with k reduced so large k keeps full precision.
std::vector<Complex> Twiddles(int64_t n, int64_t count, double sign) {
  std::vector<Complex> w(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) {
    const double angle = sign * 2.0 * M_PI * static_cast<double>(k % n) / static_cast<double>(n);
    w[k] = Complex(std::cos(angle), std::sin(angle));
  }
  return w;
}

std::vector<int64_t> BitReversal(int64_t n) {
  std::vector<int64_t> rev(static_cast<size_t>(n), 0);
  int bits = 0;
  while ((int64_t{1} << bits) < n) ++bits;
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = 0;
    for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  return rev;
}

}  // namespace

FftPlan::FftPlan(int64_t n, bool inverse) : n_(n), inverse_(inverse) {
  const double sign = inverse ? 1.0 : -1.0;
  if (IsPowerOfTwo(n)) {
    method_ = Method::kRadix2;
    twiddles_ = Twiddles(n, n / 2, sign);
    bitrev_ = BitReversal(n);
  } else if (n <= kDirectMax) {
    method_ = Method::kDirect;
    twiddles_ = Twiddles(n, n, sign);
  } else {
    method_ = Method::kBluestein;
    m_ = 1;
    while (m_ < 2 * n - 1) m_ *= 2;
    // The chirp exp(sign·iπk²/n); k² is reduced mod 2n first so the angle stays small.
    chirp_.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      const int64_t k2 = static_cast<int64_t>((static_cast<unsigned __int128>(k) * k) % (2 * n));
      const double angle = sign * M_PI * static_cast<double>(k2) / static_cast<double>(n);
      chirp_[k] = Complex(std::cos(angle), std::sin(angle));
    }
    // Forward-FFT tables of length m for the convolution (direction of the outer transform is
    // carried by the chirp alone).
    twiddles_ = Twiddles(m_, m_ / 2, -1.0);
    bitrev_ = BitReversal(m_);
    kernel_fft_.assign(static_cast<size_t>(m_), Complex(0, 0));
    kernel_fft_[0] = std::conj(chirp_[0]);
    for (int64_t k = 1; k < n; ++k) {
      kernel_fft_[k] = std::conj(chirp_[k]);
      kernel_fft_[m_ - k] = std::conj(chirp_[k]);
    }
    Radix2(kernel_fft_.data(), m_, twiddles_, bitrev_);
  }
}

void FftPlan::Radix2(Complex* data, int64_t n, const std::vector<Complex>& twiddles,
                     const std::vector<int64_t>& bitrev) {
  for (int64_t i = 0; i < n; ++i) {
    if (i < bitrev[i]) std::swap(data[i], data[bitrev[i]]);
  }
  for (int64_t len = 2; len <= n; len *= 2) {
    const int64_t half = len / 2, step = n / len;
    for (int64_t start = 0; start < n; start += len) {
      for (int64_t j = 0; j < half; ++j) {
        const Complex t = twiddles[j * step] * data[start + j + half];
        data[start + j + half] = data[start + j] - t;
        data[start + j] += t;
      }
    }
  }
}

void FftPlan::Direct(Complex* data, FftScratch& scratch) const {
  scratch.a.assign(data, data + n_);
  for (int64_t k = 0; k < n_; ++k) {
    Complex sum(0, 0);
    int64_t idx = 0;  // j·k mod n
    for (int64_t j = 0; j < n_; ++j) {
      sum += scratch.a[j] * twiddles_[idx];
      idx += k;
      if (idx >= n_) idx -= n_;
    }
    data[k] = sum;
  }
}

void FftPlan::Bluestein(Complex* data, FftScratch& scratch) const {
  // X[k] = chirp[k] · Σ_j (x[j]·chirp[j]) · conj(chirp[k-j]): a circular convolution of length m.
  scratch.a.assign(static_cast<size_t>(m_), Complex(0, 0));
  for (int64_t j = 0; j < n_; ++j) scratch.a[j] = data[j] * chirp_[j];
  Radix2(scratch.a.data(), m_, twiddles_, bitrev_);
  for (int64_t i = 0; i < m_; ++i) scratch.a[i] = std::conj(scratch.a[i] * kernel_fft_[i]);
  Radix2(scratch.a.data(), m_, twiddles_, bitrev_);  // inverse FFT as conj(FFT(conj(·)))/m
  const double inv_m = 1.0 / static_cast<double>(m_);
  for (int64_t k = 0; k < n_; ++k) data[k] = chirp_[k] * std::conj(scratch.a[k]) * inv_m;
}

void FftPlan::Transform(Complex* data, FftScratch& scratch) const {
  switch (method_) {
    case Method::kRadix2: Radix2(data, n_, twiddles_, bitrev_); break;
    case Method::kDirect: Direct(data, scratch); break;
    case Method::kBluestein: Bluestein(data, scratch); break;
  }
  if (inverse_) {
    const double scale = 1.0 / static_cast<double>(n_);
    for (int64_t k = 0; k < n_; ++k) data[k] *= scale;
  }
}

}  // namespace tandem::kernels::cpu::signal
