// VectorF32Kernels::depthwise_row over V = the native float vector of the including file's ISA.
// Include only from vector_f32_impl.h; everything has internal linkage (see simd.h).
//
// How a row is computed (the contract is DepthwiseRow in vector_f32.h):
//  1. Channels go in blocks of kVecs vectors, then at most one block of 2, then single vectors,
//     then one partial vector (lane by lane, a rare tail).
//  2. Within a block, output columns go kCols at a time: kCols x kVecs sums stay in registers
//     across all taps, and each weight vector, loaded once per tap, serves all kCols columns.
//     The one-pixel-at-a-time loop this replaces loaded a weight for every multiply-add and ran
//     convnext_tiny's 7x7 depthwise convolutions at about half oneDNN's speed.
//  3. Interior columns read every tap inside the row and need no checks. Columns whose window
//     overlaps the left or right padding go in "clipped" blocks, which skip each column's taps
//     outside the row; the first clipped block is filled up with interior columns, so a 7-wide
//     map with a 7x7 window is two blocks, not seven single columns.
//  4. Rows in the padding are skipped whole (null input_rows[kh]).
// Bias starts the sums and the clamp is applied at the store, so each output is written once.
// Blocking, timed on Zen 4 against oneDNN over convnext_tiny's four 7x7 shapes: 8 columns x 3
// vectors (48 channels, which divide 96 to 768) was at least as fast as 6 x 4 and 4 x 6, and
// faster than 12 x 2. The AVX2 and SSE2 sizes are chosen to fit their 16 registers, not timed.
#ifndef TANDEM_KERNELS_CPU_VECTOR_F32_DEPTHWISE_IMPL_H_
#define TANDEM_KERNELS_CPU_VECTOR_F32_DEPTHWISE_IMPL_H_

#include <cstdint>

#include "kernels/cpu/simd.h"
#include "kernels/cpu/vector_f32.h"

