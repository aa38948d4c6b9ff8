// VectorF32Kernels on F32x16, compiled for -mavx512f -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma (kernels/CMakeLists.txt).
#include "kernels/cpu/vector_f32_impl.h"

namespace tandem::kernels::cpu {

const VectorF32Kernels kVectorF32Avx512 = simd::MakeVectorF32Kernels<simd::F32x16>("avx512");

}  // namespace tandem::kernels::cpu
