// The strided copy that Transpose, Slice, Expand, Tile, DepthToSpace and SpaceToDepth reduce to:
//
//   out[i_0, ..., i_{n-1}] = in[offset + sum_d i_d * src_strides[d]]
//
// with `out` contiguous. Strides are in elements and may be 0 (broadcast: Expand, Tile) or
// negative (a Slice with negative steps). Each op only builds the view; the engine then
//   1. drops size-1 dims and merges neighbours that are contiguous in both tensors,
//   2. picks a loop: contiguous rows (memcpy), broadcast rows (fill), a tiled 2-D transpose
//      when some other dim is the source's contiguous one (so reads and writes both stay in
//      cache lines), or a plain strided row loop,
//   3. runs it in parallel over rows (or tiles) on the thread pool.
#ifndef TANDEM_KERNELS_CPU_DATA_MOVEMENT_STRIDED_H_
#define TANDEM_KERNELS_CPU_DATA_MOVEMENT_STRIDED_H_

#include <cstdint>

#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu::data_movement {

struct StridedView {
  Dims dims;         // output dims
  Dims src_strides;  // per output dim, in elements
  int64_t src_offset = 0;
};

// Steps 1 of the overview: the same copy with fewer dims. Exposed for tests.
StridedView SimplifyView(const StridedView& view);

// Copies the view from `src` into contiguous `dst`; `elem_size` is 1, 2, 4, 8 or 16.
// The caller guarantees every source index lies inside the source buffer.
void StridedCopy(const StridedView& view, const void* src, void* dst, int elem_size,
                 pthreadpool_t pool);

// The view that transposes a tensor of `src_dims` by `perm` (out dim d = in dim perm[d]).
StridedView TransposeView(const Dims& src_dims, const Dims& perm);

}  // namespace tandem::kernels::cpu::data_movement

#endif  // TANDEM_KERNELS_CPU_DATA_MOVEMENT_STRIDED_H_
