// VectorF32Kernels on F32x4, compiled for baseline x86-64 (no extra flags).
#include "kernels/cpu/vector_f32_impl.h"

namespace tandem::kernels::cpu {

const VectorF32Kernels kVectorF32Sse2 = simd::MakeVectorF32Kernels<simd::F32x4>("sse2");

}  // namespace tandem::kernels::cpu
