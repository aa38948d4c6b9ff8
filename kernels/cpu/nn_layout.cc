#include "kernels/cpu/nn_layout.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::nn {
namespace {

// 32x32 float tiles: 4 KiB read + 4 KiB written, well inside L1.
constexpr int64_t kTile = 32;

void TransposeTile(const float* src, float* dst, int64_t rows, int64_t cols, int64_t r0, int64_t c0) {
  const int64_t r1 = std::min(rows, r0 + kTile), c1 = std::min(cols, c0 + kTile);
  for (int64_t r = r0; r < r1; ++r) {
    const float* s = src + r * cols;
    for (int64_t c = c0; c < c1; ++c) dst[c * rows + r] = s[c];
  }
}

}  // namespace

void TransposeBatched(const float* src, float* dst, int64_t batch, int64_t rows, int64_t cols,
                      pthreadpool_t pool) {
  if (batch == 0 || rows == 0 || cols == 0) return;
  if (rows == 1 || cols == 1) {  // a transpose of a vector is a copy
    std::memcpy(dst, src, static_cast<size_t>(batch * rows * cols) * sizeof(float));
    return;
  }
  const int64_t row_tiles = (rows + kTile - 1) / kTile, col_tiles = (cols + kTile - 1) / kTile;
  const int64_t tiles = batch * row_tiles * col_tiles;
  // About 16 tiles (64 KiB) per task keeps scheduling overhead small.
  ParallelForRange(pool, tiles, 16, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t b = t / (row_tiles * col_tiles), rest = t % (row_tiles * col_tiles);
      const int64_t rt = rest / col_tiles, ct = rest % col_tiles;
      TransposeTile(src + b * rows * cols, dst + b * rows * cols, rows, cols, rt * kTile, ct * kTile);
    }
  });
}

}  // namespace tandem::kernels::cpu::nn
