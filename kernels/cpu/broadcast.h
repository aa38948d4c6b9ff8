// Numpy-style multidirectional broadcasting for elementwise kernels.
//
// How an output index becomes input offsets, cheaply:
//  1. Every input's dims are right-aligned against the output's; missing leading dims are 1.
//  2. Output dims of size 1 are dropped: no input moves along them.
//  3. Adjacent dims are merged when every input is broadcast along both or along neither. A
//     same-shape op becomes one flat dim; [N,C,H,W] + [C,1,1] becomes [N, C, H*W].
//  4. Each input gets one stride per merged dim: 0 where it is broadcast, else its row-major
//     stride over the merged dims.
// Kernels then walk the output in runs along the last merged dim. Along a run every input's
// stride is 0 (one value repeated: scalar or row broadcast) or 1 (contiguous), so a kernel's inner
// loop is a plain pointer loop the compiler vectorises, specialised on those two cases.
//
// Thread-safety: a BroadcastIndexer is immutable after construction; ForEachRun may be called
// from several threads at once on disjoint ranges.
#ifndef TANDEM_KERNELS_CPU_BROADCAST_H_
#define TANDEM_KERNELS_CPU_BROADCAST_H_

#include <algorithm>
#include <cstdint>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {

// The multidirectional broadcast of `shapes`; InvalidArgument naming the clashing shapes when
// two non-1 sizes differ along a dim.
inline absl::StatusOr<Dims> BroadcastDims(absl::Span<const Dims> shapes) {
  size_t rank = 0;
  for (const Dims& s : shapes) rank = std::max(rank, s.size());
  Dims out(rank, 1);
  for (const Dims& s : shapes) {
    size_t pad = rank - s.size();
    for (size_t d = 0; d < s.size(); ++d) {
      int64_t& o = out[pad + d];
      if (s[d] == o || s[d] == 1) continue;
      if (o != 1) {
        std::vector<std::string> all;
        for (const Dims& t : shapes) all.push_back(absl::StrCat("[", absl::StrJoin(t, ","), "]"));
        return absl::InvalidArgumentError(
            absl::StrCat("shapes ", absl::StrJoin(all, ", "), " do not broadcast"));
      }
      o = s[d];
    }
  }
  return out;
}

// True when `from` broadcasts to exactly `to` (unidirectional, as PRelu's slope).
inline bool BroadcastsTo(absl::Span<const int64_t> from, absl::Span<const int64_t> to) {
  if (from.size() > to.size()) return false;
  size_t pad = to.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d) {
    if (from[d] != 1 && from[d] != to[pad + d]) return false;
  }
  return true;
}

class BroadcastIndexer {
 public:
  BroadcastIndexer() = default;

  // Requires every inputs[k] to broadcast to `out` (BroadcastsTo); callers check first.
  BroadcastIndexer(absl::Span<const Dims> inputs, absl::Span<const int64_t> out)
      : num_inputs_(static_cast<int>(inputs.size())), size_(1) {
    for (int64_t d : out) size_ *= d;
    // Steps 1-3: merged dims, and whether each input is broadcast along each of them.
    absl::InlinedVector<bool, 24> bcast;  // [j * num_inputs_ + k]
    for (size_t d = 0; d < out.size(); ++d) {
      if (out[d] == 1) continue;
      absl::InlinedVector<bool, 4> b(num_inputs_);
      for (int k = 0; k < num_inputs_; ++k) {
        const Dims& in = inputs[k];
        size_t pad = out.size() - in.size();
        b[k] = d < pad || in[d - pad] == 1;
      }
      bool same = !dims_.empty() &&
                  std::equal(b.begin(), b.end(), bcast.end() - num_inputs_, bcast.end());
      if (same) {
        dims_.back() *= out[d];
      } else {
        dims_.push_back(out[d]);
        bcast.insert(bcast.end(), b.begin(), b.end());
      }
    }
    if (dims_.empty()) {  // every dim is 1: one element
      dims_.push_back(1);
      bcast.assign(num_inputs_, true);
    }
    // Step 4: strides over the merged dims.
    const int m = rank();
    strides_.assign(static_cast<size_t>(m) * num_inputs_, 0);
    for (int k = 0; k < num_inputs_; ++k) {
      int64_t running = 1;
      for (int j = m - 1; j >= 0; --j) {
        if (bcast[j * num_inputs_ + k]) continue;
        strides_[k * m + j] = running;
        running *= dims_[j];
      }
    }
  }

  int num_inputs() const { return num_inputs_; }
  int64_t size() const { return size_; }  // output elements
  int rank() const { return static_cast<int>(dims_.size()); }  // merged dims (at least 1)
  // Stride of input k along a run: 0 (repeated value) or 1 (contiguous).
  int64_t inner_stride(int k) const { return strides_[k * rank() + rank() - 1]; }
  // True when every input has the output's shape: one contiguous run.
  bool all_contiguous() const {
    if (rank() != 1) return false;
    for (int k = 0; k < num_inputs_; ++k) {
      if (inner_stride(k) != 1) return false;
    }
    return true;
  }

  // Calls fn(out_offset, count, in_offsets) for the maximal runs that cover output elements
  // [begin, end); in_offsets[k] is input k's element offset at out_offset, and along the run
  // input k advances by inner_stride(k).
  template <typename Fn>
  void ForEachRun(int64_t begin, int64_t end, Fn&& fn) const {
    if (begin >= end) return;
    const int m = rank();
    const int64_t inner = dims_[m - 1];
    absl::InlinedVector<int64_t, 6> idx(m);
    absl::InlinedVector<int64_t, 4> off(num_inputs_, 0);
    int64_t rem = begin;
    for (int j = m - 1; j >= 0; --j) {
      idx[j] = rem % dims_[j];
      rem /= dims_[j];
    }
    for (int k = 0; k < num_inputs_; ++k) {
      for (int j = 0; j < m; ++j) off[k] += idx[j] * strides_[k * m + j];
    }
    int64_t cur = begin;
    while (true) {
      int64_t count = std::min(inner - idx[m - 1], end - cur);
      fn(cur, count, static_cast<const int64_t*>(off.data()));
      cur += count;
      if (cur >= end) return;
      // The run ended at the end of the last dim: rewind it and carry into the outer dims.
      for (int k = 0; k < num_inputs_; ++k) off[k] -= idx[m - 1] * strides_[k * m + m - 1];
      idx[m - 1] = 0;
      for (int j = m - 2; j >= 0; --j) {
        ++idx[j];
        for (int k = 0; k < num_inputs_; ++k) off[k] += strides_[k * m + j];
        if (idx[j] < dims_[j]) break;
        for (int k = 0; k < num_inputs_; ++k) off[k] -= dims_[j] * strides_[k * m + j];
        idx[j] = 0;
      }
    }
  }

 private:
  int num_inputs_ = 0;
  int64_t size_ = 0;
  Dims dims_;                                 // merged output dims
  absl::InlinedVector<int64_t, 12> strides_;  // [k * rank() + j]
};

}  // namespace tandem::kernels::cpu

#endif  // TANDEM_KERNELS_CPU_BROADCAST_H_
