// Our own general matrix multiply for the NN kernels that XNNPACK cannot serve (a B computed at
// run time, batched MatMul, float64, recurrent cells):
//   C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C,   op(X) = X or Xᵀ.
// Matrices are row-major with leading dimensions (elements between rows). When beta == 0, C is
// only written, so it may hold garbage (NaN) on entry.
//
// float and double use a packed, cache-blocked kernel (BLIS-style: B in NR-wide panels, A in
// MR-tall strips, an MR×NR register tile) compiled for AVX-512, AVX2+FMA and baseline x86-64 and
// picked at load time; other types use a plain triple loop.
//
// Threading: when `pool` is non-null the work is split into row and column blocks of C. Never
// call these with a pool from inside a task of that same pool (pthreadpool is not reentrant):
// pass nullptr there.
#ifndef TANDEM_KERNELS_CPU_NN_GEMM_H_
#define TANDEM_KERNELS_CPU_NN_GEMM_H_

#include <pthreadpool.h>

#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/cpu/nn_scalar.h"

namespace tandem::kernels::cpu::nn {

// op(B) packed for the blocked kernel; pack a constant B once and reuse it across calls.
// T is float or double.
template <typename T>
class PackedB {
 public:
  static constexpr int kNr = 64 / sizeof(T);  // one 64-byte vector of columns per panel

  PackedB() = default;
  // Packs op(B) (k×n), where B(i, j) = trans ? b[j*ldb + i] : b[i*ldb + j].
  void Pack(int64_t k, int64_t n, const T* b, int64_t ldb, bool trans);

  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  int64_t panels() const { return (n_ + kNr - 1) / kNr; }
  // Panel p, starting at row `row` of op(B): kNr values per row, zero beyond column n.
  const T* panel(int64_t p, int64_t row) const { return data_.data() + (p * k_ + row) * kNr; }

 private:
  int64_t k_ = 0, n_ = 0;
  std::vector<T> data_;
};

// C = alpha · op(A) · B + beta · C with a prepacked B (B.k() × B.n()).
template <typename T>
void GemmPacked(int64_t m, T alpha, const T* a, int64_t lda, bool trans_a, const PackedB<T>& b, T beta, T* c,
                int64_t ldc, pthreadpool_t pool);

// C = alpha · op(A) · op(B) + beta · C for float and double (packs B per call; tiny m takes a
// direct path that skips packing).
template <typename T>
void Gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, bool trans_a, const T* b,
          int64_t ldb, bool trans_b, T beta, T* c, int64_t ldc, pthreadpool_t pool);

// Accumulator of GemmNaive: integers wrap modulo 2^64 (no signed-overflow UB) and are narrowed
// at the end, which gives the element type's two's-complement wrap-around.
template <typename T>
using GemmAcc = std::conditional_t<std::is_integral_v<T>, uint64_t, Compute<T>>;

// The same for any numeric T (integers; float16/bfloat16 in float), single-threaded triple loop.
template <typename T>
void GemmNaive(int64_t m, int64_t n, int64_t k, GemmAcc<T> alpha, const T* a, int64_t lda, bool trans_a,
               const T* b, int64_t ldb, bool trans_b, GemmAcc<T> beta, T* c, int64_t ldc) {
  using Acc = GemmAcc<T>;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      Acc acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        acc += static_cast<Acc>(Load(trans_a ? a[p * lda + i] : a[i * lda + p])) *
               static_cast<Acc>(Load(trans_b ? b[j * ldb + p] : b[p * ldb + j]));
      }
      T& out = c[i * ldc + j];
      const Acc result = beta == Acc(0) ? alpha * acc : alpha * acc + beta * static_cast<Acc>(Load(out));
      out = Store<T>(static_cast<Compute<T>>(result));
    }
  }
}

}  // namespace tandem::kernels::cpu::nn

#endif  // TANDEM_KERNELS_CPU_NN_GEMM_H_