namespace tandem::kernels::cpu::simd {
namespace {

// Sums per block: kCols * kVecs accumulators plus kVecs weights must fit the register file
// (32 vectors under AVX-512, 16 under AVX2 and SSE2, where SSE2 also needs a product temporary).
template <typename V>
struct DepthwiseBlocking {
  static constexpr int kCols = kLanesOf<V> == 16 ? 8 : 4;
  static constexpr int kVecs = kLanesOf<V> == 16 ? 3 : 2;
};

template <typename V>
inline V ClampLanes(V v, V lo, V hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

// The taps [*kw_begin, *kw_end) of output column ow that fall inside the row; both within
// [0, kernel_w], so a block's union of them never reads a weight past the kernel.
inline void TapsInside(const DepthwiseRow& r, int64_t ow, int64_t* kw_begin, int64_t* kw_end) {
  const int64_t iw0 = ow * r.stride - r.pad_left;
  *kw_begin = iw0 < 0 ? (-iw0 + r.dilation - 1) / r.dilation : 0;
  if (*kw_begin > r.kernel_w) *kw_begin = r.kernel_w;
  const int64_t last = r.in_w - 1 - iw0;  // the last tap inside is at most last / dilation
  *kw_end = last < 0 ? 0 : (last / r.dilation + 1 < r.kernel_w ? last / r.dilation + 1 : r.kernel_w);
  if (*kw_end < *kw_begin) *kw_end = *kw_begin;
}

// Output columns [ow, ow + kCols) over channels [c, c + kVecs * lanes). Unclipped, every tap of
// every column lies inside the row; clipped, each column skips its taps in the padding (a
// branch per column and tap, taken the same way on every row, so well predicted).
template <typename V, int kCols, int kVecs, bool kClipped>
inline void DepthwiseColumns(const DepthwiseRow& r, int64_t c, int64_t ow) {
  constexpr int64_t kLanes = kLanesOf<V>;
  const int64_t channels = r.channels, col_step = r.stride * channels, tap_step = r.dilation * channels;
  int64_t kw_begin = 0, kw_end = r.kernel_w, col_begin[kCols], col_end[kCols];
  if constexpr (kClipped) {
    for (int j = 0; j < kCols; ++j) {
      TapsInside(r, ow + j, &col_begin[j], &col_end[j]);
      kw_begin = j == 0 || col_begin[j] < kw_begin ? col_begin[j] : kw_begin;
      kw_end = j == 0 || col_end[j] > kw_end ? col_end[j] : kw_end;
    }
  }
  V acc[kCols][kVecs];
#pragma GCC unroll 8
  for (int v = 0; v < kVecs; ++v) {
    const V b = r.bias ? Load<V>(r.bias + c + v * kLanes) : Splat<V>(0.0f);
#pragma GCC unroll 16
    for (int j = 0; j < kCols; ++j) acc[j][v] = b;
  }
  // Offsets rather than pointers: a clipped column's offset may point outside the input.
  const int64_t first_col = (ow * r.stride - r.pad_left) * channels + c;
  for (int64_t kh = 0; kh < r.kernel_h; ++kh) {
    const float* row = r.input_rows[kh];
    if (row == nullptr) continue;
    int64_t x = first_col + kw_begin * tap_step;
    const float* w = r.weights + (kh * r.kernel_w + kw_begin) * channels + c;
    for (int64_t kw = kw_begin; kw < kw_end; ++kw, x += tap_step, w += channels) {
      V wv[kVecs];
#pragma GCC unroll 8
      for (int v = 0; v < kVecs; ++v) wv[v] = Load<V>(w + v * kLanes);
#pragma GCC unroll 16
      for (int j = 0; j < kCols; ++j) {
        if (kClipped && (kw < col_begin[j] || kw >= col_end[j])) continue;
        const float* xj = row + x + j * col_step;
#pragma GCC unroll 8
        for (int v = 0; v < kVecs; ++v) acc[j][v] += Load<V>(xj + v * kLanes) * wv[v];
      }
    }
  }
  const V lo = Splat<V>(r.lo), hi = Splat<V>(r.hi);
  float* out = r.out + ow * channels + c;
#pragma GCC unroll 16
  for (int j = 0; j < kCols; ++j) {
#pragma GCC unroll 8
    for (int v = 0; v < kVecs; ++v) Store(out + j * channels + v * kLanes, ClampLanes(acc[j][v], lo, hi));
  }
}

// Output columns [ow, end), end - ow < kCols: one block of exactly that many columns.
template <typename V, int kCols, int kVecs, bool kClipped>
inline void DepthwiseColumnsTail(const DepthwiseRow& r, int64_t c, int64_t ow, int64_t end) {
  if constexpr (kCols > 1) {
    if (end - ow == kCols - 1) return DepthwiseColumns<V, kCols - 1, kVecs, kClipped>(r, c, ow);
    DepthwiseColumnsTail<V, kCols - 1, kVecs, kClipped>(r, c, ow, end);
  }
}

template <typename V, int kVecs, bool kClipped>
inline void DepthwiseColumnRange(const DepthwiseRow& r, int64_t c, int64_t begin, int64_t end) {
  constexpr int kCols = DepthwiseBlocking<V>::kCols;
  int64_t ow = begin;
  for (; ow + kCols <= end; ow += kCols) DepthwiseColumns<V, kCols, kVecs, kClipped>(r, c, ow);
  if (ow < end) DepthwiseColumnsTail<V, kCols, kVecs, kClipped>(r, c, ow, end);
}

// Every output column of channels [c, c + kVecs * lanes). The first clipped block also takes
// interior columns up to a whole block: a 7-wide map is one block of 6 and one of 1, not 3
// clipped columns, one interior and 3 clipped.
template <typename V, int kVecs>
void DepthwiseChannelBlock(const DepthwiseRow& r, int64_t c, int64_t interior_begin, int64_t interior_end) {
  constexpr int kCols = DepthwiseBlocking<V>::kCols;
  int64_t left_end = interior_begin;
  if (left_end > 0 && left_end < kCols) left_end = kCols < r.out_w ? kCols : r.out_w;
  const int64_t right_begin = interior_end > left_end ? interior_end : left_end;
  DepthwiseColumnRange<V, kVecs, true>(r, c, 0, left_end);
  DepthwiseColumnRange<V, kVecs, false>(r, c, left_end, right_begin);
  DepthwiseColumnRange<V, kVecs, true>(r, c, right_begin, r.out_w);
}

// Channels [c, c + n), n < lanes, one column at a time (lane by lane loads: a rare tail).
template <typename V>
void DepthwisePartialChannels(const DepthwiseRow& r, int64_t c, int64_t n) {
  const V lo = Splat<V>(r.lo), hi = Splat<V>(r.hi);
  for (int64_t ow = 0; ow < r.out_w; ++ow) {
    int64_t kw_begin, kw_end;
    TapsInside(r, ow, &kw_begin, &kw_end);
    V acc = r.bias ? LoadPartial<V>(r.bias + c, n, 0.0f) : Splat<V>(0.0f);
    for (int64_t kh = 0; kh < r.kernel_h; ++kh) {
      if (r.input_rows[kh] == nullptr) continue;
      for (int64_t kw = kw_begin; kw < kw_end; ++kw) {
        const float* x = r.input_rows[kh] + (ow * r.stride - r.pad_left + kw * r.dilation) * r.channels + c;
        const float* w = r.weights + (kh * r.kernel_w + kw) * r.channels + c;
        acc += LoadPartial<V>(x, n, 0.0f) * LoadPartial<V>(w, n, 0.0f);
      }
    }
    StorePartial(r.out + ow * r.channels + c, ClampLanes(acc, lo, hi), n);
  }
}

template <typename V>
void DepthwiseRowLoop(const DepthwiseRow& r) {
  constexpr int64_t kLanes = kLanesOf<V>;
  constexpr int kVecs = DepthwiseBlocking<V>::kVecs;
  // Interior columns: ow * stride - pad_left >= 0 and the last tap, that + (kernel_w - 1) *
  // dilation, < in_w. Narrow rows may have none (interior_begin == interior_end).
  const int64_t interior_begin = r.out_w < (r.pad_left + r.stride - 1) / r.stride
                                     ? r.out_w
                                     : (r.pad_left + r.stride - 1) / r.stride;
  const int64_t last_start = r.in_w - 1 + r.pad_left - (r.kernel_w - 1) * r.dilation;
  int64_t interior_end = last_start < 0 ? 0 : last_start / r.stride + 1;
  if (interior_end > r.out_w) interior_end = r.out_w;
  if (interior_end < interior_begin) interior_end = interior_begin;
  int64_t c = r.channel_begin;
  for (; c + kVecs * kLanes <= r.channel_end; c += kVecs * kLanes) {
    DepthwiseChannelBlock<V, kVecs>(r, c, interior_begin, interior_end);
  }
  if (kVecs > 2 && c + 2 * kLanes <= r.channel_end) {
    DepthwiseChannelBlock<V, 2>(r, c, interior_begin, interior_end);
    c += 2 * kLanes;
  }
  for (; c + kLanes <= r.channel_end; c += kLanes) DepthwiseChannelBlock<V, 1>(r, c, interior_begin, interior_end);
  if (c < r.channel_end) DepthwisePartialChannels<V>(r, c, r.channel_end - c);
}

}  // namespace
}  // namespace tandem::kernels::cpu::simd

#endif  // TANDEM_KERNELS_CPU_VECTOR_F32_DEPTHWISE_IMPL_H_
