// Blocked GEMM (see nn_gemm.h). Loop nest, BLIS-style, per task of C rows × C columns:
//   for each KC-deep slice of K:           pack alpha·op(A)[rows, slice] into MR-tall strips
//     for each NR-wide panel of packed B:  the B panel slice (KC×NR) stays in L1
//       for each MR strip of A:            MR×NR register tile += strip · panel
// The register tile uses GCC vector extensions (one 64-byte vector per tile row) and the block
// function is compiled three times (target_clones) so AVX-512 or AVX2+FMA is used when present.
#include "kernels/cpu/nn_gemm.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/kernel.h"

// target_clones dispatches through an ifunc whose resolver the dynamic loader runs before
// ThreadSanitizer's runtime is up; an instrumented resolver then crashes the process at start.
// TSan builds keep the baseline version only.
#if defined(__SANITIZE_THREAD__)
#define TANDEM_CPU_CLONES
#else
#define TANDEM_CPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif

namespace tandem::kernels::cpu::nn {
namespace {

constexpr int kMr = 6;        // tile rows: 6 accumulators + 1 B vector fit AVX2's 16 registers
constexpr int64_t kKc = 256;  // K slice: an A strip and a B panel slice stay in L1
constexpr int64_t kMc = 72;   // rows per task (12 strips): the packed A block stays in L2
constexpr int64_t kNcPanels = 16;  // panels per task

template <typename T>
struct Tile {
  static constexpr int kNr = PackedB<T>::kNr;
  typedef T Vec __attribute__((vector_size(64)));
};

// One MR×NR tile: C[0:mr, 0:nr] = strip·panel (+ beta·C when beta != 0).
template <typename T>
__attribute__((always_inline)) inline void TileKernel(int64_t kc, const T* a, const T* b, T* c, int64_t ldc,
                                                      int mr, int nr, T beta) {
  using Vec = typename Tile<T>::Vec;
  constexpr int kNr = Tile<T>::kNr;
  Vec acc[kMr] = {};
  for (int64_t p = 0; p < kc; ++p) {
    Vec bv;
    std::memcpy(&bv, b + p * kNr, sizeof(Vec));
#pragma GCC unroll 8
    for (int i = 0; i < kMr; ++i) acc[i] += a[p * kMr + i] * bv;
  }
  if (mr == kMr && nr == kNr) {
#pragma GCC unroll 8
    for (int i = 0; i < kMr; ++i) {
      T* row = c + i * ldc;
      if (beta != T(0)) {
        Vec cv;
        std::memcpy(&cv, row, sizeof(Vec));
        acc[i] += beta * cv;
      }
      std::memcpy(row, &acc[i], sizeof(Vec));
    }
    return;
  }
  T tile[kMr][kNr];
  std::memcpy(tile, acc, sizeof(tile));
  for (int i = 0; i < mr; ++i) {
    T* row = c + i * ldc;
    for (int j = 0; j < nr; ++j) row[j] = beta != T(0) ? tile[i][j] + beta * row[j] : tile[i][j];
  }
}

// All tiles of an mc-row block against panels [p0, p1) for one K slice.
template <typename T>
__attribute__((always_inline)) inline void BlockImpl(int64_t mc, int64_t kc, int64_t row0, const T* a_packed,
                                                     const PackedB<T>& b, int64_t p0, int64_t p1, T* c,
                                                     int64_t ldc, T beta) {
  constexpr int kNr = Tile<T>::kNr;
  for (int64_t p = p0; p < p1; ++p) {
    const T* panel = b.panel(p, row0);
    const int nr = static_cast<int>(std::min<int64_t>(kNr, b.n() - p * kNr));
    for (int64_t i = 0; i < mc; i += kMr) {
      const int mr = static_cast<int>(std::min<int64_t>(kMr, mc - i));
      TileKernel<T>(kc, a_packed + i * kc, panel, c + i * ldc + p * kNr, ldc, mr, nr, beta);
    }
  }
}

TANDEM_CPU_CLONES
void BlockF32(int64_t mc, int64_t kc, int64_t row0, const float* a_packed, const PackedB<float>& b, int64_t p0,
              int64_t p1, float* c, int64_t ldc, float beta) {
  BlockImpl<float>(mc, kc, row0, a_packed, b, p0, p1, c, ldc, beta);
}

TANDEM_CPU_CLONES
void BlockF64(int64_t mc, int64_t kc, int64_t row0, const double* a_packed, const PackedB<double>& b, int64_t p0,
              int64_t p1, double* c, int64_t ldc, double beta) {
  BlockImpl<double>(mc, kc, row0, a_packed, b, p0, p1, c, ldc, beta);
}

inline void Block(int64_t mc, int64_t kc, int64_t row0, const float* a, const PackedB<float>& b, int64_t p0,
                  int64_t p1, float* c, int64_t ldc, float beta) {
  BlockF32(mc, kc, row0, a, b, p0, p1, c, ldc, beta);
}
inline void Block(int64_t mc, int64_t kc, int64_t row0, const double* a, const PackedB<double>& b, int64_t p0,
                  int64_t p1, double* c, int64_t ldc, double beta) {
  BlockF64(mc, kc, row0, a, b, p0, p1, c, ldc, beta);
}

// Packs alpha·op(A)[i0:i0+mc, k0:k0+kc] into MR-tall strips, [strip][k][MR], zero-padded rows.
template <typename T>
void PackA(const T* a, int64_t lda, bool trans, T alpha, int64_t i0, int64_t mc, int64_t k0, int64_t kc, T* out) {
  for (int64_t s = 0; s < mc; s += kMr) {
    T* strip = out + s * kc;
    const int mr = static_cast<int>(std::min<int64_t>(kMr, mc - s));
    for (int64_t p = 0; p < kc; ++p) {
      for (int i = 0; i < kMr; ++i) {
        const int64_t r = i0 + s + i, col = k0 + p;
        strip[p * kMr + i] = i < mr ? alpha * (trans ? a[col * lda + r] : a[r * lda + col]) : T(0);
      }
    }
  }
}

// Columns [j0, j1) of C for tiny m, straight from A and B without packing: per row of C, dot
// products with B's rows (trans_b) or axpys of B's rows. `arow` holds alpha·op(A)[i, :].
template <typename T>
__attribute__((always_inline)) inline void SmallMRowImpl(int64_t k, const T* arow, const T* b, int64_t ldb,
                                                         bool trans_b, T beta, T* row, int64_t j0, int64_t j1) {
  using Vec = typename Tile<T>::Vec;
  constexpr int kW = Tile<T>::kNr;
  for (int64_t j = j0; j < j1; ++j) row[j] = beta == T(0) ? T(0) : beta * row[j];
  if (trans_b) {
    for (int64_t j = j0; j < j1; ++j) {
      const T* brow = b + j * ldb;
      Vec acc = {};
      int64_t p = 0;
      for (; p + kW <= k; p += kW) {
        Vec av, bv;
        std::memcpy(&av, arow + p, sizeof(Vec));
        std::memcpy(&bv, brow + p, sizeof(Vec));
        acc += av * bv;
      }
      T sum = 0;
      for (int i = 0; i < kW; ++i) sum += acc[i];
      for (; p < k; ++p) sum += arow[p] * brow[p];
      row[j] += sum;
    }
    return;
  }
  for (int64_t p = 0; p < k; ++p) {
    const T av = arow[p];
    const T* brow = b + p * ldb;
    int64_t j = j0;
    for (; j + kW <= j1; j += kW) {
      Vec cv, bv;
      std::memcpy(&cv, row + j, sizeof(Vec));
      std::memcpy(&bv, brow + j, sizeof(Vec));
      cv += av * bv;
      std::memcpy(row + j, &cv, sizeof(Vec));
    }
    for (; j < j1; ++j) row[j] += av * brow[j];
  }
}

TANDEM_CPU_CLONES
void SmallMRowF32(int64_t k, const float* arow, const float* b, int64_t ldb, bool trans_b, float beta, float* row,
                  int64_t j0, int64_t j1) {
  SmallMRowImpl<float>(k, arow, b, ldb, trans_b, beta, row, j0, j1);
}

TANDEM_CPU_CLONES
void SmallMRowF64(int64_t k, const double* arow, const double* b, int64_t ldb, bool trans_b, double beta,
                  double* row, int64_t j0, int64_t j1) {
  SmallMRowImpl<double>(k, arow, b, ldb, trans_b, beta, row, j0, j1);
}

inline void SmallMRow(int64_t k, const float* arow, const float* b, int64_t ldb, bool trans_b, float beta,
                      float* row, int64_t j0, int64_t j1) {
  SmallMRowF32(k, arow, b, ldb, trans_b, beta, row, j0, j1);
}
inline void SmallMRow(int64_t k, const double* arow, const double* b, int64_t ldb, bool trans_b, double beta,
                      double* row, int64_t j0, int64_t j1) {
  SmallMRowF64(k, arow, b, ldb, trans_b, beta, row, j0, j1);
}

}  // namespace

template <typename T>
void PackedB<T>::Pack(int64_t k, int64_t n, const T* b, int64_t ldb, bool trans) {
  k_ = k;
  n_ = n;
  data_.assign(static_cast<size_t>(panels() * k * kNr), T(0));
  for (int64_t p = 0; p < panels(); ++p) {
    T* out = data_.data() + p * k * kNr;
    const int64_t nr = std::min<int64_t>(kNr, n - p * kNr);
    for (int64_t row = 0; row < k; ++row) {
      for (int64_t j = 0; j < nr; ++j) {
        const int64_t col = p * kNr + j;
        out[row * kNr + j] = trans ? b[col * ldb + row] : b[row * ldb + col];
      }
    }
  }
}

template <typename T>
void GemmPacked(int64_t m, T alpha, const T* a, int64_t lda, bool trans_a, const PackedB<T>& b, T beta, T* c,
                int64_t ldc, pthreadpool_t pool) {
  const int64_t n = b.n(), k = b.k();
  if (m == 0 || n == 0) return;
  if (k == 0) {  // no products: C = beta·C
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  const int64_t row_blocks = (m + kMc - 1) / kMc;
  const int64_t col_blocks = (b.panels() + kNcPanels - 1) / kNcPanels;
  ParallelFor(pool, row_blocks * col_blocks, [&](int64_t task) {
    const int64_t i0 = (task / col_blocks) * kMc, mc = std::min(kMc, m - i0);
    const int64_t p0 = (task % col_blocks) * kNcPanels, p1 = std::min(b.panels(), p0 + kNcPanels);
    thread_local std::vector<T> a_packed;
    a_packed.resize(static_cast<size_t>(((kMc + kMr - 1) / kMr) * kMr * kKc));
    for (int64_t k0 = 0; k0 < k; k0 += kKc) {
      const int64_t kc = std::min(kKc, k - k0);
      PackA(a, lda, trans_a, alpha, i0, mc, k0, kc, a_packed.data());
      Block(mc, kc, k0, a_packed.data(), b, p0, p1, c + i0 * ldc, ldc, k0 == 0 ? beta : T(1));
    }
  });
}

template <typename T>
void Gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, bool trans_a, const T* b,
          int64_t ldb, bool trans_b, T beta, T* c, int64_t ldc, pthreadpool_t pool) {
  if (m == 0 || n == 0) return;
  if (m <= 2) {  // packing B would cost as much as the product itself
    std::vector<T> arows(static_cast<size_t>(m * k));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p) arows[i * k + p] = alpha * (trans_a ? a[p * lda + i] : a[i * lda + p]);
    ParallelForRange(pool, n, std::max<int64_t>(64, 65536 / std::max<int64_t>(1, k)), [&](int64_t j0, int64_t j1) {
      for (int64_t i = 0; i < m; ++i) SmallMRow(k, arows.data() + i * k, b, ldb, trans_b, beta, c + i * ldc, j0, j1);
    });
    return;
  }
  PackedB<T> packed;
  packed.Pack(k, n, b, ldb, trans_b);
  GemmPacked(m, alpha, a, lda, trans_a, packed, beta, c, ldc, pool);
}

template class PackedB<float>;
template class PackedB<double>;
template void GemmPacked<float>(int64_t, float, const float*, int64_t, bool, const PackedB<float>&, float,
                                float*, int64_t, pthreadpool_t);
template void GemmPacked<double>(int64_t, double, const double*, int64_t, bool, const PackedB<double>&, double,
                                 double*, int64_t, pthreadpool_t);
template void Gemm<float>(int64_t, int64_t, int64_t, float, const float*, int64_t, bool, const float*, int64_t,
                          bool, float, float*, int64_t, pthreadpool_t);
template void Gemm<double>(int64_t, int64_t, int64_t, double, const double*, int64_t, bool, const double*,
                           int64_t, bool, double, double*, int64_t, pthreadpool_t);

}  // namespace tandem::kernels::cpu::nn
