// VectorF32Kernels on F32x8, compiled for -mavx2 -mfma (kernels/CMakeLists.txt).
#include "kernels/cpu/vector_f32_impl.h"

namespace tandem::kernels::cpu {

const VectorF32Kernels kVectorF32Avx2 = simd::MakeVectorF32Kernels<simd::F32x8>("avx2");

}  // namespace tandem::kernels::cpu
