#include "kernels/cpu/vector_f32.h"

#include <initializer_list>

namespace tandem::kernels::cpu {
namespace {

// __builtin_cpu_supports also checks that the OS saves the AVX/AVX-512 registers (XCR0).
bool CpuRuns(VectorIsa isa) {
  __builtin_cpu_init();
  switch (isa) {
    case VectorIsa::kSse2:
      return true;
    case VectorIsa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case VectorIsa::kAvx512:
      return CpuRuns(VectorIsa::kAvx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl");
  }
  return false;
}

}  // namespace

const VectorF32Kernels* VectorF32For(VectorIsa isa) {
  if (!CpuRuns(isa)) return nullptr;
  switch (isa) {
    case VectorIsa::kSse2: return &kVectorF32Sse2;
    case VectorIsa::kAvx2: return &kVectorF32Avx2;
    case VectorIsa::kAvx512: return &kVectorF32Avx512;
  }
  return nullptr;
}

const VectorF32Kernels& VectorF32() {
  static const VectorF32Kernels* best = [] {
    for (VectorIsa isa : {VectorIsa::kAvx512, VectorIsa::kAvx2}) {
      if (const VectorF32Kernels* k = VectorF32For(isa)) return k;
    }
    return &kVectorF32Sse2;
  }();
  return *best;
}

}  // namespace tandem::kernels::cpu
